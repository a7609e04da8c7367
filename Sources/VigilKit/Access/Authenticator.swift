import Foundation
import Hunt
import IntelStore
import STIX
import Synchronization

/// Decides who a request's credential belongs to.
///
/// Users and tokens are read from the store on every request, so that a change made by
/// `vigil users` in another process (a revoked token, a removed user, new rights) holds at
/// once. Only the slow part is remembered: that a password matched a user's current bcrypt
/// hash, keyed by the SHA-256 of name, hash and password, for `verifiedFor` seconds. Failed
/// attempts go to the throttle and the audit log.
public final class Authenticator: Sendable {
    /// What became of a credential.
    public enum Outcome: Sendable {
        case authenticated(VigilUser)
        /// Unknown user, wrong password, unknown or revoked token.
        case rejected
        /// Too many failures: try again after this many seconds.
        case throttled(retryAfter: Int)
    }

    let store: any AccessStore
    let hasher: PasswordHasher
    public let throttle: LoginThrottle
    let audit: AuditTrail
    let verifiedFor: TimeInterval
    private let verified = Mutex<[String: TimeInterval]>([:])
    /// Checks under way, by the same key: requests that arrive together with the same password
    /// (a client's parallel connections, when its entry expires) wait for one bcrypt check
    /// instead of queueing one each on the hasher.
    private let checking = Mutex<[String: Task<Bool, Never>]>([:])
    /// bcrypt checks started so far (for tests of the above).
    package let passwordChecks = Atomic<Int>(0)
    private static let maximumRemembered = 10_000

    public init(
        store: any AccessStore, audit: AuditTrail, hasher: PasswordHasher = PasswordHasher(), throttle: LoginThrottle = LoginThrottle(),
        verifiedFor: TimeInterval = 300
    ) {
        self.store = store
        self.audit = audit
        self.hasher = hasher
        self.throttle = throttle
        self.verifiedFor = verifiedFor
    }

    public func authenticate(_ credential: Credential, address: String?) async throws -> Outcome {
        switch credential {
        case .password(let name, let password):
            if let refusal = throttle.refusal(user: name, address: address) {
                if refusal.isFirst {
                    await audit.record(
                        AuditEntry(
                            time: AuditTrail.now(), user: name, address: address, action: "login", decision: .denied,
                            detail: "throttled for \(refusal.retryAfter) s; further refused attempts in that time are not logged"))
                }
                return .throttled(retryAfter: refusal.retryAfter)
            }
            let user = try await store.user(named: name)
            // An unknown name costs a bcrypt check too, so that timing does not tell which names exist.
            let hash = user?.passwordHash ?? decoy
            if await matches(name, password, hash), let user, user.passwordHash != nil {
                throttle.recordSuccess(user: name, address: address)
                return .authenticated(user)
            }
            return await fail(name, address: address, detail: "wrong user name or password")
        case .token(let text):
            // A valid token works even from a throttled address (its secret cannot be guessed);
            // failures count against the address like failed passwords.
            if let presented = TokenText(text), let token = try await store.token(id: presented.id), token.revoked == nil,
                token.secretHash.constantTimeEquals(presented.secretHash), let user = try await store.user(named: token.user)
            {
                return .authenticated(user)
            }
            if let refusal = throttle.refusal(user: nil, address: address) { return .throttled(retryAfter: refusal.retryAfter) }
            return await fail(nil, address: address, detail: "unknown or revoked token")
        }
    }

    /// A well-formed bcrypt hash at the hasher's cost that no password matches, checked for
    /// unknown names.
    private var decoy: String {
        "$2b$" + (hasher.cost < 10 ? "0" : "") + String(hasher.cost) + "$" + String(repeating: "a", count: 53)
    }

    private func fail(_ name: String?, address: String?, detail: String) async -> Outcome {
        throttle.recordFailure(user: name, address: address)
        await audit.record(AuditEntry(time: AuditTrail.now(), user: name, address: address, action: "login", decision: .failed, detail: detail))
        return .rejected
    }

    /// Whether the password matches the hash, from memory when it was checked lately.
    private func matches(_ name: String, _ password: String, _ hash: String) async -> Bool {
        let key = SHA256Digest.hex(of: Array((name + "\u{0}" + hash + "\u{0}" + password).utf8))
        let now = Date().timeIntervalSince1970
        if let until = verified.withLock({ $0[key] }), until > now { return true }
        let hasher = self.hasher
        let check = checking.withLock { checks in
            if let running = checks[key] { return running }
            passwordChecks.add(1, ordering: .relaxed)
            let task = Task { await hasher.verify(password, hash: hash) }
            checks[key] = task
            return task
        }
        let matched = await check.value
        checking.withLock { $0[key] = nil }
        guard matched else { return false }
        verified.withLock { verified in
            if verified.count >= Authenticator.maximumRemembered { verified = verified.filter { $0.value > now } }
            if verified.count >= Authenticator.maximumRemembered { verified.removeAll() }
            verified[key] = now + verifiedFor
        }
        return true
    }
}

/// The audit log as a server writes it: entries are queued and written in batches, so that a
/// request never waits on the database for its audit line, and a flood of failed logins
/// becomes a few transactions. At most `capacity` entries wait; beyond that the oldest
/// waiting ones are dropped and the drop itself is logged.
public actor AuditTrail {
    private let store: (any AccessStore)?
    private let capacity: Int
    private var waiting: [AuditEntry] = []
    private var dropped = 0
    private var flushing: Task<Void, Never>?

    /// Entries go to `store`; with none they are kept in memory (tests read `entries`).
    public init(store: (any AccessStore)?, capacity: Int = 10_000) {
        self.store = store
        self.capacity = capacity
    }

    /// What was recorded without a store, for tests.
    public private(set) var entries: [AuditEntry] = []

    public func record(_ entry: AuditEntry) {
        guard store != nil else {
            entries.append(entry)
            return
        }
        if waiting.count >= capacity {
            waiting.removeFirst()
            dropped += 1
        }
        waiting.append(entry)
        if flushing == nil {
            flushing = Task { await self.drain() }
        }
    }

    /// Writes everything waiting; returns when it is stored.
    public func flush() async {
        if let flushing { await flushing.value }
        await drain()
    }

    private func drain() async {
        while !waiting.isEmpty || dropped > 0 {
            var batch = waiting
            waiting = []
            if dropped > 0 {
                batch.append(AuditEntry(time: AuditTrail.now(), user: nil, address: nil, action: "audit", decision: .failed,
                    detail: "\(dropped) audit entries dropped: the log could not keep up"))
                dropped = 0
            }
            do {
                try await store?.appendAudit(batch)
            } catch {
                // The store is failing: the entries wait for the next record, up to capacity.
                waiting = Array((batch + waiting).suffix(capacity))
                break
            }
        }
        flushing = nil
    }

    /// Now, as the audit log writes time (RFC 3339, milliseconds, UTC).
    public static func now() -> String {
        STIXTimestamp(microsecondsSinceEpoch: DateAddedClock.now() / 1_000 * 1_000).text
    }
}
