import Foundation
import GRDB
import IntelStore
import STIX

extension SQLiteIntelStore {
    public func ingest(_ objects: [StoredObject]) async throws -> [IngestOutcome] {
        // Serialise and derive index entries on all cores, outside the transaction: the writer
        // holds the lock only to write.
        let rows = objects.concurrentMap { PreparedRow(stored: $0, json: $0.object.jsonText, key: $0.versionKey, entry: ObjectIndexEntry($0.object)) }
        let importedAt = STIXTimestamp(secondsSinceEpoch: Int64(Date().timeIntervalSince1970)).text
        return try await writing("import") { db in
            // The latest stored version of every id in the batch, fetched in a few queries and
            // kept up to date as the batch goes (an id may come several times).
            var current = try SQLiteIntelStore.latestKeys(of: rows.map(\.stored.id), in: db)
            let statements = try IngestStatements(db)
            var outcomes: [IngestOutcome] = []
            outcomes.reserveCapacity(rows.count)
            for row in rows {
                let id = row.stored.id
                let latest = current[id]
                if let latest {
                    let stored = try latest == row.key || Bool.fetchOne(statements.versionExists, arguments: [id, row.key]) != nil
                    if stored {
                        outcomes.append(.unchanged)
                        continue
                    }
                }
                try statements.insertVersion.execute(arguments: [id, row.key, row.json, row.stored.tlp?.rawValue, importedAt])
                if let latest {
                    guard row.key > latest else {
                        outcomes.append(.older)
                        continue
                    }
                    try statements.unindex(id)
                    try statements.index(row)
                    outcomes.append(.updated)
                } else {
                    try statements.index(row)
                    outcomes.append(.new)
                }
                current[id] = row.key
            }
            return outcomes
        }
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

    /// An object ready to write: its JSON text, version key and index entry.
    struct PreparedRow: Sendable {
        var stored: StoredObject
        var json: String
        var key: String
        var entry: ObjectIndexEntry
    }

}

/// The statements of one ingest transaction, prepared once: per-object lookups of a
/// statement cache by SQL text would cost as much as the inserts.
struct IngestStatements {
    let versionExists: Statement
    let insertVersion: Statement
    let insertObject: Statement
    let insertLabel: Statement
    let insertExternalID: Statement
    let deletes: [Statement]

    init(_ db: Database) throws {
        versionExists = try db.makeStatement(sql: "SELECT 1 FROM object_version WHERE id = ? AND version_key = ?")
        insertVersion = try db.makeStatement(
            sql: "INSERT INTO object_version (id, version_key, json, tlp, imported_at) VALUES (?, ?, ?, ?, ?)")
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
        for statement in deletes { try statement.execute(arguments: [id]) }
    }

    /// Writes the index rows of a new latest version.
    func index(_ row: SQLiteIntelStore.PreparedRow) throws {
        let entry = row.entry
        try insertObject.execute(arguments: [
            entry.id, entry.type, row.key, entry.name, entry.isRevoked, entry.isDeprecated, row.stored.tlp?.rawValue,
            entry.searchText, entry.relationship?.type, entry.relationship?.source, entry.relationship?.target,
        ])
        for label in entry.labelKeys { try insertLabel.execute(arguments: [entry.id, label]) }
        for external in entry.externalIDs {
            try insertExternalID.execute(arguments: [entry.id, external.sourceName, external.key])
        }
    }
}
