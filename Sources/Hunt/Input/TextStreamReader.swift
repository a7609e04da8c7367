import STIX
import EventLog

/// What reading one text evidence file found.
public struct TextFileSummary: Sendable {
    public var path: String
    public var format: TextFormat
    /// Records read as events.
    public var records = 0
    /// Records that could not be read, with reasons (line numbers are 1-based).
    public var skipped: [TextRecordError] = []
    /// Why the file could not be read at all; nil when it was read.
    public var failure: EvidenceError?

    public init(path: String, format: TextFormat) {
        self.path = path
        self.format = format
    }
}

/// Records of one text file, framed in order and read into events on a worker thread.
public struct TextBatch: @unchecked Sendable {
    /// Which of the sources the records belong to.
    public let file: Int
    let bytes: [UInt8]
    let records: [TextRecordFramer.Record]
    /// The parser as the headers before these records left it.
    let parser: any TextEventParser

    /// Reads every record, handing each event with its record's bytes to `visit`; returns the
    /// records that could not be read. `names` is the calling thread's cache of field names.
    public func read(
        names: FieldNameCache = FieldNameCache(formCount: JSONEventReader.Form.allCases.count), _ visit: (Event, UnsafeRawBufferPointer) -> Void
    ) -> (records: Int, skipped: [TextRecordError]) {
        var skipped: [TextRecordError] = []
        bytes.withUnsafeBytes { buffer in
            for record in records {
                let raw = UnsafeRawBufferPointer(rebasing: buffer[record.range])
                do throws(TextRecordError) {
                    visit(try parser.event(raw, line: record.line, names: names), raw)
                } catch {
                    skipped.append(error)
                }
            }
        }
        return (records.count - skipped.count, skipped)
    }
}

/// Reads text evidence (JSON lines, Zeek, CSV, audit logs) front to back in blocks: framing
/// and header lines in order on the calling thread, records into events on worker threads,
/// results delivered in file and record order.
///
/// Memory stays bounded: one round of blocks (`threads` × 2 of about 1 MiB) and the tail of an
/// unfinished record (at most `TextRecordFramer.maximumRecordSize`) are held at a time.
public final class TextStreamReader {
    public struct Options: Sendable {
        public var threads: Int
        public var blockSize: Int

        public init(threads: Int = 1, blockSize: Int = 1 << 20) {
            self.threads = max(1, threads)
            self.blockSize = max(1, blockSize)
        }
    }

    /// One file to read and the parser for its format.
    public struct Source {
        public let stream: any ByteStream
        public let format: TextFormat
        package let parser: any TextEventParser

        public init(stream: any ByteStream, format: TextFormat, mappings: FieldMappings = .standard) {
            self.stream = stream
            self.format = format
            parser = format.parser(mappings: mappings)
        }
    }

    public let options: Options

    public init(options: Options) { self.options = options }

    /// Reads the sources one after another. `work` runs on worker threads, once per batch,
    /// with the worker's number (0 ..< threads); `deliver` receives its results in order;
    /// `finish` receives each file's summary after its last batch; `idle` is called step by
    /// step while the workers are busy, as `EVTXStreamReader.read` does.
    public func read<Result: Sendable>(
        _ sources: [Source], work: @escaping @Sendable (TextBatch, Int) -> (Result, records: Int, skipped: [TextRecordError]),
        deliver: (_ file: Int, Result) throws -> Void, finish: (_ file: Int, TextFileSummary) throws -> Void,
        idle: () throws -> Bool = { false }
    ) throws {
        let pool = WorkerPool(count: options.threads)
        defer { pool.stop() }
        let roundSize = options.threads * 2
        var round: [TextBatch] = []
        var summaries = sources.map { TextFileSummary(path: $0.stream.path, format: $0.format) }
        /// Files whose last batch is in the current round.
        var ending: [Int] = []

        func runRound() throws {
            guard !round.isEmpty || !ending.isEmpty else { return }
            let batches = round
            let results = OrderedSlots<(Result, records: Int, skipped: [TextRecordError])>(count: batches.count)
            let next = NextIndex()
            pool.start { worker in
                while true {
                    let position = next.take()
                    guard position < batches.count else { break }
                    results.store(position, work(batches[position], worker))
                }
            }
            while pool.isBusy, try idle() {}
            pool.wait()
            for (position, batch) in batches.enumerated() {
                guard let (result, records, skipped) = results.take(position) else { continue }
                summaries[batch.file].records += records
                summaries[batch.file].skipped += skipped
                try deliver(batch.file, result)
            }
            for file in ending { try finish(file, summaries[file]) }
            round.removeAll(keepingCapacity: true)
            ending.removeAll()
        }

        for (file, source) in sources.enumerated() {
            // Framing problems and bad headers; kept apart because `runRound` updates the
            // summaries while framing is under way.
            var problems: [TextRecordError] = []
            do {
                try frame(source, file: file, problems: &problems) { batch in
                    round.append(batch)
                    if round.count >= roundSize { try runRound() }
                }
            } catch let error as EvidenceError {
                summaries[file].failure = error
            }
            summaries[file].skipped += problems
            ending.append(file)
            if round.count >= roundSize { try runRound() }
        }
        try runRound()
    }

    /// Reads one source block by block, handing out batches of framed records.
    private func frame(_ source: Source, file: Int, problems: inout [TextRecordError], emit: (TextBatch) throws -> Void) throws {
        var parser = source.parser
        var framer = TextRecordFramer(syntax: parser.syntax)
        var first = true
        var carry: [UInt8] = []
        let block = UnsafeMutableRawBufferPointer.allocate(byteCount: options.blockSize, alignment: 16)
        defer { block.deallocate() }
        var ended = false
        while !ended {
            let got = try source.stream.readFully(into: block)
            ended = got < block.count
            var bytes = carry
            bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: block[0..<got]))
            var records: [TextRecordFramer.Record] = []
            let used = bytes.withUnsafeBytes { framer.frame($0, atEnd: ended, into: &records, problems: &problems) }
            carry = Array(bytes[used...])
            // Header records split the block: the records before one are read with the parser
            // as it was, those after with the parser as the header leaves it.
            var pending: [TextRecordFramer.Record] = []
            for record in records {
                let isHeader = bytes.withUnsafeBytes { buffer in
                    parser.isHeader(UnsafeRawBufferPointer(rebasing: buffer[record.range]), first: first)
                }
                first = false
                guard isHeader else {
                    pending.append(record)
                    continue
                }
                if !pending.isEmpty {
                    try emit(TextBatch(file: file, bytes: bytes, records: pending, parser: parser))
                    pending.removeAll()
                }
                let problem = bytes.withUnsafeBytes { buffer -> TextRecordError? in
                    do throws(TextRecordError) {
                        try parser.readHeader(UnsafeRawBufferPointer(rebasing: buffer[record.range]), line: record.line)
                        return nil
                    } catch {
                        return error
                    }
                }
                if let problem { problems.append(problem) }
            }
            if !pending.isEmpty { try emit(TextBatch(file: file, bytes: bytes, records: pending, parser: parser)) }
        }
    }
}
