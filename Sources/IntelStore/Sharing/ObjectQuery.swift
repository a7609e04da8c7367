import Foundation
import STIX

/// What a reader may see, applied by the store where objects are selected, before paging and
/// counting, so that no page boundary, `more` flag or count can reveal anything else.
///
/// Levels up to `maximum` are visible, except AMBER+STRICT (only for the owning
/// organisation's readers) and RED (only where a collection is configured for it and the
/// reader is named), which must be granted explicitly. Unmarked objects count as `unmarked`.
public struct ReaderClearance: Sendable, Hashable {
    public var maximum: TLPLevel
    public var amberStrict: Bool
    public var red: Bool
    /// The level an object without a TLP marking counts as.
    public var unmarked: TLPLevel

    public init(maximum: TLPLevel, amberStrict: Bool = false, red: Bool = false, unmarked: TLPLevel = .amber) {
        self.maximum = maximum
        self.amberStrict = amberStrict
        self.red = red
        self.unmarked = unmarked
    }

    /// Everything, RED included: for the store's owner working locally.
    public static let everything = ReaderClearance(maximum: .red, amberStrict: true, red: true)

    /// Whether an object at `level` (nil: unmarked) may be seen, under a collection's ceiling.
    public func allows(_ level: TLPLevel?, ceiling: TLPLevel? = nil) -> Bool {
        let effective = level ?? unmarked
        if let ceiling, effective > ceiling { return false }
        guard effective <= maximum else { return false }
        if effective == .amberStrict && !amberStrict { return false }
        if effective == .red && !red { return false }
        return true
    }

    /// The levels that may be seen, for stores that select by level.
    public func allowedLevels(ceiling: TLPLevel? = nil) -> [TLPLevel] {
        TLPLevel.allCases.filter { allows($0, ceiling: ceiling) }
    }
}

/// Which versions of each object a query returns (TAXII's `match[version]`).
public enum VersionSelection: Sendable, Hashable {
    /// The newest version of each object (by `modified`).
    case last
    /// The oldest.
    case first
    case all
    /// Versions whose `modified` (else `created`) is one of these instants.
    case at([STIXTimestamp])
    /// Versions any of these selections chooses (TAXII's `match[version]=first,last`).
    case anyOf([VersionSelection])

    /// The version keys (`StoredObject.versionKey`) this selection chooses among one object's
    /// keys, given in ascending order.
    public func choose(from sortedKeys: [String]) -> Set<String> {
        switch self {
        case .all: return Set(sortedKeys)
        case .last: return Set(sortedKeys.suffix(1))
        case .first: return Set(sortedKeys.prefix(1))
        case .at(let instants): return Set(instants.map(\.sortKey)).intersection(sortedKeys)
        case .anyOf(let selections): return selections.reduce(into: []) { $0.formUnion($1.choose(from: sortedKeys)) }
        }
    }

    /// Whether it names versions by their instants (and so varies in length).
    public var hasList: Bool {
        switch self {
        case .at: return true
        case .anyOf(let selections): return selections.contains { $0.hasList }
        case .last, .first, .all: return false
        }
    }

    /// Whether it chooses every version.
    public var choosesAll: Bool {
        switch self {
        case .all: return true
        case .anyOf(let selections): return selections.contains { $0.choosesAll }
        case .last, .first, .at: return false
        }
    }
}

/// A selection of object versions, in the order they were added: one page of a collection
/// (or of the whole store) with TAXII's filters and the reader's clearance.
public struct ObjectQuery: Sendable {
    /// A collection id or alias; nil: every object of the store.
    public var collection: String?
    public var ids: Set<String>
    public var types: Set<String>
    public var versions: VersionSelection
    /// `spec_version`s wanted (empty: any); every stored object is STIX 2.1.
    public var specVersions: Set<String>
    /// Only versions added strictly after this instant (TAXII's `added_after`).
    public var addedAfter: DateAdded?
    /// Where the previous page ended (its `next`).
    public var after: PageCursor?
    public var limit: Int
    public var clearance: ReaderClearance
    /// Whether pages carry each object's JSON; a manifest needs only ids, versions and dates.
    public var withContent = true

    public init(
        collection: String? = nil, ids: Set<String> = [], types: Set<String> = [], versions: VersionSelection = .last,
        specVersions: Set<String> = [], addedAfter: DateAdded? = nil, after: PageCursor? = nil, limit: Int = 100,
        clearance: ReaderClearance
    ) {
        self.collection = collection
        self.ids = ids
        self.types = types
        self.versions = versions
        self.specVersions = specVersions
        self.addedAfter = addedAfter
        self.after = after
        self.limit = limit
        self.clearance = clearance
    }

    /// Whether the spec-version filter leaves anything (stored objects are all 2.1).
    public var specVersionMatches: Bool { specVersions.isEmpty || specVersions.contains("2.1") }
}

/// When a version was added to the store or a collection: microseconds since 1970, unique and
/// increasing in the order of adding, so that paging by it never skips or repeats.
public struct DateAdded: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var microseconds: Int64

    public init(microseconds: Int64) { self.microseconds = microseconds }

    /// The instant of a timestamp, to the microsecond (finer digits are dropped).
    public init(_ timestamp: STIXTimestamp) {
        microseconds = timestamp.secondsSinceEpoch * 1_000_000 + Int64(timestamp.nanoseconds / 1_000)
    }

    /// As a STIX timestamp with six fraction digits, as TAXII writes `date_added`.
    public var timestamp: STIXTimestamp { STIXTimestamp(microsecondsSinceEpoch: microseconds) }

    public var description: String { timestamp.text }

    public static func < (lhs: DateAdded, rhs: DateAdded) -> Bool { lhs.microseconds < rhs.microseconds }
}

/// Hands out `DateAdded` values: the current time, or one microsecond after the last one
/// given when the clock has not moved on (or went back).
public struct DateAddedClock: Sendable {
    public private(set) var last: Int64

    public init(last: Int64 = 0) { self.last = last }

    public mutating func next(now: Int64) -> DateAdded {
        last = max(now, last + 1)
        return DateAdded(microseconds: last)
    }

    /// Microseconds since 1970 now.
    public static func now() -> Int64 { Int64((Date().timeIntervalSince1970 * 1_000_000).rounded(.down)) }
}

/// Where a page ended: opaque to clients, it names the last version returned.
public struct PageCursor: Sendable, Hashable, CustomStringConvertible {
    public var after: DateAdded

    public init(after: DateAdded) { self.after = after }

    /// The cursor as a TAXII `next` value.
    public var description: String { String(after.microseconds) }

    /// Reads a `next` value; nil when it is not one this store gave.
    public init?(_ text: String) {
        guard let value = Int64(text), value >= 0 else { return nil }
        after = DateAdded(microseconds: value)
    }
}

/// One object version of a page, with when it was added. Pages carry the object as the
/// store holds it, compact JSON, because serving a page copies it out unparsed; `stored()`
/// parses it when the object itself is needed.
public struct PagedObject: Sendable, Hashable {
    public var id: String
    /// `StoredObject.versionKey` of this version.
    public var versionKey: String
    /// The version as the object states it (`modified`, else `created`); nil when it has
    /// neither (cyber-observables).
    public var version: String?
    public var tlp: TLPLevel?
    public var dateAdded: DateAdded
    /// The object as compact JSON (UTF-8). A store may keep a page's objects in one buffer
    /// and hand out slices of it: one allocation per page, not one per object.
    public var json: ArraySlice<UInt8>

    public init(id: String, versionKey: String, version: String?, tlp: TLPLevel?, dateAdded: DateAdded, json: ArraySlice<UInt8>) {
        self.id = id
        self.versionKey = versionKey
        self.version = version
        self.tlp = tlp
        self.dateAdded = dateAdded
        self.json = json
    }

    public init(_ stored: StoredObject, dateAdded: DateAdded) {
        self.init(
            id: stored.id, versionKey: stored.versionKey, version: stored.object.versionTimestamp?.text, tlp: stored.tlp,
            dateAdded: dateAdded, json: ArraySlice(stored.object.jsonText.utf8))
    }

    public var type: String { ObjectQueryTypes.type(of: id) }

    /// The object, parsed.
    public func stored() throws(IntelStoreError) -> StoredObject { try StoredObject(json: Array(json), id: id, tlp: tlp) }
}

/// A page of object versions, oldest added first.
public struct ObjectPage: Sendable {
    public var items: [PagedObject]
    /// Whether more versions match after this page.
    public var more: Bool
    /// Where to continue; nil when this page is the last.
    public var next: PageCursor?

    public init(items: [PagedObject], more: Bool) {
        self.items = items
        self.more = more
        next = more ? items.last.map { PageCursor(after: $0.dateAdded) } : nil
    }
}
