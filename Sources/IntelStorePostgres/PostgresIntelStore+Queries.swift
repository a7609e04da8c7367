import IntelStore
import PostgresNIO
import STIX

extension PostgresIntelStore {
    /// Selects latest objects with their JSON; append a WHERE clause.
    static let latestSelect = """
        SELECT o.id, v.json, v.tlp FROM object o JOIN object_version v ON v.id = o.id AND v.version_key = o.version_key
        """

    /// Runs a query returning (id, json, tlp) rows and decodes them.
    func fetchObjects(_ sql: String, _ builder: SQLBuilder = SQLBuilder(), operation: String = "read") async throws -> [StoredObject] {
        try await reading(operation) { connection in try await self.fetchObjects(connection, sql, builder) }
    }

    func fetchObjects(_ connection: PostgresConnection, _ sql: String, _ builder: SQLBuilder) async throws -> [StoredObject] {
        var objects: [StoredObject] = []
        for try await (id, json, tlp) in try await connection.checkedQuery(builder.query(sql), logger: logger).decode((String, String, Int?).self) {
            objects.append(try Self.decode(id: id, json: json, tlp: tlp))
        }
        return objects
    }

    public func latest(id: String) async throws -> StoredObject? {
        var sql = SQLBuilder()
        return try await fetchObjects(Self.latestSelect + " WHERE o.id = \(sql.bind(id))", sql).first
    }

    public func latest(ids: [String]) async throws -> [StoredObject] {
        guard !ids.isEmpty else { return [] }
        var sql = SQLBuilder()
        return try await fetchObjects(Self.latestSelect + " WHERE o.id = ANY(\(sql.bind(Array(Set(ids))))::text[])", sql)
    }

    public func versions(id: String) async throws -> [StoredObject] {
        var sql = SQLBuilder()
        return try await fetchObjects("SELECT id, json, tlp FROM object_version WHERE id = \(sql.bind(id)) ORDER BY version_key", sql)
    }

    public func objects(types: [String], includeRetired: Bool) async throws -> [StoredObject] {
        var sql = SQLBuilder()
        var clauses: [String] = []
        if !types.isEmpty { clauses.append("o.type = ANY(\(sql.bind(types))::text[])") }
        if !includeRetired { clauses.append("NOT o.revoked AND NOT o.deprecated") }
        let query = Self.latestSelect + (clauses.isEmpty ? "" : " WHERE " + clauses.joined(separator: " AND "))
        return try await fetchObjects(query, sql).sortedForDisplay()
    }

    public func objects(named name: String) async throws -> [StoredObject] {
        var sql = SQLBuilder()
        let key = sql.bind(ObjectIndexEntry.fold(name))
        return try await fetchObjects(Self.latestSelect + " WHERE o.id IN (SELECT object_id FROM object_label WHERE label = \(key))", sql)
            .sortedForDisplay()
    }

    public func objects(externalID: String) async throws -> [StoredObject] {
        var sql = SQLBuilder()
        let key = sql.bind(ObjectIndexEntry.fold(externalID))
        return try await fetchObjects(Self.latestSelect + " WHERE o.id IN (SELECT object_id FROM external_id WHERE external_id = \(key))", sql)
            .sortedForDisplay()
    }

    /// The properties read out of the JSONB in the server: no object is parsed whole here.
    public func indicatorRecords() async throws -> [IndicatorRecord] {
        try await reading("read") { connection in
            let rows = try await connection.checkedQuery(
                """
                SELECT o.id, v.doc->>'name', v.doc->>'pattern', v.doc->>'pattern_type', v.doc->>'created_by_ref', v.doc->>'valid_from',
                       v.doc->>'valid_until', v.tlp, CASE WHEN v.doc IS NULL THEN v.json END
                FROM object o JOIN object_version v ON v.id = o.id AND v.version_key = o.version_key
                WHERE o.type = 'indicator' AND NOT o.revoked AND NOT o.deprecated
                """, logger: logger
            ).decode((String, String?, String?, String?, String?, String?, String?, Int?, String?).self)
            var records: [IndicatorRecord] = []
            for try await (id, name, pattern, patternType, createdBy, validFrom, validUntil, tlp, text) in rows {
                if let text {
                    records.append(IndicatorRecord(try Self.decode(id: id, json: text, tlp: tlp)))
                    continue
                }
                records.append(
                    IndicatorRecord(
                        id: id, name: name, pattern: pattern, patternType: patternType, createdBy: createdBy, validFrom: validFrom,
                        validUntil: validUntil, tlp: tlp.flatMap(TLPLevel.init(rawValue:))))
            }
            return records
        }
    }

    public func relationships(ofType type: String) async throws -> [StoredObject] {
        var sql = SQLBuilder()
        let bound = sql.bind(type)
        return try await fetchObjects(Self.latestSelect + " WHERE o.relationship_type = \(bound) AND NOT o.revoked AND NOT o.deprecated", sql)
    }

    public func relationships(of id: String, direction: RelationshipDirection, type: String?) async throws -> [StoredObject] {
        var sql = SQLBuilder()
        let object = sql.bind(id)
        let kind = type.map { sql.bind($0) }
        var ends: [String] = []
        if direction != .incoming { ends.append("source_ref") }
        if direction != .outgoing { ends.append("target_ref") }
        let subquery = ends.map { "SELECT id FROM object WHERE \($0) = \(object)" + (kind.map { " AND relationship_type = \($0)" } ?? "") }
            .joined(separator: " UNION ")
        return try await fetchObjects(Self.latestSelect + " WHERE o.id IN (\(subquery))", sql).sortedByRelationship()
    }

    public func search(_ text: String, types: [String], limit: Int) async throws -> [StoredObject] {
        let query = ObjectIndexEntry.fold(text)
        guard !query.isEmpty else { return [] }
        var sql = SQLBuilder()
        var statement = Self.latestSelect + " WHERE strpos(o.search_text, \(sql.bind(query))) > 0"
        if !types.isEmpty { statement += " AND o.type = ANY(\(sql.bind(types))::text[])" }
        let candidates = try await fetchObjects(statement, sql, operation: "search")
        return SearchRanking.order(candidates, query: text, limit: limit)
    }

    public func existing(ids: Set<String>) async throws -> Set<String> {
        guard !ids.isEmpty else { return [] }
        return try await reading("read") { connection in
            var found: Set<String> = []
            for try await id in try await connection.checkedQuery("SELECT id FROM object WHERE id = ANY(\(Array(ids)))", logger: logger)
                .decode(String.self)
            {
                found.insert(id)
            }
            return found
        }
    }

    public func storedTypes() async throws -> Set<String> {
        try await reading("read") { connection in
            var types: Set<String> = []
            for try await type in try await connection.checkedQuery("SELECT DISTINCT type FROM object", logger: logger).decode(String.self) {
                types.insert(type)
            }
            return types
        }
    }

    public func statistics() async throws -> IntelStatistics {
        try await snapshot("read") { connection in
            var byType: [String: Int] = [:]
            var retired: [String: Int] = [:]
            for try await (type, count, retiredCount) in try await connection.checkedQuery(
                "SELECT type, count(*), count(*) FILTER (WHERE revoked OR deprecated) FROM object GROUP BY type", logger: logger
            ).decode((String, Int, Int).self) {
                byType[type] = count
                if retiredCount > 0 { retired[type] = retiredCount }
            }
            var byTLP: [TLPLevel?: Int] = [:]
            for try await (level, count) in try await connection.checkedQuery("SELECT tlp, count(*) FROM object GROUP BY tlp", logger: logger)
                .decode((Int?, Int).self)
            {
                byTLP[level.flatMap(TLPLevel.init(rawValue:))] = count
            }
            var versions = 0
            for try await count in try await connection.checkedQuery("SELECT count(*) FROM object_version", logger: logger).decode(Int.self) {
                versions = count
            }
            return IntelStatistics(objectsByType: byType, retiredByType: retired, objectsByTLP: byTLP, versionCount: versions)
        }
    }
}
