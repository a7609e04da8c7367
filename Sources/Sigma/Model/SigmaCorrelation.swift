/// A Sigma correlation rule (specification v2.1): a condition over the matches of other rules
/// within a time span, per group.
public struct SigmaCorrelation: Sendable {
    public enum Kind: String, Sendable, CaseIterable {
        case eventCount = "event_count"
        case valueCount = "value_count"
        case temporal
        case temporalOrdered = "temporal_ordered"
        case valueSum = "value_sum"
        case valueAverage = "value_avg"
        case valuePercentile = "value_percentile"
    }

    /// One criterion of the condition (`gte: 100`); several are linked by AND.
    public struct Criterion: Sendable, Equatable {
        public enum Operator: String, Sendable, CaseIterable { case gt, gte, lt, lte, eq, neq }
        public var op: Operator
        public var value: Double

        public func holds(_ number: Double) -> Bool {
            switch op {
            case .gt: return number > value
            case .gte: return number >= value
            case .lt: return number < value
            case .lte: return number <= value
            case .eq: return number == value
            case .neq: return number != value
            }
        }
    }

    public var id: String?
    public var name: String?
    public var title: String
    public var status: String?
    public var level: SigmaLevel?
    public var description: String?
    public var tags: [String]
    public var kind: Kind
    /// Referenced rules, by id or name.
    public var rules: [String]
    public var groupBy: [String]
    /// The window, in seconds.
    public var timespan: Int64
    public var criteria: [Criterion]
    /// The field(s) that value_count, value_sum, value_avg and value_percentile look at.
    public var fields: [String]
    /// Alias name → (rule name → field in that rule's events).
    public var aliases: [String: [String: String]]
    /// Whether the referenced rules also report their own matches.
    public var generate: Bool
    public var location: SourceLocation
}

/// A Sigma filter (meta filter): extra conditions that suppress matches of the rules it names.
public struct SigmaFilter: Sendable {
    public var id: String?
    public var title: String
    public var logSource: SigmaLogSource
    /// Rules it applies to, by id or name.
    public var rules: [String]
    public var detection: SigmaDetection
    public var location: SourceLocation
}
