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

/// One object version of a page, with when it was added.
public struct PagedObject: Sendable, Hashable {
    public var stored: StoredObject
    public var dateAdded: DateAdded

    public init(stored: StoredObject, dateAdded: DateAdded) {
        self.stored = stored
        self.dateAdded = dateAdded
    }
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
