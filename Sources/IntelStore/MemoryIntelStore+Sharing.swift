import STIX

extension MemoryIntelStore.State {
    /// The collection of a reference (id or alias).
    func collection(_ reference: String) -> IntelCollection? {
        collections[reference] ?? collections.values.first { $0.alias == reference }
    }

    /// The id of a `members` collection, or why it cannot take versions.
    func membersCollection(_ reference: String) throws(IntelStoreError) -> String {
        guard let collection = collection(reference) else { throw .noSuchCollection(reference) }
        guard collection.content == .members else { throw .notMembersCollection(reference) }
        return collection.id
    }

    mutating func addMember(_ collection: String, _ version: MemoryIntelStore.VersionRef, now: Int64) {
        guard memberSet[collection, default: []].insert(version).inserted else { return }
        members[collection, default: []].append(MemoryIntelStore.AddedVersion(at: clock.next(now: now), id: version.id, key: version.key))
    }

    /// Deletes versions everywhere; the newest remaining one becomes the latest.
    mutating func delete(id: String, keys: Set<String>) -> Int {
        guard let history = versions[id] else { return 0 }
        let remaining = history.filter { !keys.contains($0.versionKey) }
        let removed = history.count - remaining.count
        guard removed > 0 else { return 0 }
        versionCount -= removed
        added.removeAll { $0.id == id && keys.contains($0.key) }
        for key in keys { addedAt[MemoryIntelStore.VersionRef(id: id, key: key)] = nil }
        for collection in members.keys {
            members[collection]?.removeAll { $0.id == id && keys.contains($0.key) }
            for key in keys { memberSet[collection]?.remove(MemoryIntelStore.VersionRef(id: id, key: key)) }
        }
        if let newest = remaining.last {
            versions[id] = remaining
            if newest.versionKey != latest[id]?.versionKey {
                unindex(id)
                index(newest)
            }
        } else {
            versions[id] = nil
            latest[id] = nil
            unindex(id)
        }
        return removed
    }

    func stored(_ version: MemoryIntelStore.AddedVersion) -> StoredObject? {
        versions[version.id]?.first { $0.versionKey == version.key }
    }

    /// Every version the query selects, in the order added (cursor and limit not applied).
    func selected(_ query: ObjectQuery) throws(IntelStoreError) -> [PagedObject] {
        var ceiling: TLPLevel?
        var collectionTypes: Set<String> = []
        let source: [MemoryIntelStore.AddedVersion]
        if let reference = query.collection {
            guard let collection = collection(reference) else { throw .noSuchCollection(reference) }
            ceiling = collection.maximumTLP
            collectionTypes = Set(collection.types)
            source = collection.content == .members ? members[collection.id] ?? [] : added
        } else {
            source = added
        }
        guard query.specVersionMatches else { return [] }
        let after = query.addedAfter?.microseconds ?? Int64.min
        // What the reader may see of the source, before choosing versions.
        var visible: [(version: MemoryIntelStore.AddedVersion, stored: StoredObject)] = []
        for version in source {
            let type = ObjectQueryTypes.type(of: version.id)
            if !collectionTypes.isEmpty && !collectionTypes.contains(type) { continue }
            if !query.types.isEmpty && !query.types.contains(type) { continue }
            if !query.ids.isEmpty && !query.ids.contains(version.id) { continue }
            guard let stored = stored(version), query.clearance.allows(stored.tlp, ceiling: ceiling) else { continue }
            visible.append((version, stored))
        }
        // The versions chosen among those the reader may see, per object.
        var chosenKeys: [String: Set<String>]?
        if !query.versions.choosesAll {
            var keys: [String: [String]] = [:]
            for (version, _) in visible { keys[version.id, default: []].append(version.key) }
            chosenKeys = keys.mapValues { query.versions.choose(from: $0.sorted()) }
        }
        return visible.compactMap { version, stored in
            guard version.at.microseconds > after else { return nil }
            if let chosenKeys, !(chosenKeys[version.id]?.contains(version.key) ?? false) { return nil }
            var item = PagedObject(stored, dateAdded: version.at)
            if !query.withContent { item.json = [] }
            return item
        }
    }
}

/// The object type an id names (`intrusion-set--…` → `intrusion-set`).
enum ObjectQueryTypes {
    static func type(of id: String) -> String {
        guard let range = id.range(of: "--") else { return id }
        return String(id[..<range.lowerBound])
    }
}

extension MemoryIntelStore {
    public func createCollection(_ collection: IntelCollection) async throws {
        try state.withLock { (state: inout State) throws(IntelStoreError) in
            if state.collection(collection.id) != nil { throw .collectionExists(collection.id) }
            if let alias = collection.alias, state.collection(alias) != nil { throw .collectionExists(alias) }
            state.collections[collection.id] = collection
        }
    }

    public func collections() async throws -> [IntelCollection] {
        state.withLock { Array($0.collections.values) }.sorted { ($0.title, $0.id) < ($1.title, $1.id) }
    }

    public func collection(_ reference: String) async throws -> IntelCollection? {
        state.withLock { $0.collection(reference) }
    }

    public func updateCollection(_ collection: IntelCollection) async throws {
        try state.withLock { (state: inout State) throws(IntelStoreError) in
            guard state.collections[collection.id] != nil else { throw .noSuchCollection(collection.id) }
            if let alias = collection.alias, let other = state.collection(alias), other.id != collection.id {
                throw .collectionExists(alias)
            }
            state.collections[collection.id] = collection
        }
    }

    public func deleteVersions(id: String, keys: Set<String>) async throws -> Int {
        state.withLock { state in state.delete(id: id, keys: keys) }
    }

    public func removeFromCollection(_ collection: String, id: String, versions selection: VersionSelection) async throws -> Int {
        try state.withLock { (state: inout State) throws(IntelStoreError) -> Int in
            let target = try state.membersCollection(collection)
            let held = (state.members[target] ?? []).filter { $0.id == id }.map(\.key).sorted()
            let removed = selection.choose(from: held)
            state.members[target]?.removeAll { $0.id == id && removed.contains($0.key) }
            for key in removed { state.memberSet[target]?.remove(VersionRef(id: id, key: key)) }
            return removed.count
        }
    }

    public func page(_ query: ObjectQuery) async throws -> ObjectPage {
        let selected = try state.withLock { (state: inout State) throws(IntelStoreError) in try state.selected(query) }
        let start = query.after?.after.microseconds ?? Int64.min
        let rest = selected.filter { $0.dateAdded.microseconds > start }
        let limit = max(1, query.limit)
        return ObjectPage(items: Array(rest.prefix(limit)), more: rest.count > limit)
    }

    public func count(_ query: ObjectQuery) async throws -> Int {
        try state.withLock { (state: inout State) throws(IntelStoreError) in try state.selected(query).count }
    }
}
