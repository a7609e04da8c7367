import EventLog

/// A record's JSON compiled for its shape: the text that is the same for every record of
/// that shape, and where each substitution value's text goes. Rendering a record through its
/// plan costs copying the fixed text and formatting the values, with no tree.
///
/// A plan is made by rendering one record's tree with slot markers in place of its values
/// (`0xFF`, kind, slot: a byte that never occurs in UTF-8 output).
struct JSONPlan {
    enum SlotKind: UInt8 {
        /// A UTF-16 string value, JSON-escaped.
        case text = 1
        /// Any other value as text, JSON-escaped.
        case value = 2
        /// An integer or boolean value as a JSON number or boolean.
        case number = 3
    }

    struct Slot {
        /// Where in `text` the value goes.
        var position: Int32
        var kind: SlotKind
        var slot: Int32
    }

    /// The fixed text, without markers.
    var text: [UInt8] = []
    var slots: [Slot] = []

    static let markerByte: UInt8 = 0xFF

    static func marker(_ kind: SlotKind, slot: Int32, to output: inout RenderBuffer) {
        output.append(markerByte, kind.rawValue)
        let value = UInt32(bitPattern: slot)
        output.append(UInt8(truncatingIfNeeded: value), UInt8(truncatingIfNeeded: value >> 8))
        output.append(UInt8(truncatingIfNeeded: value >> 16), UInt8(truncatingIfNeeded: value >> 24))
    }

    /// The plan recorded in a rendering with markers.
    init(recorded: UnsafeRawBufferPointer) {
        var index = 0
        text.reserveCapacity(recorded.count)
        while index < recorded.count {
            let byte = recorded[index]
            guard byte == JSONPlan.markerByte, index + 6 <= recorded.count,
                let kind = SlotKind(rawValue: recorded[index + 1])
            else {
                text.append(byte)
                index += 1
                continue
            }
            let slot = Int32(bitPattern: recorded.u32(at: index + 2))
            slots.append(Slot(position: Int32(text.count), kind: kind, slot: slot))
            index += 6
        }
    }

    /// Renders a record of this shape, whose values `scan` found.
    func render(_ scan: ShapeScan, _ bytes: UnsafeRawBufferPointer, to output: inout RenderBuffer) {
        text.withUnsafeBytes { fixed in
            var start = 0
            for slot in slots {
                let position = Int(slot.position)
                output.append(UnsafeRawBufferPointer(rebasing: fixed[start..<position]))
                start = position
                let value = scan.values[Int(slot.slot)]
                switch slot.kind {
                case .text:
                    UTF16Text.appendJSON(bytes, offset: Int(value.offset), count: Int(value.length) / 2, to: &output)
                case .value:
                    ValueText.append(
                        RecordTree.Node(kind: .value, type: value.type, a: value.offset, b: value.length), bytes, escaping: .json,
                        to: &output)
                case .number:
                    let start = Int(value.offset)
                    ValueText.scalar(value.type, UnsafeRawBufferPointer(rebasing: bytes[start..<(start + Int(value.length))]), escaping: .json, to: &output)
                }
            }
            output.append(UnsafeRawBufferPointer(rebasing: fixed[start...]))
        }
    }
}

/// The key of a plan in a chunk's cache: a shape key, hashed once.
struct PlanKey: Hashable {
    let words: [UInt32]
    private let hash: Int

    init(_ words: [UInt32]) {
        self.words = words
        // A multiply-xorshift over the words: every record is looked up by its key, and
        // the standard hasher's per-word rounds were a visible part of reading a record.
        var mixed: UInt64 = 0x243F_6A88_85A3_08D3
        for word in words {
            mixed = (mixed ^ UInt64(word)) &* 0x9E37_79B9_7F4A_7C15
            mixed ^= mixed >> 29
        }
        hash = Int(truncatingIfNeeded: mixed)
    }

    func hash(into hasher: inout Hasher) { hasher.combine(hash) }

    static func == (lhs: PlanKey, rhs: PlanKey) -> Bool { lhs.hash == rhs.hash && lhs.words == rhs.words }
}
