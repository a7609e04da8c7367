import Foundation
import IntelStore
import STIX
import Synchronization
import TestSupport
import Testing
import VigilKit

/// A team on one store: 8 analysts at once, 2 importing ATT&CK and MISP data, 2 recording
/// hunts' findings into cases, 4 paging through objects (as TAXII does) and case timelines.
/// Nothing lost or duplicated, no error, every walk in order; on SQLite and on PostgreSQL.
@Suite("A team's workload on one store", .enabled(if: SharedData.isUsable, SharedData.skipReason))
struct TeamWorkloadTests {
    static var backends: [String] { TestPostgres.isIncluded ? ["sqlite", "postgres"] : ["sqlite"] }

    @Test("8 analysts at once: nothing lost or duplicated, no error, pages in order", .timeLimit(.minutes(10)), arguments: backends)
    func eightAnalysts(_ backend: String) async throws {
        let folder = try TemporaryFolder()
        let store = try StoreLocation(path: backend == "postgres" ? try TestPostgres.freshURL() : folder.path("team.sqlite")).open()
        let batches = 20, perBatch = 1_000
        for name in ["hunt-1", "hunt-2"] { try await store.createCase(CaseInfo(name: name, created: "2026-12-07T00:00:00.000Z", tlp: .amber)) }
        let progress = Progress()

        try await withThrowingTaskGroup(of: Void.self) { group in
            for files in [["attack/ics-attack-15.1.stix21.json", "attack/mobile-attack-14.1.stix21.json"], ["misp/events"]] {
                group.addTask {
                    defer { progress.working.subtract(1, ordering: .relaxed) }
                    do {
                        let (results, _) = try await IntelImport.importFiles(try files.map { try SharedData.file($0).path }, into: store, strict: false)
                        if results.allSatisfy({ $0.report == nil }) { progress.failed("nothing imported from \(files)") }
                    } catch { progress.failed("import \(files): \(error)") }
                }
            }
            for hunter in 1...2 {
                group.addTask {
                    defer { progress.working.subtract(1, ordering: .relaxed) }
                    do {
                        for batch in 0..<batches {
                            let findings = (0..<perBatch).map { item in
                                let number = batch * perBatch + item
                                return CaseFinding(
                                    timestamp: String(format: "2026-12-07T%02d:%02d:%02d.000Z", number / 3600 % 24, number / 60 % 60, number % 60),
                                    computer: "ws\(number % 7)", channel: "Security", eventID: "4688", recordID: Int64(number), ruleID: "r\(number % 13)",
                                    ruleTitle: "Rule", level: "high", techniques: ["T1059"], tactics: ["TA0002"], software: [], fields: [:],
                                    evidence: "h\(hunter).evtx", evidenceSHA256: "00")
                            }
                            try await store.addToCase("hunt-\(hunter)", evidence: [], findings: findings)
                        }
                    } catch { progress.failed("hunt \(hunter): \(error)") }
                }
            }
            for _ in 0..<2 {
                group.addTask {
                    repeat {
                        var walk: [PagedObject] = []
                        var query = ObjectQuery(versions: .all, limit: 137, clearance: .everything)
                        query.withContent = false
                        do {
                            while true {
                                let page = try await store.page(query)
                                walk += page.items
                                guard let next = page.next else { break }
                                query.after = next
                            }
                        } catch { progress.failed("paging objects: \(error)") }
                        progress.walks.withLock { $0.append(walk) }
                    } while progress.working.load(ordering: .relaxed) > 0
                }
            }
            for reader in 1...2 {
                group.addTask {
                    repeat {
                        var seen: [Int64] = []
                        var cursor: FindingCursor?
                        do {
                            repeat {
                                let page = try await store.findings(ofCase: "hunt-\(reader)", filter: FindingFilter(), after: cursor, limit: 250)
                                seen += page.findings.compactMap(\.recordID)
                                cursor = page.next
                            } while cursor != nil
                        } catch { progress.failed("paging findings: \(error)") }
                        if Set(seen).count != seen.count { progress.failed("a timeline walk saw a finding twice") }
                    } while progress.working.load(ordering: .relaxed) > 0
                }
            }
            try await group.waitForAll()
        }
        #expect(progress.failures.withLock { $0 } == [])
        for hunter in 1...2 {
            let findings = try await store.findings(ofCase: "hunt-\(hunter)", fields: .indicatorHits)
            #expect(findings.count == batches * perBatch && Set(findings.compactMap(\.recordID)).count == batches * perBatch)
        }
        // Every walk saw each version once, in the order added, and missed none added before
        // the last one it saw.
        var final: [PagedObject] = []
        var query = ObjectQuery(versions: .all, limit: 1_000, clearance: .everything)
        query.withContent = false
        while true {
            let page = try await store.page(query)
            final += page.items
            guard let next = page.next else { break }
            query.after = next
        }
        let statistics = try await store.statistics()
        #expect(final.count == statistics.versionCount)
        let recorded = progress.walks.withLock { $0 }
        #expect(recorded.count >= 2)
        for walk in recorded {
            let keys = walk.map { "\($0.id) \($0.versionKey)" }
            #expect(Set(keys).count == keys.count, "a walk saw a version twice")
            #expect(walk.map(\.dateAdded) == walk.map(\.dateAdded).sorted(), "a walk went back in time")
            guard let last = walk.last?.dateAdded else { continue }
            #expect(Set(keys) == Set(final.filter { $0.dateAdded <= last }.map { "\($0.id) \($0.versionKey)" }), "a walk missed versions")
        }
    }
}

/// What the analysts' tasks share: how many writers are still working, what failed, and
/// what each walk through the objects saw.
private final class Progress: Sendable {
    let working = Atomic<Int>(4)
    let failures = Mutex<[String]>([])
    let walks = Mutex<[[PagedObject]]>([])

    func failed(_ text: String) { failures.withLock { $0.append(text) } }
}
