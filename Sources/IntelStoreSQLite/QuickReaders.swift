import Foundation
import GRDB
import Synchronization

/// Read-only connections for the short reads every server request makes (a user, a token, a
/// page), run on the calling thread. The pool's asynchronous reads hop to a reader queue and
/// back, two thread switches that cost more than such a read.
///
/// A connection is taken only when one is free, and a caller finding none goes the pool's
/// asynchronous way instead: nobody ever waits here. (Waiting on GRDB's pool from a task
/// could deadlock: its asynchronous readers give their connection back only once a task
/// thread is free to resume them.)
final class QuickReaders: Sendable {
    private struct State {
        var idle: [DatabaseQueue] = []
        var opened = 0
    }

    private let path: String
    private let configuration: Configuration
    private let most: Int
    private let state = Mutex(State())

    init(path: String, configuration: Configuration, most: Int) {
        var readOnly = configuration
        readOnly.readonly = true
        self.path = path
        self.configuration = readOnly
        self.most = most
    }

    /// Runs `body` on a free connection on this thread; nil when none is free and no more
    /// may be opened, or when one cannot be opened (the caller reads the usual way).
    func read<T>(_ body: (Database) throws -> T) throws -> T? {
        guard let connection = take() else { return nil }
        defer { state.withLock { $0.idle.append(connection) } }
        return try connection.inDatabase(body)
    }

    private enum Slot {
        case idle(DatabaseQueue)
        case toOpen
        case none
    }

    private func take() -> DatabaseQueue? {
        let slot = state.withLock { state -> Slot in
            if let connection = state.idle.popLast() { return .idle(connection) }
            guard state.opened < most else { return .none }
            state.opened += 1
            return .toOpen
        }
        switch slot {
        case .idle(let connection): return connection
        case .none: return nil
        case .toOpen:
            do {
                return try DatabaseQueue(path: path, configuration: configuration)
            } catch {
                state.withLock { $0.opened -= 1 }
                return nil
            }
        }
    }
}
