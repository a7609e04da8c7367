import EventLog

/// Renders a record tree as JSON in the shape the `evtx` crate (`evtx_dump -o jsonl`, the
/// parser behind Chainsaw and Hayabusa) gives, so that users can diff the two:
///
/// - an element is `null` when empty, its value when it only has text (a number when the
///   text is one integer or boolean value), else an object with `#attributes` (attributes
///   that have text), `#text` and one key per child element, repeated names suffixed
///   `_1`, `_2`, ...;
/// - inside `EventData` and `UserData`, `<Data Name="X">v</Data>` becomes `"X": v` (an empty
///   value is `""`), and unnamed `Data` elements become `"Data": {"#text": v or [v, ...]}`.
struct JSONRenderer {
    private let tree: TreeView
    private let names: NameView
    private let bytes: UnsafeRawBufferPointer
    private let dataName: Int32
    private let nameName: Int32
    private let eventDataName: Int32
    private let userDataName: Int32
    /// Writing a plan: content from substitution values is written as slot markers.
    private let recording: Bool

    /// Up to this many distinct child names are tracked for `_N` suffixes, as the crate does.
    static let maximumUniqueNames = 64

    /// Renders `{"Event": ...}` for a record. With `recording`, the output is a plan's text:
    /// content from substitution values becomes `JSONPlan` slot markers.
    static func render(context: ChunkContext, tree: RecordTree, recording: Bool = false, to output: inout RenderBuffer) {
        tree.withView { view in
            context.withNames { names in
                JSONRenderer(context: context, tree: view, names: names, recording: recording).render(to: &output)
            }
        }
    }

    private init(context: ChunkContext, tree: TreeView, names: NameView, recording: Bool) {
        self.recording = recording
        self.tree = tree
        self.names = names
        bytes = context.bytes
        let known = context.wellKnownNames
        dataName = known.data
        nameName = known.name
        eventDataName = known.eventData
        userDataName = known.userData
    }

    private func render(to output: inout RenderBuffer) {
        let root = tree.elements[Int(tree.root)]
        output.append(UInt8(ascii: "{"), UInt8(ascii: "\""))
        output.append(names.utf8(root.name))
        output.append(UInt8(ascii: "\""), UInt8(ascii: ":"))
        elementValue(root, isDataContainer: false, to: &output)
        output.append(UInt8(ascii: "}"))
    }

    // MARK: Content tests

    @inline(__always)
    private func hasText(_ nodes: UnsafeBufferPointer<Int32>) -> Bool {
        for id in nodes {
            let node = tree.nodes[Int(id)]
            switch node.kind {
            case .text, .cdata: if node.b > 0 { return true }
            case .value, .charRef, .entityRef: return true
            default: continue
            }
        }
        return false
    }

    private func attributesHaveText(_ element: RecordTree.Element) -> Bool {
        for id in tree.attributes(of: element) where hasText(tree.values(of: tree.attributes[Int(id)])) { return true }
        return false
    }

    // MARK: Values

    private func elementValue(_ element: RecordTree.Element, isDataContainer: Bool, to output: inout RenderBuffer) {
        let children = tree.children(of: element)
        let text = hasText(children)
        let attributeText = attributesHaveText(element)
        if !element.hasElementChild && !text && !attributeText {
            output.append("null")
        } else if !element.hasElementChild && !attributeText {
            contentValue(children, skipElements: false, to: &output)
        } else {
            body(element, isDataContainer: isDataContainer, to: &output)
        }
    }

    /// A number or boolean when the content is exactly one such value, else a string.
    private func contentValue(_ nodes: UnsafeBufferPointer<Int32>, skipElements: Bool, to output: inout RenderBuffer) {
        var single: RecordTree.Node?
        var count = 0
        for id in nodes {
            let node = tree.nodes[Int(id)]
            if skipElements && node.kind == .element { continue }
            count += 1
            single = node
        }
        if count == 1, let node = single, node.kind == .value, ValueType.isNumeric(node.type),
            Int(node.b) == ValueType.itemSize(node.type)
        {
            if recording && node.slot >= 0 {
                JSONPlan.marker(.number, slot: node.slot, to: &output)
                return
            }
            let start = Int(node.a)
            let end = min(start + Int(node.b), bytes.count)
            ValueText.scalar(node.type, UnsafeRawBufferPointer(rebasing: bytes[min(start, end)..<end]), escaping: .json, to: &output)
            return
        }
        output.append(UInt8(ascii: "\""))
        text(nodes, to: &output)
        output.append(UInt8(ascii: "\""))
    }

    /// The concatenated text of content nodes (elements skipped), JSON-escaped.
    private func text(_ nodes: UnsafeBufferPointer<Int32>, to output: inout RenderBuffer) {
        for id in nodes {
            let node = tree.nodes[Int(id)]
            if recording && node.slot >= 0 {
                JSONPlan.marker(node.kind == .value ? .value : .text, slot: node.slot, to: &output)
                continue
            }
            switch node.kind {
            case .text, .cdata:
                UTF16Text.appendJSON(bytes, offset: Int(node.a), count: Int(node.b), to: &output)
            case .value:
                ValueText.append(node, bytes, escaping: .json, to: &output)
            case .charRef:
                output.append(UInt8(ascii: "&"), UInt8(ascii: "#"))
                ValueText.decimal(UInt64(node.a), to: &output)
                output.append(UInt8(ascii: ";"))
            case .entityRef:
                // The five XML entities are characters in JSON (as the crate writes them); any
                // other stays a reference.
                let name = names.utf8(node.a)
                if let character = JSONRenderer.predefinedEntity(name) {
                    UTF16Text.appendASCII(character, escaping: .json, to: &output)
                } else {
                    output.append(UInt8(ascii: "&"))
                    output.append(name)
                    output.append(UInt8(ascii: ";"))
                }
            case .element, .piTarget, .piData:
                continue
            }
        }
    }

    /// The character of a predefined XML entity (`lt`, `gt`, `amp`, `quot`, `apos`).
    static func predefinedEntity(_ name: UnsafeRawBufferPointer) -> UInt8? {
        switch String(decoding: name, as: UTF8.self) {
        case "lt": return UInt8(ascii: "<")
        case "gt": return UInt8(ascii: ">")
        case "amp": return UInt8(ascii: "&")
        case "quot": return UInt8(ascii: "\"")
        case "apos": return UInt8(ascii: "'")
        default: return nil
        }
    }

    private func key(_ name: Int32, suffix: Int, to output: inout RenderBuffer) {
        output.append(UInt8(ascii: "\""))
        for byte in names.utf8(name) { UTF16Text.appendASCII(byte, escaping: .json, to: &output) }
        if suffix > 0 {
            output.append(UInt8(ascii: "_"))
            ValueText.decimal(UInt64(suffix), to: &output)
        }
        output.append(UInt8(ascii: "\""), UInt8(ascii: ":"))
    }

    /// The `Name` attribute's value nodes of a `Data` element.
    private func nameAttribute(_ element: RecordTree.Element) -> UnsafeBufferPointer<Int32>? {
        for id in tree.attributes(of: element) {
            let attribute = tree.attributes[Int(id)]
            if attribute.name == nameName { return tree.values(of: attribute) }
        }
        return nil
    }

    private func dataValue(_ element: RecordTree.Element, to output: inout RenderBuffer) {
        let children = tree.children(of: element)
        if !element.hasElementChild && !hasText(children) {
            output.append(UInt8(ascii: "\""), UInt8(ascii: "\""))
        } else if element.hasElementChild {
            // The Name became the key, so it is not repeated among the attributes.
            body(element, isDataContainer: false, omittingAttribute: nameName, to: &output)
        } else {
            contentValue(children, skipElements: false, to: &output)
        }
    }

    private func body(_ element: RecordTree.Element, isDataContainer: Bool, omittingAttribute omitted: Int32 = -1, to output: inout RenderBuffer) {
        output.append(UInt8(ascii: "{"))
        var wroteAny = false

        // Attributes with text.
        var openedAttributes = false
        for id in tree.attributes(of: element) {
            let attribute = tree.attributes[Int(id)]
            let values = tree.values(of: attribute)
            guard attribute.name != omitted, hasText(values) else { continue }
            if !openedAttributes {
                output.append("\"#attributes\":{")
                openedAttributes = true
                wroteAny = true
            } else {
                output.append(UInt8(ascii: ","))
            }
            key(attribute.name, suffix: 0, to: &output)
            contentValue(values, skipElements: false, to: &output)
        }
        if openedAttributes { output.append(UInt8(ascii: "}")) }

        let children = tree.children(of: element)
        if hasText(children) {
            if wroteAny { output.append(UInt8(ascii: ",")) }
            wroteAny = true
            output.append("\"#text\":")
            contentValue(children, skipElements: true, to: &output)
        }

        // EventData/UserData: Data elements keyed by their Name when any has one.
        var flattenNamedData = false
        var positionalData = 0
        if isDataContainer {
            for id in children where tree.nodes[Int(id)].kind == .element {
                let child = tree.element(tree.nodes[Int(id)])
                guard child.name == dataName else { continue }
                positionalData += 1
                if let name = nameAttribute(child), hasText(name) { flattenNamedData = true }
            }
        }
        var emittedPositional = false
        var seen = SuffixCounter(children.count)
        for id in children {
            let node = tree.nodes[Int(id)]
            guard node.kind == .element else { continue }
            let child = tree.element(node)
            if isDataContainer && child.name == dataName {
                if flattenNamedData {
                    guard let name = nameAttribute(child), hasText(name) else { continue }
                    if wroteAny { output.append(UInt8(ascii: ",")) }
                    wroteAny = true
                    output.append(UInt8(ascii: "\""))
                    text(name, to: &output)
                    output.append(UInt8(ascii: "\""), UInt8(ascii: ":"))
                    dataValue(child, to: &output)
                } else if !emittedPositional {
                    emittedPositional = true
                    if wroteAny { output.append(UInt8(ascii: ",")) }
                    wroteAny = true
                    output.append("\"Data\":{\"#text\":")
                    if positionalData == 1 {
                        dataValue(child, to: &output)
                    } else {
                        output.append(UInt8(ascii: "["))
                        var first = true
                        for candidateID in children where tree.nodes[Int(candidateID)].kind == .element {
                            let candidate = tree.element(tree.nodes[Int(candidateID)])
                            guard candidate.name == dataName else { continue }
                            if !first { output.append(UInt8(ascii: ",")) }
                            first = false
                            dataValue(candidate, to: &output)
                        }
                        output.append(UInt8(ascii: "]"))
                    }
                    output.append(UInt8(ascii: "}"))
                }
                continue
            }
            if wroteAny { output.append(UInt8(ascii: ",")) }
            wroteAny = true
            key(child.name, suffix: seen.next(child.name), to: &output)
            let childIsContainer = child.name == eventDataName || child.name == userDataName
            elementValue(child, isDataContainer: childIsContainer, to: &output)
        }
        output.append(UInt8(ascii: "}"))
    }
}

/// Counts repeated child names for `_N` suffixes; the first occurrence has none. Like the
/// crate, it stops tracking new names after `JSONRenderer.maximumUniqueNames`.
///
/// Most elements have a handful of children; their names are kept inline (no allocation) and
/// only larger elements spill into arrays.
private struct SuffixCounter {
    private var inline: (Int64, Int64, Int64, Int64, Int64, Int64, Int64, Int64) = (0, 0, 0, 0, 0, 0, 0, 0)
    private var inlineCount = 0
    private var names: [Int32] = []
    private var counts: [Int] = []

    init(_ children: Int) {
        if children > 8 {
            names.reserveCapacity(min(children, JSONRenderer.maximumUniqueNames))
            counts.reserveCapacity(min(children, JSONRenderer.maximumUniqueNames))
        }
    }

    /// Name in the high half, count in the low half.
    mutating func next(_ name: Int32) -> Int {
        var result: Int?
        withUnsafeMutableBytes(of: &inline) { raw in
            let slots = raw.bindMemory(to: Int64.self)
            for index in 0..<inlineCount where Int32(truncatingIfNeeded: slots[index] >> 32) == name {
                let count = Int(slots[index] & 0xFFFF_FFFF)
                slots[index] += 1
                result = count
                return
            }
        }
        if let result { return result }
        if let index = names.firstIndex(of: name) {
            counts[index] += 1
            return counts[index] - 1
        }
        if inlineCount < 8 {
            withUnsafeMutableBytes(of: &inline) { raw in
                raw.bindMemory(to: Int64.self)[inlineCount] = Int64(name) << 32 | 1
            }
            inlineCount += 1
        } else if inlineCount + names.count < JSONRenderer.maximumUniqueNames {
            names.append(name)
            counts.append(1)
        }
        return 0
    }
}
