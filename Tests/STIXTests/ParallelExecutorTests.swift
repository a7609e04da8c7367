import Foundation
import STIX
import Synchronization
import Testing

@Suite("Parallel executor")
struct ParallelExecutorTests {
    /// Counts threads inside `body` at once, and the most there ever were.
    final class Occupancy: Sendable {
        private let state = Mutex((now: 0, most: 0))
        func enter() { state.withLock { $0.now += 1; $0.most = max($0.most, $0.now) } }
        func leave() { state.withLock { $0.now -= 1 } }
        var most: Int { state.withLock { $0.most } }
    }

    @Test("every index once, results in order, on at most `width` threads per call", arguments: [1, 2, 4])
    func mapsInOrder(width: Int) {
        let executor = ParallelExecutor(width: width)
        let occupancy = Occupancy()
        let squares = executor.map(Array(0..<500)) { value -> Int in
            occupancy.enter()
            defer { occupancy.leave() }
            usleep(100)
            return value * value
        }
        #expect(squares == (0..<500).map { $0 * $0 })
        #expect(occupancy.most <= width)
        #expect(Array(0..<1000).concurrentMap(minimumChunk: 10, executor: executor) { $0 + 1 } == Array(1...1000))
    }

    @Test("a pipeline consumes every item once, in order, with at most `ahead` waiting", arguments: [1, 2, 4])
    func pipelineInOrder(width: Int) {
        let executor = ParallelExecutor(width: width)
        let produced = Atomic<Int>(0)
        var consumed: [Int] = []
        var mostWaiting = 0
        executor.pipeline(count: 300, ahead: 3) { index -> Int in
            usleep(UInt32(index % 7) * 50)
            produced.add(1, ordering: .relaxed)
            return index * 2
        } consume: { index, item in
            #expect(item == index * 2)
            // Made but not yet consumed: this one, those waiting, and one being made per thread.
            mostWaiting = max(mostWaiting, produced.load(ordering: .relaxed) - consumed.count)
            consumed.append(index)
            usleep(100)
        }
        #expect(consumed == Array(0..<300))
        #expect(mostWaiting <= 1 + 3 + (width - 1))
    }

    @Test("calls at once share the extra threads: never more than width - 1 beside the callers")
    func sharedBound() {
        let executor = ParallelExecutor(width: 3)
        let occupancy = Occupancy()
        // Four callers on threads of their own, at once (each would take 3 threads unbounded).
        let done = DispatchSemaphore(value: 0)
        for _ in 0..<4 {
            Thread {
                executor.forEach(100) { _ in
                    occupancy.enter()
                    usleep(2_000)
                    occupancy.leave()
                }
                done.signal()
            }.start()
        }
        for _ in 0..<4 { done.wait() }
        #expect(occupancy.most <= 4 + 2)
        #expect(occupancy.most >= 4)
    }
}
