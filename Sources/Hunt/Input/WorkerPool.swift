import Foundation

/// A fixed set of threads that run one job at a time, each thread calling it with its index.
///
/// Dedicated threads rather than Dispatch: on Linux, Swift concurrency and Dispatch share one
/// pool as wide as the machine, so a command running on it that waits for Dispatch work items
/// leaves them one thread short. Start a job, do other work, then wait for it.
final class WorkerPool: @unchecked Sendable {
    let count: Int
    private let condition = NSCondition()
    private var job: (@Sendable (Int) -> Void)?
    private var generation = 0
    private var running = 0
    private var stopping = false
    private var threads: [Thread] = []

    init(count: Int) {
        self.count = max(1, count)
        for index in 0..<self.count {
            // The threads keep the pool alive until `stop()` lets them end.
            let thread = Thread { self.loop(index) }
            thread.name = "vigil-worker-\(index)"
            thread.stackSize = 8 << 20
            threads.append(thread)
            thread.start()
        }
    }

    private func loop(_ index: Int) {
        var seen = 0
        while true {
            condition.lock()
            while generation == seen && !stopping { condition.wait() }
            if stopping {
                condition.unlock()
                return
            }
            seen = generation
            var job = self.job
            condition.unlock()
            job?(index)
            // Let go of the job (and all it holds: the rules, the buffers) before saying it is
            // done, so that what a run allocated is freed when the run returns.
            job = nil
            condition.lock()
            running -= 1
            if running == 0 { condition.broadcast() }
            condition.unlock()
        }
    }

    /// Runs `job(index)` once on every thread; returns at once.
    func start(_ job: @escaping @Sendable (Int) -> Void) {
        condition.lock()
        self.job = job
        running = count
        generation += 1
        condition.broadcast()
        condition.unlock()
    }

    /// Whether some thread is still running the current job.
    var isBusy: Bool {
        condition.lock()
        defer { condition.unlock() }
        return running > 0
    }

    /// Waits until every thread has finished the current job.
    func wait() {
        condition.lock()
        while running > 0 { condition.wait() }
        job = nil
        condition.unlock()
    }

    /// Ends the threads (after the current job).
    func stop() {
        wait()
        condition.lock()
        stopping = true
        condition.broadcast()
        condition.unlock()
    }
}
