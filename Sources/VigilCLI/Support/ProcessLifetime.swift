import Synchronization

/// Values kept until the process ends instead of being freed when a command is done with them.
///
/// A compiled rule set is tens of thousands of small allocations. Freed one by one, they took
/// about 15 ms at the end of every hunt (or `vigil rules`), after the last finding was
/// written, to return memory that the process's exit a moment later returns at once.
/// (Compilers skip freeing at exit for the same reason.)
enum ProcessLifetime {
    private static let kept = Mutex<[any Sendable]>([])

    static func keep(_ value: some Sendable) {
        kept.withLock { $0.append(value) }
    }
}
