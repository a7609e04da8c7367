import Foundation

/// Parses RFC 8259 JSON from UTF-8 bytes into `JSONValue`s.
///
/// It works on the bytes directly (no `JSONSerialization` round trip, no intermediate
/// Foundation objects), which is what makes importing a 34 MB ATT&CK bundle take a fraction of
/// a second. It refuses what RFC 8259 refuses (trailing commas, comments, unescaped control
/// characters, invalid UTF-8, lone surrogates, duplicate keys in one object) with the byte
/// offset, line and column of the problem. It does not stream: the whole document is parsed.
public struct JSONParser {
    /// Nesting deeper than this is refused instead of exhausting the stack.
    public static let maximumDepth = 512

    /// What to do with an object that repeats a key.
    public enum DuplicateKeys: Sendable {
        /// Refuse the document, as STIX requires.
        case refuse
        /// Keep one member per key, with the last value, at the first position.
        case lastWins
        /// Keep every member as written, unchecked (the fastest): for readers that walk the
        /// members in order and let a later one replace an earlier one.
        case keepAll
    }

    /// Parses one JSON document; only whitespace may follow it.
    ///
    /// `duplicateKeys` says what to do with an object that repeats a key, which STIX forbids
    /// and log producers do (the evtx crate's JSON repeats a key for each element of an array).
    public static func parse(_ bytes: [UInt8], duplicateKeys: DuplicateKeys = .refuse) throws(STIXError) -> JSONValue {
        try typed { try bytes.withUnsafeBufferPointer { buffer in try parseDocument(buffer, duplicateKeys: duplicateKeys) } }
    }

    /// Parses one JSON document from bytes the caller owns (a line of a log file).
    package static func parse(_ buffer: UnsafeRawBufferPointer, duplicateKeys: DuplicateKeys = .refuse) throws(STIXError) -> JSONValue {
        try typed { try parseDocument(buffer.assumingMemoryBound(to: UInt8.self), duplicateKeys: duplicateKeys) }
    }

    /// Parses one JSON document from `Data`.
    public static func parse(_ data: Data) throws(STIXError) -> JSONValue {
        try typed {
            try data.withUnsafeBytes { raw in
                try parseDocument(UnsafeBufferPointer(start: raw.bindMemory(to: UInt8.self).baseAddress, count: raw.count))
            }
        }
    }

    /// Parses one JSON document, spreading one large list over all cores: the list under `key`
    /// in a top-level object (a bundle's `objects`), or a top-level array. The result is the
    /// same as `parse(_:)`; errors name the same positions.
    public static func parse(_ bytes: [UInt8], parallelListKey key: String, executor: ParallelExecutor = .shared) throws(STIXError) -> JSONValue {
        try typed { try bytes.withUnsafeBufferPointer { buffer in try parseDocumentInParallel(buffer, listKey: key, executor: executor) } }
    }

    /// Runs a parse, passing on its `STIXError` (buffer closures only rethrow untyped errors).
    private static func typed(_ parse: () throws -> JSONValue) throws(STIXError) -> JSONValue {
        do {
            return try parse()
        } catch let error as STIXError {
            throw error
        } catch {
            throw STIXError.invalidJSON(reason: "\(error)", offset: 0, line: 1, column: 1)
        }
    }

    /// Parses one JSON document from a string.
    public static func parse(_ text: String, duplicateKeys: DuplicateKeys = .refuse) throws(STIXError) -> JSONValue {
        try parse(Array(text.utf8), duplicateKeys: duplicateKeys)
    }

    private static func parseDocument(_ buffer: UnsafeBufferPointer<UInt8>, duplicateKeys: DuplicateKeys = .refuse) throws -> JSONValue {
        var reader = JSONByteReader(buffer)
        reader.duplicateKeys = duplicateKeys
        reader.skipWhitespace()
        let value = try reader.parseValue(depth: 0)
        reader.skipWhitespace()
        if reader.position < buffer.count {
            throw reader.failure("unexpected content after the JSON value")
        }
        return value
    }
}

extension JSONParser {
    /// The top of the document is parsed here; the big list's elements are first only skipped
    /// over (to find where each one ends), then parsed independently on all cores.
    private static func parseDocumentInParallel(_ buffer: UnsafeBufferPointer<UInt8>, listKey: String, executor: ParallelExecutor) throws -> JSONValue {
        var reader = JSONByteReader(buffer)
        reader.skipWhitespace()
        var ranges: [Range<Int>] = []
        let top: JSONValue
        var listPosition: Int?
        switch reader.position < buffer.count ? buffer[reader.position] : 0 {
        case UInt8(ascii: "["):
            ranges = try reader.skipListElements()
            top = .array([])
        case UInt8(ascii: "{"):
            var members: [JSONObject.Member] = []
            try reader.parseObjectMembers(depth: 1) { reader, key in
                if key == listKey, reader.position < buffer.count, buffer[reader.position] == UInt8(ascii: "["), listPosition == nil {
                    ranges = try reader.skipListElements()
                    listPosition = members.count
                    members.append((key: key, value: .array([])))
                } else {
                    members.append((key: key, value: try reader.parseValue(depth: 1)))
                }
            }
            top = .object(JSONObject(uniqueMembers: members))
        default:
            return try parseDocument(buffer)
        }
        reader.skipWhitespace()
        if reader.position < buffer.count { throw reader.failure("unexpected content after the JSON value") }

        nonisolated(unsafe) let shared = buffer
        let parsed = ranges.concurrentMap(minimumChunk: 64, executor: executor) { range -> Result<JSONValue, STIXError> in
            var element = JSONByteReader(shared, end: range.upperBound)
            element.position = range.lowerBound
            do {
                let value = try element.parseValue(depth: 1)
                element.skipWhitespace()
                if element.position != range.upperBound { throw element.failure("unexpected content after a list element") }
                return .success(value)
            } catch let error as STIXError {
                return .failure(error)
            } catch {
                return .failure(STIXError.invalidJSON(reason: "\(error)", offset: range.lowerBound, line: 1, column: 1))
            }
        }
        var elements: [JSONValue] = []
        elements.reserveCapacity(parsed.count)
        for result in parsed {
            switch result {
            case .success(let value): elements.append(value)
            case .failure(let error): throw error
            }
        }
        guard case .object(var object) = top else { return .array(elements) }
        guard let listPosition else { return top }
        object.insert(.array(elements), forKey: object.members[listPosition].key, at: listPosition)
        return .object(object)
    }
}

/// The cursor behind `JSONParser`; one per document.
struct JSONByteReader {
    /// The whole document: positions and messages refer to it.
    let document: UnsafeBufferPointer<UInt8>
    /// The part being read, which ends where the reader must stop (one list element, or all).
    let bytes: UnsafeBufferPointer<UInt8>
    var position = 0
    var duplicateKeys = JSONParser.DuplicateKeys.refuse

    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.document = bytes
        self.bytes = bytes
    }

    /// A reader that stops at `end`, for one element of a list.
    init(_ document: UnsafeBufferPointer<UInt8>, end: Int) {
        self.document = document
        self.bytes = UnsafeBufferPointer(rebasing: document[0..<end])
    }

    func failure(_ reason: String, at offset: Int? = nil) -> STIXError {
        let at = min(offset ?? position, bytes.count)
        let bytes = document
        var line = 1
        var lineStart = 0
        var index = 0
        while index < at {
            if bytes[index] == UInt8(ascii: "\n") {
                line += 1
                lineStart = index + 1
            }
            index += 1
        }
        return STIXError.invalidJSON(reason: reason, offset: at, line: line, column: at - lineStart + 1)
    }

    mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x0A, 0x0D, 0x09: position += 1
            default: return
            }
        }
    }

    mutating func parseValue(depth: Int) throws -> JSONValue {
        guard position < bytes.count else { throw failure("unexpected end of input, expected a value") }
        switch bytes[position] {
        case UInt8(ascii: "{"): return .object(try parseObject(depth: depth + 1))
        case UInt8(ascii: "["): return .array(try parseArray(depth: depth + 1))
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        default:
            throw failure("unexpected character \(describe(bytes[position])), expected a value")
        }
    }

    private func describe(_ byte: UInt8) -> String {
        if byte >= 0x20 && byte < 0x7F { return "'\(Character(Unicode.Scalar(byte)))'" }
        return "byte 0x\(String(byte, radix: 16, uppercase: true))"
    }

    private mutating func expectLiteral(_ literal: StaticString) throws {
        let count = literal.utf8CodeUnitCount
        guard position + count <= bytes.count else { throw failure("unexpected end of input in a literal") }
        let matches = literal.withUTF8Buffer { expected in
            (0..<count).allSatisfy { bytes[position + $0] == expected[$0] }
        }
        guard matches else { throw failure("invalid literal, expected \(literal)") }
        position += count
    }

    private mutating func parseObject(depth: Int) throws -> JSONObject {
        var members: [JSONObject.Member] = []
        let repeated = try parseObjectMembers(depth: depth) { reader, key in
            members.append((key: key, value: try reader.parseValue(depth: depth)))
        }
        return repeated && duplicateKeys == .lastWins ? JSONObject(members) : JSONObject(uniqueMembers: members)
    }

    /// Reads an object's members, handing each key to `member` with the reader at its value,
    /// which `member` must consume. Duplicate keys are refused, or allowed as `duplicateKeys`
    /// says; returns whether a key was repeated (never noticed under `.keepAll`).
    @discardableResult
    mutating func parseObjectMembers(depth: Int, _ member: (inout JSONByteReader, String) throws -> Void) throws -> Bool {
        guard depth <= JSONParser.maximumDepth else { throw failure("nesting deeper than \(JSONParser.maximumDepth) levels") }
        position += 1  // {
        var keys = KeyTracker()
        var repeated = false
        skipWhitespace()
        if position < bytes.count && bytes[position] == UInt8(ascii: "}") {
            position += 1
            return false
        }
        while true {
            skipWhitespace()
            guard position < bytes.count else { throw failure("unexpected end of input in an object") }
            guard bytes[position] == UInt8(ascii: "\"") else {
                throw failure("expected a property name in double quotes")
            }
            let keyOffset = position
            let key = try parseString()
            if duplicateKeys != .keepAll && !keys.insert(key) {
                guard duplicateKeys == .lastWins else { throw failure("duplicate property name \"\(key)\"", at: keyOffset) }
                repeated = true
            }
            skipWhitespace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: ":") else {
                throw failure(position < bytes.count ? "expected ':' after a property name" : "unexpected end of input in an object")
            }
            position += 1
            skipWhitespace()
            try member(&self, key)
            skipWhitespace()
            guard position < bytes.count else { throw failure("unexpected end of input in an object") }
            switch bytes[position] {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "}"):
                position += 1
                return repeated
            default: throw failure("expected ',' or '}' in an object")
            }
        }
    }

    /// Steps over a list, returning where each element starts and ends, without parsing them.
    mutating func skipListElements() throws -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        try parseArrayElements(depth: 1) { reader in
            let start = reader.position
            try reader.skipValue()
            ranges.append(start..<reader.position)
        }
        return ranges
    }

    /// Moves past one value by its structure only (strings, brackets, scalar extent); parsing
    /// the value later checks everything else.
    mutating func skipValue() throws {
        guard position < bytes.count else { throw failure("unexpected end of input, expected a value") }
        switch bytes[position] {
        case UInt8(ascii: "\""):
            try skipString()
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            var depth = 0
            repeat {
                guard position < bytes.count else { throw failure("unexpected end of input in an array or object") }
                switch bytes[position] {
                case UInt8(ascii: "\""):
                    try skipString()
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    depth += 1
                    guard depth <= JSONParser.maximumDepth else {
                        throw failure("nesting deeper than \(JSONParser.maximumDepth) levels")
                    }
                    position += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    depth -= 1
                    position += 1
                default:
                    position += 1
                }
            } while depth > 0
        default:
            while position < bytes.count {
                switch bytes[position] {
                case UInt8(ascii: ","), UInt8(ascii: "]"), UInt8(ascii: "}"), 0x20, 0x0A, 0x0D, 0x09: return
                default: position += 1
                }
            }
        }
    }

    private mutating func skipString() throws {
        let start = position
        position += 1
        while position < bytes.count {
            switch bytes[position] {
            case UInt8(ascii: "\""):
                position += 1
                return
            case UInt8(ascii: "\\"): position += 2
            default: position += 1
            }
        }
        throw failure("unterminated string: the input ends before its closing quote", at: start)
    }

    private mutating func parseArray(depth: Int) throws -> [JSONValue] {
        var elements: [JSONValue] = []
        try parseArrayElements(depth: depth) { reader in elements.append(try reader.parseValue(depth: depth)) }
        return elements
    }

    /// Reads a list, calling `element` with the reader at each element, which it must consume.
    mutating func parseArrayElements(depth: Int, _ element: (inout JSONByteReader) throws -> Void) throws {
        guard depth <= JSONParser.maximumDepth else { throw failure("nesting deeper than \(JSONParser.maximumDepth) levels") }
        position += 1  // [
        skipWhitespace()
        if position < bytes.count && bytes[position] == UInt8(ascii: "]") {
            position += 1
            return
        }
        while true {
            skipWhitespace()
            try element(&self)
            skipWhitespace()
            guard position < bytes.count else { throw failure("unexpected end of input in an array") }
            switch bytes[position] {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "]"):
                position += 1
                return
            default: throw failure("expected ',' or ']' in an array")
            }
        }
    }

    mutating func parseString() throws -> String {
        let start = position
        position += 1  // opening quote
        let contentStart = position
        // Fast path: no escapes, only validation of UTF-8 at the end.
        while position < bytes.count {
            let byte = bytes[position]
            if byte == UInt8(ascii: "\"") {
                let slice = UnsafeBufferPointer(rebasing: bytes[contentStart..<position])
                position += 1
                guard let string = String(validating: slice, as: UTF8.self) else {
                    throw failure("invalid UTF-8 in a string", at: start)
                }
                return string
            }
            if byte == UInt8(ascii: "\\") { break }
            if byte < 0x20 { throw failure("unescaped control character in a string") }
            position += 1
        }
        guard position < bytes.count else { throw failure("unterminated string: the input ends before its closing quote", at: start) }
        // Slow path: copy with escapes resolved.
        var utf8 = [UInt8](UnsafeBufferPointer(rebasing: bytes[contentStart..<position]))
        while position < bytes.count {
            let byte = bytes[position]
            switch byte {
            case UInt8(ascii: "\""):
                position += 1
                guard let string = String(validating: utf8, as: UTF8.self) else {
                    throw failure("invalid UTF-8 in a string", at: start)
                }
                return string
            case UInt8(ascii: "\\"):
                position += 1
                guard position < bytes.count else { break }
                let escape = bytes[position]
                position += 1
                switch escape {
                case UInt8(ascii: "\""): utf8.append(0x22)
                case UInt8(ascii: "\\"): utf8.append(0x5C)
                case UInt8(ascii: "/"): utf8.append(0x2F)
                case UInt8(ascii: "b"): utf8.append(0x08)
                case UInt8(ascii: "f"): utf8.append(0x0C)
                case UInt8(ascii: "n"): utf8.append(0x0A)
                case UInt8(ascii: "r"): utf8.append(0x0D)
                case UInt8(ascii: "t"): utf8.append(0x09)
                case UInt8(ascii: "u"):
                    let scalar = try parseUnicodeEscape()
                    utf8.append(contentsOf: Array(String(Character(scalar)).utf8))
                default:
                    throw failure("invalid escape \\\(Character(Unicode.Scalar(escape)))", at: position - 2)
                }
            default:
                if byte < 0x20 { throw failure("unescaped control character in a string") }
                utf8.append(byte)
                position += 1
            }
        }
        throw failure("unterminated string: the input ends before its closing quote", at: start)
    }

    private mutating func parseHex4() throws -> UInt32 {
        guard position + 4 <= bytes.count else { throw failure("unexpected end of input in a \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[position]
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: throw failure("invalid hex digit in a \\u escape")
            }
            value = value << 4 | digit
            position += 1
        }
        return value
    }

    private mutating func parseUnicodeEscape() throws -> Unicode.Scalar {
        let escapeStart = position - 2
        let first = try parseHex4()
        if (0xD800...0xDBFF).contains(first) {
            guard position + 6 <= bytes.count, bytes[position] == UInt8(ascii: "\\"), bytes[position + 1] == UInt8(ascii: "u") else {
                throw failure("lone high surrogate in a \\u escape", at: escapeStart)
            }
            position += 2
            let second = try parseHex4()
            guard (0xDC00...0xDFFF).contains(second) else {
                throw failure("invalid low surrogate in a \\u escape", at: escapeStart)
            }
            let combined = 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
            guard let scalar = Unicode.Scalar(combined) else { throw failure("invalid \\u escape", at: escapeStart) }
            return scalar
        }
        guard let scalar = Unicode.Scalar(first) else {
            throw failure("lone low surrogate in a \\u escape", at: escapeStart)
        }
        return scalar
    }

    private mutating func parseNumber() throws -> JSONValue {
        let start = position
        var isInteger = true
        if bytes[position] == UInt8(ascii: "-") { position += 1 }
        guard position < bytes.count, isDigit(bytes[position]) else { throw failure("invalid number", at: start) }
        if bytes[position] == UInt8(ascii: "0") {
            position += 1
            if position < bytes.count, isDigit(bytes[position]) { throw failure("leading zero in a number", at: start) }
        } else {
            while position < bytes.count, isDigit(bytes[position]) { position += 1 }
        }
        if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
            isInteger = false
            position += 1
            guard position < bytes.count, isDigit(bytes[position]) else { throw failure("expected a digit after '.'", at: start) }
            while position < bytes.count, isDigit(bytes[position]) { position += 1 }
        }
        if position < bytes.count, bytes[position] == UInt8(ascii: "e") || bytes[position] == UInt8(ascii: "E") {
            isInteger = false
            position += 1
            if position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") { position += 1 }
            guard position < bytes.count, isDigit(bytes[position]) else { throw failure("expected a digit in an exponent", at: start) }
            while position < bytes.count, isDigit(bytes[position]) { position += 1 }
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
        if isInteger, let value = Int64(text) { return .int(value) }
        if isInteger, let value = UInt64(text) { return .uint(value) }
        guard let value = Double(text), value.isFinite else { throw failure("number out of range", at: start) }
        return .double(value)
    }

    @inline(__always)
    private func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
}

/// The keys of one object seen so far: a list while short (most objects), a set after.
private struct KeyTracker {
    private var list: [String] = []
    private var set: Set<String>?

    /// Adds a key; false if it was already there.
    mutating func insert(_ key: String) -> Bool {
        if set != nil { return set!.insert(key).inserted }
        if list.contains(key) { return false }
        list.append(key)
        if list.count > 16 {
            set = Set(list)
            list = []
        }
        return true
    }
}
