import STIX

/// What a version of an object did to the store when it was ingested.
public enum IngestOutcome: String, Sendable, Hashable, CaseIterable {
    /// The first version of this id.
    case new
    /// A newer version than the latest: it is now the latest, the previous one is history.
    case updated
    /// This exact version (same id and `modified`) was already stored.
    case unchanged
    /// A version older than the latest: kept as history, the latest stays.
    case older
}

/// Which relationships of an object to follow.
public enum RelationshipDirection: Sendable, Hashable {
    /// Relationships whose `source_ref` is the object.
    case outgoing
    /// Relationships whose `target_ref` is the object.
    case incoming
    case both
}

/// Counts over the latest versions in a store.
public struct IntelStatistics: Sendable, Hashable {
    /// Latest objects per type.
    public var objectsByType: [String: Int]
    /// Latest objects per type that are revoked or deprecated.
    public var retiredByType: [String: Int]
    /// Latest objects per TLP level (nil: unmarked).
    public var objectsByTLP: [TLPLevel?: Int]
    /// Stored versions of all objects, history included.
    public var versionCount: Int

    public init(objectsByType: [String: Int], retiredByType: [String: Int], objectsByTLP: [TLPLevel?: Int], versionCount: Int) {
        self.objectsByType = objectsByType
        self.retiredByType = retiredByType
        self.objectsByTLP = objectsByTLP
        self.versionCount = versionCount
    }

    public var objectCount: Int { objectsByType.values.reduce(0, +) }
}

/// Objects handed to a store batch by batch, in order: producing batch `i + 1` (validating,
/// serialising) may run while batch `i` is written. A producer that throws aborts the ingest,
/// and the store is left as it was.
public struct IngestBatches: Sendable {
    public let count: Int
    public let produce: @Sendable (Int) throws -> [StoredObject]

    public init(count: Int, produce: @escaping @Sendable (Int) throws -> [StoredObject]) {
        self.count = count
        self.produce = produce
    }

    /// All objects as one batch.
    public init(_ objects: [StoredObject]) {
        self.init(count: 1) { _ in objects }
    }
}

/// A store of STIX objects with every version kept and the latest one indexed.
///
/// The latest version of an id is the one with the greatest `modified` (else `created`).
/// Lookups by name and alias and by external id are case-insensitive and consider latest
/// versions only. `ingest` is atomic: after an error nothing of the batch is stored. Lists
/// come back in `sortedForDisplay()` order. Errors are `IntelStoreError`.
///
/// For sharing, every version has the instant it was added (`DateAdded`, unique and
/// increasing), collections name sets of versions, and `page` selects versions in the order
/// they were added, with a reader's clearance applied before paging and counting.
///
/// It does not validate: `BundleImporter` decides what is stored.
public protocol IntelStore: Sendable {
    /// Stores the versions of all batches atomically; one outcome per object, in order. With
    /// a `members` collection (id or alias), every version is also added to it.
    func ingest(_ batches: IngestBatches, into collection: String?) async throws -> [IngestOutcome]

    /// The latest version of an id.
    func latest(id: String) async throws -> StoredObject?
    /// The latest versions of several ids (missing ones are left out), in no particular order.
    func latest(ids: [String]) async throws -> [StoredObject]
    /// Every stored version of an id, oldest first.
    func versions(id: String) async throws -> [StoredObject]
    /// Latest objects of some types (all types when empty), without revoked or deprecated ones
    /// unless asked.
    func objects(types: [String], includeRetired: Bool) async throws -> [StoredObject]
    /// Latest objects whose name or one of whose aliases equals `name`, ignoring case.
    func objects(named name: String) async throws -> [StoredObject]
    /// Latest objects with an external reference whose `external_id` equals `externalID`, ignoring case.
    func objects(externalID: String) async throws -> [StoredObject]
    /// Latest relationship objects touching an id, optionally of one `relationship_type`.
    func relationships(of id: String, direction: RelationshipDirection, type: String?) async throws -> [StoredObject]
    /// Latest active relationship objects of one `relationship_type` (`indicates`), all of them.
    func relationships(ofType type: String) async throws -> [StoredObject]
    /// Latest active indicators, only what matching them needs (a hunt reads a million of them).
    func indicatorRecords() async throws -> [IndicatorRecord]
    /// Latest objects whose name, aliases, external ids or description contain `text`, ignoring
    /// case, best matches first (see `SearchRanking`). Relationships and sightings are not searched.
    func search(_ text: String, types: [String], limit: Int) async throws -> [StoredObject]
    /// Which of these ids have a stored version.
    func existing(ids: Set<String>) async throws -> Set<String>
    /// The types of all stored objects.
    func storedTypes() async throws -> Set<String>
    func statistics() async throws -> IntelStatistics

    // MARK: Sharing

    /// Adds a collection; throws `collectionExists` when its id or alias is taken.
    func createCollection(_ collection: IntelCollection) async throws
    /// Every collection, by title.
    func collections() async throws -> [IntelCollection]
    /// A collection by id or alias.
    func collection(_ reference: String) async throws -> IntelCollection?
    /// Replaces a collection's definition (found by id); throws `noSuchCollection`, or
    /// `collectionExists` when its new alias is another collection's. The versions added to
    /// a `members` collection stay recorded whatever its content becomes.
    func updateCollection(_ collection: IntelCollection) async throws
    /// Takes versions of an object out of a `members` collection; returns how many.
    func removeFromCollection(_ collection: String, id: String, versions: VersionSelection) async throws -> Int
    /// Deletes versions of an object (by `StoredObject.versionKey`) from the store itself and
    /// every collection; the newest remaining version becomes the latest. Returns how many
    /// versions went.
    func deleteVersions(id: String, keys: Set<String>) async throws -> Int
    /// One page of the versions a query selects, oldest added first.
    func page(_ query: ObjectQuery) async throws -> ObjectPage
    /// How many versions the query selects, ignoring its cursor and limit.
    func count(_ query: ObjectQuery) async throws -> Int
}

/// What a hunt needs of an indicator: its pattern and what says where it comes from.
public struct IndicatorRecord: Sendable, Hashable {
    public var id: String
    public var name: String?
    public var pattern: String?
    /// `stix` when absent.
    public var patternType: String?
    public var createdBy: String?
    public var validFrom: String?
    public var validUntil: String?
    public var tlp: TLPLevel?

    public init(
        id: String, name: String?, pattern: String?, patternType: String?, createdBy: String?, validFrom: String?, validUntil: String?,
        tlp: TLPLevel?
    ) {
        self.id = id
        self.name = name
        self.pattern = pattern
        self.patternType = patternType
        self.createdBy = createdBy
        self.validFrom = validFrom
        self.validUntil = validUntil
        self.tlp = tlp
    }

    public init(_ stored: StoredObject) {
        let object = stored.object
        self.init(
            id: stored.id, name: object.name, pattern: object["pattern"]?.stringValue, patternType: object["pattern_type"]?.stringValue,
            createdBy: object["created_by_ref"]?.stringValue, validFrom: object["valid_from"]?.stringValue,
            validUntil: object["valid_until"]?.stringValue, tlp: stored.tlp)
    }
}

extension IntelStore {
    /// Every indicator read whole; a backend that can read a few properties does better.
    public func indicatorRecords() async throws -> [IndicatorRecord] {
        try await objects(types: ["indicator"], includeRetired: false).map(IndicatorRecord.init)
    }

    /// All relationships read and filtered; a backend with an index on the type does better.
    public func relationships(ofType type: String) async throws -> [StoredObject] {
        try await objects(types: ["relationship"], includeRetired: false).filter { $0.object.relationshipType == type }
    }

    /// Stores versions atomically; one outcome per object, in order.
    public func ingest(_ objects: [StoredObject]) async throws -> [IngestOutcome] {
        try await ingest(IngestBatches(objects), into: nil)
    }

    /// Stores the versions of all batches atomically; one outcome per object, in order.
    public func ingest(_ batches: IngestBatches) async throws -> [IngestOutcome] {
        try await ingest(batches, into: nil)
    }
}
