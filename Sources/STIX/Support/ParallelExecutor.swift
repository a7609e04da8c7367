import Dispatch
import Foundation
import Synchronization

/// The threads CPU-heavy work in the engines runs on: a caller hands one to the engines, so
/// that a server can bound how much of the machine one request (a hunt, an import) takes.
///
/// A call runs on its own thread and on up to `width - 1` more; the extra threads are shared
/// by every call on the same executor, and a call that finds them busy does its work on its
/// own thread. So the threads an executor adds never exceed `width - 1`, however many calls
/// run at once. `shared` is as wide as the machine has cores.
public final class ParallelExecutor: Sendable {
    /// The most threads one call runs on (its own included).
    public let width: Int
    /// Extra threads free to take work.
    private let free: Mutex<Int>

    public init(width: Int) {
        self.width = max(1, width)
        free = Mutex(self.width - 1)
    }

    /// All cores, for work that no one bounds otherwise (the CLI).
    public static let shared = ParallelExecutor(width: ProcessInfo.processInfo.activeProcessorCount)

    /// One thread: work runs on the caller's thread only.
    public static let serial = ParallelExecutor(width: 1)

    /// Calls `body` with every index in `0..<count`, each once, on the caller's thread and on
    /// whatever extra threads are free; returns when all are done.
    public func forEach(_ count: Int, _ body: @Sendable (Int) -> Void) {
        guard count > 0 else { return }
        let wanted = min(count, width) - 1
        let extra = wanted > 0 ? free.withLock { free in
            let taken = min(free, wanted)
            free -= taken
            return taken
        } : 0
        guard extra > 0 else {
            for index in 0..<count { body(index) }
            return
        }
        let next = Atomic<Int>(0)
        withoutActuallyEscaping(body) { body in
            let work = body
            let lane: @Sendable () -> Void = {
                while true {
                    let index = next.wrappingAdd(1, ordering: .relaxed).oldValue
                    guard index < count else { return }
                    work(index)
                }
            }
            let group = DispatchGroup()
            for _ in 0..<extra {
                DispatchQueue.global().async(group: group) { lane() }
            }
            lane()
            group.wait()
        }
        free.withLock { $0 += extra }
    }

    /// Produces `count` items on the executor's extra threads and consumes them in order on
    /// the caller's thread, so that reading the next items overlaps with using the last. The
    /// caller produces any item no other thread has started (all of them when no thread is
    /// free), and at most `ahead` produced items wait to be consumed, which bounds memory.
    public func pipeline<T: Sendable>(count: Int, ahead: Int, produce: @Sendable (Int) -> T, consume: (Int, T) -> Void) {
        guard count > 0 else { return }
        let extra = width > 1 && count > 1 ? free.withLock { free in
            let taken = min(free, width - 1, count - 1)
            free -= taken
            return taken
        } : 0
        guard extra > 0 else {
            for index in 0..<count { consume(index, produce(index)) }
            return
        }
        let slots = OrderedSlots<T>(count: count)
        let ready = (0..<count).map { _ in DispatchSemaphore(value: 0) }
        let room = DispatchSemaphore(value: max(1, ahead))
        let next = Atomic<Int>(0)
        withoutActuallyEscaping(produce) { produce in
            let work = produce
            let group = DispatchGroup()
            for _ in 0..<extra {
                DispatchQueue.global().async(group: group) {
                    while true {
                        room.wait()
                        let index = next.wrappingAdd(1, ordering: .relaxed).oldValue
                        guard index < count else {
                            room.signal()
                            return
                        }
                        slots.store(index, work(index))
                        ready[index].signal()
                    }
                }
            }
            for index in 0..<count {
                // Not started by another thread: made here, at once.
                if next.compareExchange(expected: index, desired: index + 1, ordering: .relaxed).exchanged {
                    consume(index, work(index))
                    continue
                }
                ready[index].wait()
                let item = slots.take(index)!
                room.signal()
                consume(index, item)
            }
            group.wait()
        }
        free.withLock { $0 += extra }
    }

    /// `transform` of every element, in order, spread as `forEach` spreads work.
    public func map<T: Sendable, R: Sendable>(_ items: [T], _ transform: @Sendable (T) -> R) -> [R] {
        let results = OrderedSlots<R>(count: items.count)
        forEach(items.count) { index in results.store(index, transform(items[index])) }
        return results.values()
    }
}

/// One slot per index, each written once by whichever thread computes it. The slots are
/// memory of its own, written through a pointer: writing a Swift array held by a class from
/// several threads at once races on the array itself, whatever the indices.
package final class OrderedSlots<T>: @unchecked Sendable {
    private let slots: UnsafeMutablePointer<T?>
    private let count: Int

    package init(count: Int) {
        self.count = count
        slots = .allocate(capacity: max(1, count))
        slots.initialize(repeating: nil, count: count)
    }

    deinit {
        slots.deinitialize(count: count)
        slots.deallocate()
    }

    package func store(_ index: Int, _ value: T) { slots[index] = value }

    /// The value stored at `index`, leaving the slot empty.
    package func take(_ index: Int) -> T? {
        defer { slots[index] = nil }
        return slots[index]
    }

    /// Every value, in order; every slot must have been stored.
    package func values() -> [T] { (0..<count).map { slots[$0]! } }
}
