import EventLog

/// A record's `Event` compiled for its shape: the field names, which are the same for every
/// record of the shape, and where each value comes from (template text, or a substitution
/// slot and how it reads). Building an event through its plan costs decoding the values,
/// with no tree and no name lookups.
///
/// A plan is recorded by `EventBuilder` from the tree of the first record of the shape (built
/// with its slots); records whose field names come from substitution values have none. A
/// class: every record of the shape takes the plan from the registry, and a reference costs
/// one retain where a struct of arrays costs one per array.
final class EventPlan {
    /// Where a field's value comes from.
    indirect enum Source {
        /// Template text only: the same value in every record.
        case constant(FieldValue)
        /// One integer or boolean substitution value.
        case typed(slot: Int32)
        /// Text made of template text and substitution values.
        case text([TextPart])
        /// Unnamed `Data` elements.
        case list([Source])
    }

    enum TextPart {
        case fixed([UInt8])
        /// A UTF-16 string value.
        case text(slot: Int32)
        /// Any other value, as text.
        case value(slot: Int32)
    }

    /// Where the event's time comes from.
    enum TimeSource {
        /// The record header's time (no `TimeCreated`).
        case written
        case constant(EventTime)
        case slot(Int32)
    }

    let fields: [FieldName]
    let sources: [Source]
    let time: TimeSource
    let mapping: EVTXFieldMapping
    /// The `FieldNameCache` the names were resolved with: a plan serves only that cache's owner.
    let owner: ObjectIdentifier

    init(fields: [FieldName], sources: [Source], time: TimeSource, mapping: EVTXFieldMapping, owner: ObjectIdentifier) {
        self.fields = fields
        self.sources = sources
        self.time = time
        self.mapping = mapping
        self.owner = owner
    }

    /// The event of a record of this shape, whose values `scan` found.
    func event(
        _ scan: ShapeScan, _ bytes: UnsafeRawBufferPointer, recordID: UInt64, writtenTime: EventTime, recovered: Bool,
        text: inout ByteBuffer
    ) -> Event {
        var fieldList: [Field] = []
        fieldList.reserveCapacity(fields.count)
        for (name, source) in zip(fields, sources) {
            fieldList.append(Field(name: name, value: value(source, scan, bytes, text: &text)))
        }
        let eventTime: EventTime
        switch time {
        case .written: eventTime = writtenTime
        case .constant(let constant): eventTime = constant
        case .slot(let slot):
            let value = scan.values[Int(slot)]
            eventTime = Int(value.offset) <= bytes.count - 8 ? EventTime(fileTime: bytes.u64(at: Int(value.offset))) : writtenTime
        }
        var event = Event(time: eventTime, fields: fieldList, origin: EventOrigin(format: "evtx", position: recordID, recovered: recovered))
        mapping.mappings.applyAliases(to: &event)
        return event
    }

    private func value(_ source: Source, _ scan: ShapeScan, _ bytes: UnsafeRawBufferPointer, text: inout ByteBuffer) -> FieldValue {
        switch source {
        case .constant(let value):
            return value
        case .typed(let slot):
            let value = scan.values[Int(slot)]
            return EventBuilder.typedValue(value.type, at: Int(value.offset), count: Int(value.length), in: bytes) ?? .null
        case .text(let parts):
            text.removeAll()
            for part in parts {
                switch part {
                case .fixed(let fixed):
                    text.append(fixed)
                case .text(let slot):
                    let value = scan.values[Int(slot)]
                    UTF16Text.append(bytes, offset: Int(value.offset), count: Int(value.length) / 2, escaping: .none, to: &text)
                case .value(let slot):
                    let value = scan.values[Int(slot)]
                    ValueText.append(RecordTree.Node(kind: .value, type: value.type, a: value.offset, b: value.length), bytes, escaping: .none, to: &text)
                }
            }
            return .string(text.withBytes { String(decoding: $0, as: UTF8.self) })
        case .list(let items):
            return .list(items.map { value($0, scan, bytes, text: &text) })
        }
    }
}
