import IntelStore
import PostgresNIO
import STIX

extension PostgresIntelStore {
    func collection(_ reference: String, _ connection: PostgresConnection) async throws -> IntelCollection? {
        let rows = try await connection.checkedQuery(
            """
            SELECT id, alias, title, description, content, maximum_tlp, types FROM collection
            WHERE id = \(reference) OR alias = \(reference) ORDER BY (id = \(reference)) DESC LIMIT 1
            """, logger: logger)
        return try await Self.collections(rows).first
    }

    static func collections(_ rows: PostgresRowSequence) async throws -> [IntelCollection] {
        var result: [IntelCollection] = []
        for try await (id, alias, title, description, content, maximum, types) in rows.decode(
            (String, String?, String, String, String, Int?, String).self)
        {
            result.append(
                IntelCollection(
                    id: id, alias: alias, title: title, description: description, content: IntelCollection.Content(rawValue: content) ?? .members,
                    maximumTLP: maximum.flatMap(TLPLevel.init(rawValue:)), types: types.isEmpty ? [] : types.split(separator: ",").map(String.init)))
        }
        return result
    }

    /// The id of a `members` collection, or why it cannot take versions.
    func membersCollection(_ reference: String, _ connection: PostgresConnection) async throws -> String {
        guard let collection = try await collection(reference, connection) else { throw IntelStoreError.noSuchCollection(reference) }
        guard collection.content == .members else { throw IntelStoreError.notMembersCollection(reference) }
        return collection.id
    }

    public func createCollection(_ collection: IntelCollection) async throws {
        try await writing("create collection") { connection in
            // Collections are few and created rarely: one at a time, so two with one alias cannot race.
            try await connection.checkedQuery("LOCK TABLE collection IN SHARE ROW EXCLUSIVE MODE", logger: logger)
            if try await self.collection(collection.id, connection) != nil { throw IntelStoreError.collectionExists(collection.id) }
            if let alias = collection.alias, try await self.collection(alias, connection) != nil { throw IntelStoreError.collectionExists(alias) }
            try await connection.checkedQuery(
                """
                INSERT INTO collection (id, alias, title, description, content, maximum_tlp, types)
                VALUES (\(collection.id), \(collection.alias), \(collection.title), \(collection.description), \(collection.content.rawValue),
                        \(collection.maximumTLP?.rawValue), \(collection.types.joined(separator: ",")))
                """, logger: logger)
        }
    }

    public func collections() async throws -> [IntelCollection] {
        try await reading("list collections") { connection in
            try await Self.collections(
                try await connection.checkedQuery(
                    "SELECT id, alias, title, description, content, maximum_tlp, types FROM collection ORDER BY title, id", logger: logger))
        }
    }

    public func collection(_ reference: String) async throws -> IntelCollection? {
        try await reading("read collection") { connection in try await self.collection(reference, connection) }
    }

    public func updateCollection(_ collection: IntelCollection) async throws {
        try await writing("update collection") { connection in
            try await connection.checkedQuery("LOCK TABLE collection IN SHARE ROW EXCLUSIVE MODE", logger: logger)
            guard try await self.collection(collection.id, connection)?.id == collection.id else {
                throw IntelStoreError.noSuchCollection(collection.id)
            }
            if let alias = collection.alias, let other = try await self.collection(alias, connection), other.id != collection.id {
                throw IntelStoreError.collectionExists(alias)
            }
            try await connection.checkedQuery(
                """
                UPDATE collection SET alias = \(collection.alias), title = \(collection.title), description = \(collection.description),
                    content = \(collection.content.rawValue), maximum_tlp = \(collection.maximumTLP?.rawValue),
                    types = \(collection.types.joined(separator: ",")) WHERE id = \(collection.id)
                """, logger: logger)
        }
    }

    public func deleteVersions(id: String, keys: Set<String>) async throws -> Int {
        guard !keys.isEmpty else { return 0 }
        let list = Array(keys)
        return try await writing("delete versions") { connection in
            _ = try await lockClock(connection)
            try await connection.checkedQuery(
                "DELETE FROM collection_member WHERE object_id = \(id) AND version_key = ANY(\(list))", logger: logger)
            var removed = 0
            for try await _ in try await connection.checkedQuery(
                "DELETE FROM object_version WHERE id = \(id) AND version_key = ANY(\(list)) RETURNING 1", logger: logger)
            {
                removed += 1
            }
            let indexed = try await latestKeys(of: [id], connection)[id]
            guard removed > 0, let indexed, keys.contains(indexed) else { return removed }
            // The latest version went: the newest remaining one is indexed in its place.
            try await PostgresIndexRows.unindex([id], connection, logger: logger)
            let rows = try await connection.checkedQuery(
                "SELECT id, json, tlp, version_key FROM object_version WHERE id = \(id) ORDER BY version_key DESC LIMIT 1", logger: logger)
            for try await (id, json, tlp, key) in rows.decode((String, String, Int?, String).self) {
                try await PostgresIndexRows.index([PreparedObject(try Self.decode(id: id, json: json, tlp: tlp))], connection, logger: logger)
                try await connection.checkedQuery(
                    "UPDATE object_version SET superseded = false WHERE id = \(id) AND version_key = \(key)", logger: logger)
            }
            return removed
        }
    }

    public func removeFromCollection(_ collection: String, id: String, versions: VersionSelection) async throws -> Int {
        try await writing("remove from collection") { connection in
            let target = try await membersCollection(collection, connection)
            var held: [String] = []
            for try await key in try await connection.checkedQuery(
                "SELECT version_key FROM collection_member WHERE collection_id = \(target) AND object_id = \(id) ORDER BY version_key",
                logger: logger
            ).decode(String.self) {
                held.append(key)
            }
            let removed = Array(versions.choose(from: held))
            try await connection.checkedQuery(
                "DELETE FROM collection_member WHERE collection_id = \(target) AND object_id = \(id) AND version_key = ANY(\(removed))",
                logger: logger)
            return removed.count
        }
    }

    public func page(_ query: ObjectQuery) async throws -> ObjectPage {
        let limit = max(1, query.limit)
        let rows = try await reading("page") { connection -> [PagedObject] in
            guard var selection = try await selection(query, connection) else { return [] }
            let bound = selection.sql.bind(limit + 1)
            let statement = "SELECT v.id, v.version_key, v.version, \(query.withContent ? "v.json" : "''"), v.tlp, \(selection.added) "
                + selection.from + " WHERE " + selection.conditions.joined(separator: " AND ") + " ORDER BY \(selection.added) LIMIT \(bound)"
            var items: [PagedObject] = []
            for try await (id, key, version, json, tlp, added) in try await connection.checkedQuery(selection.sql.query(statement), logger: logger)
                .decode((String, String, String?, String, Int?, Int64).self)
            {
                items.append(
                    PagedObject(
                        id: id, versionKey: key, version: version, tlp: tlp.flatMap(TLPLevel.init(rawValue:)),
                        dateAdded: DateAdded(microseconds: added), json: ArraySlice(json.utf8)))
            }
            return items
        }
        // The row past the limit only tells that there is more.
        var items = rows
        let more = items.count > limit
        if more { items.removeLast(items.count - limit) }
        return ObjectPage(items: items, more: more)
    }

    public func count(_ query: ObjectQuery) async throws -> Int {
        var unpaged = query
        unpaged.after = nil
        let whole = unpaged
        return try await reading("count") { connection -> Int in
            guard let selection = try await selection(whole, connection) else { return 0 }
            let statement = "SELECT count(*) " + selection.from + " WHERE " + selection.conditions.joined(separator: " AND ")
            var total = 0
            for try await count in try await connection.checkedQuery(selection.sql.query(statement), logger: logger).decode(Int.self) { total = count }
            return total
        }
    }

    /// The FROM and WHERE of a query (as the SQLite store builds them): the source rows (every
    /// version, or a collection's members), the filters, the reader's clearance on each
    /// version, and the choice of versions among those the reader may see.
    struct Selection {
        var from: String
        var added: String
        var conditions: [String] = []
        var sql = SQLBuilder()
    }

    func selection(_ query: ObjectQuery, _ connection: PostgresConnection) async throws -> Selection? {
        guard query.specVersionMatches else { return nil }
        var ceiling: TLPLevel?
        var collectionTypes: [String] = []
        var members: String?
        if let reference = query.collection {
            guard let collection = try await collection(reference, connection) else { throw IntelStoreError.noSuchCollection(reference) }
            ceiling = collection.maximumTLP
            collectionTypes = collection.types
            if collection.content == .members { members = collection.id }
        }
        var selection: Selection
        if let members {
            selection = Selection(
                from: "FROM collection_member m JOIN object_version v ON v.id = m.object_id AND v.version_key = m.version_key",
                added: "m.added_us")
            selection.conditions.append("m.collection_id = \(selection.sql.bind(members))")
        } else {
            selection = Selection(from: "FROM object_version v", added: "v.added_us")
        }
        let after = max(query.addedAfter?.microseconds ?? Int64.min, query.after?.after.microseconds ?? Int64.min)
        if after > Int64.min { selection.conditions.append("\(selection.added) > \(selection.sql.bind(after))") }
        for types in [collectionTypes, Array(query.types)] where !types.isEmpty {
            selection.conditions.append("v.type = ANY(\(selection.sql.bind(types))::text[])")
        }
        if !query.ids.isEmpty { selection.conditions.append("v.id = ANY(\(selection.sql.bind(Array(query.ids)))::text[])") }
        let levels = query.clearance.allowedLevels(ceiling: ceiling).map(\.rawValue)
        let unmarked = query.clearance.allows(nil, ceiling: ceiling)
        func cleared(_ alias: String) -> String {
            let marked = levels.isEmpty ? "false" : "\(alias).tlp IN (\(levels.map(String.init).joined(separator: ",")))"
            return unmarked ? "(\(marked) OR \(alias).tlp IS NULL)" : "(\(marked))"
        }
        selection.conditions.append(cleared("v"))
        if let condition = versionCondition(query.versions, members: members != nil, cleared: cleared, sql: &selection.sql) {
            selection.conditions.append(condition)
        } else if !query.versions.choosesAll {
            return nil
        }
        return selection
    }

    /// The condition choosing versions among those the reader may see; nil when every version
    /// is chosen, or when none can be.
    func versionCondition(_ versions: VersionSelection, members: Bool, cleared: (String) -> String, sql: inout SQLBuilder) -> String? {
        switch versions {
        case .all:
            return nil
        case .last, .first:
            let function = versions == .last ? "max" : "min"
            // A version nothing supersedes is the newest of all: only superseded ones need the subquery.
            let unsuperseded = versions == .last ? "NOT v.superseded OR " : ""
            if members {
                return """
                    (\(unsuperseded)v.version_key = (SELECT \(function)(w.version_key) FROM collection_member n
                        JOIN object_version w ON w.id = n.object_id AND w.version_key = n.version_key
                        WHERE n.collection_id = m.collection_id AND n.object_id = m.object_id AND \(cleared("w"))))
                    """
            }
            return "(\(unsuperseded)v.version_key = (SELECT \(function)(w.version_key) FROM object_version w WHERE w.id = v.id AND \(cleared("w"))))"
        case .at(let instants):
            guard !instants.isEmpty else { return nil }
            return "v.version_key = ANY(\(sql.bind(instants.map(\.sortKey)))::text[])"
        case .anyOf(let selections):
            guard !versions.choosesAll else { return nil }
            let parts = selections.compactMap { versionCondition($0, members: members, cleared: cleared, sql: &sql) }
            guard !parts.isEmpty else { return nil }
            return "(" + parts.joined(separator: " OR ") + ")"
        }
    }
}
