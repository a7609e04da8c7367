import Foundation
import Hunt
import IntelStore
import STIX

/// What one table of a store holds: how many rows and a SHA-256 over their content, sorted,
/// so that two stores of any backends can be compared.
public struct TableDigest: Sendable, Hashable {
    public var table: String
    public var count: Int
    public var sha256: String
}

/// A store's digest, table by table, and what could not be read.
public struct StoreDigest: Sendable, Hashable {
    public var tables: [TableDigest]
    /// Stored versions whose JSON does not parse as a STIX object (`id`: reason).
    public var unreadable: [String]
}

/// Copies a whole store into an empty one (SQLite to PostgreSQL and back) and checks stores.
///
/// Everything goes: every version of every object, collections and their members, cases with
/// evidence, findings and notes, users, tokens, the audit log and TAXII clients' sync state.
/// Versions are added in the order the source added them, with the dates added they had there
/// (a TAXII client resumes against the new store where it stopped); a `members` collection's
/// own dates are the target's (its clients get its versions once more).
public enum StoreMigration {
    /// Versions per page read from the source and per import into the target.
    static let pageSize = 1_000

    /// Copies `source` into `target`, which must be empty, and returns both digests.
    public static func copy(
        from source: any VigilStore, to target: any VigilStore, progress: @Sendable (String) -> Void = { _ in }
    ) async throws(VigilError) -> (source: StoreDigest, target: StoreDigest) {
        try await VigilError.wrapping {
            guard try await isEmpty(target) else { throw VigilError.invalid("the target store is not empty: migrate into a new database") }
            var copied = 0
            try await forEachPage(of: source, collection: nil) { page in
                _ = try await target.ingest(
                    try page.map { item in
                        var stored = try item.stored()
                        stored.dateAddedElsewhere = item.dateAdded
                        return stored
                    })
                copied += page.count
                progress("object versions: \(copied)")
            }
            for collection in try await source.collections() {
                try await target.createCollection(collection)
                guard collection.content == .members else { continue }
                try await forEachPage(of: source, collection: collection.id) { page in
                    _ = try await target.ingest(IngestBatches(try page.map { try $0.stored() }), into: collection.id)
                }
            }
            progress("collections: done")
            for info in try await source.cases() {
                try await target.createCase(info)
                try await target.addToCase(info.name, evidence: try await source.evidence(ofCase: info.name), findings: [])
                var cursor: FindingCursor?
                repeat {
                    let page = try await source.findings(ofCase: info.name, filter: FindingFilter(), after: cursor, limit: pageSize)
                    try await target.addToCase(info.name, evidence: [], findings: page.findings)
                    cursor = page.next
                } while cursor != nil
                for note in try await source.notes(ofCase: info.name) { try await target.addNote(note, toCase: info.name) }
                progress("case \(info.name): done")
            }
            for user in try await source.users() {
                try await target.addUser(user)
                for token in try await source.tokens(of: user.name) { try await target.addToken(token) }
            }
            try await target.appendAudit(try await source.audit(since: nil, user: nil, limit: Int.max))
            for (key, value) in try await source.syncStates() { try await target.setSyncState(key, value: value) }
            progress("users, tokens, audit, sync state: done")
            return (try await digest(of: source), try await digest(of: target))
        }
    }

    static func isEmpty(_ store: any VigilStore) async throws -> Bool {
        let statistics = try await store.statistics()
        let hasCases = try await !store.cases().isEmpty
        let hasUsers = try await !store.users().isEmpty
        let hasCollections = try await !store.collections().isEmpty
        return statistics.versionCount == 0 && !hasCases && !hasUsers && !hasCollections
    }

    /// Every version of the store (or of a collection), page by page, in the order added.
    static func forEachPage(of store: any VigilStore, collection: String?, _ body: ([PagedObject]) async throws -> Void) async throws {
        var query = ObjectQuery(collection: collection, versions: .all, limit: pageSize, clearance: .everything)
        while true {
            let page = try await store.page(query)
            if !page.items.isEmpty { try await body(page.items) }
            guard let next = page.next else { return }
            query.after = next
        }
    }

    /// Reads the whole store: every table's count and content hash, and every version parsed.
    public static func digest(of store: any VigilStore) async throws(VigilError) -> StoreDigest {
        try await VigilError.wrapping {
            var tables: [TableDigest] = []
            var unreadable: [String] = []
            func add(_ table: String, _ rows: [String]) {
                let digest = SHA256Digest()
                for row in rows.sorted() { hash(row, into: digest) }
                tables.append(TableDigest(table: table, count: rows.count, sha256: digest.finish()))
            }
            var versions: [String] = []
            try await forEachPage(of: store, collection: nil) { page in
                for item in page {
                    do {
                        _ = try item.stored()
                    } catch {
                        unreadable.append("\(item.id): \(error)")
                    }
                    versions.append(
                        row(item.id, item.versionKey, item.tlp.map { "\($0.rawValue)" }, SHA256Digest.hex(of: Array(item.json)), "\(item.dateAdded.microseconds)"))
                }
            }
            add("object versions", versions)
            let collections = try await store.collections()
            add("collections", collections.map { row($0.id, $0.alias, $0.title, $0.description, $0.content.rawValue, $0.maximumTLP.map { "\($0.rawValue)" }, $0.types.joined(separator: ",")) })
            var members: [String] = []
            for collection in collections where collection.content == .members {
                try await forEachPage(of: store, collection: collection.id) { page in
                    members += page.map { row(collection.id, $0.id, $0.versionKey) }
                }
            }
            add("collection members", members)
            let cases = try await store.cases()
            add("cases", cases.map { row($0.name, $0.created, $0.tlp.map { "\($0.rawValue)" }, $0.description) })
            var evidence: [String] = []
            var notes: [String] = []
            // Findings (tens of millions) are hashed as read, a page at a time, in the order every
            // backend pages them (time, then as added; a copy keeps that order), not sorted in memory.
            let findings = SHA256Digest()
            var findingCount = 0
            for info in cases.sorted(by: { $0.name < $1.name }) {
                evidence += try await store.evidence(ofCase: info.name).map { row(info.name, $0.path, $0.sha256, "\($0.size)", $0.added, $0.error) }
                var cursor: FindingCursor?
                repeat {
                    let page = try await store.findings(ofCase: info.name, filter: FindingFilter(), after: cursor, limit: pageSize)
                    for finding in page.findings {
                        let text = row(
                            info.name, finding.timestamp, finding.computer, finding.channel, finding.eventID, finding.recordID.map { "\($0)" },
                            finding.ruleID, finding.ruleTitle, finding.level, finding.techniques.joined(separator: ","),
                            finding.tactics.joined(separator: ","), finding.software.joined(separator: ","),
                            finding.fields.keys.sorted().map { "\($0)=\(finding.fields[$0] ?? "")" }.joined(separator: "\u{1}"), finding.evidence,
                            finding.evidenceSHA256)
                        hash(text, into: findings)
                    }
                    findingCount += page.findings.count
                    cursor = page.next
                } while cursor != nil
                notes += try await store.notes(ofCase: info.name).map { row(info.name, $0.kind.rawValue, $0.text, $0.comment, $0.author, $0.at) }
            }
            add("case evidence", evidence)
            tables.append(TableDigest(table: "case findings", count: findingCount, sha256: findings.finish()))
            add("case notes", notes)
            let users = try await store.users()
            add("users", users.map { row($0.name, $0.passwordHash, "\($0.clearance.rawValue)", $0.organisation, $0.read.joined(separator: ","), $0.write.joined(separator: ","), $0.created) })
            var tokens: [String] = []
            for user in users { tokens += try await store.tokens(of: user.name).map { row($0.id, $0.user, $0.secretHash, $0.created, $0.revoked) } }
            add("tokens", tokens)
            add("audit", try await store.audit(since: nil, user: nil, limit: Int.max).map {
                row($0.time, $0.user, $0.address, $0.action, $0.collection, $0.objectIDs.joined(separator: ","), $0.decision.rawValue, $0.detail)
            })
            add("sync state", try await store.syncStates().map { row($0.key, $0.value) })
            return StoreDigest(tables: tables, unreadable: unreadable)
        }
    }

    /// Adds a row and its line break to a digest.
    private static func hash(_ row: String, into digest: SHA256Digest) {
        Array(row.utf8 + [10]).withUnsafeBytes { digest.update($0) }
    }

    /// One row as text: fields separated by a tab, a missing value as \u{0}.
    private static func row(_ fields: String?...) -> String {
        fields.map { $0.map { $0.replacingOccurrences(of: "\t", with: "\\t").replacingOccurrences(of: "\n", with: "\\n") } ?? "\u{0}" }
            .joined(separator: "\t")
    }
}
