import EventLog

/// Reads a record's fields through its shape's `EventPlan`, decoding a value only when it is
/// asked for: the `EventFieldReader` that matching uses for EVTX records.
///
/// One per chunk scratch, pointed at each record in turn (`start`) and let go after it
/// (`finish`). The field list is the plan's, then the aliases that apply to this record
/// (worked out from its values when it starts), as `EventPlan.event` lists them. It reads the
/// plan's plain records through pointers: nothing is retained per field.
final class PlanFieldReader: EventFieldReader {
    /// The plan of the record being read; kept alive by the scratch that started the reader.
    @exclusivity(unchecked) private unowned(unsafe) var plan: EventPlan
    @exclusivity(unchecked) private var values = UnsafeBufferPointer<TreeBuilder.Value>(start: nil, count: 0)
    @exclusivity(unchecked) private var bytes = UnsafeRawBufferPointer(start: nil, count: 0)
    @exclusivity(unchecked) private var recordID: UInt64 = 0
    @exclusivity(unchecked) private var writtenTime = EventTime(fileTime: 0)
    @exclusivity(unchecked) private var recovered = false
    @exclusivity(unchecked) private var planFieldCount = 0
    /// The plan's names, then those aliases give; and for each alias the plan field it reads.
    @exclusivity(unchecked) private var names: UnsafeMutablePointer<FieldName>
    @exclusivity(unchecked) private var nameCapacity = 64
    @exclusivity(unchecked) private var nameCount = 0
    @exclusivity(unchecked) private var aliasSources: [Int] = []
    /// Room for decoding a value to compare or to make a string of.
    @exclusivity(unchecked) private var text = RenderBuffer(capacity: 1024)

    /// A plan of no fields: the reader's own, between records.
    private let empty = EventPlan(fields: [], sources: [], time: .written, mapping: .standard, owner: ObjectIdentifier(EventPlan.self))

    override init() {
        names = .allocate(capacity: nameCapacity)
        plan = empty
        super.init()
    }

    deinit { names.deallocate() }

    func start(
        _ plan: EventPlan, values: UnsafeBufferPointer<TreeBuilder.Value>, bytes: UnsafeRawBufferPointer, recordID: UInt64,
        writtenTime: EventTime, recovered: Bool
    ) {
        self.plan = plan
        self.values = values
        self.bytes = bytes
        self.recordID = recordID
        self.writtenTime = writtenTime
        self.recovered = recovered
        planFieldCount = plan.fields.count
        if planFieldCount > nameCapacity {
            names.deallocate()
            nameCapacity = planFieldCount + 64
            names = .allocate(capacity: nameCapacity)
        }
        plan.fields.withUnsafeBufferPointer { fields in
            if let first = fields.baseAddress { names.update(from: first, count: planFieldCount) }
        }
        nameCount = planFieldCount
        if !aliasSources.isEmpty { aliasSources.removeAll(keepingCapacity: true) }
        if !plan.aliasCandidates.isEmpty { addAliases(plan.aliasCandidates) }
    }

    /// Lets go of the record (its bytes are about to be reused).
    func finish() {
        plan = empty
        values = UnsafeBufferPointer(start: nil, count: 0)
        bytes = UnsafeRawBufferPointer(start: nil, count: 0)
        nameCount = 0
    }

    /// The aliases whose conditions this record meets, as `FieldMappings.applyAliases` adds
    /// them: a name that is already there is not added again.
    private func addAliases(_ aliases: [FieldMappings.Alias]) {
        for alias in aliases {
            let applies = alias.when.allSatisfy { condition in
                guard let index = index(of: condition.field) else { return false }
                text.removeAll()
                if appendText(index, to: &text) == .appended {
                    return text.withBytes { FieldMappings.equalIgnoringCase($0, condition.value) }
                }
                return FieldMappings.equalIgnoringCase(fieldValue(index).text, condition.value)
            }
            guard applies else { continue }
            for (from, to) in alias.fields where index(of: to) == nil {
                guard let source = index(of: from) else { continue }
                if nameCount == nameCapacity {
                    let grown = UnsafeMutablePointer<FieldName>.allocate(capacity: nameCapacity * 2)
                    grown.update(from: names, count: nameCount)
                    names.deallocate()
                    names = grown
                    nameCapacity *= 2
                }
                names[nameCount] = to
                nameCount += 1
                aliasSources.append(planIndex(source))
            }
        }
    }

    /// The first field of a name, as `Event.value` finds it.
    private func index(of name: FieldName) -> Int? {
        for index in 0..<nameCount where names[index] == name { return index }
        return nil
    }

    /// The plan field an index reads: itself, or the one its alias names.
    @inline(__always)
    private func planIndex(_ index: Int) -> Int {
        index < planFieldCount ? index : aliasSources[index - planFieldCount]
    }

    override var fieldNames: UnsafeBufferPointer<FieldName> { UnsafeBufferPointer(start: names, count: nameCount) }

    override func appendText(_ index: Int, to buffer: inout RenderBuffer) -> EventFieldText {
        appendText(plan.steps[planIndex(index)], to: &buffer)
    }

    override func itemCount(_ index: Int) -> Int? {
        let step = plan.steps[planIndex(index)]
        return step.kind == .list && step.partCount >= 0 ? Int(step.partCount) : nil
    }

    /// The step of item `item` of a list field whose `itemCount` is known.
    @inline(__always)
    private func itemStep(_ index: Int, _ item: Int) -> EventPlan.Step {
        plan.steps[Int(plan.steps[planIndex(index)].partStart) + item]
    }

    override func appendItemText(_ index: Int, _ item: Int, to buffer: inout RenderBuffer) -> EventFieldText {
        appendText(itemStep(index, item), to: &buffer)
    }

    override func itemUTF16Text(_ index: Int, _ item: Int) -> UnsafeRawBufferPointer? {
        utf16Text(itemStep(index, item))
    }

    override func itemValue(_ index: Int, _ item: Int) -> FieldValue {
        let step = itemStep(index, item)
        if step.kind == .typed { return typedValue(step) }
        guard case .list(let items) = plan.sources[planIndex(index)] else { return .null }
        return plan.value(items[item], values, bytes, text: &text)
    }

    private func typedValue(_ step: EventPlan.Step) -> FieldValue {
        let value = values[Int(step.partStart)]
        return EventBuilder.typedValue(value.type, at: Int(value.offset), count: Int(value.length), in: bytes) ?? .null
    }

    @inline(__always)
    private func appendText(_ step: EventPlan.Step, to buffer: inout RenderBuffer) -> EventFieldText {
        switch step.kind {
        case .text:
            let parts = plan.parts + Int(step.partStart)
            for offset in 0..<Int(step.partCount) {
                let part = parts[offset]
                switch part.part {
                case EventPlan.PartStep.fixed:
                    buffer.append(UnsafeRawBufferPointer(start: plan.pool + Int(part.a), count: Int(part.b)))
                case EventPlan.PartStep.text:
                    let value = values[Int(part.a)]
                    UTF16Text.append(bytes, offset: Int(value.offset), count: Int(value.length) / 2, escaping: .none, to: &buffer)
                default:
                    let value = values[Int(part.a)]
                    ValueText.append(
                        RecordTree.Node(kind: .value, type: value.type, a: value.offset, b: value.length), bytes, escaping: .none, to: &buffer)
                }
            }
            return .appended
        case .constantText:
            buffer.append(UnsafeRawBufferPointer(start: plan.pool + Int(step.poolStart), count: Int(step.poolCount)))
            return .appended
        case .list:
            return .list
        case .typed, .value:
            return .value
        }
    }

    override var fieldTextKinds: UnsafePointer<FieldTextKind>? {
        // Aliases (few records have them) are asked for field by field.
        guard aliasSources.isEmpty else { return nil }
        if let kinds = plan.textKinds { return UnsafePointer(kinds) }
        let kinds = UnsafeMutablePointer<FieldTextKind>.allocate(capacity: max(1, planFieldCount))
        for index in 0..<planFieldCount {
            kinds[index] = textIsFormatted(index) ? .formatted : utf16Part(index) != nil ? .utf16 : .other
        }
        plan.textKinds = kinds
        return UnsafePointer(kinds)
    }

    /// The one UTF-16 string part a field's (or an item's) text is, if it is one.
    @inline(__always)
    private func utf16Part(_ step: EventPlan.Step) -> EventPlan.PartStep? {
        guard step.kind == .text, step.partCount == 1 else { return nil }
        let part = plan.parts[Int(step.partStart)]
        return part.part == EventPlan.PartStep.text ? part : nil
    }

    @inline(__always)
    private func utf16Part(_ index: Int) -> EventPlan.PartStep? { utf16Part(plan.steps[planIndex(index)]) }

    override func utf16Text(_ index: Int) -> UnsafeRawBufferPointer? { utf16Text(plan.steps[planIndex(index)]) }

    @inline(__always)
    private func utf16Text(_ step: EventPlan.Step) -> UnsafeRawBufferPointer? {
        guard let part = utf16Part(step) else { return nil }
        let value = values[Int(part.a)]
        // The units `UTF16Text.append` would decode.
        let offset = Int(value.offset)
        let units = min(Int(value.length) / 2, max(0, (bytes.count - offset) / 2))
        guard offset >= 0, units > 0 else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        return UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + units * 2)])
    }

    override func textIsFormatted(_ index: Int) -> Bool {
        let step = plan.steps[planIndex(index)]
        // An integer or a boolean.
        if step.kind == .typed { return true }
        guard step.kind == .text else { return false }
        let parts = plan.parts + Int(step.partStart)
        for offset in 0..<Int(step.partCount) {
            let part = parts[offset]
            guard part.part == EventPlan.PartStep.value else { return false }
            // `ValueText` writes every other type as numbers, times, SIDs or hexadecimal.
            let type = values[Int(part.a)].type & ~ValueType.arrayFlag
            if type == ValueType.string || type == ValueType.ansiString { return false }
        }
        return true
    }

    override func fieldValue(_ index: Int) -> FieldValue {
        let step = plan.steps[planIndex(index)]
        if step.kind == .typed { return typedValue(step) }
        return plan.value(plan.sources[planIndex(index)], values, bytes, text: &text)
    }

    override var time: EventTime? { plan.time(values, bytes, writtenTime: writtenTime) }

    override var position: UInt64 { recordID }

    override var format: String { "evtx" }

    override func event() -> Event {
        plan.event(values, bytes, recordID: recordID, writtenTime: writtenTime, recovered: recovered, text: &text)
    }
}
