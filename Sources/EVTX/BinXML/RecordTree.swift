/// The resolved XML of one record (templates instantiated, substitutions filled in, arrays
/// expanded), held in flat arrays that are reused from record to record.
///
/// Nodes point into the chunk's bytes (UTF-16 text, raw values) rather than copying them;
/// renderers decode when they write. Element children and attribute values are contiguous
/// runs of `lists`, so an element can be cloned (array expansion) without copying subtrees.
struct RecordTree {
    enum NodeKind: UInt8 {
        case element
        /// UTF-16LE text: `a` chunk offset, `b` number of code units.
        case text
        /// A typed value: `a` chunk offset, `b` byte length, `type` value type.
        case value
        /// `a` the character code.
        case charRef
        /// `a` the name id.
        case entityRef
        /// UTF-16LE text: `a` chunk offset, `b` number of code units.
        case cdata
        case piTarget
        case piData
    }

    struct Node {
        var kind: NodeKind
        var type: UInt8 = 0
        var a: Int32
        var b: Int32 = 0
        /// For content that came from a substitution value while building for a plan: the
        /// value's slot in the record's `ShapeScan`; -1 otherwise.
        var slot: Int32 = -1
    }

    struct Element {
        var name: Int32
        var attributeStart: Int32
        var attributeCount: Int32
        var childStart: Int32
        var childCount: Int32
        var hasElementChild: Bool
    }

    struct Attribute {
        var name: Int32
        var valueStart: Int32
        var valueCount: Int32
    }

    var nodes: [Node] = []
    var elements: [Element] = []
    var attributes: [Attribute] = []
    /// Runs of node indices (children) and attribute indices are stored here.
    var lists: [Int32] = []
    var root: Int32 = -1

    mutating func reset() {
        nodes.removeAll(keepingCapacity: true)
        elements.removeAll(keepingCapacity: true)
        attributes.removeAll(keepingCapacity: true)
        lists.removeAll(keepingCapacity: true)
        root = -1
    }

    @inline(__always)
    func children(of element: Element) -> ArraySlice<Int32> {
        lists[Int(element.childStart)..<Int(element.childStart + element.childCount)]
    }

    @inline(__always)
    func attributes(of element: Element) -> ArraySlice<Int32> {
        lists[Int(element.attributeStart)..<Int(element.attributeStart + element.attributeCount)]
    }

    @inline(__always)
    func values(of attribute: Attribute) -> ArraySlice<Int32> {
        lists[Int(attribute.valueStart)..<Int(attribute.valueStart + attribute.valueCount)]
    }

    /// The element a node refers to.
    @inline(__always)
    func element(_ node: Node) -> Element { elements[Int(node.a)] }

    mutating func addNode(_ node: Node) -> Int32 {
        nodes.append(node)
        return Int32(nodes.count - 1)
    }

    /// Stores a run of indices and returns where it starts.
    mutating func addList<C: Collection>(_ items: C) -> Int32 where C.Element == Int32 {
        let start = Int32(lists.count)
        lists.append(contentsOf: items)
        return start
    }
}

/// Read-only pointers into a `RecordTree`'s arrays, for renderers: walking a tree through
/// them costs no reference counting. Valid only inside `RecordTree.withView`.
struct TreeView {
    let nodes: UnsafePointer<RecordTree.Node>
    let elements: UnsafePointer<RecordTree.Element>
    let attributes: UnsafePointer<RecordTree.Attribute>
    let lists: UnsafePointer<Int32>
    let root: Int32

    @inline(__always)
    func children(of element: RecordTree.Element) -> UnsafeBufferPointer<Int32> {
        UnsafeBufferPointer(start: lists + Int(element.childStart), count: Int(element.childCount))
    }

    @inline(__always)
    func attributes(of element: RecordTree.Element) -> UnsafeBufferPointer<Int32> {
        UnsafeBufferPointer(start: lists + Int(element.attributeStart), count: Int(element.attributeCount))
    }

    @inline(__always)
    func values(of attribute: RecordTree.Attribute) -> UnsafeBufferPointer<Int32> {
        UnsafeBufferPointer(start: lists + Int(attribute.valueStart), count: Int(attribute.valueCount))
    }

    @inline(__always)
    func element(_ node: RecordTree.Node) -> RecordTree.Element { elements[Int(node.a)] }
}

extension RecordTree {
    func withView<R>(_ body: (TreeView) -> R) -> R {
        nodes.withUnsafeBufferPointer { nodes in
            elements.withUnsafeBufferPointer { elements in
                attributes.withUnsafeBufferPointer { attributes in
                    lists.withUnsafeBufferPointer { lists in
                        body(
                            TreeView(
                                nodes: nodes.baseAddress ?? RecordTree.empty(), elements: elements.baseAddress ?? RecordTree.empty(),
                                attributes: attributes.baseAddress ?? RecordTree.empty(), lists: lists.baseAddress ?? RecordTree.empty(),
                                root: root))
                    }
                }
            }
        }
    }

    /// A non-null pointer for an empty array, never read (every read is bounded by a count of 0).
    private static func empty<T>() -> UnsafePointer<T> {
        UnsafePointer(bitPattern: MemoryLayout<T>.alignment)!
    }
}
