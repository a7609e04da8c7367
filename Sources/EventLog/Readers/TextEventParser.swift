/// A text log format: which records are headers that change how later records read (read in
/// order), and how a data record becomes an `Event` (any record, on any thread, given the
/// state the headers before it left).
///
/// Records come from `TextRecordFramer`: a line, a CSV row (whose quoted fields may span
/// lines) or a JSON value, without the line break.
package protocol TextEventParser: Sendable {
    /// Which framing splits this format into records.
    var syntax: TextRecordFramer.Syntax { get }
    /// Whether a record is a header; `first` is true for the first record of the file.
    func isHeader(_ record: UnsafeRawBufferPointer, first: Bool) -> Bool
    /// Takes a header record.
    mutating func readHeader(_ record: UnsafeRawBufferPointer, line: UInt64) throws(TextRecordError)
    /// Reads a data record; `names` is the calling thread's cache of resolved field names.
    func event(_ record: UnsafeRawBufferPointer, line: UInt64, names: FieldNameCache) throws(TextRecordError) -> Event
}

/// The text formats Vigil reads, and the parser for each.
public enum TextFormat: String, Sendable, CaseIterable {
    case jsonLines = "jsonl"
    case zeekTSV = "zeek-tsv"
    case csv
    case auditd

    /// A parser for this format with a field mapping.
    package func parser(mappings: FieldMappings = .standard) -> any TextEventParser {
        switch self {
        case .jsonLines: return JSONLinesParser(reader: JSONEventReader(mappings: mappings))
        case .zeekTSV: return ZeekTSVParser(mappings: mappings)
        case .csv: return CSVParser(mappings: mappings)
        case .auditd: return AuditdParser(mappings: mappings)
        }
    }

    /// The text format of content that starts with these bytes, or nil if it is none of them.
    ///
    /// JSON when the first non-blank byte opens an object or a list; Zeek when the first line
    /// is `#separator`; auditd when it starts with `type=` or `node=`; CSV when the first line
    /// has a comma, semicolon or tab and the bytes hold no NUL.
    public static func sniff(_ bytes: some Collection<UInt8>) -> TextFormat? {
        var text = bytes[...]
        if text.starts(with: [0xEF, 0xBB, 0xBF]) { text = text.dropFirst(3) }
        guard let first = text.first(where: { !($0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D) }) else { return nil }
        if first == UInt8(ascii: "{") || first == UInt8(ascii: "[") { return .jsonLines }
        if text.starts(with: "#separator".utf8) { return .zeekTSV }
        if text.starts(with: "type=".utf8) || text.starts(with: "node=".utf8) { return .auditd }
        guard !text.contains(0) else { return nil }
        let firstLine = text.prefix { $0 != 0x0A }
        let separators: Set<UInt8> = [UInt8(ascii: ","), UInt8(ascii: ";"), 0x09]
        return firstLine.contains(where: separators.contains) ? .csv : nil
    }
}

/// JSON lines (and JSON lists, and JSON objects spread over lines): every record is one object.
public struct JSONLinesParser: TextEventParser {
    public let reader: JSONEventReader

    public init(reader: JSONEventReader = JSONEventReader()) { self.reader = reader }

    public var syntax: TextRecordFramer.Syntax { .json }
    package func isHeader(_ record: UnsafeRawBufferPointer, first: Bool) -> Bool { false }
    package mutating func readHeader(_ record: UnsafeRawBufferPointer, line: UInt64) throws(TextRecordError) {}

    package func event(_ record: UnsafeRawBufferPointer, line: UInt64, names: FieldNameCache) throws(TextRecordError) -> Event {
        try reader.event(fromJSON: record, position: line, names: names)
    }
}

extension FieldMappings {
    /// The first of a form's time fields that an event has and that reads as a time.
    func time(of event: Event, fields: [FieldName]) -> EventTime? {
        for name in fields {
            if let value = event.value(name), let time = EventTime(value) { return time }
        }
        return nil
    }
}

/// Text of a byte range, for field values.
@inline(__always)
func text(_ bytes: UnsafeRawBufferPointer) -> String {
    String(decoding: bytes, as: UTF8.self)
}
