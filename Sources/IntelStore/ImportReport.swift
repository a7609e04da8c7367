import STIX

/// What importing one file did: objects by type and outcome, and every problem found.
public struct ImportReport: Sendable {
    /// Counts for one object type.
    public struct Counts: Sendable, Hashable {
        public var new = 0
        public var updated = 0
        public var unchanged = 0
        public var older = 0
        public var rejected = 0

        public init() {}

        /// Objects of this type in the file.
        public var total: Int { new + updated + unchanged + older + rejected }

        public mutating func add(_ outcome: IngestOutcome) {
            switch outcome {
            case .new: new += 1
            case .updated: updated += 1
            case .unchanged: unchanged += 1
            case .older: older += 1
            }
        }

        public static func + (lhs: Counts, rhs: Counts) -> Counts {
            var sum = lhs
            sum.new += rhs.new
            sum.updated += rhs.updated
            sum.unchanged += rhs.unchanged
            sum.older += rhs.older
            sum.rejected += rhs.rejected
            return sum
        }
    }

    /// One object version the import handed to the store, and what the store did with it.
    public struct ImportedVersion: Sendable, Hashable {
        public var id: String
        /// Its `modified`, else `created`; nil for objects without either.
        public var version: STIXTimestamp?
        public var outcome: IngestOutcome
    }

    /// Where the content came from (a path), for messages.
    public var source: String
    /// The bundle's id; nil when the content was a bare object or list of objects.
    public var bundleID: String?
    /// `spec_version` the bundle declared, if any.
    public var declaredSpecVersion: String?
    /// Objects upgraded from STIX 2.0.
    public var upgradedCount: Int
    public var countsByType: [String: Counts]
    /// Refused objects (errors) and reported problems of stored ones (warnings), in file order.
    public var issues: [ValidationIssue]
    /// The versions handed to the store, in content order.
    public var imported: [ImportedVersion]

    public var totals: Counts { countsByType.values.reduce(Counts(), +) }
    public var errors: [ValidationIssue] { issues.filter { $0.severity == .error } }
    public var warnings: [ValidationIssue] { issues.filter { $0.severity == .warning } }
    /// Whether the import added or replaced anything.
    public var changedStore: Bool { totals.new + totals.updated + totals.older > 0 }
}
