import STIX
import Synchronization

/// An intel store held in memory: for tests, for one-off runs, and as the reference the other
/// backends are checked against (the same conformance suite runs on all of them).
///
/// Nothing is persisted. `ingest` is atomic: the batch is applied to a copy of the state that
/// replaces the old one only at the end. It keeps cases too.
public final class MemoryIntelStore: IntelStore, CustomStringConvertible {
    /// One version of an object, and when it was added (to the store or a collection).
    struct AddedVersion {
        var at: DateAdded
        var id: String
        var key: String
    }

    struct VersionRef: Hashable {
        var id: String
        var key: String
    }

    struct State {
        /// All versions by id, oldest first.
        var versions: [String: [StoredObject]] = [:]
        var latest: [String: StoredObject] = [:]
        var entries: [String: ObjectIndexEntry] = [:]
        var byLabel: [String: Set<String>] = [:]
        var byExternalID: [String: Set<String>] = [:]
        var outgoing: [String: Set<String>] = [:]
        var incoming: [String: Set<String>] = [:]
        var versionCount = 0
        /// Every version in the order it was added, and when.
        var added: [AddedVersion] = []
        var addedAt: [VersionRef: DateAdded] = [:]
        var clock = DateAddedClock()
        var collections: [String: IntelCollection] = [:]
        /// Per `members` collection: its versions in the order they were added.
        var members: [String: [AddedVersion]] = [:]
        var memberSet: [String: Set<VersionRef>] = [:]
        var cases = CaseState()
        var access = AccessState()

        mutating func unindex(_ id: String) {
            guard let entry = entries.removeValue(forKey: id) else { return }
            for key in entry.labelKeys { byLabel[key]?.remove(id) }
            for external in entry.externalIDs { byExternalID[external.key]?.remove(id) }
            if let relationship = entry.relationship {
                outgoing[relationship.source]?.remove(id)
                incoming[relationship.target]?.remove(id)
            }
        }

        mutating func index(_ stored: StoredObject) {
            let entry = ObjectIndexEntry(stored.object)
            entries[stored.id] = entry
            latest[stored.id] = stored
            for key in entry.labelKeys { byLabel[key, default: []].insert(stored.id) }
            for external in entry.externalIDs { byExternalID[external.key, default: []].insert(stored.id) }
            if let relationship = entry.relationship {
                outgoing[relationship.source, default: []].insert(stored.id)
                incoming[relationship.target, default: []].insert(stored.id)
            }
        }

        mutating func ingest(_ stored: StoredObject, now: Int64) -> IngestOutcome {
            let key = stored.versionKey
            var history = versions[stored.id] ?? []
            if history.contains(where: { $0.versionKey == key }) { return .unchanged }
            let current = latest[stored.id]
            history.append(stored)
            history.sort { $0.versionKey < $1.versionKey }
            versions[stored.id] = history
            versionCount += 1
            let at = stored.dateAdded(clock: &clock, now: now)
            added.append(AddedVersion(at: at, id: stored.id, key: key))
            addedAt[VersionRef(id: stored.id, key: key)] = at
            guard let current else {
                index(stored)
                return .new
            }
            guard key > current.versionKey else { return .older }
            unindex(stored.id)
            index(stored)
            return .updated
        }
    }

    let state = Mutex(State())

    public init() {}

    public var description: String { "memory store" }

    public func ingest(_ batches: IngestBatches, into collection: String?) async throws -> [IngestOutcome] {
        // Batches are produced before the lock is taken: readers never wait for a producer.
        let objects = try (0..<batches.count).flatMap { try batches.produce($0) }
        return try state.withLock { state in
            var working = state
            let target = try collection.map { reference in try working.membersCollection(reference) }
            let now = DateAddedClock.now()
            var outcomes: [IngestOutcome] = []
            for stored in objects {
                outcomes.append(working.ingest(stored, now: now))
                if let target { working.addMember(target, VersionRef(id: stored.id, key: stored.versionKey), now: now) }
            }
            state = working
            return outcomes
        }
    }

    public func latest(id: String) async throws -> StoredObject? {
        state.withLock { $0.latest[id] }
    }

    public func latest(ids: [String]) async throws -> [StoredObject] {
        state.withLock { state in ids.compactMap { state.latest[$0] } }
    }

    public func versions(id: String) async throws -> [StoredObject] {
        state.withLock { $0.versions[id] ?? [] }
    }

    public func objects(types: [String], includeRetired: Bool) async throws -> [StoredObject] {
        let wanted = Set(types)
        return state.withLock { state in
            state.latest.values.filter { stored in
                (wanted.isEmpty || wanted.contains(stored.type)) && (includeRetired || !stored.object.isRetired)
            }
        }.sortedForDisplay()
    }

    public func objects(named name: String) async throws -> [StoredObject] {
        let key = ObjectIndexEntry.fold(name)
        return state.withLock { state in (state.byLabel[key] ?? []).compactMap { state.latest[$0] } }.sortedForDisplay()
    }

    public func objects(externalID: String) async throws -> [StoredObject] {
        let key = ObjectIndexEntry.fold(externalID)
        return state.withLock { state in (state.byExternalID[key] ?? []).compactMap { state.latest[$0] } }
            .sortedForDisplay()
    }

    public func relationships(of id: String, direction: RelationshipDirection, type: String?) async throws -> [StoredObject] {
        state.withLock { state in
            var ids: Set<String> = []
            if direction != .incoming { ids.formUnion(state.outgoing[id] ?? []) }
            if direction != .outgoing { ids.formUnion(state.incoming[id] ?? []) }
            return ids.compactMap { state.latest[$0] }.filter { type == nil || $0.object.relationshipType == type }
        }.sortedByRelationship()
    }

    public func search(_ text: String, types: [String], limit: Int) async throws -> [StoredObject] {
        let query = ObjectIndexEntry.fold(text)
        let wanted = Set(types)
        let candidates = state.withLock { state in
            state.entries.values.filter { entry in
                (wanted.isEmpty || wanted.contains(entry.type)) && entry.searchText.contains(query)
            }.compactMap { state.latest[$0.id] }
        }
        return SearchRanking.order(candidates, query: text, limit: limit)
    }

    public func existing(ids: Set<String>) async throws -> Set<String> {
        state.withLock { state in ids.filter { state.latest[$0] != nil } }
    }

    public func storedTypes() async throws -> Set<String> {
        state.withLock { Set($0.latest.values.map(\.type)) }
    }

    public func statistics() async throws -> IntelStatistics {
        state.withLock { state in
            var byType: [String: Int] = [:]
            var retired: [String: Int] = [:]
            var byTLP: [TLPLevel?: Int] = [:]
            for stored in state.latest.values {
                byType[stored.type, default: 0] += 1
                if stored.object.isRetired { retired[stored.type, default: 0] += 1 }
                byTLP[stored.tlp, default: 0] += 1
            }
            return IntelStatistics(objectsByType: byType, retiredByType: retired, objectsByTLP: byTLP, versionCount: state.versionCount)
        }
    }
}

extension Array where Element == StoredObject {
    /// Relationships in a stable order: by type, then source, then target, then id.
    public func sortedByRelationship() -> [StoredObject] {
        sorted { lhs, rhs in
            let left = (lhs.object.relationshipType ?? "", lhs.object.sourceRef ?? "", lhs.object.targetRef ?? "", lhs.id)
            let right = (rhs.object.relationshipType ?? "", rhs.object.sourceRef ?? "", rhs.object.targetRef ?? "", rhs.id)
            return left < right
        }
    }
}
