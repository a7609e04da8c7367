/// The items of array values (type with the 0x80 flag): NUL-terminated strings, fixed-size
/// numbers, or SIDs one after another.
enum ArrayItems {
    /// How many items an array value holds (0 for types that cannot be split).
    static func count(of node: RecordTree.Node, in bytes: UnsafeRawBufferPointer) -> Int {
        var count = 0
        forEachRange(of: node, in: bytes) { _ in count += 1 }
        return count
    }

    /// One node per item: strings become text (nil for an empty string, which yields an empty
    /// element), other items typed values of the array's base type.
    static func items(of node: RecordTree.Node, in bytes: UnsafeRawBufferPointer) -> [RecordTree.Node?] {
        let base = node.type & ~ValueType.arrayFlag
        return ranges(of: node, in: bytes).map { range -> RecordTree.Node? in
            if base == ValueType.string {
                let units = (range.upperBound - range.lowerBound) / 2
                return units == 0 ? nil : RecordTree.Node(kind: .text, a: Int32(range.lowerBound), b: Int32(units))
            }
            return RecordTree.Node(kind: .value, type: base, a: Int32(range.lowerBound), b: Int32(range.count))
        }
    }

    /// The byte range of each item.
    static func ranges(of node: RecordTree.Node, in bytes: UnsafeRawBufferPointer) -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        forEachRange(of: node, in: bytes) { ranges.append($0) }
        return ranges
    }

    /// Calls `body` with the byte range of each item, in order (no array is made: shapes are
    /// scanned for every record).
    @inline(__always)
    static func forEachRange(of node: RecordTree.Node, in bytes: UnsafeRawBufferPointer, _ body: (Range<Int>) -> Void) {
        let start = Int(node.a)
        let end = min(start + Int(node.b), bytes.count)
        guard start >= 0, start < end else { return }
        let base = node.type & ~ValueType.arrayFlag
        switch base {
        case ValueType.string:
            var itemStart = start
            var position = start
            while position + 1 < end {
                if bytes.u16(at: position) == 0 {
                    body(itemStart..<position)
                    itemStart = position + 2
                }
                position += 2
            }
            if itemStart + 1 < end { body(itemStart..<(end - (end - itemStart) % 2)) }
        case ValueType.sid:
            var position = start
            while position + 8 <= end {
                let size = 8 + Int(bytes[position + 1]) * 4
                guard position + size <= end else { break }
                body(position..<(position + size))
                position += size
            }
        default:
            guard let size = ValueType.itemSize(base) else { return }
            var position = start
            while position + size <= end {
                body(position..<(position + size))
                position += size
            }
        }
    }
}
