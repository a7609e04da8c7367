import Foundation
import Synchronization
import Hunt
import IntelStore
import STIX
import Reports
import TestSupport
import Testing
import VigilKit

/// The application called as a server calls it: on a store in memory, no terminal, no files
/// written, errors as values.
@Suite("VigilKit", .enabled(if: SharedData.isUsable, SharedData.skipReason))
struct InvestigationTests {
    /// A memory store with ATT&CK Enterprise 15.1.
    static func store() async throws -> MemoryIntelStore {
        let store = MemoryIntelStore()
        let (results, _) = try await IntelImport.importFiles(
            [try SharedData.file("attack/enterprise-attack-15.1.stix20.json").path], into: store, strict: false)
        #expect(results.first?.report?.totals.new == 19_981)
        return store
    }

    @Test("investigate the shared Execution sample into a memory store", .timeLimit(.minutes(5)))
    func investigate() async throws {
        let store = try await Self.store()
        let notes = NoteCollector()
        let investigation = Investigation(
            location: StoreLocation(path: "/nonexistent/vigil.sqlite"), store: store,
            evidence: [try SharedData.file("evtx/evtx-attack-samples/Execution").path],
            rules: RuleSelection(paths: [try SharedData.file("sigma/rules/windows").path]), caseName: "exec", tlp: .amber,
            hunt: HuntOptions(threads: 2))
        let result = try await investigation.run { notes.add($0) }
        #expect(notes.count == 0, "nothing to install: the rules are given and ATT&CK is in the store")
        #expect(result.caseName == "exec")
        #expect(result.hunt.summary.files.count > 20)
        #expect(!result.hunt.hasErrors)
        #expect(result.outputs.map(\.name) == ["timeline.csv", "timeline.jsonl", "attribution.txt", "attribution.stix.json", "report.html", "report.md"])
        let findings = try await store.findings(ofCase: "exec")
        #expect(findings.count == result.attribution.summary.findingCount)
        #expect(findings.count > 100)
        #expect(try await store.evidence(ofCase: "exec").count == result.hunt.summary.files.count)
        // The STIX report is valid STIX as the store reads it.
        let report = try #require(result.outputs.first { $0.name == "attribution.stix.json" })
        #expect(try STIXBundleReader.read(Array(report.text.utf8)).errors.isEmpty)
        // The statement names no group and no state: the verdict is an unknown actor.
        let statement = try await CaseReporting.render(case: "exec", store: store, format: .statement).replacingOccurrences(of: "\n", with: " ")
        #expect(statement.contains("We do not attribute the intrusion investigated in case exec to a known group"))
        #expect(!statement.contains("publicly attributed") && !statement.contains("We assess with"))
    }

    @Test("errors are values: a missing case, a store without knowledge, no rules, a bad assertion")
    func errors() async throws {
        let empty = MemoryIntelStore()
        await #expect(throws: VigilError.self) { _ = try await CaseAttribution.attribute(case: "none", store: empty) }
        try await empty.createCase(CaseInfo(name: "c", created: "2026-12-06T00:00:00Z", tlp: nil))
        do {
            _ = try await CaseAttribution.attribute(case: "c", store: empty)
            Issue.record("attributed with no knowledge")
        } catch {
            #expect("\(error)".contains("has no intrusion sets"))
        }
        #expect(throws: VigilError.self) { _ = try RuleSelection().load() }
        #expect(throws: VigilError.self) { _ = try CaseNote.assertion("X1", comment: "", author: "a", at: "t") }
        #expect(try CaseNote.assertion("t1566.002", comment: "", author: "a", at: "t").kind == .technique)
    }
}

/// Progress notes gathered from whatever thread sends them.
final class NoteCollector: Sendable {
    private let notes = Mutex<[ProgressEvent]>([])
    func add(_ event: ProgressEvent) { notes.withLock { $0.append(event) } }
    var count: Int { notes.withLock { $0.count } }
}
