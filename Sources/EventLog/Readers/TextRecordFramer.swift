import Foundation

/// Splits text into records, block by block, keeping line numbers: lines; CSV rows, whose
/// quoted fields may hold line breaks; JSON values.
///
/// JSON is read as JSON lines when the first line is one object; otherwise (a pretty-printed
/// list or objects spread over lines) by structure: top-level values, with the brackets and
/// commas of a top-level list stepped over. In JSON-lines mode a broken line costs that line
/// only. A record longer than `maximumRecordSize` is reported and skipped to the next line, so
/// that memory stays bounded whatever the input. Blank lines are not records; a line's
/// trailing `\r` is dropped.
public struct TextRecordFramer: Sendable {
    /// How a format's records end.
    public enum Syntax: Sendable {
        case lines
        case csv
        case json
    }

    /// One record: where it lies in the block passed to `frame`, and the line it starts on.
    public struct Record: Sendable, Equatable {
        public var range: Range<Int>
        public var line: UInt64
    }

    public static let maximumRecordSize = 16 << 20

    public let syntax: Syntax
    /// The line number at the point where the next call starts.
    public private(set) var line: UInt64 = 1
    private var jsonLines: Bool?
    /// Stepping over the rest of an oversized record, up to the next line break.
    private var skipping = false

    public init(syntax: Syntax) { self.syntax = syntax }

    /// Finds the complete records of `bytes`, which continue where the last call stopped.
    /// Returns how many bytes were used: the caller passes the rest again, with more bytes
    /// after it (at `atEnd`, everything is used). `problems` receives oversized records.
    public mutating func frame(
        _ bytes: UnsafeRawBufferPointer, atEnd: Bool, into records: inout [Record], problems: inout [TextRecordError]
    ) -> Int {
        var position = 0
        if skipping {
            guard let newline = TextRecordFramer.find(0x0A, in: bytes, from: 0) else { return bytes.count }
            skipping = false
            line += 1
            position = newline + 1
        }
        if syntax == .json && jsonLines == nil {
            guard let decided = TextRecordFramer.looksLikeJSONLines(bytes, from: position, atEnd: atEnd) else { return position }
            jsonLines = decided
        }
        while position < bytes.count {
            let start = position
            let startLine = line
            let step: Step
            switch syntax {
            case .lines: step = lineEnd(bytes, from: position)
            case .csv: step = csvEnd(bytes, from: position)
            case .json: step = jsonLines == true ? lineEnd(bytes, from: position) : jsonValueEnd(bytes, from: position)
            }
            switch step {
            case .record(let range, let recordLine, let next):
                let trimmed = TextRecordFramer.trimmed(bytes, range)
                if trimmed.count > TextRecordFramer.maximumRecordSize {
                    problems.append(TextRecordFramer.oversized(at: recordLine))
                } else if !trimmed.isEmpty {
                    records.append(Record(range: trimmed, line: recordLine))
                }
                position = next
                continue
            case .separators(let next):
                position = next
                continue
            case .incomplete:
                break
            }
            // No end in this block.
            line = startLine
            if atEnd {
                let range = TextRecordFramer.trimmed(bytes, start..<bytes.count)
                if !range.isEmpty {
                    if syntax == .json && jsonLines != true, let first = firstNonSeparator(bytes, range) {
                        records.append(Record(range: first..<range.upperBound, line: startLine + UInt64(TextRecordFramer.count(0x0A, in: bytes, start..<first))))
                    } else if syntax != .json || jsonLines == true {
                        records.append(Record(range: range, line: startLine))
                    }
                }
                line += UInt64(TextRecordFramer.count(0x0A, in: bytes, start..<bytes.count))
                return bytes.count
            }
            if bytes.count - start > TextRecordFramer.maximumRecordSize {
                problems.append(TextRecordFramer.oversized(at: startLine))
                line += UInt64(TextRecordFramer.count(0x0A, in: bytes, start..<bytes.count))
                skipping = true
                return bytes.count
            }
            return start
        }
        return position
    }

    static func oversized(at line: UInt64) -> TextRecordError {
        TextRecordError(line: line, reason: "a record longer than \(maximumRecordSize >> 20) MiB, skipped")
    }

    /// What the scan from a record boundary found.
    private enum Step {
        /// A record, the line it starts on, and where scanning continues.
        case record(Range<Int>, line: UInt64, next: Int)
        /// Only separators up to `next` (JSON white space, commas, list brackets).
        case separators(next: Int)
        case incomplete
    }

    /// The line starting at `position`, up to its `\n`.
    private mutating func lineEnd(_ bytes: UnsafeRawBufferPointer, from position: Int) -> Step {
        guard let newline = TextRecordFramer.find(0x0A, in: bytes, from: position) else { return .incomplete }
        defer { line += 1 }
        return .record(position..<newline, line: line, next: newline + 1)
    }

    /// The CSV row starting at `position`: up to a line break outside quotes.
    private mutating func csvEnd(_ bytes: UnsafeRawBufferPointer, from position: Int) -> Step {
        var quoted = false
        var inner: UInt64 = 0
        for index in position..<bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                quoted.toggle()
            } else if byte == 0x0A {
                if !quoted {
                    defer { line += inner + 1 }
                    return .record(position..<index, line: line, next: index + 1)
                }
                inner += 1
            }
        }
        return .incomplete
    }

    /// The next top-level JSON value, after white space, commas and the brackets of a
    /// top-level list.
    private mutating func jsonValueEnd(_ bytes: UnsafeRawBufferPointer, from position: Int) -> Step {
        guard let first = firstNonSeparator(bytes, position..<bytes.count) else {
            line += UInt64(TextRecordFramer.count(0x0A, in: bytes, position..<bytes.count))
            return .separators(next: bytes.count)
        }
        let valueLine = line + UInt64(TextRecordFramer.count(0x0A, in: bytes, position..<first))
        guard let (end, inner) = TextRecordFramer.structuralEnd(bytes, from: first) else { return .incomplete }
        line = valueLine + inner
        return .record(first..<end, line: valueLine, next: end)
    }

    /// The first byte of a range that is not JSON white space, a comma or a list bracket.
    private func firstNonSeparator(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) -> Int? {
        range.first { index in
            switch bytes[index] {
            case 0x20, 0x09, 0x0D, 0x0A, UInt8(ascii: ","), UInt8(ascii: "["), UInt8(ascii: "]"): return false
            default: return true
            }
        }
    }

    /// Scans one value from its first byte: the offset just past it and the line breaks inside
    /// it, or nil when it does not end in `bytes`.
    private static func structuralEnd(_ bytes: UnsafeRawBufferPointer, from start: Int) -> (Int, UInt64)? {
        var depth = 0
        var inString = false
        var index = start
        var inner: UInt64 = 0
        let scalar = bytes[start] != UInt8(ascii: "{")
        while index < bytes.count {
            let byte = bytes[index]
            if inString {
                if byte == UInt8(ascii: "\\") {
                    index += 1
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                } else if byte == 0x0A {
                    inner += 1
                }
            } else {
                switch byte {
                case UInt8(ascii: "\""): inString = true
                case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    if scalar && depth == 0 { return (index, inner) }
                    depth -= 1
                    if depth == 0 && !scalar { return (index + 1, inner) }
                case 0x20, 0x09, 0x0A, 0x0D, UInt8(ascii: ","):
                    if scalar && depth == 0 { return (index, inner) }
                    if byte == 0x0A { inner += 1 }
                default: break
                }
            }
            index += 1
        }
        return nil
    }

    /// Whether JSON text is JSON lines: its first line holds one whole object. Nil when the
    /// first line is not complete yet.
    static func looksLikeJSONLines(_ bytes: UnsafeRawBufferPointer, from position: Int, atEnd: Bool) -> Bool? {
        var start = position
        while start < bytes.count, bytes[start] == 0x20 || bytes[start] == 0x09 || bytes[start] == 0x0D || bytes[start] == 0x0A
            || bytes[start] == 0xEF || bytes[start] == 0xBB || bytes[start] == 0xBF
        {
            start += 1
        }
        guard let newline = find(0x0A, in: bytes, from: start) else {
            return atEnd || bytes.count - position > maximumRecordSize ? true : nil
        }
        let firstLine = trimmed(bytes, start..<newline)
        guard !firstLine.isEmpty else { return true }
        return bytes[firstLine.lowerBound] == UInt8(ascii: "{") && bytes[firstLine.upperBound - 1] == UInt8(ascii: "}")
    }

    static func trimmed(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) -> Range<Int> {
        var lower = range.lowerBound
        var upper = range.upperBound
        if lower == 0, upper - lower >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { lower += 3 }
        while upper > lower, bytes[upper - 1] == 0x0D || bytes[upper - 1] == 0x20 || bytes[upper - 1] == 0x09 { upper -= 1 }
        while lower < upper, bytes[lower] == 0x20 || bytes[lower] == 0x09 { lower += 1 }
        return lower..<upper
    }

    static func find(_ byte: UInt8, in bytes: UnsafeRawBufferPointer, from position: Int) -> Int? {
        guard position < bytes.count, let base = bytes.baseAddress else { return nil }
        guard let found = memchr(base + position, Int32(byte), bytes.count - position) else { return nil }
        return base.distance(to: UnsafeRawPointer(found))
    }

    static func count(_ byte: UInt8, in bytes: UnsafeRawBufferPointer, _ range: Range<Int>) -> Int {
        var total = 0
        var position = range.lowerBound
        while position < range.upperBound, let found = find(byte, in: UnsafeRawBufferPointer(rebasing: bytes[..<range.upperBound]), from: position) {
            total += 1
            position = found + 1
        }
        return total
    }
}
