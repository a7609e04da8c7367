import EVTX
import EventLog

/// Renders every record of EVTX files, in file and record order, as JSON lines shaped like the
/// `evtx` crate's output, as XML documents, or as the events Vigil reads from them, and hands
/// the text to a sink chunk by chunk.
public struct RecordDump {
    public enum Format: String, Sendable, CaseIterable {
        case jsonl
        case xml
        /// `Event.jsonValue`: fields as Sigma rules see them.
        case events
    }

    public var format: Format
    public var options: EVTXStreamReader.Options
    public var mapping: EVTXFieldMapping

    public init(format: Format, options: EVTXStreamReader.Options, mapping: EVTXFieldMapping = .standard) {
        self.format = format
        self.options = options
        self.mapping = mapping
    }

    /// The rendered records of one chunk (written on a worker, read on the caller's thread).
    final class Rendered: @unchecked Sendable {
        var text = RenderBuffer(capacity: 256 * 1024)
        /// Each record's identifier, whether it was recovered, and where its text ends.
        var records: [(id: UInt64, recovered: Bool, end: Int)] = []
    }

    /// Dumps the streams; `write` receives text, `finished` each file's summary after its
    /// records.
    public func run(
        _ streams: [any ByteStream], write: (UnsafeRawBufferPointer) throws -> Void,
        finished: (EVTXFileSummary) throws -> Void
    ) throws {
        let format = self.format
        let mapping = self.mapping
        let carve = options.carve
        // Carved records already read earlier in the same file are dropped.
        var seen: [Int: Set<UInt64>] = [:]
        var duplicates: [Int: Int] = [:]
        try EVTXStreamReader(options: options).read(streams) { input in
            let rendered = Rendered()
            let names = FieldNameCache()
            let chunk = EVTXChunk.read(
                input.bytes, index: input.index, fileOffset: input.fileOffset, carve: input.carve, scratch: input.scratch
            ) { record in
                switch format {
                case .jsonl:
                    record.appendJSON(to: &rendered.text)
                    rendered.text.append(0x0A)
                case .xml:
                    rendered.text.append(utf8: "<!-- record \(record.recordID)\(record.recovered ? " (recovered)" : "") -->\n")
                    record.appendXML(to: &rendered.text)
                case .events:
                    var line: [UInt8] = []
                    record.event(mapping: mapping, names: names).appendJSON(to: &line)
                    rendered.text.append(line)
                    rendered.text.append(0x0A)
                }
                if carve { rendered.records.append((record.recordID, record.recovered, rendered.text.count)) }
            }
            return (rendered, chunk)
        } deliver: { file, rendered, _ in
            try rendered.text.withBytes { text in
                guard carve else {
                    try write(text)
                    return
                }
                var start = 0
                for record in rendered.records {
                    defer { start = record.end }
                    if record.recovered && seen[file, default: []].contains(record.id) {
                        duplicates[file, default: 0] += 1
                        continue
                    }
                    seen[file, default: []].insert(record.id)
                    try write(UnsafeRawBufferPointer(rebasing: text[start..<record.end]))
                }
            }
        } finish: { file, summary in
            var summary = summary
            summary.recovered -= duplicates[file] ?? 0
            seen[file] = nil
            try finished(summary)
        }
    }
}
