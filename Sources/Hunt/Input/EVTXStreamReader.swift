import STIX
import Synchronization
import EVTX
import EventLog

/// What reading an EVTX file found, for the summary a command prints.
public struct EVTXFileSummary: Sendable {
    public var path: String
    public var header: EVTXFileHeader?
    public var chunks = 0
    public var records = 0
    public var recovered = 0
    /// Records (and whole chunks) that could not be read, with reasons.
    public var skipped: [EVTXError] = []
    /// Problems that cost nothing (checksum mismatches, a short tail).
    public var warnings: [EVTXError] = []
    /// Why the file could not be read at all (not EVTX, unreadable); nil when it was read.
    public var failure: EvidenceError?

    public init(path: String) { self.path = path }
}

/// Reads EVTX files front to back, 64 KiB chunk by chunk, in batches of chunks that are spread
/// over threads; results are delivered in file and chunk order on the calling thread.
///
/// A batch may hold chunks of several files, so that many small files keep every core busy.
/// Memory stays bounded: one batch of chunks (and their results) is held at a time. Chunks
/// past a header's chunk count are read too (dirty files). A chunk without a header is
/// reported when the header counts it, and ignored after it (preallocated space) unless carving.
public final class EVTXStreamReader {
    public struct Options: Sendable {
        public var threads: Int
        public var carve: Bool

        public init(threads: Int = 1, carve: Bool = false) {
            self.threads = max(1, threads)
            self.carve = carve
        }
    }

    /// One chunk handed to the worker.
    public struct ChunkInput {
        package let bytes: UnsafeRawBufferPointer
        /// Which of the streams the chunk belongs to.
        public let file: Int
        public let index: Int
        public let fileOffset: Int
        public let carve: Bool
        /// Buffers for the worker thread running this chunk, reused across its chunks.
        public let scratch: EVTXChunkScratch
        /// Which worker thread runs the chunk (0 ..< threads), for state kept per thread.
        public let worker: Int
    }

    public let options: Options
    private let scratches: [EVTXChunkScratch]

    public init(options: Options) {
        self.options = options
        let templates = SharedTemplates()
        scratches = (0..<options.threads).map { _ in EVTXChunkScratch(shared: templates) }
    }

    /// Where a chunk of a batch came from.
    private struct Slot {
        var file: Int
        var index: Int
        var fileOffset: Int
        var length: Int
        /// The last chunk of its file.
        var last: Bool
    }

    /// Reads the streams one after another. `work` runs on worker threads, once per chunk;
    /// `deliver` receives its results in order; `finish` receives each file's summary after
    /// its last chunk. A stream that is not EVTX is finished with a `failure`. `idle` is
    /// called on the calling thread, step by step, while the workers are still busy with a
    /// batch that is already read and delivered, until it returns false (nothing left to do).
    public func read<Result: Sendable>(
        _ streams: [any ByteStream], work: @escaping @Sendable (ChunkInput) -> (Result, EVTXChunkSummary),
        deliver: (_ file: Int, Result, EVTXChunkSummary) throws -> Void, finish: (_ file: Int, EVTXFileSummary) throws -> Void,
        idle: () throws -> Bool = { false }
    ) throws {
        let chunkSize = EVTXFileHeader.chunkSize
        let batchSize = max(16, options.threads * 16)
        // Two batch buffers: one is processed while the other is read and delivered.
        let buffers = (0..<2).map { _ in UnsafeMutableRawBufferPointer.allocate(byteCount: batchSize * chunkSize, alignment: 16) }
        defer { buffers.forEach { $0.deallocate() } }
        var summaries = streams.map { EVTXFileSummary(path: $0.path) }
        var fileIndex = 0
        var current: (chunk: Int, position: Int)?

        /// Fills a buffer with the chunks of as many files as it takes. A slot without a chunk
        /// (index -1) marks the end of a file that ended on a chunk boundary or failed.
        func fill(_ buffer: UnsafeMutableRawBufferPointer) throws -> [Slot] {
            var slots: [Slot] = []
            while slots.count < batchSize && fileIndex < streams.count {
                let stream = streams[fileIndex]
                if current == nil {
                    do {
                        current = try EVTXStreamReader.start(stream, summary: &summaries[fileIndex])
                    } catch let error as EvidenceError {
                        summaries[fileIndex].failure = error
                        slots.append(Slot(file: fileIndex, index: -1, fileOffset: 0, length: 0, last: true))
                        fileIndex += 1
                        continue
                    }
                }
                guard let state = current else { continue }
                let region = UnsafeMutableRawBufferPointer(rebasing: buffer[(slots.count * chunkSize)..<((slots.count + 1) * chunkSize)])
                let got = try stream.readFully(into: region)
                let ended = got < chunkSize
                slots.append(Slot(file: fileIndex, index: got > 0 ? state.chunk : -1, fileOffset: state.position, length: got, last: ended))
                if ended {
                    current = nil
                    fileIndex += 1
                } else {
                    current = (state.chunk + 1, state.position + got)
                }
            }
            return slots
        }

        let pool = WorkerPool(count: options.threads)
        defer { pool.stop() }

        /// Starts processing a batch on the worker threads; `pool.wait()` waits for it.
        func process(_ buffer: UnsafeMutableRawBufferPointer, _ batch: [Slot], into results: OrderedSlots<(Result, EVTXChunkSummary)>) {
            nonisolated(unsafe) let shared = UnsafeRawBufferPointer(buffer)
            let carve = options.carve
            let scratches = self.scratches
            // Chunks cost unequal time: each worker takes the next one not yet taken.
            let next = NextIndex()
            pool.start { worker in
                while true {
                    let position = next.take()
                    guard position < batch.count else { break }
                    let slot = batch[position]
                    if slot.length >= EVTXChunkHeader.recordsOffset {
                        let start = position * chunkSize
                        let input = ChunkInput(
                            bytes: UnsafeRawBufferPointer(rebasing: shared[start..<(start + slot.length)]), file: slot.file,
                            index: slot.index, fileOffset: slot.fileOffset, carve: carve, scratch: scratches[worker], worker: worker)
                        results.store(position, work(input))
                    }
                }
            }
        }

        func deliverAll(_ batch: [Slot], _ results: OrderedSlots<(Result, EVTXChunkSummary)>) throws {
            for (position, slot) in batch.enumerated() {
                if let (result, chunk) = results.take(position) {
                    EVTXStreamReader.add(chunk, of: slot, to: &summaries[slot.file])
                    try deliver(slot.file, result, chunk)
                } else if slot.index >= 0 && slot.length > 0 {
                    summaries[slot.file].warnings.append(
                        .chunk(index: slot.index, fileOffset: slot.fileOffset, reason: "\(slot.length) trailing bytes, too short for a chunk"))
                }
                if slot.last { try finish(slot.file, summaries[slot.file]) }
            }
        }

        var which = 0
        var batch = try fill(buffers[which])
        var pending: (batch: [Slot], results: OrderedSlots<(Result, EVTXChunkSummary)>)?
        while !batch.isEmpty {
            let results = OrderedSlots<(Result, EVTXChunkSummary)>(count: batch.count)
            process(buffers[which], batch, into: results)
            // While the workers run: hand out the previous batch, read the next.
            var failure: (any Error)?
            var next: [Slot] = []
            do {
                if let previous = pending { try deliverAll(previous.batch, previous.results) }
                pending = nil
                next = try fill(buffers[1 - which])
                while pool.isBusy, try idle() {}
            } catch {
                failure = error
            }
            pool.wait()
            pending = (batch, results)
            if let failure {
                // Hand out what was read before the failure, then report it.
                if let previous = pending { try? deliverAll(previous.batch, previous.results) }
                throw failure
            }
            batch = next
            which = 1 - which
        }
        if let previous = pending { try deliverAll(previous.batch, previous.results) }
    }

    /// Reads a file's header and steps to its first chunk.
    private static func start(_ stream: any ByteStream, summary: inout EVTXFileSummary) throws -> (chunk: Int, position: Int) {
        let headerBytes = try stream.readBytes(EVTXFileHeader.size)
        let header: EVTXFileHeader
        do {
            header = try headerBytes.withUnsafeBytes { bytes throws(EVTXError) in try EVTXFileHeader(bytes) }
        } catch {
            throw EvidenceError.format(path: stream.path, reason: "\(error)")
        }
        summary.header = header
        if !header.checksumMatches {
            summary.warnings.append(
                .fileHeader(reason: "checksum \(hex(header.computedChecksum)) does not match the stored \(hex(header.storedChecksum))"))
        }
        var position = headerBytes.count
        // Step over a header block larger than usual.
        if header.chunkOffset(0) > position { position += try stream.readBytes(header.chunkOffset(0) - position).count }
        return (0, position)
    }

    private static func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16)
        return "0x" + String(repeating: "0", count: 8 - digits.count) + digits
    }

    private static func add(_ chunk: EVTXChunkSummary, of slot: Slot, to summary: inout EVTXFileSummary) {
        let counted = Int(summary.header?.chunkCount ?? 0)
        if let unreadable = chunk.unreadable {
            // Preallocated space past the counted chunks is not damage.
            if slot.index < counted || chunk.recovered > 0 { summary.skipped.append(unreadable) }
        } else if chunk.records > 0 || chunk.skipped.count > 0 || slot.index < counted {
            summary.chunks += 1
        }
        if slot.length < EVTXFileHeader.chunkSize {
            summary.warnings.append(
                .chunk(index: slot.index, fileOffset: slot.fileOffset, reason: "truncated: \(slot.length) of \(EVTXFileHeader.chunkSize) bytes"))
        }
        summary.records += chunk.records
        summary.recovered += chunk.recovered
        summary.skipped.append(contentsOf: chunk.skipped)
        summary.warnings.append(contentsOf: chunk.warnings)
    }
}

/// A shared counter handing out 0, 1, 2, ... to whichever thread asks.
final class NextIndex: Sendable {
    private let value = Atomic<Int>(0)

    func take() -> Int { value.wrappingAdd(1, ordering: .relaxed).oldValue }
}
