import EVTX
import EventLog
import Foundation
import Hunt

/// `vigil dump`'s work: every record of the selected evidence, EVTX as evtx-crate JSON lines
/// or XML, any evidence as the events Vigil reads, in file and record order.
public struct EvidenceDump {
    public enum Format: String, Sendable, CaseIterable { case jsonl, xml, events }

    public var evidence: EvidenceSelection
    public var format: Format
    public var carve: Bool
    public var threads: Int
    public var mappings: FieldMappings

    public init(evidence: EvidenceSelection, format: Format, carve: Bool = false, threads: Int, mappings: FieldMappings = .standard) {
        self.evidence = evidence
        self.format = format
        self.carve = carve
        self.threads = threads
        self.mappings = mappings
    }

    /// What a file gave: an EVTX summary or a text one.
    public enum FileSummary {
        case evtx(EVTXFileSummary)
        case text(TextFileSummary)
    }

    /// Files that cannot be rendered as asked (XML of a text file), with the reason; `run`
    /// leaves them out.
    public var unrenderable: [String] {
        guard format == .xml else { return [] }
        return evidence.sources.compactMap { source in
            guard case .text(let textFormat) = source.format else { return nil }
            return "\(source.path): --format xml is for EVTX files; this file is \(textFormat.rawValue) (use --format events)"
        }
    }

    /// Dumps; `write` receives text as it is rendered, `finished` each file's summary after its
    /// records.
    package func run(write: (UnsafeRawBufferPointer) throws -> Void, finished: (FileSummary) throws -> Void) throws {
        var evtxStreams: [any ByteStream] = []
        var textSources: [TextStreamReader.Source] = []
        for source in evidence.sources {
            switch source.format {
            case .evtx:
                evtxStreams.append(EvidenceFile.deferredStream(path: source.path))
            case .text(let textFormat) where format != .xml:
                textSources.append(TextStreamReader.Source(stream: EvidenceFile.deferredStream(path: source.path), format: textFormat, mappings: mappings))
            case .text, .unknown:
                continue
            }
        }
        let dump = RecordDump(
            format: RecordDump.Format(rawValue: format.rawValue) ?? .jsonl, options: EVTXStreamReader.Options(threads: threads, carve: carve),
            mapping: EVTXFieldMapping(mappings))
        try dump.run(evtxStreams, write: write) { try finished(.evtx($0)) }
        try EventDump(options: TextStreamReader.Options(threads: threads)).run(textSources) { bytes in
            try bytes.withUnsafeBytes { try write($0) }
        } finished: { try finished(.text($0)) }
    }

    /// A field mapping file (JSON) replacing the built-in mapping.
    public static func fieldMappings(_ path: String?) throws(VigilError) -> FieldMappings {
        guard let path else { return .standard }
        let bytes = try InputFiles.read(path)
        do {
            return try FieldMappings(json: bytes)
        } catch {
            throw .input(path: path, reason: String(describing: error))
        }
    }
}
