/// A quick look at a record's template instances without building its tree: every
/// substitution value (its slot), which template each instance uses, and a key that is the
/// same for two records exactly when their XML has the same shape.
///
/// The shape of a record's XML depends on the template and on each value's type and whether
/// it is empty (an empty value yields no content; a number renders differently from text; a
/// BinXML value adds elements; an array of two or more items repeats its element once per
/// item, and an empty string item leaves its copy empty). Records of the same shape render
/// through one compiled plan (`JSONPlan`, `EventPlan`). Records that are not a single template
/// instance, or have an array of more than `maximumItems` items, are not eligible and take the
/// tree path.
///
/// The items of such arrays get slots of their own after the record's values, in value
/// order, so that a plan can say "item 3 of that array" as it says "that value".
struct ShapeScan {
    struct Instance {
        var definition: UInt32
        /// Slot of the instance's first value.
        var valueBase: Int32
        var count: Int32
    }

    /// All substitution values, instance by instance; a value's slot is its index here.
    var values: [TreeBuilder.Value] = []
    var instances: [Instance] = []
    /// For each value slot, the instance its BinXML value holds, or -1.
    var nested: [Int32] = []
    /// For each value slot, the slot of its first item when it is an array the tree repeats
    /// its element for (two items or more), or -1.
    var itemStarts: [Int32] = []
    /// The shape key.
    var key: [UInt32] = []
    var eligible = false

    private static let maximumInstances = 32
    /// The most items an array may have for its record to be eligible (the shape key notes
    /// which are empty, one bit each).
    static let maximumItems = 32

    /// Scans the BinXML of a record. Errors are not reported here: an ineligible record is
    /// built as a tree, which reports them.
    mutating func scan(_ context: ChunkContext, range: Range<Int>) {
        values.removeAll(keepingCapacity: true)
        instances.removeAll(keepingCapacity: true)
        nested.removeAll(keepingCapacity: true)
        itemStarts.removeAll(keepingCapacity: true)
        key.removeAll(keepingCapacity: true)
        arrays = false
        eligible = instance(context, range: range) != nil
        if eligible && arrays { addItems(context.bytes) }
    }

    /// Whether some value is an array (set while scanning).
    private var arrays = false

    /// Gives the items of every array of two or more items a slot after the values.
    private mutating func addItems(_ bytes: UnsafeRawBufferPointer) {
        for slot in values.indices where values[slot].type & ValueType.arrayFlag != 0 {
            let start = values.count
            let type = values[slot].type & ~ValueType.arrayFlag
            ShapeScan.forEachItem(of: values[slot], bytes) { range in
                values.append(TreeBuilder.Value(type: type, offset: Int32(range.lowerBound), length: Int32(range.count), slot: Int32(values.count)))
            }
            // The tree keeps an array of one item whole, as a value.
            guard values.count - start > 1 else {
                values.removeLast(values.count - start)
                continue
            }
            itemStarts[slot] = Int32(start)
            nested += repeatElement(-1, count: values.count - start)
            itemStarts += repeatElement(-1, count: values.count - start)
        }
    }

    /// The byte ranges of an array value's items, as the tree builder splits them.
    @inline(__always)
    private static func forEachItem(of value: TreeBuilder.Value, _ bytes: UnsafeRawBufferPointer, _ body: (Range<Int>) -> Void) {
        ArrayItems.forEachRange(of: RecordTree.Node(kind: .value, type: value.type, a: value.offset, b: value.length), in: bytes, body)
    }

    /// Scans a fragment that must be one template instance; returns its instance id.
    private mutating func instance(_ context: ChunkContext, range: Range<Int>) -> Int32? {
        let bytes = context.bytes
        guard instances.count < ShapeScan.maximumInstances, range.lowerBound >= 0, range.upperBound <= bytes.count else { return nil }
        var position = range.lowerBound
        if position < range.upperBound, bytes[position] == 0x0F { position += 4 }
        guard position + 10 <= range.upperBound, bytes[position] == 0x0C else { return nil }
        let definition = bytes.u32(at: position + 6)
        guard let identity = context.templateIdentity(at: definition) else { return nil }
        position += 10
        if Int(definition) == position {
            guard position + 24 <= range.upperBound else { return nil }
            position += 24 + Int(bytes.u32(at: position + 20))
        }
        guard position + 4 <= range.upperBound else { return nil }
        let count = Int(bytes.u32(at: position))
        position += 4
        guard count <= (range.upperBound - position) / 4 else { return nil }
        var offset = position + count * 4
        let id = Int32(instances.count)
        let base = Int32(values.count)
        instances.append(Instance(definition: definition, valueBase: base, count: Int32(count)))
        key.append(0xFFFF_0000 | UInt32(truncatingIfNeeded: count))
        key.append(identity)
        for index in 0..<count {
            let size = Int(bytes.u16(at: position + index * 4))
            let type = bytes[position + index * 4 + 2]
            values.append(TreeBuilder.Value(type: type, offset: Int32(offset), length: Int32(size), slot: base + Int32(index)))
            nested.append(-1)
            itemStarts.append(-1)
            offset += size
        }
        guard offset <= range.upperBound else { return nil }
        // What follows the values must be the end of the fragment.
        guard offset == range.upperBound || bytes[offset] == 0x00 else { return nil }
        for index in 0..<count {
            let value = values[Int(base) + index]
            let present = ShapeScan.isPresent(value, bytes)
            key.append(UInt32(value.type) << 2 | (present ? 1 : 0) | (ShapeScan.hasExpectedSize(value) ? 2 : 0))
            if value.type & ValueType.arrayFlag != 0 {
                var items = 0
                var empty: UInt32 = 0
                let strings = value.type & ~ValueType.arrayFlag == ValueType.string
                ShapeScan.forEachItem(of: value, bytes) { range in
                    if strings && range.count < 2 && items < ShapeScan.maximumItems { empty |= 1 << UInt32(items) }
                    items += 1
                }
                guard items <= ShapeScan.maximumItems else { return nil }
                key.append(UInt32(items))
                key.append(empty)
                arrays = true
            }
            if value.type == ValueType.binXML && present {
                let start = Int(value.offset)
                guard let inner = instance(context, range: start..<(start + Int(value.length))) else { return nil }
                nested[Int(base) + index] = inner
            }
        }
        return id
    }

    /// Whether a value produces content (the tree builder's rule).
    static func isPresent(_ value: TreeBuilder.Value, _ bytes: UnsafeRawBufferPointer) -> Bool {
        guard value.length > 0, value.type != ValueType.null else { return false }
        if value.type == ValueType.string {
            return value.length >= 2 && Int(value.offset) + 2 <= bytes.count && bytes.u16(at: Int(value.offset)) != 0
        }
        return true
    }

    /// Whether a fixed-size value has its type's size (numbers render as numbers only then).
    static func hasExpectedSize(_ value: TreeBuilder.Value) -> Bool {
        guard let size = ValueType.itemSize(value.type) else { return true }
        return Int(value.length) == size
    }
}
