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
        /// A FILETIME value.
        case slot(Int32)
        /// A string value holding a time as text.
        case textSlot(Int32)
    }

    let fields: [FieldName]
    let sources: [Source]
    let time: TimeSource
    let mapping: EVTXFieldMapping
    /// The mapping's aliases that can apply to records of this shape, in the mapping's order.
    let aliasCandidates: [FieldMappings.Alias]
    /// The `FieldNameCache` the names were resolved with: a plan serves only that cache's owner.
    let owner: ObjectIdentifier

    /// The sources again as plain records in memory of the plan's own (`steps`, `parts`,
    /// fixed bytes in `pool`): what `PlanFieldReader` reads for every record,
    /// with no reference counting on the way (each enum payload and array would cost a
    /// retain and a release per read).
    let steps: UnsafeMutablePointer<Step>
    let parts: UnsafeMutablePointer<PartStep>
    let pool: UnsafeMutablePointer<UInt8>

    struct Step {
        enum Kind: UInt8 {
            /// Text from `parts[partStart..<partStart + partCount]`.
            case text
            /// A constant string: `pool[poolStart..<poolStart + poolCount]`.
            case constantText
            /// One integer or boolean substitution value, in slot `partStart`.
            case typed
            /// A list of substitution values: its items' steps are `steps[partStart..<partStart + partCount]`
            /// (after the fields' steps); `partCount` -1 for a constant list.
            case list
            /// Any other constant: read through `sources`.
            case value
        }

        var kind: Kind
        var partStart: Int32 = 0
        var partCount: Int32 = 0
        var poolStart: Int32 = 0
        var poolCount: Int32 = 0
    }

    struct PartStep {
        var part: UInt8
        /// The slot (text, value) or the start in `pool` (fixed).
        var a: Int32
        /// The count of fixed bytes.
        var b: Int32 = 0

        static let fixed: UInt8 = 0, text: UInt8 = 1, value: UInt8 = 2
    }

    init(fields: [FieldName], sources: [Source], time: TimeSource, mapping: EVTXFieldMapping, owner: ObjectIdentifier) {
        self.fields = fields
        self.sources = sources
        self.time = time
        self.mapping = mapping
        self.owner = owner
        // An alias whose condition fields or source fields the shape cannot have (not among
        // its fields nor added by an alias) never applies to its records: most shapes have none.
        let aliases = mapping.mappings.aliases
        let possible = Set(fields).union(aliases.flatMap { $0.fields.map(\.to) })
        aliasCandidates = aliases.filter { alias in
            alias.when.allSatisfy { possible.contains($0.field) } && alias.fields.contains { possible.contains($0.from) }
        }
        var steps: [Step] = []
        var parts: [PartStep] = []
        var pool: [UInt8] = []
        func step(_ source: Source) -> Step {
            switch source {
            case .text(let textParts):
                let step = Step(kind: .text, partStart: Int32(parts.count), partCount: Int32(textParts.count))
                for part in textParts {
                    switch part {
                    case .fixed(let bytes):
                        parts.append(PartStep(part: PartStep.fixed, a: Int32(pool.count), b: Int32(bytes.count)))
                        pool += bytes
                    case .text(let slot): parts.append(PartStep(part: PartStep.text, a: slot))
                    case .value(let slot): parts.append(PartStep(part: PartStep.value, a: slot))
                    }
                }
                return step
            case .constant(.string(let string)):
                defer { pool += Array(string.utf8) }
                return Step(kind: .constantText, poolStart: Int32(pool.count), poolCount: Int32(string.utf8.count))
            case .typed(let slot):
                return Step(kind: .typed, partStart: slot)
            case .list, .constant(.list):
                return Step(kind: .list, partCount: -1)
            default:
                return Step(kind: .value)
            }
        }
        steps = sources.map(step)
        // The items of lists, after the fields: nested lists and constants other than strings
        // are left to `sources`.
        for (index, source) in sources.enumerated() {
            guard case .list(let items) = source else { continue }
            steps[index].partStart = Int32(steps.count)
            steps[index].partCount = Int32(items.count)
            for item in items {
                if case .list = item { steps.append(Step(kind: .value)) } else { steps.append(step(item)) }
            }
        }
        self.steps = .allocate(capacity: max(1, steps.count))
        self.steps.initialize(from: steps, count: steps.count)
        self.parts = .allocate(capacity: max(1, parts.count))
        self.parts.initialize(from: parts, count: parts.count)
        self.pool = .allocate(capacity: max(1, pool.count))
        self.pool.initialize(from: pool, count: pool.count)
    }

    /// Each field's `FieldTextKind`, made by the first reader that is asked for them: the
    /// same for every record of the plan's shape, whose key holds each value's type. A plan
    /// belongs to one thread's chunk context, so no lock is needed.
    var textKinds: UnsafeMutablePointer<FieldTextKind>?

    deinit {
        steps.deallocate()
        parts.deallocate()
        pool.deallocate()
        textKinds?.deallocate()
    }

    /// The event of a record of this shape, whose substitution values are `values` (the shape
    /// scan's).
    func event(
        _ values: UnsafeBufferPointer<TreeBuilder.Value>, _ bytes: UnsafeRawBufferPointer, recordID: UInt64, writtenTime: EventTime,
        recovered: Bool, text: inout RenderBuffer
    ) -> Event {
        var fieldList: [Field] = []
        fieldList.reserveCapacity(fields.count)
        for (name, source) in zip(fields, sources) {
            fieldList.append(Field(name: name, value: value(source, values, bytes, text: &text)))
        }
        var event = Event(
            time: time(values, bytes, writtenTime: writtenTime), fields: fieldList,
            origin: EventOrigin(format: "evtx", position: recordID, recovered: recovered))
        mapping.mappings.applyAliases(to: &event)
        return event
    }

    /// The time of a record of this shape.
    func time(_ values: UnsafeBufferPointer<TreeBuilder.Value>, _ bytes: UnsafeRawBufferPointer, writtenTime: EventTime) -> EventTime {
        switch time {
        case .written: return writtenTime
        case .constant(let constant): return constant
        case .slot(let slot):
            let value = values[Int(slot)]
            return Int(value.offset) <= bytes.count - 8 ? EventTime(fileTime: bytes.u64(at: Int(value.offset))) : writtenTime
        case .textSlot(let slot):
            let value = values[Int(slot)]
            let start = Int(value.offset)
            let units = max(0, min(Int(value.length), bytes.count - start) / 2)
            guard start >= 0, units > 0 else { return writtenTime }
            return EventTime(parsing: UTF16Text.string(bytes, offset: start, count: units)) ?? writtenTime
        }
    }

    /// A field's value.
    func value(_ source: Source, _ values: UnsafeBufferPointer<TreeBuilder.Value>, _ bytes: UnsafeRawBufferPointer, text: inout RenderBuffer) -> FieldValue {
        switch source {
        case .constant(let value):
            return value
        case .typed(let slot):
            let value = values[Int(slot)]
            return EventBuilder.typedValue(value.type, at: Int(value.offset), count: Int(value.length), in: bytes) ?? .null
        case .text(let parts):
            text.removeAll()
            appendText(parts, values, bytes, to: &text)
            return .string(text.withBytes { String(decoding: $0, as: UTF8.self) })
        case .list(let items):
            return .list(items.map { value($0, values, bytes, text: &text) })
        }
    }

    /// Appends the text a `.text` source's parts make.
    func appendText(_ parts: [TextPart], _ values: UnsafeBufferPointer<TreeBuilder.Value>, _ bytes: UnsafeRawBufferPointer, to text: inout RenderBuffer) {
        for part in parts {
            switch part {
            case .fixed(let fixed):
                text.append(fixed)
            case .text(let slot):
                let value = values[Int(slot)]
                UTF16Text.append(bytes, offset: Int(value.offset), count: Int(value.length) / 2, escaping: .none, to: &text)
            case .value(let slot):
                let value = values[Int(slot)]
                ValueText.append(RecordTree.Node(kind: .value, type: value.type, a: value.offset, b: value.length), bytes, escaping: .none, to: &text)
            }
        }
    }
}
