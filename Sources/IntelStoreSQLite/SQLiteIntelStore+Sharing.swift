import GRDB
import IntelStore
import STIX

extension SQLiteIntelStore {
    static func collection(_ row: Row) -> IntelCollection {
        let types: String = row["types"]
        return IntelCollection(
            id: row["id"], alias: row["alias"], title: row["title"], description: row["description"],
            content: IntelCollection.Content(rawValue: row["content"]) ?? .members,
            maximumTLP: (row["maximum_tlp"] as Int?).flatMap(TLPLevel.init(rawValue:)),
            types: types.isEmpty ? [] : types.split(separator: ",").map(String.init))
    }

    static func collection(_ reference: String, in db: Database) throws -> IntelCollection? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM collection WHERE id = ? OR alias = ? LIMIT 1"), arguments: [reference, reference])
            .map(collection)
    }

    /// The id of a `members` collection, or why it cannot take versions.
    static func membersCollection(_ reference: String, in db: Database) throws -> String {
        guard let collection = try collection(reference, in: db) else { throw IntelStoreError.noSuchCollection(reference) }
        guard collection.content == .members else { throw IntelStoreError.notMembersCollection(reference) }
        return collection.id
    }

    public func createCollection(_ collection: IntelCollection) async throws {
        try await writing("create collection") { db in
            if try SQLiteIntelStore.collection(collection.id, in: db) != nil { throw IntelStoreError.collectionExists(collection.id) }
            if let alias = collection.alias, try SQLiteIntelStore.collection(alias, in: db) != nil {
                throw IntelStoreError.collectionExists(alias)
            }
            try db.execute(
                sql: "INSERT INTO collection (id, alias, title, description, content, maximum_tlp, types) VALUES (?, ?, ?, ?, ?, ?, ?)",
                arguments: [
                    collection.id, collection.alias, collection.title, collection.description, collection.content.rawValue,
                    collection.maximumTLP?.rawValue, collection.types.joined(separator: ","),
                ])
        }
    }

    public func collections() async throws -> [IntelCollection] {
        try await reading("list collections") { db in
            try Row.fetchAll(db, sql: "SELECT * FROM collection ORDER BY title, id").map(SQLiteIntelStore.collection)
        }
    }

    public func collection(_ reference: String) async throws -> IntelCollection? {
        try await reading("read collection") { db in try SQLiteIntelStore.collection(reference, in: db) }
    }

    public func updateCollection(_ collection: IntelCollection) async throws {
        try await writing("update collection") { db in
            guard try SQLiteIntelStore.collection(collection.id, in: db) != nil else {
                throw IntelStoreError.noSuchCollection(collection.id)
            }
            if let alias = collection.alias, let other = try SQLiteIntelStore.collection(alias, in: db), other.id != collection.id {
                throw IntelStoreError.collectionExists(alias)
            }
            try db.execute(
                sql: "UPDATE collection SET alias = ?, title = ?, description = ?, content = ?, maximum_tlp = ?, types = ? WHERE id = ?",
                arguments: [
                    collection.alias, collection.title, collection.description, collection.content.rawValue,
                    collection.maximumTLP?.rawValue, collection.types.joined(separator: ","), collection.id,
                ])
        }
    }

    public func deleteVersions(id: String, keys: Set<String>) async throws -> Int {
        guard !keys.isEmpty else { return 0 }
        let list = Array(keys)
        return try await writing("delete versions") { db in
            let arguments = StatementArguments([id] + list)
            try db.execute(
                sql: "DELETE FROM collection_member WHERE object_id = ? AND version_key IN \(SQLiteIntelStore.placeholders(list.count))", arguments: arguments)
            try db.execute(sql: "DELETE FROM object_version WHERE id = ? AND version_key IN \(SQLiteIntelStore.placeholders(list.count))", arguments: arguments)
            let removed = db.changesCount
            guard removed > 0, let indexed = try String.fetchOne(db, sql: "SELECT version_key FROM object WHERE id = ?", arguments: [id]),
                keys.contains(indexed)
            else { return removed }
            // The latest version went: the newest remaining one is indexed in its place.
            let statements = try IngestStatements(db)
            try statements.unindex(id)
            if let row = try Row.fetchOne(
                db, sql: "SELECT rowid, id, json, tlp FROM object_version WHERE id = ? ORDER BY version_key DESC LIMIT 1", arguments: [id])
            {
                try statements.index(PreparedObject(try SQLiteIntelStore.decode(row)))
                try db.execute(sql: "UPDATE object_version SET superseded = 0 WHERE rowid = ?", arguments: [row["rowid"] as Int64])
            }
            return removed
        }
    }

    public func removeFromCollection(_ collection: String, id: String, versions: VersionSelection) async throws -> Int {
        try await writing("remove from collection") { db in
            let target = try SQLiteIntelStore.membersCollection(collection, in: db)
            let held = try String.fetchAll(
                db, sql: "SELECT version_key FROM collection_member WHERE collection_id = ? AND object_id = ? ORDER BY version_key",
                arguments: [target, id])
            let removed = versions.choose(from: held)
            for key in removed {
                try db.execute(
                    sql: "DELETE FROM collection_member WHERE collection_id = ? AND object_id = ? AND version_key = ?",
                    arguments: [target, id, key])
            }
            return removed.count
        }
    }

    public func page(_ query: ObjectQuery) async throws -> ObjectPage {
        let limit = max(1, query.limit)
        let rows = try await readingWithoutSnapshot("page") { db -> [PagedObject] in
            guard let selection = try SQLiteIntelStore.selection(query, in: db) else { return [] }
            let sql = "SELECT v.id, v.version_key, v.version, \(query.withContent ? "v.json" : "NULL"), v.tlp, \(selection.added) AS added " + selection.from
                + " WHERE " + selection.conditions.joined(separator: " AND ") + " ORDER BY \(selection.added) LIMIT ?"
            // Requests that page without lists of ids, types or versions share a handful of
            // statements, kept prepared; the others vary with their lists and are not kept.
            let statement = query.ids.isEmpty && query.types.isEmpty && !query.versions.hasList
                ? try db.cachedStatement(sql: sql) : try db.makeStatement(sql: sql)
            // The page's JSON goes to one buffer, and each object gets its slice once the
            // buffer is complete (a slice taken earlier would pin a buffer still growing).
            var text: [UInt8] = []
            // Room for objects of a typical size (ATT&CK's average 3.8 KB), so that the buffer
            // is seldom copied as it grows.
            if query.withContent { text.reserveCapacity((min(limit, 1_000) + 1) * 4_096) }
            var ranges: [Range<Int>] = []
            let rows = try statement.mapRows(StatementArguments(selection.arguments + [limit + 1]), capacity: min(limit, 1_000) + 1) { row in
                let start = text.count
                row.appendBytes(3, to: &text)
                ranges.append(start..<text.count)
                return PagedObject(
                    id: row.text(0) ?? "", versionKey: row.text(1) ?? "", version: row.text(2),
                    tlp: row.isNull(4) ? nil : TLPLevel(rawValue: Int(row.integer(4))), dateAdded: DateAdded(microseconds: row.integer(5)),
                    json: [])
            }
            return zip(rows, ranges).map { row, range in
                var item = row
                item.json = text[range]
                return item
            }
        }
        // The row past the limit only tells that there is more; it is dropped in place.
        var items = rows
        let more = items.count > limit
        if more { items.removeLast(items.count - limit) }
        return ObjectPage(items: items, more: more)
    }

    public func count(_ query: ObjectQuery) async throws -> Int {
        var unpaged = query
        unpaged.after = nil
        let whole = unpaged
        return try await reading("count") { db -> Int in
            guard let selection = try SQLiteIntelStore.selection(whole, in: db) else { return 0 }
            let sql = "SELECT COUNT(*) " + selection.from + " WHERE " + selection.conditions.joined(separator: " AND ")
            return try Int.fetchOne(db, sql: sql, arguments: StatementArguments(selection.arguments)) ?? 0
        }
    }

    /// The FROM and WHERE of a query: the source rows (every version, or a collection's
    /// members), the filters, the reader's clearance on each version, and the choice of
    /// versions among those the reader may see. Nil when nothing can match.
    struct Selection {
        var from: String
        /// The column holding the date added.
        var added: String
        var conditions: [String] = []
        var arguments: [(any DatabaseValueConvertible)?] = []
    }

    static func selection(_ query: ObjectQuery, in db: Database) throws -> Selection? {
        guard query.specVersionMatches else { return nil }
        var ceiling: TLPLevel?
        var collectionTypes: [String] = []
        var members: String?
        if let reference = query.collection {
            guard let collection = try collection(reference, in: db) else { throw IntelStoreError.noSuchCollection(reference) }
            ceiling = collection.maximumTLP
            collectionTypes = collection.types
            if collection.content == .members { members = collection.id }
        }
        var selection: Selection
        if let members {
            selection = Selection(
                from: "FROM collection_member m JOIN object_version v ON v.id = m.object_id AND v.version_key = m.version_key",
                added: "m.added_us")
            selection.conditions.append("m.collection_id = ?")
            selection.arguments.append(members)
        } else {
            selection = Selection(from: "FROM object_version v", added: "v.added_us")
        }
        let after = max(query.addedAfter?.microseconds ?? Int64.min, query.after?.after.microseconds ?? Int64.min)
        if after > Int64.min {
            selection.conditions.append("\(selection.added) > ?")
            selection.arguments.append(after)
        }
        for types in [collectionTypes, Array(query.types)] where !types.isEmpty {
            selection.conditions.append("v.type IN \(placeholders(types.count))")
            selection.arguments += types
        }
        if !query.ids.isEmpty {
            selection.conditions.append("v.id IN \(placeholders(query.ids.count))")
            selection.arguments += Array(query.ids)
        }
        // The clearance, as a condition on a version's level (and on unmarked versions).
        let levels = query.clearance.allowedLevels(ceiling: ceiling).map(\.rawValue)
        let unmarked = query.clearance.allows(nil, ceiling: ceiling)
        func cleared(_ alias: String) -> String {
            let marked = levels.isEmpty ? "0" : "\(alias).tlp IN (\(levels.map(String.init).joined(separator: ",")))"
            return unmarked ? "(\(marked) OR \(alias).tlp IS NULL)" : "(\(marked))"
        }
        selection.conditions.append(cleared("v"))
        if let (condition, arguments) = versionCondition(query.versions, members: members != nil, cleared: cleared) {
            selection.conditions.append(condition)
            selection.arguments += arguments
        } else if !query.versions.choosesAll {
            return nil
        }
        return selection
    }

    /// The condition choosing versions among those the reader may see (`cleared`); nil when
    /// every version is chosen, or when none can be (an empty list of instants).
    static func versionCondition(
        _ versions: VersionSelection, members: Bool, cleared: (String) -> String
    ) -> (String, [(any DatabaseValueConvertible)?])? {
        switch versions {
        case .all:
            return nil
        case .last, .first:
            // The newest (oldest) version among those of the source the reader may see.
            let function = versions == .last ? "MAX" : "MIN"
            // A version nothing supersedes is the newest of all, so the newest the reader may
            // see (the outer conditions see to that): only superseded ones need the subquery.
            let unsuperseded = versions == .last ? "v.superseded = 0 OR " : ""
            if members {
                return ("""
                    (\(unsuperseded)v.version_key = (SELECT \(function)(w.version_key) FROM collection_member n
                        JOIN object_version w ON w.id = n.object_id AND w.version_key = n.version_key
                        WHERE n.collection_id = m.collection_id AND n.object_id = m.object_id AND \(cleared("w"))))
                    """, [])
            }
            return ("(\(unsuperseded)v.version_key = (SELECT \(function)(w.version_key) FROM object_version w WHERE w.id = v.id AND \(cleared("w"))))", [])
        case .at(let instants):
            guard !instants.isEmpty else { return nil }
            return ("v.version_key IN \(placeholders(instants.count))", instants.map(\.sortKey))
        case .anyOf(let selections):
            guard !versions.choosesAll else { return nil }
            let parts = selections.compactMap { versionCondition($0, members: members, cleared: cleared) }
            guard !parts.isEmpty else { return nil }
            return ("(" + parts.map(\.0).joined(separator: " OR ") + ")", parts.flatMap(\.1))
        }
    }
}
