import STIX

/// A parsed STIX 2.1 pattern (the `pattern` of an `indicator` whose `pattern_type` is `stix`).
///
/// Observation expressions combine with `AND`, `OR` and `FOLLOWEDBY` and carry qualifiers;
/// inside each `[...]`, comparison expressions test properties of cyber-observable objects.
/// `STIXPattern(_:)` parses and validates; `PatternMatcher` evaluates a pattern over
/// observations.
public struct STIXPattern: Sendable, Hashable, CustomStringConvertible {
    /// The text as given.
    public let text: String
    public let root: ObservationExpression

    /// Parses and validates `text`; errors name the column (1-based) where the pattern goes wrong.
    public init(_ text: String) throws(PatternError) {
        var parser = try PatternParser(text)
        root = try parser.parse()
        self.text = text
        try PatternValidation.validate(root)
    }

    public var description: String { text }
}

/// An observation expression: one `[...]`, a combination of two, or a qualified one.
public indirect enum ObservationExpression: Sendable, Hashable {
    case observation(ComparisonExpression)
    case and(ObservationExpression, ObservationExpression)
    case or(ObservationExpression, ObservationExpression)
    case followedBy(ObservationExpression, ObservationExpression)
    case qualified(ObservationExpression, Qualifier)
    /// A parenthesised expression; kept because qualifier checks treat groups differently.
    case group(ObservationExpression)
}

/// A qualifier on an observation expression.
public enum Qualifier: Sendable, Hashable {
    /// `WITHIN n SECONDS`: every observation of a match fits in a window of `n` seconds.
    case within(seconds: Double)
    /// `START t STOP t`: every observation of a match lies in `[start, stop)`.
    case startStop(start: STIXTimestamp, stop: STIXTimestamp)
    /// `REPEATS n TIMES`: the expression matches `n` times on distinct observations.
    case repeats(Int)

    var kind: String {
        switch self {
        case .within: "WITHIN"
        case .startStop: "START/STOP"
        case .repeats: "REPEATS"
        }
    }
}

/// The inside of one `[...]`: tests on one cyber-observable object, combined with AND and OR.
public indirect enum ComparisonExpression: Sendable, Hashable {
    case test(PropertyTest)
    case and(ComparisonExpression, ComparisonExpression)
    case or(ComparisonExpression, ComparisonExpression)
}

/// One comparison: an object path, an operator (possibly negated) and its operand.
public struct PropertyTest: Sendable, Hashable {
    public var path: ObjectPath
    public var negated: Bool
    public var comparison: Comparison
    /// Where the test starts in the pattern text (1-based column), for messages.
    public var column: Int
}

/// A comparison operator with its operand.
public enum Comparison: Sendable, Hashable {
    case equal(PatternLiteral)
    case notEqual(PatternLiteral)
    case less(PatternLiteral)
    case lessOrEqual(PatternLiteral)
    case greater(PatternLiteral)
    case greaterOrEqual(PatternLiteral)
    case isIn([PatternLiteral])
    case like(String)
    case matches(String)
    case isSubset(String)
    case isSuperset(String)
    case exists
}

/// `type:property.step[index]...`
public struct ObjectPath: Sendable, Hashable, CustomStringConvertible {
    public var objectType: String
    public var steps: [PathStep]

    public var description: String {
        var text = objectType + ":"
        for (index, step) in steps.enumerated() {
            switch step {
            case .key(let key):
                // An identifier that is not a keyword needs no quotes.
                let bytes = Array(key.utf8)
                let plain = bytes.first.map(PatternLexer.isIdentifierStart) == true && bytes.allSatisfy(PatternLexer.isIdentifierPart)
                    && !PatternLexer.keywords.contains(key) && key != "true" && key != "false"
                if index > 0 { text += "." }
                text += plain ? key : PatternLiteral.string(key).patternText
            case .index(let position): text += "[\(position)]"
            case .anyIndex: text += "[*]"
            }
        }
        return text
    }
}

/// One step of an object path.
public enum PathStep: Sendable, Hashable {
    case key(String)
    case index(Int)
    /// `[*]`: every element of a list.
    case anyIndex
}

/// A literal in a pattern.
public enum PatternLiteral: Sendable, Hashable {
    case int(Int64)
    case float(Double)
    case string(String)
    case bool(Bool)
    /// `b'...'` (base64) or `h'...'` (hex).
    case binary([UInt8])
    case timestamp(STIXTimestamp)
}
