import STIX

/// Evaluates a STIX pattern over observations, with the semantics of the STIX 2.1
/// specification (section 9) as the OASIS matcher implements them:
///
/// - inside `[...]`, every test of an `AND` must hold for the same object (the same root
///   object, when paths follow `*_ref` properties); `NOT` negates each selected value;
/// - observation expressions bind distinct observations (an observation seen
///   `number_observed` times can be bound that many times); `FOLLOWEDBY` needs the left side
///   to be able to come no later than the right; `WITHIN` needs a window of that many
///   seconds touching every bound observation; `START`/`STOP` needs each to overlap
///   `[start, stop)`; `REPEATS n` needs `n` disjoint matches.
///
/// It looks for all bindings at once, keeping at most `maximumBindings` per sub-expression.
public struct PatternMatcher: Sendable {
    public let pattern: STIXPattern
    /// The bindings kept per sub-expression; more are dropped (a match could then be missed
    /// in a pathological case of thousands of observations matching every part).
    public var maximumBindings = 10_000
    private let tests: PropertyTests
    /// Most observations one match can bind; copies of one observation beyond it never help.
    private let bindingSize: Int

    public init(_ pattern: STIXPattern) throws(PatternError) {
        self.pattern = pattern
        tests = try PropertyTests(pattern.root)
        bindingSize = Self.size(of: pattern.root)
    }

    /// A match: the observations of the first binding found, in observation order.
    public struct Match: Sendable, Hashable {
        public var observationIDs: [String]
    }

    /// The first match, or nil. Throws when the observed data holds a value the pattern
    /// cannot compare (a timestamp literal against a string that is not a timestamp).
    public func match(_ observations: [Observation]) throws(PatternError) -> Match? {
        let bindings = try self.bindings(pattern.root, observations)
        guard let first = bindings.first else { return nil }
        let indices = Set(first.map { Int($0.observation) }).sorted()
        return Match(observationIDs: indices.map { observations[$0].id })
    }

    // MARK: Bindings

    private struct Instance: Hashable {
        var observation: Int32
        var copy: Int32
    }

    private typealias Binding = [Instance]

    private static func size(of expression: ObservationExpression) -> Int {
        switch expression {
        case .observation: 1
        case .and(let left, let right), .or(let left, let right), .followedBy(let left, let right): size(of: left) + size(of: right)
        case .qualified(let inner, .repeats(let count)): size(of: inner) * count
        case .qualified(let inner, _), .group(let inner): size(of: inner)
        }
    }

    private func bindings(_ expression: ObservationExpression, _ observations: [Observation]) throws(PatternError) -> [Binding] {
        switch expression {
        case .observation(let comparison):
            var result: [Binding] = []
            for (index, observation) in observations.enumerated() where try !tests.roots(comparison, in: observation).isEmpty {
                for copy in 0..<min(observation.count, bindingSize) {
                    result.append([Instance(observation: Int32(index), copy: Int32(copy))])
                    if result.count >= maximumBindings { return result }
                }
            }
            return result
        case .group(let inner):
            return try bindings(inner, observations)
        case .or(let left, let right):
            return Array((try bindings(left, observations) + bindings(right, observations)).prefix(maximumBindings))
        case .and(let left, let right):
            return joined(try bindings(left, observations), try bindings(right, observations)) { _, _ in true }
        case .followedBy(let left, let right):
            return joined(try bindings(left, observations), try bindings(right, observations)) { before, after in
                let latestFirst = before.map { observations[Int($0.observation)].firstObserved }.max()!
                let earliestLast = after.map { observations[Int($0.observation)].lastObserved }.min()!
                return latestFirst <= earliestLast
            }
        case .qualified(let inner, let qualifier):
            let found = try bindings(inner, observations)
            switch qualifier {
            case .within(let seconds):
                return found.filter { within($0, seconds: seconds, observations) }
            case .startStop(let start, let stop):
                guard start < stop else { return [] }
                return found.filter { binding in
                    binding.allSatisfy {
                        let observation = observations[Int($0.observation)]
                        return observation.firstObserved < stop && observation.lastObserved >= start
                    }
                }
            case .repeats(let count):
                return repetitions(found, count: count)
            }
        }
    }

    /// Pairs of bindings sharing no observation copy that `accept` allows, concatenated.
    private func joined(_ left: [Binding], _ right: [Binding], accept: (Binding, Binding) -> Bool) -> [Binding] {
        var result: [Binding] = []
        for first in left {
            let used = Set(first)
            for second in right where !second.contains(where: used.contains) && accept(first, second) {
                result.append(first + second)
                if result.count >= maximumBindings { return result }
            }
        }
        return result
    }

    /// Whether a window of `seconds` can touch every observation of the binding: the one that
    /// ends first fixes the window's start.
    private func within(_ binding: Binding, seconds: Double, _ observations: [Observation]) -> Bool {
        let intervals = binding.map { (observations[Int($0.observation)].firstObserved, observations[Int($0.observation)].lastObserved) }
        let start = intervals.map(\.1).min()!
        let nanoseconds = Int64((seconds * 1e9).rounded())
        let end = STIXTimestamp(
            secondsSinceEpoch: start.secondsSinceEpoch + (Int64(start.nanoseconds) + nanoseconds) / 1_000_000_000,
            nanoseconds: Int32((Int64(start.nanoseconds) + nanoseconds) % 1_000_000_000))
        return intervals.allSatisfy { first, last in first <= end && last >= start }
    }

    /// Sets of `count` bindings that share no observation copy, each flattened into one.
    private func repetitions(_ bindings: [Binding], count: Int) -> [Binding] {
        guard count > 1 else { return bindings }
        var result: [Binding] = []
        var chosen: [Int] = []
        var used: Set<Instance> = []
        func extend(from start: Int) {
            if chosen.count == count {
                result.append(chosen.flatMap { bindings[$0] })
                return
            }
            // Not enough bindings left to complete the set.
            guard bindings.count - start >= count - chosen.count else { return }
            for index in start..<bindings.count where result.count < maximumBindings {
                let candidate = bindings[index]
                guard !candidate.contains(where: used.contains) else { continue }
                chosen.append(index)
                used.formUnion(candidate)
                extend(from: index + 1)
                used.subtract(candidate)
                chosen.removeLast()
            }
        }
        extend(from: 0)
        return result
    }
}
