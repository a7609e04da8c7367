import Dispatch
import Foundation

extension Array where Element: Sendable {
    /// `map` spread over the executor's threads in contiguous chunks, results in order.
    ///
    /// For pure, independent transformations of many elements (validating objects, serialising
    /// them); small arrays are mapped in place, where threads would cost more than they save.
    public func concurrentMap<T: Sendable>(
        minimumChunk: Int = 256, executor: ParallelExecutor = .shared, _ transform: @Sendable (Element) -> T
    ) -> [T] {
        guard executor.width > 1, count >= minimumChunk * 2 else { return map(transform) }
        let chunkCount = Swift.min(executor.width * 4, (count + minimumChunk - 1) / minimumChunk)
        let chunkSize = (count + chunkCount - 1) / chunkCount
        let results = OrderedSlots<[T]>(count: chunkCount)
        self.withUnsafeBufferPointer { elements in
            nonisolated(unsafe) let elements = elements
            executor.forEach(chunkCount) { chunk in
                let start = Swift.min(chunk * chunkSize, elements.count)
                let end = Swift.min(start + chunkSize, elements.count)
                results.store(chunk, elements[start..<end].map(transform))
            }
        }
        return results.values().flatMap { $0 }
    }
}
