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
        var chosenKeys: [String: Set<String>]?
        switch query.versions {
        case .all:
            chosenKeys = nil
        case .last, .first:
            var extreme: [String: String] = [:]
            for (version, _) in visible {
                if let current = extreme[version.id] {
                    extreme[version.id] = query.versions == .last ? max(current, version.key) : min(current, version.key)
                } else {
                    extreme[version.id] = version.key
                }
            }
            chosenKeys = extreme.mapValues { [$0] }
        case .at(let instants):
            let keys = Set(instants.map(\.sortKey))
            chosenKeys = Dictionary(uniqueKeysWithValues: Set(visible.map(\.version.id)).map { ($0, keys) })
        }
        return visible.compactMap { version, stored in
            guard version.at.microseconds > after else { return nil }
            if let chosenKeys, !(chosenKeys[version.id]?.contains(version.key) ?? false) { return nil }
            return PagedObject(stored: stored, dateAdded: version.at)
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

    public func removeFromCollection(_ collection: String, id: String, versions selection: VersionSelection) async throws -> Int {
        try state.withLock { (state: inout State) throws(IntelStoreError) -> Int in
            let target = try state.membersCollection(collection)
            let held = (state.members[target] ?? []).filter { $0.id == id }.map(\.key).sorted()
            let removed: Set<String>
            switch selection {
            case .all: removed = Set(held)
            case .last: removed = Set(held.suffix(1))
            case .first: removed = Set(held.prefix(1))
            case .at(let instants): removed = Set(instants.map(\.sortKey)).intersection(held)
            }
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
