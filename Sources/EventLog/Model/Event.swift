/// One event from any evidence source (an EVTX record, a JSON line, a Zeek or CSV row), with
/// its fields under the names Sigma rules use.
///
/// Fields are a short list of (interned name, value) pairs: looking one up compares integers.
/// A name may occur once; readers resolve clashes (EventData wins over System on Windows, as
/// Sigma tooling does). It does not keep the source's full structure: `vigil dump` renders EVTX
/// records from the parser's tree, not from events.
public struct Event: Sendable, Hashable {
    /// When the event happened, if the source says.
    public var time: EventTime?
    public var fields: [Field]
    /// Where the event came from.
    public var origin: EventOrigin

    public init(time: EventTime? = nil, fields: [Field] = [], origin: EventOrigin = EventOrigin()) {
        self.time = time
        self.fields = fields
        self.origin = origin
    }

    /// The value of a field, if present.
    @inline(__always)
    public func value(_ name: FieldName) -> FieldValue? {
        for field in fields where field.name == name { return field.value }
        return nil
    }

    public subscript(_ name: FieldName) -> FieldValue? { value(name) }

    /// Sets a field, replacing an existing one of the same name.
    public mutating func set(_ name: FieldName, _ value: FieldValue) {
        if let index = fields.firstIndex(where: { $0.name == name }) {
            fields[index].value = value
        } else {
            fields.append(Field(name: name, value: value))
        }
    }

    /// Adds a field unless one of the same name is already there.
    public mutating func add(_ name: FieldName, _ value: FieldValue) {
        if !fields.contains(where: { $0.name == name }) { fields.append(Field(name: name, value: value)) }
    }
}

/// A named value of an event.
public struct Field: Sendable, Hashable {
    public var name: FieldName
    public var value: FieldValue

    public init(name: FieldName, value: FieldValue) {
        self.name = name
        self.value = value
    }
}

/// Where an event was read: which source, at which record or line.
public struct EventOrigin: Sendable, Hashable {
    /// The reader's format (`evtx`, `jsonl-evtx`, `jsonl-flat`, `winlogbeat`, `zeek-json`, ...).
    public var format: String
    /// The EVTX record identifier, or the 1-based line number of a text source.
    public var position: UInt64
    /// Whether the record was recovered from slack space rather than read from the record list.
    public var recovered: Bool

    public init(format: String = "", position: UInt64 = 0, recovered: Bool = false) {
        self.format = format
        self.position = position
        self.recovered = recovered
    }
}
