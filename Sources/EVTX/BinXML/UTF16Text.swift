import EventLog
/// Transcoding of UTF-16LE text from chunk bytes straight into UTF-8 output, with the
/// escaping each output format needs. Unpaired surrogates become U+FFFD.
enum UTF16Text {
    enum Escaping {
        case none
        case json
        /// XML text (`&`, `<`, `>`), or attribute values (also `"` and `'`).
        case xml(attribute: Bool)
    }

    /// Appends `count` code units starting at `offset`, stopping early at a NUL unit.
    @inline(__always)
    static func append(
        _ bytes: UnsafeRawBufferPointer, offset: Int, count: Int, escaping: Escaping, to output: inout RenderBuffer
    ) {
        var index = 0
        let end = min(count, max(0, (bytes.count - offset) / 2))
        if case .none = escaping {
            // Four units at a time while they are ASCII and not NUL (a unit below 0x80 that
            // borrows when one is taken from it is 0).
            output.reserve(end)
            let ones: UInt64 = 0x0001_0001_0001_0001
            // Eight units to eight bytes with one store.
            while index + 8 <= end {
                let low = bytes.loadUnaligned(fromByteOffset: offset + index * 2, as: UInt64.self).littleEndian
                let high = bytes.loadUnaligned(fromByteOffset: offset + index * 2 + 8, as: UInt64.self).littleEndian
                guard (low | high) & 0xFF80_FF80_FF80_FF80 == 0,
                    ((low &- ones) | (high &- ones)) & 0x8000_8000_8000_8000 == 0
                else { break }
                output.appendUnchecked(UTF16Text.packASCII(low) | UTF16Text.packASCII(high) << 32)
                index += 8
            }
            while index + 4 <= end {
                let word = bytes.loadUnaligned(fromByteOffset: offset + index * 2, as: UInt64.self).littleEndian
                guard word & 0xFF80_FF80_FF80_FF80 == 0, (word &- ones) & 0x8000_8000_8000_8000 == 0 else { break }
                output.appendUnchecked(UInt8(truncatingIfNeeded: word))
                output.appendUnchecked(UInt8(truncatingIfNeeded: word >> 16))
                output.appendUnchecked(UInt8(truncatingIfNeeded: word >> 32))
                output.appendUnchecked(UInt8(truncatingIfNeeded: word >> 48))
                index += 4
            }
        }
        while index < end {
            let unit = bytes.u16(at: offset + index * 2)
            index += 1
            if unit == 0 { return }
            if unit < 0x80 {
                appendASCII(UInt8(unit), escaping: escaping, to: &output)
                continue
            }
            var scalar = UInt32(unit)
            if unit >= 0xD800 && unit <= 0xDBFF {
                if index < end {
                    let low = bytes.u16(at: offset + index * 2)
                    if low >= 0xDC00 && low <= 0xDFFF {
                        index += 1
                        scalar = 0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(low) - 0xDC00)
                    } else {
                        scalar = 0xFFFD
                    }
                } else {
                    scalar = 0xFFFD
                }
            } else if unit >= 0xDC00 && unit <= 0xDFFF {
                scalar = 0xFFFD
            }
            appendScalar(scalar, to: &output)
        }
    }

    /// Four ASCII units (below 0x100 each, the first in the low bits) as four bytes, the
    /// first in the low byte.
    @inline(__always)
    static func packASCII(_ word: UInt64) -> UInt64 {
        let pairs = (word | word >> 8) & 0x0000_FFFF_0000_FFFF
        return (pairs | pairs >> 16) & 0xFFFF_FFFF
    }

    /// Appends `count` code units as JSON string content, stopping early at a NUL unit: the
    /// hot path of rendering, with runs of plain ASCII copied without per-byte dispatch.
    static func appendJSON(_ bytes: UnsafeRawBufferPointer, offset: Int, count: Int, to output: inout RenderBuffer) {
        let end = min(count, max(0, (bytes.count - offset) / 2))
        var index = 0
        output.reserve(end)
        while index < end {
            // Four units at a time while they are plain ASCII that needs no escaping.
            if index + 4 <= end {
                let word = bytes.loadUnaligned(fromByteOffset: offset + index * 2, as: UInt64.self).littleEndian
                if UTF16Text.isPlainASCII(word) {
                    output.appendUnchecked(UInt8(truncatingIfNeeded: word))
                    output.appendUnchecked(UInt8(truncatingIfNeeded: word >> 16))
                    output.appendUnchecked(UInt8(truncatingIfNeeded: word >> 32))
                    output.appendUnchecked(UInt8(truncatingIfNeeded: word >> 48))
                    index += 4
                    continue
                }
            }
            let unit = bytes.u16(at: offset + index * 2)
            if unit >= 0x20 && unit < 0x80 && unit != 0x22 && unit != 0x5C {
                // Plain ASCII: one byte per unit, room made above.
                output.appendUnchecked(UInt8(unit))
                index += 1
                continue
            }
            if unit == 0 { return }
            if unit < 0x80 {
                appendASCII(UInt8(unit), escaping: .json, to: &output)
                index += 1
            } else {
                // Non-ASCII: hand this code point to the general path.
                let consumed = unit >= 0xD800 && unit <= 0xDBFF && index + 1 < end ? 2 : 1
                append(bytes, offset: offset + index * 2, count: consumed, escaping: .json, to: &output)
                index += consumed
            }
            // The slow paths wrote more than a byte per unit: make room again for the rest.
            output.reserve(end - index)
        }
    }

    /// Whether four UTF-16 units are all ASCII from 0x20 to 0x7F other than `"` and `\`.
    /// Borrows between lanes can only report false negatives, which take the slow path.
    @inline(__always)
    static func isPlainASCII(_ word: UInt64) -> Bool {
        let high: UInt64 = 0x8000_8000_8000_8000
        let ones: UInt64 = 0x0001_0001_0001_0001
        guard word & 0xFF80_FF80_FF80_FF80 == 0 else { return false }
        let control = (word &- 0x0020 &* ones) & ~word & high
        let quote = word ^ (0x22 &* ones)
        let backslash = word ^ (0x5C &* ones)
        let hasQuote = (quote &- ones) & ~quote & high
        let hasBackslash = (backslash &- ones) & ~backslash & high
        return control | hasQuote | hasBackslash == 0
    }

    /// A Swift string from `count` code units (stopping at NUL).
    static func string(_ bytes: UnsafeRawBufferPointer, offset: Int, count: Int) -> String {
        var utf8 = RenderBuffer(capacity: count * 3)
        append(bytes, offset: offset, count: count, escaping: .none, to: &utf8)
        return utf8.withBytes { String(decoding: $0, as: UTF8.self) }
    }

    @inline(__always)
    static func appendASCII(_ byte: UInt8, escaping: Escaping, to output: inout RenderBuffer) {
        switch escaping {
        case .none:
            output.append(byte)
        case .json:
            switch byte {
            case UInt8(ascii: "\""): output.append(0x5C, 0x22)
            case UInt8(ascii: "\\"): output.append(0x5C, 0x5C)
            case 0x0A: output.append(0x5C, UInt8(ascii: "n"))
            case 0x0D: output.append(0x5C, UInt8(ascii: "r"))
            case 0x09: output.append(0x5C, UInt8(ascii: "t"))
            case 0x08: output.append(0x5C, UInt8(ascii: "b"))
            case 0x0C: output.append(0x5C, UInt8(ascii: "f"))
            case 0..<0x20:
                output.append(0x5C, UInt8(ascii: "u"))
                output.append(0x30, 0x30)
                output.append(hex[Int(byte >> 4)], hex[Int(byte & 0xF)])
            default: output.append(byte)
            }
        case .xml(let attribute):
            switch byte {
            case UInt8(ascii: "&"): output.append("&amp;")
            case UInt8(ascii: "<"): output.append("&lt;")
            case UInt8(ascii: ">"): output.append("&gt;")
            case UInt8(ascii: "\"") where attribute: output.append("&quot;")
            case UInt8(ascii: "'") where attribute: output.append("&apos;")
            default: output.append(byte)
            }
        }
    }

    @inline(__always)
    static func appendScalar(_ scalar: UInt32, to output: inout RenderBuffer) {
        switch scalar {
        case 0..<0x80:
            output.append(UInt8(scalar))
        case 0x80..<0x800:
            output.append(UInt8(0xC0 | (scalar >> 6)))
            output.append(UInt8(0x80 | (scalar & 0x3F)))
        case 0x800..<0x10000:
            output.append(UInt8(0xE0 | (scalar >> 12)))
            output.append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
            output.append(UInt8(0x80 | (scalar & 0x3F)))
        default:
            output.append(UInt8(0xF0 | (scalar >> 18)))
            output.append(UInt8(0x80 | ((scalar >> 12) & 0x3F)))
            output.append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
            output.append(UInt8(0x80 | (scalar & 0x3F)))
        }
    }

    static let hex = Array("0123456789abcdef".utf8)
}
