import Foundation
import IntelStore
import IntelStoreSQLite
import STIX
import TestSupport
import Testing

/// Cases, on every store backend.
@Suite("Store conformance: cases")
struct CaseStoreTests {
    static func finding(_ time: String?, rule: String, techniques: [String] = ["T1059.001"]) -> CaseFinding {
        CaseFinding(
            timestamp: time, computer: "WS01", channel: "Security", eventID: "4688", recordID: 42, ruleID: "r-1",
            ruleTitle: rule, level: "high", techniques: techniques, tactics: ["TA0002"], software: ["S0002"],
            fields: ["CommandLine": "powershell -enc AAAA", "Image": "C:\\Windows\\powershell.exe"], evidence: "/cases/a.evtx",
            evidenceSHA256: String(repeating: "ab", count: 32))
    }

    @Test(arguments: StoreKind.allCases)
    func aCaseKeepsEvidenceFindingsAndNotesInOrder(_ kind: StoreKind) async throws {
        let (store, folder) = try kind.make()
        _ = folder
        try await store.createCase(CaseInfo(name: "MFA-2022", created: "2026-11-29T07:00:00.000Z", tlp: .red, description: "ministry"))
        let info = try #require(try await store.caseInfo(named: "MFA-2022"))
        #expect(info.tlp == .red && info.description == "ministry")

        let file = CaseEvidenceFile(path: "/cases/a.evtx", sha256: String(repeating: "ab", count: 32), size: 69_632, added: "2026-11-29T07:01:00.000Z")
        try await store.addToCase(
            "MFA-2022", evidence: [file],
            findings: [Self.finding("2022-03-02T10:00:00Z", rule: "late"), Self.finding(nil, rule: "untimed"), Self.finding("2022-03-01T09:00:00Z", rule: "early")])
        // The same file hunted again is recorded once; its findings are added.
        try await store.addToCase("MFA-2022", evidence: [file], findings: [])
        #expect(try await store.evidence(ofCase: "MFA-2022") == [file])
        let findings = try await store.findings(ofCase: "MFA-2022")
        #expect(findings.map(\.ruleTitle) == ["early", "late", "untimed"])
        #expect(findings[0] == Self.finding("2022-03-01T09:00:00Z", rule: "early"))

        try await store.addNote(CaseNote(kind: .technique, text: "T1566.002", comment: "phishing link in report", author: "alice", at: "2026-11-29T07:02:00.000Z"), toCase: "MFA-2022")
        try await store.addNote(CaseNote(kind: .note, text: "victim confirmed", author: "bob", at: "2026-11-29T07:03:00.000Z"), toCase: "MFA-2022")
        let notes = try await store.notes(ofCase: "MFA-2022")
        #expect(notes.map(\.kind) == [.technique, .note])
        #expect(notes[0].author == "alice" && notes[0].comment == "phishing link in report")
    }

    @Test(arguments: StoreKind.allCases)
    func findingsCanComeWithTheFieldsOfIndicatorHitsOnly(_ kind: StoreKind) async throws {
        let (store, folder) = try kind.make()
        _ = folder
        try await store.createCase(CaseInfo(name: "c", created: "2026-11-29T07:00:00.000Z", tlp: .amber))
        var hit = Self.finding("2022-03-02T10:00:00Z", rule: "Indicator: C2")
        hit.ruleID = "indicator--6a5b8e6d-6f53-4bb4-94c0-0c2a2b1e0d01"
        hit.fields = ["indicator.source": "Partner CERT", "indicator.tlp": "TLP:GREEN"]
        try await store.addToCase("c", evidence: [], findings: [Self.finding("2022-03-01T09:00:00Z", rule: "rule"), hit])
        let all = try await store.findings(ofCase: "c", fields: .all)
        #expect(all.map(\.fields.count) == [2, 2] && all[1] == hit)
        let summary = try await store.findings(ofCase: "c", fields: .indicatorHits)
        #expect(summary.map(\.fields) == [[:], hit.fields])
        #expect(summary.map(\.ruleTitle) == ["rule", "Indicator: C2"] && summary[0].techniques == ["T1059.001"])
    }

    @Test(arguments: StoreKind.allCases)
    func fieldValuesAreCountedPerRuleWithoutOtherKeysOrCases(_ kind: StoreKind) async throws {
        let (store, folder) = try kind.make()
        _ = folder
        for name in ["c", "other"] { try await store.createCase(CaseInfo(name: name, created: "2026-11-29T07:00:00.000Z", tlp: .amber)) }
        var dump = Self.finding("2022-03-01T09:00:00Z", rule: "LSASS dump")
        dump.fields = ["Image": "C:\\Tools\\mimikatz.exe", "TargetImage": "C:\\Windows\\System32\\lsass.exe", "Note": "ünïcode \"quoted\""]
        // U+0000 in a value (EVTX strings can hold it; PostgreSQL's jsonb cannot).
        var zero = Self.finding(nil, rule: "zero")
        zero.fields = ["Image": "C:\\Tools\\a\u{0}b.exe", "Other": "x\u{0}"]
        try await store.addToCase("c", evidence: [], findings: [Self.finding(nil, rule: "encoded"), Self.finding(nil, rule: "encoded"), dump, dump, zero])
        try await store.addToCase("other", evidence: [], findings: [Self.finding(nil, rule: "encoded")])
        let values = try await store.fieldValues(ofCase: "c", keys: ["Image", "CommandLine", "Note"])
        #expect(values == [
            FindingFieldValue(ruleTitle: "LSASS dump", key: "Image", value: "C:\\Tools\\mimikatz.exe", count: 2),
            FindingFieldValue(ruleTitle: "LSASS dump", key: "Note", value: "ünïcode \"quoted\"", count: 2),
            FindingFieldValue(ruleTitle: "encoded", key: "CommandLine", value: "powershell -enc AAAA", count: 2),
            FindingFieldValue(ruleTitle: "encoded", key: "Image", value: "C:\\Windows\\powershell.exe", count: 2),
            FindingFieldValue(ruleTitle: "zero", key: "Image", value: "C:\\Tools\\a\u{0}b.exe", count: 1),
        ])
        #expect(try await store.fieldValues(ofCase: "c", keys: []).isEmpty)
        await #expect(throws: IntelStoreError.self) { try await store.fieldValues(ofCase: "missing", keys: ["Image"]) }
    }

    @Test(arguments: StoreKind.allCases)
    func pagesOfFindingsFollowTheFilterWithoutGapsOrRepeats(_ kind: StoreKind) async throws {
        let (store, folder) = try kind.make()
        _ = folder
        try await store.createCase(CaseInfo(name: "c", created: "2026-11-29T07:00:00.000Z", tlp: .amber))
        var findings: [CaseFinding] = []
        let hosts = ["WS01", "ws01", "DC1", "%_x"]
        for index in 0..<40 {
            // Repeated times, untimed findings, levels with none, parents and sub-techniques.
            let time = index % 7 == 0 ? nil : "2022-03-\(String(format: "%02d", 1 + index % 5))T10:00:00Z"
            var finding = Self.finding(time, rule: "rule \(index)", techniques: index % 3 == 0 ? ["T1059"] : ["T1059.001", "T1003"])
            finding.level = index % 4 == 0 ? nil : ["low", "high", "medium"][index % 3]
            finding.tactics = index % 2 == 0 ? ["TA0002", "TA0005"] : ["TA0006"]
            finding.computer = hosts[index % hosts.count]
            findings.append(finding)
        }
        try await store.addToCase("c", evidence: [], findings: Array(findings[..<20]))
        try await store.addToCase("c", evidence: [], findings: Array(findings[20...]))
        let all = try await store.findings(ofCase: "c")
        let filters = [
            FindingFilter(), FindingFilter(levels: ["high", "none"]), FindingFilter(tactic: "TA0005"), FindingFilter(tactic: "TA000"),
            FindingFilter(technique: "T1059"), FindingFilter(technique: "T1059.001"), FindingFilter(technique: "T105"), FindingFilter(host: "ws01"),
            FindingFilter(host: "%_x"), FindingFilter(host: "%"), FindingFilter(from: "2022-03-02", to: "2022-03-04"),
            FindingFilter(levels: ["low"], tactic: "TA0002", technique: "T1059", host: "WS01", from: "2022-03-01"),
        ]
        for filter in filters {
            let expected = all.filter { filter.accepts($0) }
            for limit in [1, 3, 1_000] {
                var seen: [CaseFinding] = []
                var cursor: FindingCursor?
                repeat {
                    let page = try await store.findings(ofCase: "c", filter: filter, after: cursor, limit: limit)
                    #expect(page.total == expected.count, "\(filter)")
                    #expect(page.findings.count <= limit)
                    seen += page.findings
                    cursor = page.next.flatMap { FindingCursor(token: $0.token) }
                    #expect(cursor == page.next, "the cursor survives its token")
                } while cursor != nil && seen.count <= all.count
                #expect(seen.map(\.ruleTitle) == expected.map(\.ruleTitle), "\(filter), \(limit) a page")
            }
        }
        #expect(all.filter { FindingFilter(host: "ws01").accepts($0) }.count == 20, "hosts ignore case")
        #expect(all.filter { FindingFilter(technique: "T1059").accepts($0) }.count == 40, "a parent selects its sub-techniques")
        #expect(all.filter { FindingFilter(technique: "T105").accepts($0) }.isEmpty)

        // Findings added between pages come after the cursor or not at all: nothing repeats.
        let first = try await store.findings(ofCase: "c", filter: FindingFilter(), after: nil, limit: 10)
        try await store.addToCase("c", evidence: [], findings: [Self.finding("2022-03-01T10:00:00Z", rule: "late early"), Self.finding(nil, rule: "late untimed")])
        var rest: [CaseFinding] = []
        var cursor = first.next
        while let current = cursor {
            let page = try await store.findings(ofCase: "c", filter: FindingFilter(), after: current, limit: 7)
            rest += page.findings
            cursor = page.next
        }
        let titles = (first.findings + rest).map(\.ruleTitle)
        #expect(Set(titles).count == titles.count && titles.count == 41, "the untimed one added last is read, the earlier one is before the cursor")
        #expect(FindingCursor(token: "x.y") == nil && FindingCursor(token: "-1.") == nil)
    }

    @Test(arguments: StoreKind.allCases)
    func filteredCountsStopAtTheLimitAndTheCaseCountIsExact(_ kind: StoreKind) async throws {
        let (store, folder) = try kind.make()
        _ = folder
        try await store.createCase(CaseInfo(name: "big", created: "2026-11-29T07:00:00.000Z", tlp: .amber))
        let count = FindingPage.countLimit + 50
        let findings = (0..<count).map { index in
            var finding = Self.finding(String(format: "2022-03-01T%02d:%02d:%02dZ", index / 3600 % 24, index / 60 % 60, index % 60), rule: "r\(index)")
            finding.level = index < 10 ? "critical" : "high"
            return finding
        }
        try await store.addToCase("big", evidence: [], findings: Array(findings[..<(count / 2)]))
        try await store.addToCase("big", evidence: [], findings: Array(findings[(count / 2)...]))
        let everything = try await store.findings(ofCase: "big", filter: FindingFilter(), after: nil, limit: 10)
        #expect(everything.total == count && everything.totalIsExact)
        let many = try await store.findings(ofCase: "big", filter: FindingFilter(levels: ["high"]), after: nil, limit: 10)
        #expect(many.total == FindingPage.countLimit && !many.totalIsExact && many.findings.count == 10 && many.next != nil)
        let few = try await store.findings(ofCase: "big", filter: FindingFilter(levels: ["critical"]), after: nil, limit: 10)
        #expect(few.total == 10 && few.totalIsExact && few.next == nil)
        let exactlyAtTheLimit = try await store.findings(ofCase: "big", filter: FindingFilter(from: "2022-03-01T00:00:50Z"), after: nil, limit: 1)
        #expect(exactlyAtTheLimit.total == FindingPage.countLimit && exactlyAtTheLimit.totalIsExact)
    }

    @Test(arguments: StoreKind.allCases)
    func evidenceThatCouldNotBeHashedIsKeptWithItsReason(_ kind: StoreKind) async throws {
        let (store, folder) = try kind.make()
        _ = folder
        try await store.createCase(CaseInfo(name: "c", created: "2026-11-29T07:00:00.000Z", tlp: nil))
        let hashed = CaseEvidenceFile(path: "/cases/a.evtx", sha256: String(repeating: "ab", count: 32), size: 10, added: "2026-11-29T07:01:00.000Z")
        let unhashed = CaseEvidenceFile(path: "/cases/b.evtx", sha256: "", size: 20, added: "2026-11-29T07:01:00.000Z", error: "SHA-256 not computed: read error")
        try await store.addToCase("c", evidence: [hashed, unhashed], findings: [])
        #expect(try await store.evidence(ofCase: "c") == [hashed, unhashed])
    }

    @Test(arguments: StoreKind.allCases)
    func namesAreUniqueAndMissingCasesAreErrors(_ kind: StoreKind) async throws {
        let (store, folder) = try kind.make()
        _ = folder
        try await store.createCase(CaseInfo(name: "one", created: "2026-11-29T07:00:00.000Z", tlp: nil))
        await #expect(throws: IntelStoreError.self) {
            try await store.createCase(CaseInfo(name: "one", created: "2026-11-29T07:00:00.000Z", tlp: nil))
        }
        await #expect(throws: IntelStoreError.self) { try await store.addToCase("two", evidence: [], findings: []) }
        await #expect(throws: IntelStoreError.self) { try await store.findings(ofCase: "two") }
        #expect(try await store.cases().map(\.name) == ["one"])
        #expect(try await store.caseInfo(named: "two") == nil)
    }

    @Test func casesSurviveReopeningTheDatabase() async throws {
        let folder = try TemporaryFolder()
        do {
            let store = try SQLiteIntelStore(path: folder.path("vigil.sqlite"))
            try await store.createCase(CaseInfo(name: "kept", created: "2026-11-29T07:00:00.000Z", tlp: .amber))
            try await store.addToCase("kept", evidence: [], findings: [Self.finding("2022-03-01T09:00:00Z", rule: "r")])
        }
        let reopened = try SQLiteIntelStore(path: folder.path("vigil.sqlite"))
        #expect(try await reopened.findings(ofCase: "kept").count == 1)
    }
}
