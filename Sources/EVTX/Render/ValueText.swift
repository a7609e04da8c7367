import EventLog
import STIX

/// How substitution values read as text, the same way the `evtx` crate writes them:
/// integers in decimal, hexadecimal integers as `0x1f`, GUIDs upper-case without braces,
/// binary as upper-case hex, times as `2019-03-19T23:59:50.123456Z`, SIDs as `S-1-5-18`,
/// arrays comma-separated.
enum ValueText {
    /// Appends the text of a value node, escaped for the output format.
    static func append(
        _ node: RecordTree.Node, _ bytes: UnsafeRawBufferPointer, escaping: UTF16Text.Escaping, to output: inout RenderBuffer
    ) {
        let start = Int(node.a)
        let length = Int(node.b)
        guard start >= 0, length >= 0, start <= bytes.count - length else { return }
        let value = UnsafeRawBufferPointer(rebasing: bytes[start..<(start + length)])
        if node.type & ValueType.arrayFlag != 0 {
            let base = node.type & ~ValueType.arrayFlag
            for (index, range) in ArrayItems.ranges(of: node, in: bytes).enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                let item = UnsafeRawBufferPointer(rebasing: bytes[range])
                if base == ValueType.string {
                    UTF16Text.append(bytes, offset: range.lowerBound, count: range.count / 2, escaping: escaping, to: &output)
                } else {
                    scalar(base, item, escaping: escaping, to: &output)
                }
            }
            return
        }
        scalar(node.type, value, escaping: escaping, to: &output)
    }

    static func scalar(_ type: UInt8, _ value: UnsafeRawBufferPointer, escaping: UTF16Text.Escaping, to output: inout RenderBuffer) {
        let count = value.count
        switch type {
        case ValueType.string:
            UTF16Text.append(value, offset: 0, count: count / 2, escaping: escaping, to: &output)
        case ValueType.ansiString:
            for byte in value {
                if byte == 0 { break }
                if byte < 0x80 {
                    UTF16Text.appendASCII(byte, escaping: escaping, to: &output)
                } else {
                    UTF16Text.appendScalar(windows1252(byte), to: &output)
                }
            }
        case ValueType.int8 where count >= 1: decimal(Int64(Int8(bitPattern: value[0])), to: &output)
        case ValueType.uint8 where count >= 1: decimal(UInt64(value[0]), to: &output)
        case ValueType.int16 where count >= 2: decimal(Int64(Int16(bitPattern: value.u16(at: 0))), to: &output)
        case ValueType.uint16 where count >= 2: decimal(UInt64(value.u16(at: 0)), to: &output)
        case ValueType.int32 where count >= 4: decimal(Int64(Int32(bitPattern: value.u32(at: 0))), to: &output)
        case ValueType.uint32 where count >= 4: decimal(UInt64(value.u32(at: 0)), to: &output)
        case ValueType.int64 where count >= 8: decimal(Int64(bitPattern: value.u64(at: 0)), to: &output)
        case ValueType.uint64 where count >= 8: decimal(value.u64(at: 0), to: &output)
        case ValueType.real32 where count >= 4:
            output.append(utf8: Float(bitPattern: value.u32(at: 0)).description)
        case ValueType.real64 where count >= 8:
            output.append(utf8: Double(bitPattern: value.u64(at: 0)).description)
        case ValueType.bool where count >= 1:
            switch ValueType.boolValue(value) {
            case .bool(true): output.append("true")
            case .bool(false): output.append("false")
            case .integer(let raw): decimal(raw, to: &output)
            }
        case ValueType.guid where count >= 16:
            guid(value, to: &output)
        case ValueType.sizeT where count == 4, ValueType.hexInt32 where count >= 4:
            hex(UInt64(value.u32(at: 0)), to: &output)
        case ValueType.sizeT where count == 8, ValueType.hexInt64 where count >= 8:
            hex(value.u64(at: 0), to: &output)
        case ValueType.fileTime where count >= 8:
            fileTime(value.u64(at: 0), to: &output)
        case ValueType.sysTime where count >= 16:
            systemTime(value, to: &output)
        case ValueType.sid where count >= 8:
            sid(value, to: &output)
        default:
            // Binary, and anything of an unexpected size: the bytes in upper-case hex.
            upperHex(value, to: &output)
        }
    }

    static func decimal(_ value: Int64, to output: inout RenderBuffer) {
        if value < 0 {
            output.append(UInt8(ascii: "-"))
            decimal(value == .min ? UInt64(Int64.max) + 1 : UInt64(-value), to: &output)
        } else {
            decimal(UInt64(value), to: &output)
        }
    }

    static func decimal(_ value: UInt64, to output: inout RenderBuffer) {
        appendDigits(value, minimumWidth: 1, to: &output)
    }

    /// Appends the decimal digits of `value`, left-padded with zeros to `minimumWidth`.
    @inline(__always)
    static func appendDigits(_ value: UInt64, minimumWidth: Int, to output: inout RenderBuffer) {
        var digits = 1
        var rest = value / 10
        while rest > 0 {
            digits += 1
            rest /= 10
        }
        let width = max(digits, minimumWidth)
        let start = output.count
        output.append(repeating: UInt8(ascii: "0"), count: width)
        var remaining = value
        var index = start + width - 1
        while remaining > 0 {
            output.set(index, UInt8(ascii: "0") + UInt8(remaining % 10))
            remaining /= 10
            index -= 1
        }
    }

    static func hex(_ value: UInt64, to output: inout RenderBuffer) {
        output.append(UInt8(ascii: "0"), UInt8(ascii: "x"))
        if value == 0 {
            output.append(UInt8(ascii: "0"))
            return
        }
        var shift = (63 - value.leadingZeroBitCount) / 4 * 4
        while shift >= 0 {
            output.append(UTF16Text.hex[Int((value >> UInt64(shift)) & 0xF)])
            shift -= 4
        }
    }

    private static let upperDigits = Array("0123456789ABCDEF".utf8)

    static func upperHex(_ value: UnsafeRawBufferPointer, to output: inout RenderBuffer) {
        for byte in value {
            output.append(upperDigits[Int(byte >> 4)])
            output.append(upperDigits[Int(byte & 0xF)])
        }
    }

    /// Data1-Data2-Data3 little-endian, then the last 8 bytes as they are.
    static func guid(_ value: UnsafeRawBufferPointer, to output: inout RenderBuffer) {
        let order = [3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15]
        for (index, position) in order.enumerated() {
            if index == 4 || index == 6 || index == 8 || index == 10 { output.append(UInt8(ascii: "-")) }
            output.append(upperDigits[Int(value[position] >> 4)])
            output.append(upperDigits[Int(value[position] & 0xF)])
        }
    }

    static func sid(_ value: UnsafeRawBufferPointer, to output: inout RenderBuffer) {
        let revision = value[0]
        let subCount = Int(value[1])
        var authority: UInt64 = 0
        for index in 2..<8 { authority = authority << 8 | UInt64(value[index]) }
        output.append(UInt8(ascii: "S"), UInt8(ascii: "-"))
        decimal(UInt64(revision), to: &output)
        output.append(UInt8(ascii: "-"))
        decimal(authority, to: &output)
        for index in 0..<subCount where 8 + index * 4 + 4 <= value.count {
            output.append(UInt8(ascii: "-"))
            decimal(UInt64(value.u32(at: 8 + index * 4)), to: &output)
        }
    }

    /// FILETIME (100 ns since 1601) as an RFC 3339 UTC time with microseconds.
    static func fileTime(_ ticks: UInt64, to output: inout RenderBuffer) {
        let seconds = Int64(ticks / 10_000_000) - 11_644_473_600
        let micros = Int((ticks % 10_000_000) / 10)
        dateTime(seconds: seconds, micros: micros, to: &output)
    }

    /// SYSTEMTIME: year, month, day of week, day, hour, minute, second, milliseconds.
    static func systemTime(_ value: UnsafeRawBufferPointer, to output: inout RenderBuffer) {
        let field = { (index: Int) in Int(value.u16(at: index * 2)) }
        let days = CivilDate.daysSinceEpoch(year: field(0), month: field(1), day: field(3))
        let seconds = Int64(days) * 86_400 + Int64(field(4) * 3600 + field(5) * 60 + field(6))
        dateTime(seconds: seconds, micros: field(7) * 1000, to: &output)
    }

    static func dateTime(seconds: Int64, micros: Int, to output: inout RenderBuffer) {
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = Int(seconds - days * 86_400)
        let (year, month, day) = CivilDate.from(daysSinceEpoch: Int(days))
        pad(year, 4, to: &output)
        output.append(UInt8(ascii: "-"))
        pad(month, 2, to: &output)
        output.append(UInt8(ascii: "-"))
        pad(day, 2, to: &output)
        output.append(UInt8(ascii: "T"))
        pad(secondOfDay / 3600, 2, to: &output)
        output.append(UInt8(ascii: ":"))
        pad(secondOfDay / 60 % 60, 2, to: &output)
        output.append(UInt8(ascii: ":"))
        pad(secondOfDay % 60, 2, to: &output)
        output.append(UInt8(ascii: "."))
        pad(micros, 6, to: &output)
        output.append(UInt8(ascii: "Z"))
    }

    static func pad(_ value: Int, _ width: Int, to output: inout RenderBuffer) {
        if value < 0 { output.append(UInt8(ascii: "-")) }
        appendDigits(UInt64(value.magnitude), minimumWidth: width, to: &output)
    }

    /// The Unicode scalar of a Windows-1252 byte at or above 0x80.
    static func windows1252(_ byte: UInt8) -> UInt32 {
        let high: [UInt32] = [
            0x20AC, 0x81, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x8D,
            0x017D, 0x8F, 0x90, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161,
            0x203A, 0x0153, 0x9D, 0x017E, 0x0178,
        ]
        return byte >= 0x80 && byte < 0xA0 ? high[Int(byte - 0x80)] : UInt32(byte)
    }
}
