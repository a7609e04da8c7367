import Foundation
import PostgresNIO

/// No pooled connection came within the lease deadline: the server is down or every
/// connection is busy.
struct PostgresLeaseTimeout: Error, CustomStringConvertible {
    var seconds: Double
    var description: String { "no connection to PostgreSQL within \(seconds.formatted()) s (the server is down or overloaded)" }
}

/// How long an operation waits for a pooled connection. While the server is down the pool
/// keeps trying to connect for a minute before it fails what waits, so a server request would
/// hang that long: the wait is cut to `normal`, and to `afterTimeout` for a while after one
/// ran out, so that requests during an outage are answered at once.
final class LeaseDeadline: @unchecked Sendable {
    let normal: Duration
    let afterTimeout: Duration
    private let lock = NSLock()
    private var lastTimeout: ContinuousClock.Instant?

    init(normal: Duration = .seconds(10), afterTimeout: Duration = .seconds(1)) {
        self.normal = normal
        self.afterTimeout = afterTimeout
    }

    /// The wait for the next lease.
    var current: Duration {
        lock.withLock { lastTimeout.map { $0.duration(to: .now) < normal ? afterTimeout : normal } ?? normal }
    }

    func timedOut() { lock.withLock { lastTimeout = .now } }
    func leased() { lock.withLock { lastTimeout = nil } }
}

/// Who won between the lease and the deadline; decided once, under a lock.
private final class LeaseRace: @unchecked Sendable {
    enum State { case waiting, leased, timedOut }
    private let lock = NSLock()
    private var state = State.waiting

    /// Moves from `waiting` to `next`; false when the other side won.
    func settle(_ next: State) -> Bool {
        lock.withLock {
            guard state == .waiting else { return false }
            state = next
            return true
        }
    }
}

/// A non-Sendable closure handed to a child task that the caller awaits: it never runs
/// concurrently with the caller.
private struct AwaitedClosure<T>: @unchecked Sendable {
    let body: (PostgresConnection) async throws -> T
}

extension PostgresIntelStore {
    /// Runs `body` on a pooled connection, or throws `PostgresLeaseTimeout` when none comes in time.
    func withPooledConnection<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        let wait = leaseDeadline.current
        let race = LeaseRace()
        let client = client
        let deadline = leaseDeadline
        return try await withoutActuallyEscaping(body) { body in
            let closure = AwaitedClosure(body: body)
            return try await withThrowingTaskGroup(of: T?.self) { group in
                group.addTask {
                    try await client.withConnection { connection in
                        guard race.settle(.leased) else { throw PostgresLeaseTimeout(seconds: wait.seconds) }
                        deadline.leased()
                        return try await closure.body(connection)
                    }
                }
                group.addTask {
                    try await Task.sleep(for: wait)
                    if race.settle(.timedOut) {
                        deadline.timedOut()
                        throw PostgresLeaseTimeout(seconds: wait.seconds)
                    }
                    return nil
                }
                while let result = try await group.next() {
                    if let result {
                        group.cancelAll()
                        return result
                    }
                }
                throw CancellationError()
            }
        }
    }
}

extension Duration {
    fileprivate var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
