import Foundation
import STIX

/// Turns one JSON object, a record of a JSON-lines export, into an `Event`.
///
/// The form is told from the object itself, so one file may mix them:
/// - `evtx`: the `evtx` crate's (and `vigil dump`'s) `{"Event":{"System":…,"EventData":…}}`;
/// - `winlogbeat`: Winlogbeat/Elastic Common Schema, with a `winlog` object;
/// - `zeek`: Zeek's JSON logs (`ts` and `uid`, or `_path`, or OTRF's `@stream`);
/// - `flat`: anything else, such as OTRF's flattened Sysmon and Security events.
///
/// Nested objects become dotted paths (`winlog.event_data.CommandLine`), which the form's
/// field mapping names; lists of scalars become list values, and the members of a list of
/// objects become lists by path; nulls are left out, as empty EVTX elements are. It does not
/// keep the object: callers that need the original record keep the line.
public struct JSONEventReader: Sendable {
    /// The forms of JSON records Vigil tells apart.
    public enum Form: String, Sendable, CaseIterable {
        case evtx
        case winlogbeat
        case zeek
        case flat

        /// The name of the reader, for `EventOrigin.format`.
        public var originName: String {
            switch self {
            case .evtx: return "jsonl-evtx"
            case .winlogbeat: return "winlogbeat"
            case .zeek: return "zeek-json"
            case .flat: return "jsonl-flat"
            }
        }
    }

    /// Objects nested deeper than this are not followed (their members are dropped).
    public static let maximumDepth = 32

    public let mappings: FieldMappings
    private let forms: [FieldMappings.Form]
    private let timeFields: [[FieldName]]

    public init(mappings: FieldMappings = .standard) {
        self.mappings = mappings
        forms = Form.allCases.map { mappings.form($0.rawValue) }
        timeFields = forms.map { $0.timeFields.map { FieldName($0) } }
    }

    /// The form of a record.
    public static func form(of object: JSONObject) -> Form {
        if let event = object["Event"]?.objectValue, event["System"] != nil { return .evtx }
        if object["winlog"]?.objectValue != nil { return .winlogbeat }
        if object["_path"] != nil || object["@stream"] != nil || (object["ts"] != nil && object["uid"] != nil) { return .zeek }
        return .flat
    }

    /// Reads one record from its bytes; `position` is its line number; `names` caches the
    /// calling thread's resolved field names (made with `makeNameCache()`).
    package func event(fromJSON bytes: UnsafeRawBufferPointer, position: UInt64, names: FieldNameCache) throws(TextRecordError) -> Event {
        let value: JSONValue
        do {
            value = try JSONParser.parse(bytes, duplicateKeys: .keepAll)
        } catch {
            throw TextRecordError(line: position, reason: error.description)
        }
        guard let object = value.objectValue else {
            throw TextRecordError(line: position, reason: "expected a JSON object, found \(value.kindName)")
        }
        return event(from: object, position: position, names: names)
    }

    /// A cache for `event(...)`'s `names`, one per thread.
    public func makeNameCache() -> FieldNameCache { FieldNameCache(formCount: Form.allCases.count) }

    /// Reads one parsed record.
    public func event(from object: JSONObject, position: UInt64, names: FieldNameCache) -> Event {
        let form = JSONEventReader.form(of: object)
        let index = Form.allCases.firstIndex(of: form) ?? 0
        var flattener = Flattener(form: forms[index], formIndex: index, names: names, evtx: form == .evtx)
        for (key, value) in object { flattener.add(value, path: key, depth: 0) }
        var event = Event(fields: flattener.fields, origin: EventOrigin(format: form.originName, position: position))
        event.time = mappings.time(of: event, fields: timeFields[index])
        mappings.applyAliases(to: &event)
        return event
    }
}

/// Walks a JSON value into (name, value) fields.
private struct Flattener {
    let form: FieldMappings.Form
    let formIndex: Int
    let names: FieldNameCache
    let evtx: Bool
    var fields: [Field] = []
    /// Scalars under a path without naming them (for `addObjects`).
    private var paths: [(String, FieldValue)] = []

    init(form: FieldMappings.Form, formIndex: Int, names: FieldNameCache, evtx: Bool) {
        self.form = form
        self.formIndex = formIndex
        self.names = names
        self.evtx = evtx
    }

    mutating func add(_ value: JSONValue, path: String, depth: Int) {
        switch value {
        case .object(let object):
            guard depth < JSONEventReader.maximumDepth else { return }
            for (key, member) in object { add(member, path: path + "." + key, depth: depth + 1) }
        case .array(let elements):
            if elements.contains(where: { $0.objectValue != nil }) {
                addObjects(elements, path: path, depth: depth)
            } else {
                store(.list(elements.map(Flattener.scalar)), path: path)
            }
        case .null:
            // An empty element (`"Correlation": null`) carries no value, as in EVTX.
            return
        default:
            store(Flattener.scalar(value), path: path)
        }
    }

    /// The members of a list of objects, as one list per path (a single object stays single).
    private mutating func addObjects(_ elements: [JSONValue], path: String, depth: Int) {
        guard depth < JSONEventReader.maximumDepth else { return }
        var inner = Flattener(form: form, formIndex: formIndex, names: names, evtx: evtx)
        var order: [String] = []
        var values: [String: [FieldValue]] = [:]
        for element in elements {
            guard let object = element.objectValue else {
                values[path, default: []].append(Flattener.scalar(element))
                if !order.contains(path) { order.append(path) }
                continue
            }
            inner.paths = []
            for (key, member) in object { inner.collect(member, path: path + "." + key, depth: depth + 1) }
            for (memberPath, value) in inner.paths {
                if values[memberPath] == nil { order.append(memberPath) }
                values[memberPath, default: []].append(value)
            }
        }
        for memberPath in order {
            let list = values[memberPath] ?? []
            store(list.count == 1 ? list[0] : .list(list), path: memberPath)
        }
    }

    private mutating func collect(_ value: JSONValue, path: String, depth: Int) {
        switch value {
        case .object(let object):
            guard depth < JSONEventReader.maximumDepth else { return }
            for (key, member) in object { collect(member, path: path + "." + key, depth: depth + 1) }
        case .array(let elements):
            paths.append((path, .list(elements.compactMap { $0.objectValue == nil ? Flattener.scalar($0) : nil })))
        default:
            paths.append((path, Flattener.scalar(value)))
        }
    }

    /// Names the field; a weak name (a rename, or any `System` field of the EVTX form) does
    /// not replace a field already there, and is replaced by a strong one.
    private mutating func store(_ value: FieldValue, path: String) {
        // Namespace declarations (`xmlns` attributes of UserData elements) are not data.
        if evtx, let marker = path.range(of: ".#attributes.", options: .backwards) {
            let attribute = path[marker.upperBound...]
            if attribute == "xmlns" || attribute.hasPrefix("xmlns:") { return }
        }
        let resolved = names.resolve(path, in: form, formIndex: formIndex)
        guard let name = resolved.name else { return }
        let weak = evtx ? path.hasPrefix("Event.System.") : resolved.renamed
        if let index = fields.firstIndex(where: { $0.name == name }) {
            if !weak { fields[index].value = value }
        } else {
            fields.append(Field(name: name, value: value))
        }
    }

    static func scalar(_ value: JSONValue) -> FieldValue {
        switch value {
        case .null: return .null
        case .bool(let flag): return .bool(flag)
        case .int(let number): return .integer(number)
        case .uint(let number): return .unsigned(number)
        case .double(let number): return .double(number)
        case .string(let text): return .string(text)
        case .array(let elements): return .list(elements.map(scalar))
        case .object: return .null
        }
    }
}

/// Why one record of a text source could not be read.
public struct TextRecordError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The 1-based line the record starts on.
    public var line: UInt64
    public var reason: String

    public init(line: UInt64, reason: String) {
        self.line = line
        self.reason = reason
    }

    public var description: String { "line \(line): \(reason)" }
}
