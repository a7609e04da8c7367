import EventLog

/// The `evtx` form of a field mapping.
public struct EVTXFieldMapping: Sendable {
    public let mappings: FieldMappings
    let form: FieldMappings.Form

    public init(_ mappings: FieldMappings) {
        self.mappings = mappings
        form = mappings.form("evtx")
    }

    public static let standard = EVTXFieldMapping(.standard)
}

/// Turns a record tree into an `Event`: System elements and attributes, `EventData` fields
/// (named `Data` by their `Name`), `UserData` leaves, named by the mapping's `evtx` form.
/// When a name occurs twice, EventData wins over System, as Sigma tooling does.
///
/// With `recording`, it also notes where each field's value came from (template text or
/// which substitution slot), which is the `EventPlan` of every record of the same shape.
struct EventBuilder {
    let context: ChunkContext
    let tree: RecordTree
    let mapping: EVTXFieldMapping
    /// The caller's cache of names for `mapping`.
    let names: FieldNameCache
    var recording = false

    /// An event being built, with the sources of its values when recording.
    private struct Draft {
        var event: Event
        var sources: [EventPlan.Source] = []
        var time: EventTime?
        var timeSource: EventPlan.TimeSource = .written
        /// False when a field's name came from a substitution value: records of the shape
        /// then differ in their field names, and no plan holds for them.
        var plannable = true

        /// Adds a field unless one of the same name is there (`replacing`: replaces it).
        mutating func put(_ name: FieldName, _ value: Valued, replacing: Bool) {
            if let index = event.fields.firstIndex(where: { $0.name == name }) {
                guard replacing else { return }
                event.fields[index].value = value.value
                if let source = value.source { sources[index] = source }
            } else {
                event.fields.append(Field(name: name, value: value.value))
                if let source = value.source { sources.append(source) }
            }
        }
    }

    /// A value, and where it came from when recording.
    private struct Valued {
        var value: FieldValue
        var source: EventPlan.Source?
    }

    /// The field name of a path, or nil when the mapping drops the field.
    private func fieldName(_ path: String) -> FieldName? {
        names.resolve(path, in: mapping.form).name
    }

    /// The field name of the place `key` identifies in this chunk, under the section path
    /// `base`; the full path is built only the first time the chunk meets the key. (No closure
    /// here: capturing `self` copied the builder, retains and all, for every field.)
    private func fieldName(_ key: ChunkContext.FieldKey, base: String) -> FieldName? {
        let owner = ObjectIdentifier(names)
        if context.fieldNamesOwner != owner {
            context.fieldNames.removeAll(keepingCapacity: true)
            context.fieldNamesOwner = owner
        }
        if let known = context.fieldNames[key] { return known }
        let path: String
        switch key.kind {
        case 1: path = base + "." + context.names[Int(key.c)] + ".#attributes." + context.names[Int(key.d)]
        case 3: path = base + "." + UTF16Text.string(bytes, offset: Int(key.c), count: Int(key.d))
        case 5: path = base + ".Data.#text"
        default: path = base + "." + context.names[Int(key.c)]
        }
        let name = fieldName(path)
        context.fieldNames[key] = name
        return name
    }

    private var bytes: UnsafeRawBufferPointer { context.bytes }

    func event(recordID: UInt64, writtenTime: EventTime, recovered: Bool) -> Event {
        let draft = build(recordID: recordID, recovered: recovered)
        var event = draft.event
        event.time = draft.time ?? writtenTime
        mapping.mappings.applyAliases(to: &event)
        return event
    }

    /// The event, and the plan of the record's shape when the tree was built with its slots
    /// and every field name is fixed by the template.
    func eventAndPlan(recordID: UInt64, writtenTime: EventTime, recovered: Bool) -> (Event, EventPlan?) {
        var builder = self
        builder.recording = true
        let draft = builder.build(recordID: recordID, recovered: recovered)
        var event = draft.event
        event.time = draft.time ?? writtenTime
        let plan = draft.plannable && draft.sources.count == draft.event.fields.count
            ? EventPlan(fields: draft.event.fields.map(\.name), sources: draft.sources, time: draft.timeSource, mapping: mapping, owner: ObjectIdentifier(names))
            : nil
        mapping.mappings.applyAliases(to: &event)
        return (event, plan)
    }

    private func build(recordID: UInt64, recovered: Bool) -> Draft {
        var draft = Draft(event: Event(origin: EventOrigin(format: "evtx", position: recordID, recovered: recovered)))
        let root = tree.elements[Int(tree.root)]
        let rootName = context.names[Int(root.name)]
        let known = context.wellKnownNames
        for id in tree.children(of: root) where tree.nodes[Int(id)].kind == .element {
            let section = tree.element(tree.nodes[Int(id)])
            let sectionName = context.names[Int(section.name)]
            let path = rootName + "." + sectionName
            switch sectionName {
            case "System":
                for childID in tree.children(of: section) where tree.nodes[Int(childID)].kind == .element {
                    let child = tree.element(tree.nodes[Int(childID)])
                    for attributeID in tree.attributes(of: child) {
                        let attribute = tree.attributes[Int(attributeID)]
                        let values = tree.values(of: attribute)
                        guard let value = fieldValue(values) else { continue }
                        let key = ChunkContext.FieldKey(kind: 1, a: root.name, b: section.name, c: child.name, d: attribute.name)
                        guard let name = fieldName(key, base: path) else { continue }
                        draft.put(name, value, replacing: false)
                        if child.name == known.timeCreated && attribute.name == known.systemTime && rootName == "Event" {
                            let (time, source) = time(values)
                            draft.time = time
                            if let source { draft.timeSource = source } else { draft.plannable = false }
                        }
                    }
                    let key = ChunkContext.FieldKey(kind: 2, a: root.name, b: section.name, c: child.name, d: -1)
                    if let value = fieldValue(tree.children(of: child)), let name = fieldName(key, base: path) {
                        draft.put(name, value, replacing: false)
                    }
                }
            case "EventData":
                addAttributes(of: section, path: path, to: &draft)
                addData(section, root: root.name, path: path, to: &draft)
            default:
                addAttributes(of: section, path: path, to: &draft)
                addLeaves(section, path: path, to: &draft)
            }
        }
        return draft
    }

    /// `Data` elements by their `Name`; unnamed ones gathered under `Data`.
    private func addData(_ section: RecordTree.Element, root: Int32, path: String, to draft: inout Draft) {
        var unnamed: [Valued] = []
        let known = context.wellKnownNames
        for id in tree.children(of: section) where tree.nodes[Int(id)].kind == .element {
            let child = tree.element(tree.nodes[Int(id)])
            guard child.name == known.data else {
                let key = ChunkContext.FieldKey(kind: 4, a: root, b: section.name, c: child.name, d: -1)
                if let value = fieldValue(tree.children(of: child)), let name = fieldName(key, base: path) {
                    draft.put(name, value, replacing: true)
                }
                continue
            }
            let value = fieldValue(tree.children(of: child)) ?? Valued(value: .string(""), source: recording ? .constant(.string("")) : nil)
            guard let nameAttribute = tree.attributes(of: child).first(where: { tree.attributes[Int($0)].name == known.name }) else {
                unnamed.append(value)
                continue
            }
            let nameValues = tree.values(of: tree.attributes[Int(nameAttribute)])
            if recording && nameValues.contains(where: { tree.nodes[Int($0)].slot >= 0 }) { draft.plannable = false }
            // A Name written as template text is the same span of the chunk in every record of
            // the template: its field name is looked up by that span, without decoding it.
            if nameValues.count == 1, tree.nodes[Int(nameValues[nameValues.startIndex])].kind == .text {
                let text = tree.nodes[Int(nameValues[nameValues.startIndex])]
                if text.b > 0 {
                    let key = ChunkContext.FieldKey(kind: 3, a: root, b: section.name, c: text.a, d: text.b)
                    if let name = fieldName(key, base: path) {
                        draft.put(name, value, replacing: true)
                    }
                    continue
                }
            }
            if case .string(let dataName)? = fieldValue(nameValues)?.value, !dataName.isEmpty {
                if let name = fieldName(path + "." + dataName) { draft.put(name, value, replacing: true) }
            } else {
                unnamed.append(value)
            }
        }
        if !unnamed.isEmpty, let name = fieldName(ChunkContext.FieldKey(kind: 5, a: root, b: section.name, c: -1, d: -1), base: path) {
            if unnamed.count == 1 {
                draft.put(name, unnamed[0], replacing: true)
            } else {
                let sources = unnamed.compactMap(\.source)
                draft.put(name, Valued(value: .list(unnamed.map(\.value)), source: recording ? .list(sources) : nil), replacing: true)
            }
        }
    }

    /// Leaf elements and the attributes of all elements under a section, by path. Repeated
    /// sibling names get `_1`, `_2`, ... as in the evtx crate's JSON, so that every value
    /// keeps a name of its own and both forms of a record give the same fields.
    private func addLeaves(_ element: RecordTree.Element, path: String, to draft: inout Draft, depth: Int = 0) {
        guard depth < 16 else { return }
        var seen: [Int32: Int] = [:]
        for id in tree.children(of: element) where tree.nodes[Int(id)].kind == .element {
            let child = tree.element(tree.nodes[Int(id)])
            let occurrence = seen[child.name, default: 0]
            seen[child.name] = occurrence + 1
            let childPath = path + "." + context.names[Int(child.name)] + (occurrence > 0 ? "_\(occurrence)" : "")
            addAttributes(of: child, path: childPath, to: &draft)
            if child.hasElementChild {
                addLeaves(child, path: childPath, to: &draft, depth: depth + 1)
            } else if let value = fieldValue(tree.children(of: child)), let name = fieldName(childPath) {
                draft.put(name, value, replacing: true)
            }
        }
    }

    /// An element's attributes, as `path.#attributes.name`.
    private func addAttributes(of element: RecordTree.Element, path: String, to draft: inout Draft) {
        for attributeID in tree.attributes(of: element) {
            let attribute = tree.attributes[Int(attributeID)]
            let attributeName = context.names[Int(attribute.name)]
            // Namespace declarations are not data.
            guard attributeName != "xmlns" && !attributeName.hasPrefix("xmlns:"),
                let value = fieldValue(tree.values(of: attribute)), let name = fieldName(path + ".#attributes." + attributeName)
            else { continue }
            draft.put(name, value, replacing: true)
        }
    }

    /// A typed value when the content is one integer or boolean value, else its text; nil when
    /// there is no content. When recording, also where it came from.
    private func fieldValue(_ nodes: ArraySlice<Int32>) -> Valued? {
        var contentNodes = 0
        var last: RecordTree.Node?
        for id in nodes where tree.nodes[Int(id)].kind != .element {
            contentNodes += 1
            last = tree.nodes[Int(id)]
        }
        guard contentNodes > 0, let single = last else { return nil }
        if contentNodes == 1, single.kind == .value, let typed = EventBuilder.typedValue(single.type, at: Int(single.a), count: Int(single.b), in: bytes) {
            return Valued(value: typed, source: recording ? (single.slot >= 0 ? .typed(slot: single.slot) : .constant(typed)) : nil)
        }
        var text = RenderBuffer(capacity: 256)
        var parts: [EventPlan.TextPart] = []
        var fixedStart = 0
        for id in nodes {
            let node = tree.nodes[Int(id)]
            if recording && node.slot >= 0 && node.kind != .element {
                // The template text so far is fixed; this value's text differs per record.
                if text.count > fixedStart { parts.append(.fixed(text.withBytes { Array($0[fixedStart...]) })) }
                parts.append(node.kind == .value ? .value(slot: node.slot) : .text(slot: node.slot))
                EventBuilder.appendText(node, bytes: bytes, names: context.names, to: &text)
                fixedStart = text.count
                continue
            }
            EventBuilder.appendText(node, bytes: bytes, names: context.names, to: &text)
        }
        let value = FieldValue.string(text.withBytes { String(decoding: $0, as: UTF8.self) })
        guard recording else { return Valued(value: value, source: nil) }
        if parts.isEmpty { return Valued(value: value, source: .constant(value)) }
        if text.count > fixedStart { parts.append(.fixed(text.withBytes { Array($0[fixedStart...]) })) }
        return Valued(value: value, source: .text(parts))
    }

    /// Appends a content node's text (elements and processing instructions have none here).
    static func appendText(_ node: RecordTree.Node, bytes: UnsafeRawBufferPointer, names: [String], to text: inout RenderBuffer) {
        switch node.kind {
        case .text, .cdata: UTF16Text.append(bytes, offset: Int(node.a), count: Int(node.b), escaping: .none, to: &text)
        case .value: ValueText.append(node, bytes, escaping: .none, to: &text)
        case .charRef: UTF16Text.appendScalar(UInt32(node.a), to: &text)
        case .entityRef: text.append(utf8: EventBuilder.entity(names[Int(node.a)]))
        default: break
        }
    }

    /// An integer or boolean value of `type` at `start`, or nil for other types (or a value
    /// too short for its type).
    static func typedValue(_ type: UInt8, at start: Int, count: Int, in bytes: UnsafeRawBufferPointer) -> FieldValue? {
        guard start >= 0, count >= 0, start <= bytes.count - count else { return nil }
        switch type {
        case ValueType.int8 where count >= 1: return .integer(Int64(Int8(bitPattern: bytes[start])))
        case ValueType.uint8 where count >= 1: return .integer(Int64(bytes[start]))
        case ValueType.int16 where count >= 2: return .integer(Int64(Int16(bitPattern: bytes.u16(at: start))))
        case ValueType.uint16 where count >= 2: return .integer(Int64(bytes.u16(at: start)))
        case ValueType.int32 where count >= 4: return .integer(Int64(Int32(bitPattern: bytes.u32(at: start))))
        case ValueType.uint32 where count >= 4: return .integer(Int64(bytes.u32(at: start)))
        case ValueType.int64 where count >= 8: return .integer(Int64(bitPattern: bytes.u64(at: start)))
        case ValueType.uint64 where count >= 8: return .unsigned(bytes.u64(at: start))
        case ValueType.bool where count >= 1:
            switch ValueType.boolValue(UnsafeRawBufferPointer(rebasing: bytes[start..<(start + count)])) {
            case .bool(let value): return .bool(value)
            case .integer(let raw): return .integer(raw)
            }
        default: return nil
        }
    }

    /// The record's time, the first FILETIME value among `nodes` or else their text read as a
    /// time (a record written without a template has `SystemTime` as text), and where it came
    /// from; nil for the source when a plan could not say (text made of several values).
    private func time(_ nodes: ArraySlice<Int32>) -> (EventTime?, EventPlan.TimeSource?) {
        for id in nodes {
            let node = tree.nodes[Int(id)]
            if node.kind == .value, node.type == ValueType.fileTime, node.b >= 8, Int(node.a) <= bytes.count - 8 {
                let time = EventTime(fileTime: bytes.u64(at: Int(node.a)))
                return (time, node.slot >= 0 ? .slot(node.slot) : .constant(time))
            }
        }
        guard case .string(let text)? = fieldValue(nodes)?.value, let time = EventTime(parsing: text) else { return (nil, .written) }
        let slots = nodes.map { tree.nodes[Int($0)].slot }.filter { $0 >= 0 }
        if slots.isEmpty { return (time, .constant(time)) }
        if slots.count == 1, nodes.count == 1, tree.nodes[Int(nodes[nodes.startIndex])].kind == .text { return (time, .textSlot(slots[0])) }
        return (time, nil)
    }

    static func entity(_ name: String) -> String {
        switch name {
        case "lt": return "<"
        case "gt": return ">"
        case "amp": return "&"
        case "quot": return "\""
        case "apos": return "'"
        default: return "&\(name);"
        }
    }
}
