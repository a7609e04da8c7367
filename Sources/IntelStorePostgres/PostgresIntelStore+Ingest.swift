import Foundation
import IntelStore
import PostgresNIO
import STIX

extension PostgresIntelStore {
    public func ingest(_ batches: IngestBatches, into collection: String?) async throws -> [IngestOutcome] {
        let importedAt = STIXTimestamp(secondsSinceEpoch: Int64(Date().timeIntervalSince1970)).text
        let now = DateAddedClock.now()
        return try await writing("import") { connection in
            var clock = try await lockClock(connection)
            let target = try await collection.asyncMap { try await membersCollection($0, connection) }
            // Latest stored version keys, loaded per batch and kept up to date as the batches
            // go (an id may come several times), and the versions written so far.
            var current: [String: String] = [:]
            var written: Set<VersionRef> = []
            var outcomes: [IngestOutcome] = []
            let prefetch = BatchPrefetch(batches)
            for index in 0..<batches.count {
                let rows = try await prefetch.next(index)
                let unknown = Array(Set(rows.map(\.stored.id).filter { current[$0] == nil }))
                current.merge(try await latestKeys(of: unknown, connection)) { known, _ in known }
                // Versions other than the latest that the batch names (rare: re-imports of history).
                let older = Array(Set(rows.filter { row in current[row.stored.id].map { $0 != row.key } ?? false }.map(\.stored.id)))
                written.formUnion(try await storedVersions(of: older, connection))
                var plan = WritePlan()
                for row in rows {
                    outcomes.append(plan.add(row, latest: &current, written: &written) { row.stored.dateAdded(clock: &clock, now: now).microseconds })
                    if target != nil { plan.members.append((row.stored.id, row.key, clock.next(now: now).microseconds)) }
                }
                try await plan.run(connection, importedAt: importedAt, collection: target, logger: logger)
            }
            try await connection.run("UPDATE added_clock SET last = \(clock.last)", logger: logger)
            return outcomes
        }
    }

    /// Locks the clock of dates added for the transaction (serialising writers of objects)
    /// and returns it.
    func lockClock(_ connection: PostgresConnection) async throws -> DateAddedClock {
        let rows = try await connection.checkedQuery("SELECT last FROM added_clock FOR UPDATE", logger: logger).decode(Int64.self)
        var last: Int64 = 0
        for try await value in rows { last = value }
        return DateAddedClock(last: last)
    }

    /// Latest version keys of those ids that are stored.
    func latestKeys(of ids: [String], _ connection: PostgresConnection) async throws -> [String: String] {
        guard !ids.isEmpty else { return [:] }
        var keys: [String: String] = [:]
        for try await (id, key) in try await connection.checkedQuery("SELECT id, version_key FROM object WHERE id = ANY(\(ids))", logger: logger)
            .decode((String, String).self)
        {
            keys[id] = key
        }
        return keys
    }

    /// Every stored version of these ids.
    func storedVersions(of ids: [String], _ connection: PostgresConnection) async throws -> Set<VersionRef> {
        guard !ids.isEmpty else { return [] }
        var versions: Set<VersionRef> = []
        for try await (id, key) in try await connection.checkedQuery(
            "SELECT id, version_key FROM object_version WHERE id = ANY(\(ids))", logger: logger
        ).decode((String, String).self) {
            versions.insert(VersionRef(id: id, key: key))
        }
        return versions
    }
}

/// One version of one object.
struct VersionRef: Hashable, Sendable {
    var id: String
    var key: String
}

/// What one batch writes, decided object by object in memory and then written with a
/// handful of statements over arrays (`unnest`), whatever the batch's size.
struct WritePlan {
    var versions: [(row: PreparedObject, added: Int64, superseded: Bool)] = []
    /// Ids whose newer version supersedes older ones: (id, new key).
    var supersedes: [(String, String)] = []
    /// Ids whose index rows go; `indexed` holds their (and new ids') latest version.
    var unindexed: Set<String> = []
    var indexed: [String: PreparedObject] = [:]
    var members: [(id: String, key: String, added: Int64)] = []

    /// Decides what a version does, as the SQLite store's ingest does row by row.
    mutating func add(
        _ row: PreparedObject, latest: inout [String: String], written: inout Set<VersionRef>, added: () -> Int64
    ) -> IngestOutcome {
        let id = row.stored.id
        let previous = latest[id]
        let reference = VersionRef(id: id, key: row.key)
        if let previous, previous == row.key || written.contains(reference) { return .unchanged }
        let superseded = previous.map { row.key < $0 } ?? false
        versions.append((row, added(), superseded))
        written.insert(reference)
        guard previous != nil else {
            indexed[id] = row
            latest[id] = row.key
            return .new
        }
        guard !superseded else { return .older }
        supersedes.append((id, row.key))
        unindexed.insert(id)
        indexed[id] = row
        latest[id] = row.key
        return .updated
    }

    func run(_ connection: PostgresConnection, importedAt: String, collection: String?, logger: Logger) async throws {
        if !versions.isEmpty {
            let rows = versions.map(\.row)
            var sql = SQLBuilder()
            let ids = sql.bind(rows.map(\.stored.id))
            let keys = sql.bind(rows.map(\.key))
            let json = sql.bind(rows.map(\.json))
            let tlps = sql.bind(NullableTextArray(rows.map { $0.stored.tlp.map { String($0.rawValue) } }))
            let added = sql.bind(versions.map(\.added))
            let types = sql.bind(rows.map(\.stored.type))
            let stated = sql.bind(NullableTextArray(rows.map { $0.stored.object.versionTimestamp?.text }))
            let superseded = sql.bind(versions.map(\.superseded))
            let imported = sql.bind(importedAt)
            // JSONB cannot hold the escape \u0000; those objects keep their text only.
            try await connection.run(
                """
                INSERT INTO object_version (id, version_key, json, doc, tlp, imported_at, added_us, type, version, superseded)
                SELECT r.id, r.key, r.json, CASE WHEN strpos(r.json, '\\u0000') = 0 THEN r.json::jsonb END, r.tlp::bigint, \(imported),
                       r.added, r.type, r.stated, r.superseded
                FROM unnest(\(ids)::text[], \(keys)::text[], \(json)::text[], \(tlps)::text[], \(added)::bigint[], \(types)::text[],
                            \(stated)::text[], \(superseded)::boolean[]) AS r(id, key, json, tlp, added, type, stated, superseded)
                """, sql, logger: logger)
        }
        if !supersedes.isEmpty {
            var sql = SQLBuilder()
            let ids = sql.bind(supersedes.map(\.0))
            let keys = sql.bind(supersedes.map(\.1))
            try await connection.run(
                """
                UPDATE object_version v SET superseded = true FROM unnest(\(ids)::text[], \(keys)::text[]) AS s(id, key)
                WHERE v.id = s.id AND v.version_key < s.key AND NOT v.superseded
                """, sql, logger: logger)
        }
        try await PostgresIndexRows.unindex(Array(unindexed), connection, logger: logger)
        try await PostgresIndexRows.index(Array(indexed.values), connection, logger: logger)
        if let collection, !members.isEmpty {
            var sql = SQLBuilder()
            let target = sql.bind(collection)
            let ids = sql.bind(members.map(\.id))
            let keys = sql.bind(members.map(\.key))
            let added = sql.bind(members.map(\.added))
            // Dated only when new to the collection; the dates of those already in it are unused.
            try await connection.run(
                """
                INSERT INTO collection_member (collection_id, object_id, version_key, added_us)
                SELECT \(target), m.id, m.key, m.added FROM unnest(\(ids)::text[], \(keys)::text[], \(added)::bigint[]) AS m(id, key, added)
                ON CONFLICT (collection_id, object_id, version_key) DO NOTHING
                """, sql, logger: logger)
        }
    }
}

/// The index rows of latest versions: `object`, `object_label`, `external_id`.
enum PostgresIndexRows {
    static func unindex(_ ids: [String], _ connection: PostgresConnection, logger: Logger) async throws {
        guard !ids.isEmpty else { return }
        for table in ["object WHERE id", "object_label WHERE object_id", "external_id WHERE object_id"] {
            var sql = SQLBuilder()
            let list = sql.bind(ids)
            try await connection.run("DELETE FROM \(table) = ANY(\(list)::text[])", sql, logger: logger)
        }
    }

    static func index(_ rows: [PreparedObject], _ connection: PostgresConnection, logger: Logger) async throws {
        guard !rows.isEmpty else { return }
        var sql = SQLBuilder()
        let entries = rows.map(\.entry)
        let columns = [
            sql.bind(entries.map(\.id)), sql.bind(entries.map(\.type)), sql.bind(rows.map(\.key)),
            sql.bind(NullableTextArray(entries.map(\.name))), sql.bind(entries.map(\.isRevoked)), sql.bind(entries.map(\.isDeprecated)),
            sql.bind(NullableTextArray(rows.map { $0.stored.tlp.map { String($0.rawValue) } })), sql.bind(entries.map(\.searchText)),
            sql.bind(NullableTextArray(entries.map { $0.relationship?.type })),
            sql.bind(NullableTextArray(entries.map { $0.relationship?.source })),
            sql.bind(NullableTextArray(entries.map { $0.relationship?.target })),
        ]
        let types = ["text", "text", "text", "text", "boolean", "boolean", "text", "text", "text", "text", "text"]
        let arrays = zip(columns, types).map { "\($0)::\($1)[]" }.joined(separator: ", ")
        try await connection.run(
            """
            INSERT INTO object (id, type, version_key, name, revoked, deprecated, tlp, search_text, relationship_type, source_ref, target_ref)
            SELECT r.id, r.type, r.key, r.name, r.revoked, r.deprecated, r.tlp::bigint, r.search, r.rtype, r.source, r.target
            FROM unnest(\(arrays)) AS r(id, type, key, name, revoked, deprecated, tlp, search, rtype, source, target)
            """, sql, logger: logger)
        let labels = entries.flatMap { entry in entry.labelKeys.map { (entry.id, $0) } }
        if !labels.isEmpty {
            var sql = SQLBuilder()
            let ids = sql.bind(labels.map(\.0))
            let keys = sql.bind(labels.map(\.1))
            try await connection.run(
                "INSERT INTO object_label (object_id, label) SELECT * FROM unnest(\(ids)::text[], \(keys)::text[])", sql, logger: logger)
        }
        let externals = entries.flatMap { entry in entry.externalIDs.map { (entry.id, $0.sourceName, $0.key) } }
        if !externals.isEmpty {
            var sql = SQLBuilder()
            let ids = sql.bind(externals.map(\.0))
            let sources = sql.bind(externals.map(\.1))
            let keys = sql.bind(externals.map(\.2))
            try await connection.run(
                "INSERT INTO external_id (object_id, source_name, external_id) SELECT * FROM unnest(\(ids)::text[], \(sources)::text[], \(keys)::text[])",
                sql, logger: logger)
        }
    }
}

extension Optional {
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async throws -> T? {
        guard let self else { return nil }
        return try await transform(self)
    }
}
