import Foundation
import Synchronization

/// A signed-in analyst's session: the cookie's secret names it, `csrf` is the token every
/// form must send back.
public struct WebSession: Sendable, Hashable {
    public var user: String
    public var csrf: String
}

/// The web UI's sessions, in memory: a restart signs everyone out. A session ends after
/// `idle` without a request, after `lifetime` in any case, or when signed out. At most
/// `capacity` live at once; beyond that the one idle longest ends.
public final class WebSessions: Sendable {
    struct Record {
        var session: WebSession
        var started: ContinuousClock.Instant
        var seen: ContinuousClock.Instant
    }

    public let idle: Duration
    public let lifetime: Duration
    public let capacity: Int
    private let records = Mutex<[String: Record]>([:])

    public init(idle: Duration = .seconds(30 * 60), lifetime: Duration = .seconds(12 * 3600), capacity: Int = 10_000) {
        self.idle = idle
        self.lifetime = lifetime
        self.capacity = max(1, capacity)
    }

    /// Starts a session; returns the cookie's secret.
    public func open(user: String) -> String {
        let secret = Self.randomToken()
        let now = ContinuousClock.now
        records.withLock { records in
            if records.count >= capacity {
                records = records.filter { now - $0.value.seen < idle && now - $0.value.started < lifetime }
                if records.count >= capacity, let oldest = records.min(by: { $0.value.seen < $1.value.seen })?.key { records[oldest] = nil }
            }
            records[secret] = Record(session: WebSession(user: user, csrf: Self.randomToken()), started: now, seen: now)
        }
        return secret
    }

    /// The live session of a cookie's secret, marked as used now.
    public func session(_ secret: String) -> WebSession? {
        guard secret.utf8.count == 43 else { return nil }
        let now = ContinuousClock.now
        return records.withLock { records in
            guard var record = records[secret] else { return nil }
            guard now - record.seen < idle, now - record.started < lifetime else {
                records[secret] = nil
                return nil
            }
            record.seen = now
            records[secret] = record
            return record.session
        }
    }

    public func close(_ secret: String) {
        _ = records.withLock { $0.removeValue(forKey: secret) }
    }

    /// 32 random bytes as base64url without padding (43 characters).
    static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// Whether two tokens are equal, in time that does not depend on where they differ.
    public static func same(_ first: String, _ second: String) -> Bool {
        let a = Array(first.utf8), b = Array(second.utf8)
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }
}
