import Foundation
import STIX

/// An object ready for a database adapter to write: its JSON text, version key and index entry.
public struct PreparedObject: Sendable {
    public var stored: StoredObject
    public var json: String
    public var key: String
    public var entry: ObjectIndexEntry

    public init(_ stored: StoredObject) {
        self.stored = stored
        json = stored.object.jsonText
        key = stored.versionKey
        entry = ObjectIndexEntry(stored.object)
    }
}

/// Produces prepared batches one ahead of the writer, on other threads: while batch `i` is
/// written, batch `i + 1` is produced (validated by the caller's producer) and serialised.
public final class BatchPrefetch: @unchecked Sendable {
    private let batches: IngestBatches
    private let ready: [DispatchSemaphore]
    private let lock = NSLock()
    private var results: [Int: Result<[PreparedObject], any Error>] = [:]

    public init(_ batches: IngestBatches) {
        self.batches = batches
        ready = (0..<batches.count).map { _ in DispatchSemaphore(value: 0) }
    }

    private func start(_ index: Int) {
        guard index < batches.count else { return }
        DispatchQueue.global().async { [self] in
            let result = Result { try batches.produce(index).concurrentMap(PreparedObject.init) }
            lock.withLock { results[index] = result }
            ready[index].signal()
        }
    }

    /// Waits for batch `index` (starting it if it is the first) and starts the next one.
    public func take(_ index: Int) throws -> [PreparedObject] {
        if index == 0 { start(0) }
        ready[index].wait()
        let result = lock.withLock { results.removeValue(forKey: index) }
        let rows = try result?.get() ?? []
        start(index + 1)
        return rows
    }

    /// `take` for async callers: the wait happens on a dispatch thread, not the caller's.
    public func next(_ index: Int) async throws -> [PreparedObject] {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(with: Result { try self.take(index) }) }
        }
    }
}
