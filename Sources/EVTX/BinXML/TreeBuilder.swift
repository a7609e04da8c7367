/// Builds a record's `RecordTree` from BinXML: instantiates templates with their substitution
/// values, parses BinXML values nested in them, and repeats an element once per item of an
/// array value (MS-EVEN6 3.1.4.7.5).
///
/// Substitution semantics follow the `evtx` crate, so that output can be compared with it:
/// a NULL or empty value produces no content; a UTF-16 string value ends at its first NUL;
/// the dependency id of elements is not used to drop them.
struct TreeBuilder {
    var context: ChunkContext
    var tree = RecordTree()

    /// A substitution value: its type and where its bytes are.
    struct Value {
        var type: UInt8
        var offset: Int32
        var length: Int32
        /// Its slot in the record's `ShapeScan` when building for a plan, else -1.
        var slot: Int32 = -1
    }

    /// When set, the build records which scan slot each substituted node came from, so that
    /// a plan can be made from the rendering.
    var scan: ShapeScan?

    private struct Frame {
        var name: Int32
        var attributeStart: Int
        var childStart: Int
        var hasElementChild = false
        /// An array value was substituted directly in this element (it may need repeating).
        var hasArray = false
    }

    // Scratch stacks, shared by nested instantiations (they nest strictly).
    private var frames: [Frame] = []
    private var scratchChildren = IndexStack()
    private var scratchAttributes = IndexStack()
    private var scratchValues = IndexStack()
    private var openAttribute: (name: Int32, valueStart: Int)?
    /// Substitution values of the template instances being built, innermost last; each
    /// instance sees its own range.
    private var valueStack: [Value] = []

    init(context: ChunkContext) {
        self.context = context
    }

    static let maximumNesting = 16

    /// Builds the tree of the BinXML in `range` (one record's event data). With `scan`, nodes
    /// made from substitution values carry their slots.
    mutating func build(range: Range<Int>, scan: ShapeScan? = nil) throws(EVTXError) {
        self.scan = scan
        tree.reset()
        frames.removeAll(keepingCapacity: true)
        scratchChildren.count = 0
        scratchAttributes.count = 0
        scratchValues.count = 0
        openAttribute = nil
        valueStack.removeAll(keepingCapacity: true)
        try fragment(range: range, nesting: 0, instance: scan == nil ? nil : 0)
        guard let first = (0..<scratchChildren.count).first(where: { tree.nodes[Int(scratchChildren.items[$0])].kind == .element }) else {
            throw .binXML(chunkOffset: range.lowerBound, field: "record", reason: "no root element")
        }
        tree.root = tree.nodes[Int(scratchChildren.items[first])].a
    }

    /// Tokenizes a BinXML fragment and builds it into the current position of the tree.
    private mutating func fragment(range: Range<Int>, nesting: Int, instance: Int? = nil) throws(EVTXError) {
        guard nesting <= TreeBuilder.maximumNesting else {
            throw .binXML(chunkOffset: range.lowerBound, field: "BinXML value", reason: "nested deeper than \(TreeBuilder.maximumNesting)")
        }
        var tokenizer = BinXMLTokenizer(context: context, range: range, dependencyIDs: false)
        // Most fragments are a fragment header and one template instance: build it directly,
        // without a token list.
        if let token = try tokenizer.singleTemplateInstance() {
            try templateInstance(token, nesting: nesting, instance: instance)
            return
        }
        let tokens = try tokenizer.tokenize()
        try instantiate(tokens, values: valueStack.count..<valueStack.count, nesting: nesting)
    }

    /// Reads a template instance's values and builds its definition with them.
    private mutating func templateInstance(_ token: BinXMLToken, nesting: Int, instance: Int? = nil) throws(EVTXError) {
        guard nesting <= TreeBuilder.maximumNesting else {
            throw .binXML(chunkOffset: Int(token.b), field: "template instance", reason: "nested deeper than \(TreeBuilder.maximumNesting)")
        }
        let definition = try context.template(at: UInt32(bitPattern: token.a))
        let bytes = context.bytes
        var cursor = ByteCursor(bytes, at: Int(token.b))
        let count = Int(try cursor.u32("substitution count"))
        let base = valueStack.count
        defer { valueStack.removeLast(valueStack.count - base) }
        var offset = cursor.position + count * 4
        let slotBase = instance.flatMap { scan?.instances[$0].valueBase } ?? -1
        for index in 0..<count {
            let size = Int(try cursor.u16("substitution size"))
            let type = try cursor.u8("substitution type")
            try cursor.skip(1, "substitution padding")
            let slot = slotBase >= 0 ? slotBase + Int32(index) : -1
            valueStack.append(Value(type: type, offset: Int32(offset), length: Int32(size), slot: slot))
            offset += size
        }
        guard offset <= bytes.count else {
            throw .binXML(chunkOffset: Int(token.b), field: "substitution values", reason: "run past the chunk")
        }
        try instantiate(definition, values: base..<valueStack.count, nesting: nesting + 1)
    }

    /// Builds tokens; substitutions index into `values`, a range of `valueStack`.
    private mutating func instantiate(_ tokens: [BinXMLToken], values: Range<Int>, nesting: Int) throws(EVTXError) {
        let baseFrames = frames.count
        for token in tokens {
            switch token.kind {
            case .openElement:
                closeAttribute()
                frames.append(Frame(name: token.a, attributeStart: scratchAttributes.count, childStart: scratchChildren.count))
            case .attribute:
                closeAttribute()
                openAttribute = (token.a, scratchValues.count)
            case .closeStart:
                closeAttribute()
            case .closeEmpty, .endElement:
                closeAttribute()
                guard frames.count > baseFrames else {
                    throw .binXML(chunkOffset: 0, field: "element end", reason: "no element is open")
                }
                try closeElement()
            case .text:
                if token.b > 0 { content(RecordTree.Node(kind: .text, a: token.a, b: token.b)) }
            case .value:
                if token.b > 0 { content(RecordTree.Node(kind: .value, type: token.type, a: token.a, b: token.b)) }
            case .cdata:
                content(RecordTree.Node(kind: .cdata, a: token.a, b: token.b))
            case .charRef:
                content(RecordTree.Node(kind: .charRef, a: token.a))
            case .entityRef:
                content(RecordTree.Node(kind: .entityRef, a: token.a))
            case .piTarget:
                content(RecordTree.Node(kind: .piTarget, a: token.a))
            case .piData:
                content(RecordTree.Node(kind: .piData, a: token.a, b: token.b))
            case .substitution:
                try substitute(Int(token.a), values: values, nesting: nesting)
            case .templateInstance:
                closeAttribute()
                try templateInstance(token, nesting: nesting)
            }
        }
        guard frames.count == baseFrames else {
            throw .binXML(chunkOffset: 0, field: "element", reason: "a template leaves \(frames.count - baseFrames) element(s) open")
        }
    }

    /// Adds a content node to the open attribute, else to the open element (or the top level).
    private mutating func content(_ node: RecordTree.Node) {
        let id = tree.addNode(node)
        if openAttribute != nil {
            scratchValues.append(id)
        } else {
            scratchChildren.append(id)
        }
    }

    private mutating func substitute(_ index: Int, values: Range<Int>, nesting: Int) throws(EVTXError) {
        guard index < values.count else { return }
        let value = valueStack[values.lowerBound + index]
        guard value.length > 0, value.type != ValueType.null else { return }
        switch value.type {
        case ValueType.string:
            // Text ends at its first NUL (renderers stop there); a string that starts with NUL is empty.
            let units = Int(value.length) / 2
            guard units > 0, Int(value.offset) + 2 <= context.bytes.count, context.bytes.u16(at: Int(value.offset)) != 0 else { return }
            content(RecordTree.Node(kind: .text, a: value.offset, b: Int32(units), slot: value.slot))
        case ValueType.binXML:
            // Only element content can hold a BinXML fragment.
            guard openAttribute == nil else { return }
            let start = Int(value.offset)
            let nested = value.slot >= 0 ? scan.map { Int($0.nested[Int(value.slot)]) } : nil
            try fragment(range: start..<(start + Int(value.length)), nesting: nesting + 1, instance: nested)
            if let last = frames.indices.last { frames[last].hasElementChild = true }
        default:
            content(RecordTree.Node(kind: .value, type: value.type, a: value.offset, b: value.length, slot: value.slot))
            if value.type & ValueType.arrayFlag != 0, let last = frames.indices.last { frames[last].hasArray = true }
        }
    }

    private mutating func closeAttribute() {
        guard let open = openAttribute else { return }
        let (start, count) = scratchValues.move(from: open.valueStart, into: &tree.lists)
        tree.attributes.append(RecordTree.Attribute(name: open.name, valueStart: start, valueCount: count))
        scratchAttributes.append(Int32(tree.attributes.count - 1))
        openAttribute = nil
    }

    private mutating func closeElement() throws(EVTXError) {
        let frame = frames.removeLast()
        let (attributeStart, attributeCount) = scratchAttributes.move(from: frame.attributeStart, into: &tree.lists)
        let (childStart, childCount) = scratchChildren.move(from: frame.childStart, into: &tree.lists)
        // Element children and BinXML values set the flag as they are added.
        tree.elements.append(
            RecordTree.Element(
                name: frame.name, attributeStart: attributeStart, attributeCount: attributeCount, childStart: childStart,
                childCount: childCount, hasElementChild: frame.hasElementChild))
        let element = Int32(tree.elements.count - 1)
        if frame.hasArray {
            for id in expandArrays(element, depth: 0) {
                scratchChildren.append(tree.addNode(RecordTree.Node(kind: .element, a: id)))
            }
        } else {
            scratchChildren.append(tree.addNode(RecordTree.Node(kind: .element, a: element)))
        }
        if let parent = frames.indices.last { frames[parent].hasElementChild = true }
    }

    // MARK: Arrays

    /// The element repeated once per item of its first array value with more than one item
    /// (children first, then attributes), recursively for further arrays.
    private mutating func expandArrays(_ element: Int32, depth: Int) -> [Int32] {
        guard depth < 8, let (slot, node) = firstArray(element) else { return [element] }
        let items = ArrayItems.items(of: node, in: context.bytes)
        guard items.count > 1 else { return [element] }
        // Building for a plan, each item comes from its own slot of the scan.
        let itemStart = node.slot >= 0 ? scan.map { $0.itemStarts[Int(node.slot)] } ?? -1 : -1
        var result: [Int32] = []
        for (index, item) in items.enumerated() {
            var item = item
            if itemStart >= 0 { item?.slot = itemStart + Int32(index) }
            let copy = clone(element, replacing: slot, with: item)
            result.append(contentsOf: expandArrays(copy, depth: depth + 1))
        }
        return result
    }

    /// Where an array value sits: in the element's children, or in one attribute's values.
    private enum Slot {
        case child(Int)
        case attribute(Int, value: Int)
    }

    private func firstArray(_ id: Int32) -> (Slot, RecordTree.Node)? {
        let element = tree.elements[Int(id)]
        for (position, child) in tree.children(of: element).enumerated() {
            let node = tree.nodes[Int(child)]
            if node.kind == .value, node.type & ValueType.arrayFlag != 0, ArrayItems.count(of: node, in: context.bytes) > 1 {
                return (.child(position), node)
            }
        }
        for (position, attributeID) in tree.attributes(of: element).enumerated() {
            for (valuePosition, valueID) in tree.values(of: tree.attributes[Int(attributeID)]).enumerated() {
                let node = tree.nodes[Int(valueID)]
                if node.kind == .value, node.type & ValueType.arrayFlag != 0, ArrayItems.count(of: node, in: context.bytes) > 1 {
                    return (.attribute(position, value: valuePosition), node)
                }
            }
        }
        return nil
    }

    private mutating func clone(_ id: Int32, replacing slot: Slot, with item: RecordTree.Node?) -> Int32 {
        let element = tree.elements[Int(id)]
        let itemID = item.map { tree.addNode($0) }
        var children = Array(tree.children(of: element))
        var attributes = Array(tree.attributes(of: element))
        switch slot {
        case .child(let position):
            if let itemID { children[position] = itemID } else { children.remove(at: position) }
        case .attribute(let position, let valuePosition):
            let attribute = tree.attributes[Int(attributes[position])]
            var values = Array(tree.values(of: attribute))
            if let itemID { values[valuePosition] = itemID } else { values.remove(at: valuePosition) }
            if values.isEmpty {
                attributes.remove(at: position)
            } else {
                let start = tree.addList(values)
                tree.attributes.append(RecordTree.Attribute(name: attribute.name, valueStart: start, valueCount: Int32(values.count)))
                attributes[position] = Int32(tree.attributes.count - 1)
            }
        }
        let attributeStart = tree.addList(attributes)
        let childStart = tree.addList(children)
        tree.elements.append(
            RecordTree.Element(
                name: element.name, attributeStart: attributeStart, attributeCount: Int32(attributes.count),
                childStart: childStart, childCount: Int32(children.count), hasElementChild: element.hasElementChild))
        return Int32(tree.elements.count - 1)
    }

}

/// A stack of node indices that keeps its storage when popped (builders push and pop the same
/// depths for every record).
struct IndexStack {
    var items: [Int32] = []
    var count = 0

    @inline(__always)
    mutating func append(_ value: Int32) {
        if count < items.count { items[count] = value } else { items.append(value) }
        count += 1
    }

    /// Moves the entries from `start` to the top into `lists`, popping them; returns where they
    /// start in `lists` and how many there are.
    @inline(__always)
    mutating func move(from start: Int, into lists: inout [Int32]) -> (start: Int32, count: Int32) {
        let listStart = Int32(lists.count)
        if start < count {
            items.withUnsafeBufferPointer { lists.append(contentsOf: UnsafeBufferPointer(rebasing: $0[start..<count])) }
        }
        let moved = Int32(count - start)
        count = start
        return (listStart, moved)
    }
}
