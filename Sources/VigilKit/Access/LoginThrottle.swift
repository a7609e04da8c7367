import Foundation
import Synchronization

/// Counts failed logins per client address and per user name, and says when to stop trying.
///
/// After `perAddress` failures from one address within `window`, that address is refused
/// until the window ends; after `perUser` failures for one name (from anywhere), passwords for
/// that name are refused likewise (its tokens still work). A success clears the address's and
/// the name's count. A refusal is reported as the first of its window once per counter, so
/// that a flood of refused attempts is audited as one line, not one per request. Memory is bounded: at most `maximumTracked` counters are kept; expired
/// ones go first, then those with the fewest failures.
public final class LoginThrottle: Sendable {
    public struct Policy: Sendable {
        public var perAddress: Int
        public var perUser: Int
        public var window: TimeInterval
        public var maximumTracked: Int

        public init(perAddress: Int = 10, perUser: Int = 30, window: TimeInterval = 900, maximumTracked: Int = 100_000) {
            self.perAddress = perAddress
            self.perUser = perUser
            self.window = window
            self.maximumTracked = maximumTracked
        }
    }

    private struct Counter {
        var failures: Int
        var windowStart: TimeInterval
        var refusalReported = false
    }

    /// Why a login is not tried now.
    public struct Refusal: Sendable, Equatable {
        /// Seconds until it may be tried again.
        public var retryAfter: Int
        /// Whether this is the first refusal of its counter's window (the one worth recording).
        public var isFirst: Bool
    }

    private enum Key: Hashable {
        case address(String)
        case user(String)
    }

    public let policy: Policy
    private let counters = Mutex<[Key: Counter]>([:])

    public init(policy: Policy = Policy()) { self.policy = policy }

    /// Whether a login for `user` from `address` is refused now, and for how long; nil when it
    /// may be tried.
    public func refusal(user: String?, address: String?, now: TimeInterval = Date().timeIntervalSince1970) -> Refusal? {
        counters.withLock { counters in
            var wait: TimeInterval = 0
            var first = false
            for (key, limit) in keys(user: user, address: address) {
                guard var counter = counters[key], now - counter.windowStart < policy.window, counter.failures >= limit else { continue }
                wait = max(wait, counter.windowStart + policy.window - now)
                if !counter.refusalReported {
                    first = true
                    counter.refusalReported = true
                    counters[key] = counter
                }
            }
            return wait > 0 ? Refusal(retryAfter: Int(wait.rounded(.up)), isFirst: first) : nil
        }
    }

    public func recordFailure(user: String?, address: String?, now: TimeInterval = Date().timeIntervalSince1970) {
        counters.withLock { counters in
            for (key, _) in keys(user: user, address: address) {
                if var counter = counters[key], now - counter.windowStart < policy.window {
                    counter.failures += 1
                    counters[key] = counter
                } else {
                    counters[key] = Counter(failures: 1, windowStart: now)
                }
            }
            if counters.count > policy.maximumTracked { prune(&counters, now: now) }
        }
    }

    public func recordSuccess(user: String, address: String?) {
        counters.withLock { counters in
            for (key, _) in keys(user: user, address: address) { counters[key] = nil }
        }
    }

    /// How many counters are kept (for tests of the bound).
    public var trackedCount: Int { counters.withLock { $0.count } }

    private func keys(user: String?, address: String?) -> [(Key, Int)] {
        var keys: [(Key, Int)] = []
        if let address { keys.append((.address(address), policy.perAddress)) }
        if let user { keys.append((.user(user), policy.perUser)) }
        return keys
    }

    /// Drops expired counters, then those with the fewest failures: spraying many names must
    /// not push out the counter of the name or address being attacked.
    private func prune(_ counters: inout [Key: Counter], now: TimeInterval) {
        counters = counters.filter { now - $0.value.windowStart < policy.window }
        guard counters.count > policy.maximumTracked else { return }
        let keep = counters.sorted { lhs, rhs in
            lhs.value.failures != rhs.value.failures ? lhs.value.failures > rhs.value.failures : lhs.value.windowStart > rhs.value.windowStart
        }.prefix(policy.maximumTracked / 2)
        counters = Dictionary(uniqueKeysWithValues: keep.map { ($0.key, $0.value) })
    }
}
