import Foundation
import IntelStore
import Reports
import STIX
import TestSupport
import Testing
import VigilKit

/// `vigil report` on small cases built in code: hostile strings stay text, the HTML passes
/// the accessibility audit, TLP ceilings withhold what they must, the timeline and the words
/// of ICD 203 are right, and the Navigator layers hold the case.
@Suite("Case reports")
struct CaseReportTests {
    static let hostile = "<script>alert(1)</script>"

    static func object(_ json: String) throws -> StoredObject {
        StoredObject(try STIXObject(json: json), tlp: nil)
    }

    /// Two groups, three techniques; the second group's name is hostile.
    static func knowledge() throws -> [StoredObject] {
        let created = #""created": "2024-01-01T00:00:00.000Z", "modified": "2024-01-01T00:00:00.000Z", "spec_version": "2.1""#
        func pattern(_ n: Int, _ id: String, _ name: String, _ tactic: String) throws -> StoredObject {
            try object(#"{"type": "attack-pattern", "id": "attack-pattern--00000000-0000-4000-8000-00000000000\#(n)", \#(created), "name": "\#(name)", "kill_chain_phases": [{"kill_chain_name": "mitre-attack", "phase_name": "\#(tactic)"}], "external_references": [{"source_name": "mitre-attack", "external_id": "\#(id)"}]}"#)
        }
        func group(_ n: Int, _ id: String, _ name: String) throws -> StoredObject {
            try object(#"{"type": "intrusion-set", "id": "intrusion-set--00000000-0000-4000-8000-00000000001\#(n)", \#(created), "name": "\#(name)", "aliases": ["\#(name)", "Panda \#(n)"], "external_references": [{"source_name": "mitre-attack", "external_id": "\#(id)", "url": "https://attack.mitre.org/groups/\#(id)"}]}"#)
        }
        func uses(_ n: Int, group: Int, pattern: Int) throws -> StoredObject {
            try object(#"{"type": "relationship", "id": "relationship--00000000-0000-4000-8000-00000000002\#(n)", \#(created), "relationship_type": "uses", "source_ref": "intrusion-set--00000000-0000-4000-8000-00000000001\#(group)", "target_ref": "attack-pattern--00000000-0000-4000-8000-00000000000\#(pattern)", "description": "uses it"}"#)
        }
        return [
            try pattern(1, "T1059.001", "PowerShell", "execution"), try pattern(2, "T1003", "OS Credential Dumping", "credential-access"),
            try pattern(3, "T1021", "Remote Services", "lateral-movement"),
            try group(1, "G0128", "APT31"), try group(2, "G0999", "<img src=x onerror=alert(2)>"),
            try uses(1, group: 1, pattern: 1), try uses(2, group: 1, pattern: 2), try uses(3, group: 1, pattern: 3), try uses(4, group: 2, pattern: 3),
            try object(#"{"type": "tool", "id": "tool--00000000-0000-4000-8000-000000000041", \#(created), "name": "Mimikatz", "external_references": [{"source_name": "mitre-attack", "external_id": "S0002"}]}"#),
        ]
    }

    static func finding(_ time: String?, _ title: String, techniques: [String], tactics: [String], host: String = "ws1", fields: [String: String] = [:], ruleID: String? = nil) -> CaseFinding {
        CaseFinding(
            timestamp: time, computer: host, channel: "Security", eventID: "4688", recordID: 1, ruleID: ruleID, ruleTitle: title, level: "high",
            techniques: techniques, tactics: tactics, software: [], fields: fields, evidence: "/cases/x.evtx", evidenceSHA256: String(repeating: "a", count: 64))
    }

    /// A store holding the knowledge and one case of the given marking, with hostile strings
    /// in a rule title, a host name, a note and an evidence path, Mimikatz run, and a partner's
    /// indicator marked `indicatorTLP` (of APT31 and Mimikatz).
    static func store(caseTLP: TLPLevel, indicatorTLP: TLPLevel = .amber) async throws -> MemoryIntelStore {
        let store = MemoryIntelStore()
        _ = try await store.ingest(try knowledge())
        try await store.createCase(CaseInfo(name: "mfa", created: "2026-12-01T00:00:00Z", tlp: caseTLP, description: "ministry \(hostile)"))
        let indicatorFields = [
            "indicator.source": "Secret Partner", "indicator.observable": "203.0.113.9", "indicator.tlp": indicatorTLP.label,
            "indicator.indicates": "intrusion-set--00000000-0000-4000-8000-000000000011 tool--00000000-0000-4000-8000-000000000041", "indicator.validity": "valid",
        ]
        let findings = [
            finding("2024-03-05T10:15:00.000Z", "PowerShell \(hostile)", techniques: ["T1059.001"], tactics: ["TA0002"]),
            finding("2024-03-05T12:40:00.000Z", "LSASS access", techniques: ["T1003"], tactics: ["TA0006"], host: "\"><svg onload=alert(3)>",
                fields: ["Image": #"C:\Users\Public\mimikatz.exe"#]),
            finding("2024-03-07T09:00:00.000Z", "LSASS access", techniques: ["T1003"], tactics: ["credential_access"]),
            finding("2024-03-07T09:30:00.000Z", "Indicator: C2 of the partner", techniques: [], tactics: [], fields: indicatorFields,
                ruleID: "indicator--00000000-0000-4000-8000-000000000031"),
            finding(nil, "Untimed rule", techniques: ["T9999"], tactics: ["TA0008"]),
        ]
        try await store.addToCase(
            "mfa", evidence: [CaseEvidenceFile(path: "/cases/\(hostile).evtx", sha256: String(repeating: "a", count: 64), size: 1_024, added: "2026-12-01T00:00:00.000Z")],
            findings: findings)
        try await store.addNote(CaseNote(kind: .note, text: "</li><script>alert(4)</script>", author: "bob", at: "2026-12-02T00:00:00.000Z"), toCase: "mfa")
        try await store.addNote(CaseNote(kind: .technique, text: "T1021", comment: "mail \(hostile)", author: "alice", at: "2026-12-02T00:00:00.000Z"), toCase: "mfa")
        return store
    }

    @Test("hostile strings in a rule title, a host, a note, a path and a group name stay text in HTML and Markdown")
    func hostileStrings() async throws {
        let store = try await Self.store(caseTLP: .amber)
        let html = try await CaseReporting.render(case: "mfa", store: store, format: .html)
        for executable in ["<script", "<img", "<svg onload"] {
            #expect(!html.contains(executable), "\(executable) reached the page")
        }
        #expect(html.contains("PowerShell &lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(html.contains("&lt;img src=x onerror=alert(2)&gt;"))
        #expect(html.contains("&quot;&gt;&lt;svg onload=alert(3)&gt;"))
        #expect(html.contains("&lt;/li&gt;&lt;script&gt;alert(4)&lt;/script&gt;"))
        let markdown = try await CaseReporting.render(case: "mfa", store: store, format: .md)
        #expect(!markdown.contains("<script") && !markdown.contains("<img") && !markdown.contains("<svg"))
        #expect(markdown.contains("PowerShell &lt;script&gt;alert(1)&lt;/script&gt;"))
    }

    @Test("the Markdown report of the case, as a golden file")
    func markdownGolden() async throws {
        let store = try await Self.store(caseTLP: .amber)
        let options = CaseReport.Options(generated: Date(timeIntervalSince1970: 1_796_000_000))
        try expectGolden(try await CaseReporting.render(case: "mfa", store: store, format: .md, options: options), "report-mfa.md")
    }

    @Test("the HTML passes the accessibility audit and says what a reader needs")
    func accessibleAndComplete() async throws {
        let store = try await Self.store(caseTLP: .amber)
        let drafted = try await CaseReporting.draft(case: "mfa", store: store)
        let report = drafted.report
        let html = ReportHTML.render(report)
        #expect(HTMLAudit.problems(html) == [])
        #expect(report.marking == .amber)
        #expect(report.withheld.isEmpty)
        #expect(report.findingCount == 5)
        #expect(report.observedFrom == "2024-03-05T10:15:00.000Z" && report.observedTo == "2024-03-07T09:30:00.000Z")
        // Tactic ids and Sigma's names land in one column; a technique the store does not know
        // goes under its findings' tactic.
        #expect(report.heatMap.map(\.tactic) == ["execution", "credential-access", "lateral-movement"])
        #expect(report.heatMap[1].cells.map(\.findings) == [2])
        #expect(report.heatMap[2].cells.map(\.techniqueID) == ["T9999", "T1021"])
        #expect(report.heatMap[2].cells[1].asserted && report.heatMap[2].cells[1].findings == 0)
        #expect(report.tactics.map(\.tactic) == ["execution", "credential-access", "lateral-movement", ""])
        #expect(report.tactics[1].rules.first?.hostCount == 2)
        #expect(html.contains("class=\"cell\" data-technique=\"T1003\" data-findings=\"2\""))
        #expect(html.contains("id=\"tlp-top\"><p>TLP:AMBER") && html.contains("id=\"tlp-bottom\"><p>TLP:AMBER"))
        #expect(html.contains("@top-center { content: \"TLP:AMBER\""), "the banner of every printed page")
        #expect(html.contains("2024-03-05 10:15:00 UTC"))
        #expect(html.contains(String(repeating: "a", count: 64)), "the evidence's SHA-256")
        #expect(!html.contains("http://") || html.contains("http://www.w3.org/2000/svg"), "nothing fetched from anywhere")
        let verdict = try #require(report.assessment)
        let sentence = ReportWording.assessment(verdict, groups: report.groupsConsidered)
        #expect(html.contains(ReportHTML.escape(sentence)))
        #expect(ReportMarkdown.render(report).contains(ReportMarkdown.escape(sentence)))
    }

    @Test("the audit finds what it looks for")
    func auditFindsProblems() {
        let bad = """
            <!DOCTYPE html><html><head><style>.x { color: #777777; background: #ffffff; }</style></head><body>
            <h1>a</h1><h1>b</h1><h4>c</h4><table><tr><th>x</th></tr></table><svg viewBox="0 0 1 1"></svg><img src="a.png">
            <a href="#x"> </a><input id="q"><rect x="0" fill="#ffe0d0"/><text x="0" fill="#ffffff">1</text></body></html>
            """
        let problems = HTMLAudit.problems(bad).joined(separator: "\n")
        for expected in [
            "no lang", "no title", "2 h1", "h1 then h4", "table without a caption", "without a scope", "chart without role=img",
            "image without alt", "link without text", "field without a label", "contrast 4.48 of #777777 on #ffffff", "SVG text #ffffff on #ffe0d0",
        ] {
            #expect(problems.contains(expected), "\(expected) not found in:\n\(problems)")
        }
    }

    @Test("a ceiling below an indicator's marking withholds its details, the case stays")
    func indicatorWithheld() async throws {
        let store = try await Self.store(caseTLP: .clear, indicatorTLP: .amber)
        let drafted = try await CaseReporting.draft(case: "mfa", store: store, options: CaseReport.Options(maxTLP: .green))
        let report = drafted.report
        #expect(report.marking == .clear)
        #expect(report.withheld.map(\.tlp) == [.amber])
        #expect(report.sightings.isEmpty)
        let html = ReportHTML.render(report)
        #expect(!html.contains("Secret Partner") && !html.contains("203.0.113.9") && !html.contains("C2 of the partner"))
        #expect(html.contains("Withheld from this report") && html.contains("Indicator (withheld)"))
        #expect(html.contains("only what is marked TLP:GREEN or lower"))
        #expect(html.contains("TLP:CLEAR"))
        // The whole attribution's sources are redacted too.
        let sources = report.ranking.flatMap { $0.contributions.flatMap(\.sources) }
        #expect(!sources.contains { $0.contains("Secret Partner") })
        // So are those of the software the indicator indicates; the file name stays.
        #expect(report.software.map(\.sources) == [["mimikatz.exe in Image, rule LSASS access (1 finding)", "an indicator whose details are withheld"]])

        let open = try await CaseReporting.draft(case: "mfa", store: store, options: CaseReport.Options(maxTLP: .amber)).report
        #expect(open.marking == .amber && open.withheld.isEmpty && open.sightings.count == 1)
        #expect(ReportHTML.render(open).contains("Secret Partner"))
        #expect(open.software.first?.sources.last?.hasPrefix("indicator C2 of the partner (Secret Partner) hit 203.0.113.9") == true)
    }

    @Test("a case above the ceiling is withheld whole; layers and STIX of it are refused")
    func caseWithheld() async throws {
        let store = try await Self.store(caseTLP: .amber)
        let options = CaseReport.Options(maxTLP: .green)
        let report = try await CaseReporting.draft(case: "mfa", store: store, options: options).report
        #expect(report.findingCount == 0 && report.evidence.isEmpty && report.notes.isEmpty && report.ranking.isEmpty && report.actor == nil)
        #expect(report.withheld.map(\.tlp) == [.amber])
        let html = ReportHTML.render(report)
        #expect(!html.contains("ministry") && !html.contains("LSASS") && !html.contains("ws1"))
        #expect(HTMLAudit.problems(html) == [])
        for format in [ReportFormat.navigator, .stix] {
            do {
                _ = try await CaseReporting.render(case: "mfa", store: store, format: format, options: options)
                Issue.record("\(format) of an AMBER case under a GREEN ceiling")
            } catch {
                #expect(error.description.contains("above --max-tlp TLP:GREEN"))
            }
        }
    }

    @Test(
        "timeline buckets by span",
        arguments: [
            (["2024-03-05T10:15:00Z", "2024-03-05T13:59:59Z"], FindingTimeline.Unit.hour, 4),
            (["2024-03-05T10:15:00Z", "2024-03-15T01:00:00Z"], .day, 11),
            (["2023-11-30T10:15:00Z", "2024-02-01T00:00:00Z"], .day, 64),
            (["2023-01-30T10:15:00Z", "2024-02-01T00:00:00Z"], .month, 14),
            (["1601-01-01T00:00:00Z", "2024-02-01T00:00:00Z"], .year, 424),
        ])
    func timeline(times: [String], unit: FindingTimeline.Unit, buckets: Int) throws {
        let findings = times.map { Self.finding($0, "r", techniques: [], tactics: ["TA0002"]) } + [Self.finding("garbage", "r", techniques: [], tactics: [])]
        let timeline = try #require(FindingTimeline(findings: findings))
        #expect(timeline.unit == unit)
        #expect(timeline.buckets.count == buckets)
        #expect(timeline.buckets.map(\.total).reduce(0, +) == times.count, "gaps are empty buckets")
        #expect(timeline.untimed == 1)
        #expect(timeline.tactics == ["execution"])
    }

    @Test(
        "ICD 203 likelihood words",
        arguments: [
            (0.01, EstimativeLikelihood.almostNoChance), (0.1, .veryUnlikely), (0.3, .unlikely), (0.5, .roughlyEven), (0.64, .likely),
            (0.9, .veryLikely), (0.97, .almostCertain),
        ])
    func likelihood(probability: Double, words: EstimativeLikelihood) {
        #expect(EstimativeLikelihood(probability: probability) == words)
    }

    @Test("palette: text keeps 4.5:1 on every heat and TLP colour, chart marks 3:1 on the page")
    func palette() {
        for peak in [1, 7, 300, 100_000] {
            for count in Set(Array(0...min(peak, 300)) + [peak / 3, peak / 2, peak]) {
                let colours = ReportPalette.heat(count, peak: peak)
                #expect(ReportPalette.contrast(colours.text, colours.fill) >= 4.5, "\(count) of \(peak)")
            }
        }
        for level in TLPLevel.allCases {
            let colours = ReportPalette.tlp(level)
            #expect(ReportPalette.contrast(colours.text, colours.background) >= 4.5)
        }
        for tactic in ATTACKMatrix.tactics + [""] {
            #expect(ReportPalette.contrast(ReportPalette.tactic(tactic), ReportPalette.page) >= 3, "\(tactic)")
        }
        #expect(ReportPalette.contrast(ReportPalette.muted, ReportPalette.page) >= 4.5)
        #expect(ReportPalette.contrast(ReportPalette.link, ReportPalette.page) >= 4.5)
    }

    @Test("Navigator layers: the case scored by findings, the comparison, the group; they read back")
    func navigator() async throws {
        let store = try await Self.store(caseTLP: .green)
        let text = try await CaseReporting.render(case: "mfa", store: store, format: .navigator)
        let layers = try NavigatorLayer.read(Array(text.utf8))
        #expect(layers.count == 3, "the case, and the case against each of the two groups")
        let scores = Dictionary(uniqueKeysWithValues: layers[0].techniques.map { ($0.techniqueID, $0.score ?? -1) })
        #expect(scores == ["T1059.001": 1, "T1003": 2, "T1021": 0, "T9999": 1])
        #expect(layers[0].techniques.first { $0.techniqueID == "T1003" }?.comment == "LSASS access (2)")
        #expect(layers[0].techniques.first { $0.techniqueID == "T1021" }?.comment == "asserted by an analyst")
        #expect(layers.allSatisfy { $0.layerVersion == "4.5" && $0.domain == "enterprise-attack" && $0.name.hasPrefix("TLP:AMBER") }, "the partner's AMBER indicator raises the marking")
        let apt31 = try #require(layers.first { $0.name.hasSuffix("vs APT31") })
        let colours = Dictionary(uniqueKeysWithValues: apt31.techniques.map { ($0.techniqueID, $0.color ?? "") })
        #expect(colours == ["T1059.001": NavigatorLayers.both, "T1003": NavigatorLayers.both, "T1021": NavigatorLayers.both, "T9999": NavigatorLayers.caseOnly])

        let group = try #require(try await store.resolve("G0999").first)
        let profile = NavigatorLayers.of(try await store.profile(of: group))
        #expect(profile.techniques.map(\.techniqueID) == ["T1021"] && profile.techniques[0].comment == "uses it")
        try Self.validate(text)
        try Self.validate(NavigatorLayer.write([profile]))
    }

    @Test("layer files: the shared samples (format 3.0) read, bad ones are refused with where")
    func layerReader() throws {
        let bad: [(String, String)] = [
            ("[]x", "not JSON"), (#"{"domain": "enterprise-attack"}"#, "no name"), (#"{"name": "a", "domain": "mars"}"#, "unknown domain 'mars'"),
            (#"[{"name": "a", "domain": "enterprise-attack", "techniques": [{"score": 1}]}]"#, "layer 1, techniques[0]"),
            (#"{"name": "a", "domain": "ics-attack", "techniques": [{"techniqueID": "T0800", "score": "high"}]}"#, "score must be a number"),
        ]
        for (text, expected) in bad {
            #expect(throws: NavigatorLayerError.self) { _ = try NavigatorLayer.read(Array(text.utf8)) }
            do { _ = try NavigatorLayer.read(Array(text.utf8)) } catch { #expect(error.description.contains(expected), "\(error)") }
        }
        guard let root = SharedData.root else { return }
        let folder = root.deletingLastPathComponent().appendingPathComponent("specs/navigator")
        for (name, count) in [("sample-Bear_APT.json", 0), ("sample-heatmap_layer.json", 0)] {
            let layers = try NavigatorLayer.read(Array(try Data(contentsOf: folder.appendingPathComponent(name))))
            #expect(layers.count == 1 && layers[0].domain == "enterprise-attack" && layers[0].layerVersion == "3.0")
            #expect(layers[0].techniques.count > count)
        }
    }

    /// Checks layers against the schema in docs/schemas with the peers' jsonschema.
    static func validate(_ text: String) throws {
        guard Peers.isUsable else { return }
        let schema = SharedData.repositoryRoot.appendingPathComponent("docs/schemas/navigator-layer-4.5.schema.json").path
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-layer-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: file) }
        try Data(text.utf8).write(to: file)
        let script = """
            import json, sys, jsonschema
            schema = json.load(open(sys.argv[1]))
            errors = list(jsonschema.Draft202012Validator(schema).iter_errors(json.load(open(sys.argv[2]))))
            print("\\n".join(e.message[:200] for e in errors[:5])); sys.exit(1 if errors else 0)
            """
        let result = try runProcess(Peers.venv.appendingPathComponent("bin/python").path, ["-c", script, schema, file.path])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
    }
}
