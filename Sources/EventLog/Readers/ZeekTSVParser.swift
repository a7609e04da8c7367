/// Zeek's tab-separated logs: `#separator`, `#set_separator`, `#empty_field`, `#unset_field`,
/// `#path`, `#fields` and `#types` header lines, then one record per line.
///
/// Values are typed by `#types`: `time` and `interval` and `double` as numbers (`ts` is the
/// event time), `count`, `int` and `port` as integers, `bool` (`T`/`F`), containers
/// (`set[...]`, `vector[...]`) as lists split on the set separator; `\xHH` escapes are
/// decoded. An unset field (`-`) is left out of the event. The log's `#path` (`conn`, `dns`,
/// ...) becomes the field `_path`, as Zeek's JSON writer names it. A file that concatenates
/// several logs (new header lines midway) is read with each part's own header.
public struct ZeekTSVParser: TextEventParser {
    private let mappings: FieldMappings
    private let form: FieldMappings.Form
    private let timeFields: [FieldName]
    private var separator: UInt8 = 0x09
    private var setSeparator: UInt8 = UInt8(ascii: ",")
    private var emptyField: [UInt8] = Array("(empty)".utf8)
    private var unsetField: [UInt8] = Array("-".utf8)
    private var path: String?
    private var names: [FieldName] = []
    private var types: [ValueKind] = []

    enum ValueKind: Sendable {
        case string, integer, double, bool
        indirect case list(ValueKind)

        init(_ zeekType: Substring) {
            if let open = zeekType.firstIndex(of: "["), zeekType.hasSuffix("]") {
                self = .list(ValueKind(zeekType[zeekType.index(after: open)..<zeekType.index(before: zeekType.endIndex)]))
                return
            }
            switch zeekType {
            case "count", "int", "port": self = .integer
            case "time", "interval", "double": self = .double
            case "bool": self = .bool
            default: self = .string
            }
        }
    }

    public init(mappings: FieldMappings = .standard) {
        self.mappings = mappings
        form = mappings.form("zeek")
        timeFields = form.timeFields.map { FieldName($0) }
    }

    public var syntax: TextRecordFramer.Syntax { .lines }

    package func isHeader(_ record: UnsafeRawBufferPointer, first: Bool) -> Bool {
        record.first == UInt8(ascii: "#")
    }

    package mutating func readHeader(_ record: UnsafeRawBufferPointer, line: UInt64) throws(TextRecordError) {
        let header = text(record)
        // `#separator` is followed by a space and the separator, escaped (`\x09`).
        if header.hasPrefix("#separator ") {
            let value = ZeekTSVParser.unescape(Array(header.utf8.dropFirst("#separator ".count)))
            guard value.count == 1 else { throw TextRecordError(line: line, reason: "#separator must be one byte, not \"\(header)\"") }
            separator = value[0]
            return
        }
        let parts = record.split(separator: separator, omittingEmptySubsequences: false).map { Array($0) }
        guard let keyword = parts.first.map({ String(decoding: $0, as: UTF8.self) }) else { return }
        let values = parts.dropFirst()
        switch keyword {
        case "#set_separator":
            guard let value = values.first.map(ZeekTSVParser.unescape), value.count == 1 else {
                throw TextRecordError(line: line, reason: "#set_separator must be one byte")
            }
            setSeparator = value[0]
        case "#empty_field": emptyField = values.first ?? []
        case "#unset_field": unsetField = values.first ?? []
        case "#path": path = values.first.map { String(decoding: $0, as: UTF8.self) }
        case "#fields":
            names = values.map { field in
                let name = String(decoding: field, as: UTF8.self)
                return FieldName(form.name(forPath: name) ?? name)
            }
            types = Array(repeating: .string, count: names.count)
        case "#types":
            guard values.count == names.count else {
                throw TextRecordError(line: line, reason: "#types has \(values.count) entries for \(names.count) #fields")
            }
            types = values.map { ValueKind(Substring(String(decoding: $0, as: UTF8.self))) }
        default:
            // `#open`, `#close` and comments carry nothing for events.
            break
        }
    }

    package func event(_ record: UnsafeRawBufferPointer, line: UInt64, names _: FieldNameCache) throws(TextRecordError) -> Event {
        guard !names.isEmpty else { throw TextRecordError(line: line, reason: "a Zeek record before any #fields header") }
        var event = Event(origin: EventOrigin(format: "zeek-tsv", position: line))
        event.fields.reserveCapacity(names.count + 1)
        if let path { event.fields.append(Field(name: "_path", value: .string(path))) }
        var column = 0
        var start = 0
        for index in 0...record.count {
            guard index == record.count || record[index] == separator else { continue }
            defer {
                column += 1
                start = index + 1
            }
            guard column < names.count else {
                throw TextRecordError(line: line, reason: "\(column + 1) or more values for \(names.count) #fields")
            }
            let raw = UnsafeRawBufferPointer(rebasing: record[start..<index])
            if raw.elementsEqual(unsetField) { continue }
            event.set(names[column], value(raw, kind: types[column]))
        }
        guard column == names.count else {
            throw TextRecordError(line: line, reason: "\(column) values for \(names.count) #fields")
        }
        event.time = mappings.time(of: event, fields: timeFields)
        mappings.applyAliases(to: &event)
        return event
    }

    private func value(_ raw: UnsafeRawBufferPointer, kind: ValueKind) -> FieldValue {
        switch kind {
        case .list(let element):
            if raw.elementsEqual(emptyField) { return .list([]) }
            return .list(raw.split(separator: setSeparator, omittingEmptySubsequences: false).map {
                value(UnsafeRawBufferPointer(rebasing: $0), kind: element)
            })
        case .integer:
            if let number = Int64(text(raw)) { return .integer(number) }
        case .double:
            if let number = Double(text(raw)) { return .double(number) }
        case .bool:
            if raw.count == 1 && (raw[0] == UInt8(ascii: "T") || raw[0] == UInt8(ascii: "F")) { return .bool(raw[0] == UInt8(ascii: "T")) }
        case .string:
            if raw.elementsEqual(emptyField) { return .string("") }
        }
        return .string(raw.contains(UInt8(ascii: "\\")) ? String(decoding: ZeekTSVParser.unescape(Array(raw)), as: UTF8.self) : text(raw))
    }

    /// Decodes `\xHH` escapes; other bytes are kept.
    static func unescape(_ bytes: [UInt8]) -> [UInt8] {
        var result: [UInt8] = []
        result.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "\\"), index + 3 < bytes.count, bytes[index + 1] == UInt8(ascii: "x"),
                let high = hexDigit(bytes[index + 2]), let low = hexDigit(bytes[index + 3])
            {
                result.append(high << 4 | low)
                index += 4
            } else {
                result.append(bytes[index])
                index += 1
            }
        }
        return result
    }

    private static func hexDigit(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
