/// CSV with a header row (RFC 4180): the header names the columns; each later row is an event.
///
/// The delimiter is the one of `,`, `;` and tab that the header uses most (outside quotes).
/// Quoted fields may hold delimiters, doubled quotes and line breaks. Values stay text (Sigma
/// compares text; a number reads as one where a rule asks). A row shorter than the header
/// leaves the last columns out; a longer one names the extra values `column<N>` (1-based).
/// Header names are mapped through the `csv` form. The event time is the first of the form's
/// time columns, else of the columns whose name says time or date, that reads as a time.
public struct CSVParser: TextEventParser {
    private let mappings: FieldMappings
    private let form: FieldMappings.Form
    private var timeFields: [FieldName]
    private var delimiter = UInt8(ascii: ",")
    private var names: [FieldName] = []

    public init(mappings: FieldMappings = .standard) {
        self.mappings = mappings
        form = mappings.form("csv")
        timeFields = form.timeFields.map { FieldName($0) }
    }

    public var syntax: TextRecordFramer.Syntax { .csv }

    package func isHeader(_ record: UnsafeRawBufferPointer, first: Bool) -> Bool { first }

    package mutating func readHeader(_ record: UnsafeRawBufferPointer, line: UInt64) throws(TextRecordError) {
        var counts: [UInt8: Int] = [:]
        var quoted = false
        for byte in record {
            if byte == UInt8(ascii: "\"") { quoted.toggle() }
            if !quoted && (byte == UInt8(ascii: ",") || byte == UInt8(ascii: ";") || byte == 0x09) { counts[byte, default: 0] += 1 }
        }
        delimiter = counts.max { $0.value < $1.value || ($0.value == $1.value && $0.key > $1.key) }?.key ?? UInt8(ascii: ",")
        var header = record
        if header.starts(with: [0xEF, 0xBB, 0xBF]) { header = UnsafeRawBufferPointer(rebasing: header[3...]) }
        let fields = try CSVParser.split(header, delimiter: delimiter, line: line)
        guard !fields.isEmpty else { throw TextRecordError(line: line, reason: "the CSV header row is empty") }
        names = fields.enumerated().map { index, field in
            let name = field.trimmingCharacters(in: " ")
            let column = name.isEmpty ? "column\(index + 1)" : name
            return FieldName(form.name(forPath: column) ?? column)
        }
        let named = names.filter { name in
            let lowered = name.name.lowercased()
            return lowered.contains("time") || lowered.contains("date")
        }
        timeFields = form.timeFields.map { FieldName($0) } + named.filter { !form.timeFields.contains($0.name) }
    }

    package func event(_ record: UnsafeRawBufferPointer, line: UInt64, names _: FieldNameCache) throws(TextRecordError) -> Event {
        let values = try CSVParser.split(record, delimiter: delimiter, line: line)
        var event = Event(origin: EventOrigin(format: "csv", position: line))
        event.fields.reserveCapacity(values.count)
        for (index, value) in values.enumerated() {
            let name = index < names.count ? names[index] : FieldName("column\(index + 1)")
            event.set(name, .string(value))
        }
        event.time = mappings.time(of: event, fields: timeFields)
        mappings.applyAliases(to: &event)
        return event
    }

    /// The fields of one row, quotes removed.
    static func split(_ record: UnsafeRawBufferPointer, delimiter: UInt8, line: UInt64) throws(TextRecordError) -> [String] {
        var fields: [String] = []
        var current: [UInt8] = []
        var index = 0
        var quoted = false
        var wasQuoted = false
        while index < record.count {
            let byte = record[index]
            if quoted {
                if byte == UInt8(ascii: "\"") {
                    if index + 1 < record.count && record[index + 1] == UInt8(ascii: "\"") {
                        current.append(byte)
                        index += 1
                    } else {
                        quoted = false
                    }
                } else {
                    current.append(byte)
                }
            } else if byte == delimiter {
                fields.append(String(decoding: current, as: UTF8.self))
                current.removeAll(keepingCapacity: true)
                wasQuoted = false
            } else if byte == UInt8(ascii: "\"") && (current.isEmpty || current.allSatisfy { $0 == 0x20 }) && !wasQuoted {
                // A quote opens a quoted field only at its start (after optional spaces).
                current.removeAll(keepingCapacity: true)
                quoted = true
                wasQuoted = true
            } else if byte != 0x0D || index + 1 < record.count {
                current.append(byte)
            }
            index += 1
        }
        guard !quoted else { throw TextRecordError(line: line, reason: "a quoted CSV field is not closed") }
        fields.append(String(decoding: current, as: UTF8.self))
        return fields
    }
}

extension String {
    fileprivate func trimmingCharacters(in character: Character) -> String {
        var text = Substring(self)
        while text.first == character { text = text.dropFirst() }
        while text.last == character { text = text.dropLast() }
        return String(text)
    }
}
