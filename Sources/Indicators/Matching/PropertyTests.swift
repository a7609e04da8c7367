import Foundation
import STIX

/// The comparison expressions of a pattern, ready to run against one observation: regular
/// expressions are compiled and network literals parsed once, when the matcher is made.
struct PropertyTests: @unchecked Sendable {
    // NSRegularExpression is immutable and safe to share between threads once made.
    private var regexes: [String: NSRegularExpression] = [:]
    private var networks: [String: IPNetwork] = [:]

    /// Types of STIX domain and relationship objects: patterns only ever match
    /// cyber-observable objects.
    static let nonObservableTypes: Set<String> = [
        "attack-pattern", "bundle", "campaign", "course-of-action", "extension-definition", "grouping", "identity", "incident",
        "indicator", "infrastructure", "intrusion-set", "language-content", "location", "malware", "malware-analysis",
        "marking-definition", "note", "observed-data", "opinion", "relationship", "report", "threat-actor", "tool", "sighting",
        "vulnerability",
    ]

    init(_ root: ObservationExpression) throws(PatternError) {
        try collect(root)
    }

    private mutating func collect(_ expression: ObservationExpression) throws(PatternError) {
        switch expression {
        case .observation(let comparison): try collect(comparison)
        case .and(let left, let right), .or(let left, let right), .followedBy(let left, let right):
            try collect(left)
            try collect(right)
        case .qualified(let inner, _), .group(let inner): try collect(inner)
        }
    }

    private mutating func collect(_ comparison: ComparisonExpression) throws(PatternError) {
        switch comparison {
        case .and(let left, let right), .or(let left, let right):
            try collect(left)
            try collect(right)
        case .test(let test):
            switch test.comparison {
            case .matches(let expression) where regexes[expression] == nil:
                regexes[expression] = try Self.regex(expression, column: test.column)
            case .isSubset(let text) where networks[text] == nil:
                guard let network = IPNetwork(text), text.contains("/") else {
                    throw PatternError("ISSUBSET needs a network in CIDR notation ('10.0.0.0/8'), not '\(text)'", column: test.column)
                }
                networks[text] = network
            case .isSuperset(let text) where networks[text] == nil:
                guard let network = IPNetwork(text) else {
                    throw PatternError("ISSUPERSET needs an IP address or a CIDR network, not '\(text)'", column: test.column)
                }
                networks[text] = network
            default: break
            }
        }
    }

    /// A `MATCHES` expression as ICU reads it; Python's `(?P<name>` groups are accepted.
    private static func regex(_ expression: String, column: Int) throws(PatternError) -> NSRegularExpression {
        let translated = expression.replacing("(?P<", with: "(?<")
        do {
            return try NSRegularExpression(pattern: translated.precomposedStringWithCanonicalMapping)
        } catch {
            throw PatternError("MATCHES: '\(expression)' is not a valid regular expression", column: column)
        }
    }

    // MARK: Evaluation

    /// The objects of the observation (indices) that satisfy the comparison expression.
    func roots(_ comparison: ComparisonExpression, in observation: Observation) throws(PatternError) -> Set<Int> {
        switch comparison {
        case .and(let left, let right):
            let first = try roots(left, in: observation)
            return first.isEmpty ? [] : first.intersection(try roots(right, in: observation))
        case .or(let left, let right):
            return try roots(left, in: observation).union(try roots(right, in: observation))
        case .test(let test):
            var passed: Set<Int> = []
            for (index, member) in observation.objects.enumerated()
            where member.object["type"]?.stringValue == test.path.objectType && !Self.nonObservableTypes.contains(test.path.objectType) {
                let values = PathWalker.values(of: test.path, from: member.object, in: observation)
                if case .exists = test.comparison {
                    if values.isEmpty == test.negated { passed.insert(index) }
                    continue
                }
                for value in values where try holds(test, for: value) {
                    passed.insert(index)
                    break
                }
            }
            return passed
        }
    }

    private func holds(_ test: PropertyTest, for value: PathValue) throws(PatternError) -> Bool {
        let result: Bool
        switch test.comparison {
        case .equal(let literal): result = try value.equals(literal)
        case .notEqual(let literal): result = try !value.equals(literal)
        case .less(let literal), .lessOrEqual(let literal), .greater(let literal), .greaterOrEqual(let literal):
            switch try value.order(against: literal) {
            // Values that cannot be ordered against the literal fail the test, negated or not.
            case .incomparable: return false
            case .invalid: result = false
            case .ordered(let order):
                switch test.comparison {
                case .less: result = order < 0
                case .lessOrEqual: result = order <= 0
                case .greater: result = order > 0
                default: result = order >= 0
                }
            }
        case .isIn(let literals):
            let timestamps = literals.first.map { if case .timestamp = $0 { true } else { false } } ?? false
            let member = try value.comparable(asTimestamp: timestamps)
            result = literals.contains { member.isSame(as: $0) }
        case .like(let like):
            guard let text = value.text else { result = false; break }
            result = LikeMatcher.matches(text.precomposedStringWithCanonicalMapping, like.precomposedStringWithCanonicalMapping)
        case .matches(let expression):
            guard let regex = regexes[expression], let text = value.regexSubject(for: expression) else { result = false; break }
            let normalised = text.precomposedStringWithCanonicalMapping
            result = regex.firstMatch(in: normalised, range: NSRange(normalised.startIndex..., in: normalised)) != nil
        case .isSubset(let literal):
            guard case .json(.string(let text)) = value, let address = IPNetwork(text), let network = networks[literal] else { result = false; break }
            result = network.contains(address)
        case .isSuperset(let literal):
            guard case .json(.string(let text)) = value, let container = IPNetwork(text), container.isNetwork, let inner = networks[literal]
            else { result = false; break }
            result = container.contains(inner)
        case .exists:
            result = true
        }
        return test.negated ? !result : result
    }
}

/// `LIKE`: `%` is any run of characters, `_` one character, neither crossing a line break;
/// the whole value must match (a final line break may be left over, as in the reference).
enum LikeMatcher {
    static func matches(_ value: String, _ like: String) -> Bool {
        let text = Array(value.unicodeScalars)
        let pattern = Array(like.unicodeScalars)
        if matches(text[...], pattern) { return true }
        return text.last == "\n" && matches(text.dropLast(), pattern)
    }

    private static func matches(_ text: ArraySlice<Unicode.Scalar>, _ pattern: [Unicode.Scalar]) -> Bool {
        // reachable[j]: the pattern's first j elements match the text read so far.
        func close(_ reachable: inout [Bool]) {
            for j in 0..<pattern.count where reachable[j] && pattern[j] == "%" { reachable[j + 1] = true }
        }
        var reachable = [Bool](repeating: false, count: pattern.count + 1)
        reachable[0] = true
        close(&reachable)
        for scalar in text {
            var next = [Bool](repeating: false, count: pattern.count + 1)
            for j in 0..<pattern.count where reachable[j] {
                switch pattern[j] {
                case "%": if scalar != "\n" { next[j] = true }
                case "_": if scalar != "\n" { next[j + 1] = true }
                default: if pattern[j] == scalar { next[j + 1] = true }
                }
            }
            close(&next)
            guard next.contains(true) else { return false }
            reachable = next
        }
        return reachable[pattern.count]
    }
}
