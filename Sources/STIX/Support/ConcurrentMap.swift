import Dispatch
import Foundation

extension Array where Element: Sendable {
    /// `map` spread over all cores in contiguous chunks, results in order.
    ///
    /// For pure, independent transformations of many elements (validating objects, serialising
    /// them); small arrays are mapped in place, where threads would cost more than they save.
    public func concurrentMap<T: Sendable>(minimumChunk: Int = 256, _ transform: @Sendable (Element) -> T) -> [T] {
        let cores = ProcessInfo.processInfo.activeProcessorCount
        guard cores > 1, count >= minimumChunk * 2 else { return map(transform) }
        let chunkCount = Swift.min(cores * 4, (count + minimumChunk - 1) / minimumChunk)
        let chunkSize = (count + chunkCount - 1) / chunkCount
        let results = ChunkResults<T>(count: chunkCount)
        self.withUnsafeBufferPointer { elements in
            nonisolated(unsafe) let elements = elements
            DispatchQueue.concurrentPerform(iterations: chunkCount) { chunk in
                let start = chunk * chunkSize
                let end = Swift.min(start + chunkSize, elements.count)
                guard start < end else { return }
                results.store(chunk, elements[start..<end].map(transform))
            }
        }
        return results.joined()
    }
}

/// One slot per chunk; each chunk writes only its own slot, once.
private final class ChunkResults<T>: @unchecked Sendable {
    private var slots: [[T]]

    init(count: Int) { slots = Array(repeating: [], count: count) }

    func store(_ index: Int, _ values: [T]) {
        slots.withUnsafeMutableBufferPointer { $0[index] = values }
    }

    func joined() -> [T] { slots.flatMap { $0 } }
}
