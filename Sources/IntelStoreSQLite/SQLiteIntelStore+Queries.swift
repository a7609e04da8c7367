import GRDB
import IntelStore
import STIX

extension SQLiteIntelStore {
    /// Selects latest objects with their JSON; append a WHERE clause.
    static let latestSelect = """
        SELECT o.id AS id, v.json AS json, v.tlp AS tlp FROM object o
        JOIN object_version v ON v.id = o.id AND v.version_key = o.version_key
        """

    static func placeholders(_ count: Int) -> String {
        "(" + Array(repeating: "?", count: count).joined(separator: ",") + ")"
    }

    /// Runs a query returning (id, json, tlp) rows and decodes them.
    static func fetchObjects(_ db: Database, _ sql: String, _ arguments: [(any DatabaseValueConvertible)?]) throws -> [StoredObject] {
        try Row.fetchAll(db, sql: sql, arguments: StatementArguments(arguments)).map(decode)
    }

    /// Runs a query once per chunk of ids, to stay under SQLite's limit on parameters.
    static func fetchObjects(_ db: Database, ids: [String], where clause: (String) -> String) throws -> [StoredObject] {
        var result: [StoredObject] = []
        var start = 0
        while start < ids.count {
            let chunk = Array(ids[start..<min(start + 500, ids.count)])
            result.append(contentsOf: try fetchObjects(db, clause(placeholders(chunk.count)), chunk))
            start += chunk.count
        }
        return result
    }

    public func latest(id: String) async throws -> StoredObject? {
        try await reading("read") { db in
            try SQLiteIntelStore.fetchObjects(db, SQLiteIntelStore.latestSelect + " WHERE o.id = ?", [id]).first
        }
    }

    public func latest(ids: [String]) async throws -> [StoredObject] {
        let unique = Array(Set(ids))
        return try await reading("read") { db in
            try SQLiteIntelStore.fetchObjects(db, ids: unique) { SQLiteIntelStore.latestSelect + " WHERE o.id IN \($0)" }
        }
    }

    public func versions(id: String) async throws -> [StoredObject] {
        try await reading("read") { db in
            try SQLiteIntelStore.fetchObjects(
                db, "SELECT id, json, tlp FROM object_version WHERE id = ? ORDER BY version_key", [id])
        }
    }

    public func objects(types: [String], includeRetired: Bool) async throws -> [StoredObject] {
        var clauses: [String] = []
        if !types.isEmpty { clauses.append("o.type IN \(SQLiteIntelStore.placeholders(types.count))") }
        if !includeRetired { clauses.append("o.revoked = 0 AND o.deprecated = 0") }
        let sql = SQLiteIntelStore.latestSelect + (clauses.isEmpty ? "" : " WHERE " + clauses.joined(separator: " AND "))
        return try await reading("read") { db in try SQLiteIntelStore.fetchObjects(db, sql, types) }.sortedForDisplay()
    }

    public func objects(named name: String) async throws -> [StoredObject] {
        try await objects(whereIDIn: "SELECT object_id FROM object_label WHERE label = ?", ObjectIndexEntry.fold(name))
    }

    public func objects(externalID: String) async throws -> [StoredObject] {
        try await objects(whereIDIn: "SELECT object_id FROM external_id WHERE external_id = ?", ObjectIndexEntry.fold(externalID))
    }

    /// Latest objects whose id a one-parameter subquery selects, in display order.
    private func objects(whereIDIn subquery: String, _ key: String) async throws -> [StoredObject] {
        try await reading("read") { db in
            try SQLiteIntelStore.fetchObjects(db, SQLiteIntelStore.latestSelect + " WHERE o.id IN (\(subquery))", [key])
        }.sortedForDisplay()
    }

    /// The properties read by one call of SQLite's `json_extract` per row, which returns them
    /// as a small JSON array: no object is parsed whole (a million indicators parsed as objects
    /// took 10 s and 2.7 GB; one `json_extract` per property, 8 s).
    public func indicatorRecords() async throws -> [IndicatorRecord] {
        try await reading("read") { db in
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT o.id, json_extract(v.json, '$.name', '$.pattern', '$.pattern_type', '$.created_by_ref', '$.valid_from', '$.valid_until'),
                        v.tlp
                    FROM object o JOIN object_version v ON v.id = o.id AND v.version_key = o.version_key
                    WHERE o.type = 'indicator' AND o.revoked = 0 AND o.deprecated = 0
                    """)
            var records: [IndicatorRecord] = []
            while let row = try rows.next() {
                let text: String = row[1]
                let values = (try? JSONParser.parse(Array(text.utf8)))?.arrayValue ?? []
                func value(_ index: Int) -> String? { index < values.count ? values[index].stringValue : nil }
                records.append(
                    IndicatorRecord(
                        id: row[0], name: value(0), pattern: value(1), patternType: value(2), createdBy: value(3), validFrom: value(4),
                        validUntil: value(5), tlp: (row[2] as Int?).flatMap(TLPLevel.init(rawValue:))))
            }
            return records
        }
    }

    public func relationships(ofType type: String) async throws -> [StoredObject] {
        try await reading("read") { db in
            try SQLiteIntelStore.fetchObjects(db, SQLiteIntelStore.latestSelect + " WHERE o.id IN (SELECT id FROM object WHERE relationship_type = ?)", [type])
        }.filter { !$0.object.isRetired }
    }

    public func relationships(of id: String, direction: RelationshipDirection, type: String?) async throws -> [StoredObject] {
        var ends: [String] = []
        if direction != .incoming { ends.append("source_ref") }
        if direction != .outgoing { ends.append("target_ref") }
        let sql = ends.map { end in
            "SELECT id FROM object WHERE \(end) = ?" + (type == nil ? "" : " AND relationship_type = ?")
        }.joined(separator: " UNION ")
        let arguments = ends.flatMap { _ in [id] + (type.map { [$0] } ?? []) }
        return try await reading("read") { db in
            try SQLiteIntelStore.fetchObjects(db, SQLiteIntelStore.latestSelect + " WHERE o.id IN (\(sql))", arguments)
        }.sortedByRelationship()
    }

    public func search(_ text: String, types: [String], limit: Int) async throws -> [StoredObject] {
        let query = ObjectIndexEntry.fold(text)
        guard !query.isEmpty else { return [] }
        let sql = SQLiteIntelStore.latestSelect + " WHERE instr(o.search_text, ?) > 0"
            + (types.isEmpty ? "" : " AND o.type IN \(SQLiteIntelStore.placeholders(types.count))")
        let candidates = try await reading("search") { db in try SQLiteIntelStore.fetchObjects(db, sql, [query] + types) }
        return SearchRanking.order(candidates, query: text, limit: limit)
    }

    public func existing(ids: Set<String>) async throws -> Set<String> {
        let list = Array(ids)
        return try await reading("read") { db in
            var found: Set<String> = []
            var start = 0
            while start < list.count {
                let chunk = Array(list[start..<min(start + 500, list.count)])
                let sql = "SELECT id FROM object WHERE id IN \(SQLiteIntelStore.placeholders(chunk.count))"
                found.formUnion(try String.fetchAll(db, sql: sql, arguments: StatementArguments(chunk)))
                start += chunk.count
            }
            return found
        }
    }

    public func storedTypes() async throws -> Set<String> {
        try await reading("read") { db in Set(try String.fetchAll(db, sql: "SELECT DISTINCT type FROM object")) }
    }

    public func statistics() async throws -> IntelStatistics {
        try await reading("read") { db in
            var byType: [String: Int] = [:]
            var retired: [String: Int] = [:]
            for row in try Row.fetchAll(
                db, sql: "SELECT type, count(*) AS n, sum(revoked OR deprecated) AS retired FROM object GROUP BY type")
            {
                byType[row["type"]] = row["n"]
                let count: Int = row["retired"]
                if count > 0 { retired[row["type"]] = count }
            }
            var byTLP: [TLPLevel?: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT tlp, count(*) AS n FROM object GROUP BY tlp") {
                let level: Int? = row["tlp"]
                byTLP[level.flatMap(TLPLevel.init(rawValue:))] = row["n"]
            }
            let versions = try Int.fetchOne(db, sql: "SELECT count(*) FROM object_version") ?? 0
            return IntelStatistics(objectsByType: byType, retiredByType: retired, objectsByTLP: byTLP, versionCount: versions)
        }
    }
}
