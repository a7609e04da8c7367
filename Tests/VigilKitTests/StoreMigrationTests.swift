import Foundation
import IntelStore
import STIX
import TestSupport
import Testing
import VigilKit

/// `vigil db migrate`'s copy: a SQLite store with objects, history, collections, a case,
/// users, tokens, audit and sync state goes to PostgreSQL and back with every table's count
/// and content hash equal.
@Suite("Store migration", .enabled(if: SharedData.isUsable && TestPostgres.isIncluded, "needs the shared data and a PostgreSQL server (VIGIL_POSTGRES_URL)"))
struct StoreMigrationTests {
    @Test("SQLite to PostgreSQL and back: equal counts and hashes in every table; a non-empty target is refused", .timeLimit(.minutes(10)))
    func roundTrip() async throws {
        let folder = try TemporaryFolder()
        let source = try StoreLocation(path: folder.path("source.sqlite")).open()
        // ATT&CK for ICS and Mobile, the MISP events, and newer versions of a few objects
        // (history: older versions beside the latest).
        let (results, _) = try await IntelImport.importFiles(
            [try SharedData.file("attack/ics-attack-15.1.stix21.json").path, try SharedData.file("attack/mobile-attack-14.1.stix21.json").path,
             try SharedData.file("misp/events").path],
            into: source, strict: false)
        #expect(results.filter { $0.report != nil }.count >= 40)
        let newer = try await source.objects(types: ["malware"], includeRetired: false).prefix(3).map { stored in
            let text = stored.object.jsonText.replacingOccurrences(
                of: #""modified":"[^"]+""#, with: #""modified":"2030-01-01T00:00:00.000Z""#, options: .regularExpression)
            return try StoredObject(json: Array(text.utf8), id: stored.id, tlp: stored.tlp)
        }
        #expect(try await source.ingest(newer) == [.updated, .updated, .updated])
        try await source.createCollection(IntelCollection(id: "9a1e7c1e-0000-4000-8000-000000000001", alias: "inbox", title: "Inbox", content: .members))
        let sample = try await source.objects(types: ["intrusion-set"], includeRetired: true).prefix(5)
        _ = try await source.ingest(IngestBatches(Array(sample)), into: "inbox")
        try await source.createCase(CaseInfo(name: "mfa", created: "2026-12-07T06:00:00.000Z", tlp: .amber, description: "ministry"))
        let findings = (0..<2_500).map { number in
            CaseFinding(
                timestamp: number % 7 == 0 ? nil : String(format: "2026-12-07T06:%02d:%02d.000Z", number / 60 % 60, number % 60),
                computer: "ws\(number % 3)", channel: "Security", eventID: "4688", recordID: Int64(number), ruleID: "rule-\(number % 11)",
                ruleTitle: "Rule \(number % 11)", level: number % 2 == 0 ? "high" : nil, techniques: ["T1059.001"], tactics: ["TA0002"],
                software: [], fields: ["CommandLine": "cmd /c \(number)\tx"], evidence: "a.evtx", evidenceSHA256: "00")
        }
        try await source.addToCase(
            "mfa", evidence: [CaseEvidenceFile(path: "a.evtx", sha256: "00", size: 10, added: "2026-12-07T06:00:00.000Z")], findings: findings)
        try await source.addNote(CaseNote(kind: .note, text: "seen", comment: "", author: "ana", at: "2026-12-07T06:01:00.000Z"), toCase: "mfa")
        try await source.addUser(VigilUser(name: "ana", passwordHash: "$2b$04$x", clearance: .amber, organisation: "cert", read: ["*"], write: [], created: "2026-12-07T06:00:00.000Z"))
        try await source.addToken(APIToken(id: "t1", user: "ana", secretHash: "h", created: "2026-12-07T06:00:00.000Z", revoked: nil))
        try await source.appendAudit([AuditEntry(time: "2026-12-07T06:00:00.000Z", user: "ana", address: "127.0.0.1", action: "read", collection: "inbox", objectIDs: ["a", "b"], decision: .allowed, detail: "")])
        try await source.setSyncState("https://partner/api/collections/x/", value: "2026-12-07T06:00:00.000000Z")

        let server = try StoreLocation(path: try TestPostgres.freshURL()).open()
        let (original, onServer) = try await StoreMigration.copy(from: source, to: server)
        #expect(original.tables == onServer.tables)
        #expect(original.unreadable.isEmpty)
        let counts = Dictionary(uniqueKeysWithValues: original.tables.map { ($0.table, $0.count) })
        #expect(counts["case findings"] == 2_500 && counts["collection members"] == 5 && counts["tokens"] == 1 && counts["sync state"] == 1)
        #expect((counts["object versions"] ?? 0) > 1_000)

        let back = try StoreLocation(path: folder.path("back.sqlite")).open()
        let (_, returned) = try await StoreMigration.copy(from: server, to: back)
        #expect(returned.tables == original.tables)
        // The findings' order of a case page is the same on every backend.
        let page = try await back.findings(ofCase: "mfa", filter: FindingFilter(levels: ["high"]), after: nil, limit: 100)
        let expected = try await source.findings(ofCase: "mfa", filter: FindingFilter(levels: ["high"]), after: nil, limit: 100)
        #expect(page.findings == expected.findings && page.total == expected.total)

        await #expect(throws: VigilError.self) { _ = try await StoreMigration.copy(from: source, to: back) }
    }
}
