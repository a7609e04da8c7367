import Foundation
import GRDB
import IntelStore
import STIX

extension SQLiteIntelStore {
    public func ingest(_ batches: IngestBatches, into collection: String?) async throws -> [IngestOutcome] {
        let importedAt = STIXTimestamp(secondsSinceEpoch: Int64(Date().timeIntervalSince1970)).text
        let now = DateAddedClock.now()
        return try await writing("import") { db in
            let target = try collection.map { try SQLiteIntelStore.membersCollection($0, in: db) }
            let statements = try IngestStatements(db)
            // Writers are serialised, so the clock read here is the last one handed out.
            var clock = DateAddedClock(last: try Int64.fetchOne(db, sql: "SELECT last FROM added_clock") ?? 0)
            // Latest stored version keys, loaded per batch and kept up to date as the batches
            // go (an id may come several times).
            var current: [String: String] = [:]
            var outcomes: [IngestOutcome] = []
            let prefetch = BatchPrefetch(batches)
            for index in 0..<batches.count {
                let rows = try prefetch.take(index)
                let unknown = rows.map(\.stored.id).filter { current[$0] == nil }
                current.merge(try SQLiteIntelStore.latestKeys(of: unknown, in: db)) { known, _ in known }
                for row in rows {
                    outcomes.append(
                        try SQLiteIntelStore.write(row, latest: &current, statements: statements, importedAt: importedAt) {
                            row.stored.dateAdded(clock: &clock, now: now).microseconds
                        })
                    if let target {
                        // Dated only when it is new to the collection.
                        let candidate = max(now, clock.last + 1)
                        try statements.addMember.run([.text(target), .text(row.stored.id), .text(row.key), .integer(candidate)])
                        if db.changesCount > 0 { _ = clock.next(now: candidate) }
                    }
                }
            }
            try db.execute(sql: "UPDATE added_clock SET last = ?", arguments: [clock.last])
            return outcomes
        }
    }

    /// Writes one version and says what it did; `latest` is the latest key of each id so far.
    private static func write(
        _ row: PreparedObject, latest: inout [String: String], statements: IngestStatements, importedAt: String,
        added: () -> Int64
    ) throws -> IngestOutcome {
        let id = row.stored.id
        let previous = latest[id]
        if let previous {
            let stored = try previous == row.key || Bool.fetchOne(statements.versionExists, arguments: [id, row.key]) != nil
            if stored { return .unchanged }
        }
        let superseded = previous.map { row.key < $0 } ?? false
        try statements.insertVersion.run([
            .text(id), .text(row.key), .text(row.json), BoundValue(row.stored.tlp?.rawValue), .text(importedAt), .integer(added()),
            .text(row.stored.type), BoundValue(row.stored.object.versionTimestamp?.text as String?), BoundValue(superseded),
        ])
        guard previous != nil else {
            try statements.index(row)
            latest[id] = row.key
            return .new
        }
        guard !superseded else { return .older }
        try statements.supersede.run([.text(id), .text(row.key)])
        try statements.unindex(id)
        try statements.index(row)
        latest[id] = row.key
        return .updated
    }

    /// Latest version keys of those ids that are stored.
    static func latestKeys(of ids: [String], in db: Database) throws -> [String: String] {
        var keys: [String: String] = [:]
        let unique = Array(Set(ids))
        var start = 0
        while start < unique.count {
            let chunk = Array(unique[start..<min(start + 500, unique.count)])
            let sql = "SELECT id, version_key FROM object WHERE id IN \(placeholders(chunk.count))"
            for row in try Row.fetchAll(db, sql: sql, arguments: StatementArguments(chunk)) {
                keys[row["id"]] = row["version_key"]
            }
            start += chunk.count
        }
        return keys
    }
}

/// The statements of one ingest transaction, prepared once: per-object lookups of a
/// statement cache by SQL text would cost as much as the inserts.
struct IngestStatements {
    let versionExists: Statement
    let insertVersion: Statement
    let supersede: Statement
    let insertObject: Statement
    let insertLabel: Statement
    let insertExternalID: Statement
    let addMember: Statement
    let deletes: [Statement]

    init(_ db: Database) throws {
        versionExists = try db.makeStatement(sql: "SELECT 1 FROM object_version WHERE id = ? AND version_key = ?")
        insertVersion = try db.makeStatement(
            sql: "INSERT INTO object_version (id, version_key, json, tlp, imported_at, added_us, type, version, superseded) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")
        supersede = try db.makeStatement(sql: "UPDATE object_version SET superseded = 1 WHERE id = ? AND version_key < ?")
        addMember = try db.makeStatement(
            sql: "INSERT OR IGNORE INTO collection_member (collection_id, object_id, version_key, added_us) VALUES (?, ?, ?, ?)")
        insertObject = try db.makeStatement(sql: """
            INSERT INTO object (id, type, version_key, name, revoked, deprecated, tlp, search_text,
                                relationship_type, source_ref, target_ref)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        insertLabel = try db.makeStatement(sql: "INSERT INTO object_label (object_id, label) VALUES (?, ?)")
        insertExternalID = try db.makeStatement(
            sql: "INSERT INTO external_id (object_id, source_name, external_id) VALUES (?, ?, ?)")
        deletes = try [
            "DELETE FROM object WHERE id = ?", "DELETE FROM object_label WHERE object_id = ?",
            "DELETE FROM external_id WHERE object_id = ?",
        ].map { try db.makeStatement(sql: $0) }
    }

    /// Removes the index rows of an id's latest version.
    func unindex(_ id: String) throws {
        for statement in deletes { try statement.run([.text(id)]) }
    }

    /// Writes the index rows of a new latest version.
    func index(_ row: PreparedObject) throws {
        let entry = row.entry
        try insertObject.run([
            .text(entry.id), .text(entry.type), .text(row.key), BoundValue(entry.name), BoundValue(entry.isRevoked),
            BoundValue(entry.isDeprecated), BoundValue(row.stored.tlp?.rawValue), .text(entry.searchText),
            BoundValue(entry.relationship?.type), BoundValue(entry.relationship?.source), BoundValue(entry.relationship?.target),
        ])
        for label in entry.labelKeys { try insertLabel.run([.text(entry.id), .text(label)]) }
        for external in entry.externalIDs {
            try insertExternalID.run([.text(entry.id), .text(external.sourceName), .text(external.key)])
        }
    }
}
