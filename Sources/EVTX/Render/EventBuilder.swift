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
struct EventBuilder {
    let context: ChunkContext
    let tree: RecordTree
    let mapping: EVTXFieldMapping
    /// The caller's cache of names for `mapping`.
    let names: FieldNameCache

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
        var event = Event(origin: EventOrigin(format: "evtx", position: recordID, recovered: recovered))
        let root = tree.elements[Int(tree.root)]
        let rootName = context.names[Int(root.name)]
        var time: EventTime?
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
                        event.add(name, value)
                        if child.name == known.timeCreated && attribute.name == known.systemTime && rootName == "Event" { time = timeValue(values) }
                    }
                    let key = ChunkContext.FieldKey(kind: 2, a: root.name, b: section.name, c: child.name, d: -1)
                    if let value = fieldValue(tree.children(of: child)), let name = fieldName(key, base: path) {
                        event.add(name, value)
                    }
                }
            case "EventData":
                addAttributes(of: section, path: path, to: &event)
                addData(section, root: root.name, path: path, to: &event)
            default:
                addAttributes(of: section, path: path, to: &event)
                addLeaves(section, path: path, to: &event)
            }
        }
        event.time = time ?? writtenTime
        mapping.mappings.applyAliases(to: &event)
        return event
    }

    /// `Data` elements by their `Name`; unnamed ones gathered under `Data`.
    private func addData(_ section: RecordTree.Element, root: Int32, path: String, to event: inout Event) {
        var unnamed: [FieldValue] = []
        let known = context.wellKnownNames
        for id in tree.children(of: section) where tree.nodes[Int(id)].kind == .element {
            let child = tree.element(tree.nodes[Int(id)])
            guard child.name == known.data else {
                let key = ChunkContext.FieldKey(kind: 4, a: root, b: section.name, c: child.name, d: -1)
                if let value = fieldValue(tree.children(of: child)), let name = fieldName(key, base: path) {
                    event.set(name, value)
                }
                continue
            }
            let value = fieldValue(tree.children(of: child)) ?? .string("")
            guard let nameAttribute = tree.attributes(of: child).first(where: { tree.attributes[Int($0)].name == known.name }) else {
                unnamed.append(value)
                continue
            }
            let nameValues = tree.values(of: tree.attributes[Int(nameAttribute)])
            // A Name written as template text is the same span of the chunk in every record of
            // the template: its field name is looked up by that span, without decoding it.
            if nameValues.count == 1, tree.nodes[Int(nameValues[nameValues.startIndex])].kind == .text {
                let text = tree.nodes[Int(nameValues[nameValues.startIndex])]
                if text.b > 0 {
                    let key = ChunkContext.FieldKey(kind: 3, a: root, b: section.name, c: text.a, d: text.b)
                    if let name = fieldName(key, base: path) {
                        event.set(name, value)
                    }
                    continue
                }
            }
            if case .string(let dataName)? = fieldValue(nameValues), !dataName.isEmpty {
                if let name = fieldName(path + "." + dataName) { event.set(name, value) }
            } else {
                unnamed.append(value)
            }
        }
        if !unnamed.isEmpty, let name = fieldName(ChunkContext.FieldKey(kind: 5, a: root, b: section.name, c: -1, d: -1), base: path) {
            event.set(name, unnamed.count == 1 ? unnamed[0] : .list(unnamed))
        }
    }

    /// Leaf elements and the attributes of all elements under a section, by path. Repeated
    /// sibling names get `_1`, `_2`, ... as in the evtx crate's JSON, so that every value
    /// keeps a name of its own and both forms of a record give the same fields.
    private func addLeaves(_ element: RecordTree.Element, path: String, to event: inout Event, depth: Int = 0) {
        guard depth < 16 else { return }
        var seen: [Int32: Int] = [:]
        for id in tree.children(of: element) where tree.nodes[Int(id)].kind == .element {
            let child = tree.element(tree.nodes[Int(id)])
            let occurrence = seen[child.name, default: 0]
            seen[child.name] = occurrence + 1
            let childPath = path + "." + context.names[Int(child.name)] + (occurrence > 0 ? "_\(occurrence)" : "")
            addAttributes(of: child, path: childPath, to: &event)
            if child.hasElementChild {
                addLeaves(child, path: childPath, to: &event, depth: depth + 1)
            } else if let value = fieldValue(tree.children(of: child)), let name = fieldName(childPath) {
                event.set(name, value)
            }
        }
    }

    /// An element's attributes, as `path.#attributes.name`.
    private func addAttributes(of element: RecordTree.Element, path: String, to event: inout Event) {
        for attributeID in tree.attributes(of: element) {
            let attribute = tree.attributes[Int(attributeID)]
            let attributeName = context.names[Int(attribute.name)]
            // Namespace declarations are not data.
            guard attributeName != "xmlns" && !attributeName.hasPrefix("xmlns:"),
                let value = fieldValue(tree.values(of: attribute)), let name = fieldName(path + ".#attributes." + attributeName)
            else { continue }
            event.set(name, value)
        }
    }

    /// A typed value when the content is one integer or boolean value, else its text; nil when
    /// there is no content.
    private func fieldValue(_ nodes: ArraySlice<Int32>) -> FieldValue? {
        var contentNodes = 0
        var last: RecordTree.Node?
        for id in nodes where tree.nodes[Int(id)].kind != .element {
            contentNodes += 1
            last = tree.nodes[Int(id)]
        }
        guard contentNodes > 0, let single = last else { return nil }
        if contentNodes == 1, single.kind == .value, let typed = typedValue(single) { return typed }
        var text = ByteBuffer(capacity: 256)
        for id in nodes {
            let node = tree.nodes[Int(id)]
            switch node.kind {
            case .text, .cdata: UTF16Text.append(bytes, offset: Int(node.a), count: Int(node.b), escaping: .none, to: &text)
            case .value: ValueText.append(node, bytes, escaping: .none, to: &text)
            case .charRef: UTF16Text.appendScalar(UInt32(node.a), to: &text)
            case .entityRef: text.append(utf8: EventBuilder.entity(context.names[Int(node.a)]))
            default: continue
            }
        }
        return .string(text.withBytes { String(decoding: $0, as: UTF8.self) })
    }

    private func typedValue(_ node: RecordTree.Node) -> FieldValue? {
        let start = Int(node.a)
        guard start >= 0, start <= bytes.count - Int(node.b) else { return nil }
        let count = Int(node.b)
        switch node.type {
        case ValueType.int8 where count >= 1: return .integer(Int64(Int8(bitPattern: bytes[start])))
        case ValueType.uint8 where count >= 1: return .integer(Int64(bytes[start]))
        case ValueType.int16 where count >= 2: return .integer(Int64(Int16(bitPattern: bytes.u16(at: start))))
        case ValueType.uint16 where count >= 2: return .integer(Int64(bytes.u16(at: start)))
        case ValueType.int32 where count >= 4: return .integer(Int64(Int32(bitPattern: bytes.u32(at: start))))
        case ValueType.uint32 where count >= 4: return .integer(Int64(bytes.u32(at: start)))
        case ValueType.int64 where count >= 8: return .integer(Int64(bitPattern: bytes.u64(at: start)))
        case ValueType.uint64 where count >= 8: return .unsigned(bytes.u64(at: start))
        case ValueType.bool where count >= 1:
            return .bool(UnsafeRawBufferPointer(rebasing: bytes[start..<(start + count)]).contains { $0 != 0 })
        default: return nil
        }
    }

    private func timeValue(_ nodes: ArraySlice<Int32>) -> EventTime? {
        for id in nodes {
            let node = tree.nodes[Int(id)]
            if node.kind == .value, node.type == ValueType.fileTime, node.b >= 8, Int(node.a) <= bytes.count - 8 {
                return EventTime(fileTime: bytes.u64(at: Int(node.a)))
            }
        }
        return nil
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
