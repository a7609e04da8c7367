import Foundation
import PostgresNIO

/// The server closed the connection (it stopped, restarted or ended the session).
struct PostgresConnectionLost: Error, CustomStringConvertible {
    var description: String { "the connection to PostgreSQL was lost" }
}

/// Queries in flight per connection, failed a moment after their connection closes unless
/// PostgresNIO answered them first. One close callback per connection, not per query.
final class QueryWatch: @unchecked Sendable {
    static let shared = QueryWatch()

    private final class Waiter: @unchecked Sendable {
        private var continuation: CheckedContinuation<PostgresRowSequence, any Error>?
        private let lock = NSLock()

        init(_ continuation: CheckedContinuation<PostgresRowSequence, any Error>) { self.continuation = continuation }

        func resume(with result: Result<PostgresRowSequence, any Error>) {
            let taken = lock.withLock { () -> CheckedContinuation<PostgresRowSequence, any Error>? in
                defer { continuation = nil }
                return continuation
            }
            taken?.resume(with: result)
        }
    }

    private let lock = NSLock()
    private var waiters: [ObjectIdentifier: [UInt64: Waiter]] = [:]
    private var next: UInt64 = 0

    func run(on connection: PostgresConnection, _ body: @escaping @Sendable () async throws -> PostgresRowSequence) async throws -> PostgresRowSequence {
        try await withCheckedThrowingContinuation { continuation in
            let waiter = Waiter(continuation)
            // By object, not `connection.id`: every pool (one per store) numbers its connections from 0.
            let key = ObjectIdentifier(connection)
            let (token, first) = lock.withLock { () -> (UInt64, Bool) in
                next += 1
                let first = waiters[key] == nil
                waiters[key, default: [:]][next] = waiter
                return (next, first)
            }
            if first {
                connection.closeFuture.whenComplete { _ in
                    // PostgresNIO fails the queries it knows of at once; only lost ones remain.
                    // The connection is kept until then, so that no new one takes its identifier.
                    connection.eventLoop.scheduleTask(in: .seconds(1)) { withExtendedLifetime(connection) { self.failAll(of: key) } }
                }
            }
            Task {
                let result = await Result(catching: { try await body() })
                self.lock.withLock { _ = self.waiters[key]?.removeValue(forKey: token) }
                waiter.resume(with: result)
            }
        }
    }

    private func failAll(of connection: ObjectIdentifier) {
        let lost = lock.withLock { waiters.removeValue(forKey: connection) ?? [:] }
        for waiter in lost.values { waiter.resume(with: .failure(PostgresConnectionLost())) }
    }
}

extension Result where Failure == any Error {
    init(catching body: () async throws -> Success) async {
        do {
            self = .success(try await body())
        } catch {
            self = .failure(error)
        }
    }
}
