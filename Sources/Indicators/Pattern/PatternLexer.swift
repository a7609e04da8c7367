import Foundation
import STIX

/// A token of the STIX pattern language, with the column where it starts (1-based).
struct PatternToken: Equatable {
    enum Kind: Equatable {
        case keyword(String)
        /// An identifier; `hyphenated` when it holds a `-` (allowed in object types only).
        case identifier(String, hyphenated: Bool)
        case int(text: String)
        case float(text: String)
        case string(String)
        case bool(Bool)
        case binary([UInt8])
        case timestamp(STIXTimestamp)
        case symbol(String)
        case end
    }

    var kind: Kind
    var column: Int

    var describe: String {
        switch kind {
        case .keyword(let word): "'\(word)'"
        case .identifier(let name, _): "'\(name)'"
        case .int(let text), .float(let text): "number \(text)"
        case .string(let text): "string '\(text)'"
        case .bool(let value): "'\(value)'"
        case .binary: "a binary literal"
        case .timestamp(let value): "timestamp t'\(value.text)'"
        case .symbol(let symbol): "'\(symbol)'"
        case .end: "the end of the pattern"
        }
    }
}

/// Splits a pattern into tokens the way the grammar's lexer does (`STIXPattern.g4`): the
/// longest token wins, keywords are upper case (`true`/`false` lower), a literal that is not
/// well formed falls apart into tokens the parser then refuses.
///
/// It reads UTF-8 bytes: a feed of a million indicators is parsed in a second or two.
/// Columns count characters (Unicode scalars), as a reader of the pattern counts them.
struct PatternLexer {
    static let keywords: Set<String> = [
        "AND", "OR", "NOT", "FOLLOWEDBY", "LIKE", "MATCHES", "ISSUPERSET", "ISSUBSET", "EXISTS", "LAST", "IN", "START", "STOP",
        "SECONDS", "WITHIN", "REPEATS", "TIMES",
    ]
    /// White space beyond ASCII that the grammar skips.
    private static let spaces: Set<Unicode.Scalar> = [
        "\u{85}", "\u{A0}", "\u{1680}", "\u{2000}", "\u{2001}", "\u{2002}", "\u{2003}", "\u{2004}", "\u{2005}", "\u{2006}",
        "\u{2007}", "\u{2008}", "\u{2009}", "\u{200A}", "\u{2028}", "\u{2029}", "\u{202F}", "\u{205F}", "\u{3000}",
    ]

    private let bytes: [UInt8]
    private var position = 0

    init(_ text: String) { bytes = Array(text.utf8) }

    mutating func tokens() throws(PatternError) -> [PatternToken] {
        var tokens: [PatternToken] = []
        tokens.reserveCapacity(16)
        while true {
            skipSpaceAndComments()
            guard position < bytes.count else {
                tokens.append(PatternToken(kind: .end, column: column(of: bytes.count)))
                return tokens
            }
            tokens.append(try next())
        }
    }

    /// The 1-based character column of a byte offset.
    private func column(of offset: Int) -> Int {
        var count = 1
        for index in 0..<offset where bytes[index] & 0xC0 != 0x80 { count += 1 }
        return count
    }

    private func at(_ offset: Int) -> UInt8? {
        position + offset < bytes.count ? bytes[position + offset] : nil
    }

    /// The scalar starting at a byte offset and its length in bytes.
    private func scalar(at offset: Int) -> (Unicode.Scalar, Int)? {
        var iterator = bytes[offset...].makeIterator()
        var decoder = UTF8()
        guard case .scalarValue(let scalar) = decoder.decode(&iterator) else { return nil }
        return (scalar, UTF8.width(scalar))
    }

    private mutating func skipSpaceAndComments() {
        while let byte = at(0) {
            switch byte {
            case 0x20, 0x09, 0x0A, 0x0B, 0x0C, 0x0D:
                position += 1
            case UInt8(ascii: "/") where at(1) == UInt8(ascii: "*"):
                guard let close = find(UInt8(ascii: "*"), UInt8(ascii: "/"), from: position + 2) else { return }
                position = close + 2
            case UInt8(ascii: "/") where at(1) == UInt8(ascii: "/"):
                while let next = at(0), next != 0x0A, next != 0x0D { position += 1 }
            case 0x80...:
                guard let (scalar, width) = scalar(at: position), Self.spaces.contains(scalar) else { return }
                position += width
            default:
                return
            }
        }
    }

    private func find(_ first: UInt8, _ second: UInt8, from start: Int) -> Int? {
        var index = start
        while index + 1 < bytes.count {
            if bytes[index] == first, bytes[index + 1] == second { return index }
            index += 1
        }
        return nil
    }

    private func text(_ range: Range<Int>) -> String { String(decoding: bytes[range], as: UTF8.self) }

    private mutating func next() throws(PatternError) -> PatternToken {
        let start = position
        let column = column(of: start)
        let byte = bytes[start]
        func token(_ kind: PatternToken.Kind, length: Int) -> PatternToken {
            position = start + length
            return PatternToken(kind: kind, column: column)
        }
        // Literals introduced by a letter and a quote; if malformed, the letter is an identifier.
        if at(1) == UInt8(ascii: "'") {
            if byte == UInt8(ascii: "t"), let (value, length) = timestampLiteral() { return token(.timestamp(value), length: length) }
            if byte == UInt8(ascii: "h"), let (value, length) = hexLiteral() { return token(.binary(value), length: length) }
            if byte == UInt8(ascii: "b"), let (value, length) = base64Literal() { return token(.binary(value), length: length) }
        }
        if Self.isIdentifierStart(byte) {
            var end = start + 1
            var hyphenated = false
            while end < bytes.count, Self.isIdentifierPart(bytes[end]) || bytes[end] == UInt8(ascii: "-") {
                if bytes[end] == UInt8(ascii: "-") { hyphenated = true }
                end += 1
            }
            let name = text(start..<end)
            if !hyphenated, Self.keywords.contains(name) { return token(.keyword(name), length: end - start) }
            if !hyphenated, name == "true" || name == "false" { return token(.bool(name == "true"), length: end - start) }
            return token(.identifier(name, hyphenated: hyphenated), length: end - start)
        }
        if let (kind, length) = numberLiteral() { return token(kind, length: length) }
        if byte == UInt8(ascii: "'") {
            if let (value, length) = stringLiteral() { return token(.string(value), length: length) }
            throw PatternError("unterminated string, or a backslash before something other than ' or \\", column: column)
        }
        let second = at(1)
        switch (byte, second) {
        case (UInt8(ascii: "="), UInt8(ascii: "=")): return token(.symbol("="), length: 2)
        case (UInt8(ascii: "!"), UInt8(ascii: "=")), (UInt8(ascii: "<"), UInt8(ascii: ">")): return token(.symbol("!="), length: 2)
        case (UInt8(ascii: "<"), UInt8(ascii: "=")): return token(.symbol("<="), length: 2)
        case (UInt8(ascii: ">"), UInt8(ascii: "=")): return token(.symbol(">="), length: 2)
        default: break
        }
        if "=<>:.,()[]*+-^/".utf8.contains(byte) { return token(.symbol(String(UnicodeScalar(byte))), length: 1) }
        let shown = scalar(at: start).map { String($0.0).unicodeScalars.first!.escaped(asASCII: true) } ?? "\\x\(String(byte, radix: 16))"
        throw PatternError("unexpected character '\(shown)'", column: column)
    }

    static func isIdentifierStart(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: "_") || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
    }

    static func isIdentifierPart(_ byte: UInt8) -> Bool { isIdentifierStart(byte) || isDigit(byte) }

    private static func isDigit(_ byte: UInt8) -> Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }

    /// `[+-]? (0 | [1-9][0-9]*)` or `[+-]? [0-9]* . [0-9]+`, the longest that fits.
    private func numberLiteral() -> (PatternToken.Kind, Int)? {
        var index = position
        if bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
        let digitsStart = index
        while index < bytes.count, Self.isDigit(bytes[index]) { index += 1 }
        if index + 1 < bytes.count, bytes[index] == UInt8(ascii: "."), Self.isDigit(bytes[index + 1]) {
            var end = index + 1
            while end < bytes.count, Self.isDigit(bytes[end]) { end += 1 }
            return (.float(text: text(position..<end)), end - position)
        }
        guard index > digitsStart else { return nil }
        // An integer is 0 alone or has no leading zero: "012" is "0" then "12".
        let intEnd = bytes[digitsStart] == UInt8(ascii: "0") ? digitsStart + 1 : index
        return (.int(text: text(position..<intEnd)), intEnd - position)
    }

    /// `'...'` where a backslash escapes only `'` and `\`.
    private func stringLiteral() -> (String, Int)? {
        var index = position + 1
        var escaped = false
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "'"):
                guard escaped else { return (text(position + 1..<index), index + 1 - position) }
                var value: [UInt8] = []
                value.reserveCapacity(index - position)
                var scan = position + 1
                while scan < index {
                    if bytes[scan] == UInt8(ascii: "\\") { scan += 1 }
                    value.append(bytes[scan])
                    scan += 1
                }
                return (String(decoding: value, as: UTF8.self), index + 1 - position)
            case UInt8(ascii: "\\"):
                guard index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "'") || bytes[index + 1] == UInt8(ascii: "\\") else { return nil }
                escaped = true
                index += 2
            default:
                index += 1
            }
        }
        return nil
    }

    /// The bytes between the quotes of `x'...'`, if the closing quote is there.
    private func quoted() -> (Range<Int>, Int)? {
        var index = position + 2
        while index < bytes.count, bytes[index] != UInt8(ascii: "'") { index += 1 }
        guard index < bytes.count else { return nil }
        return ((position + 2)..<index, index + 1 - position)
    }

    private func timestampLiteral() -> (STIXTimestamp, Int)? {
        guard let (range, length) = quoted(), range.count >= 20, bytes[range].allSatisfy({ $0 < 128 }),
            let value = try? STIXTimestamp(text(range))
        else { return nil }
        return (value, length)
    }

    private func hexLiteral() -> ([UInt8], Int)? {
        guard let (range, length) = quoted(), let value = Self.hexBytes(bytes[range]) else { return nil }
        return (value, length)
    }

    /// Pairs of hex digits as bytes; nil for an odd count or a non-hex digit.
    static func hexBytes<Digits: Collection<UInt8>>(_ digits: Digits) -> [UInt8]? {
        guard digits.count % 2 == 0 else { return nil }
        var value: [UInt8] = []
        value.reserveCapacity(digits.count / 2)
        var high: UInt8?
        for digit in digits {
            guard let nibble = hexValue(digit) else { return nil }
            if let first = high {
                value.append(first << 4 | nibble)
                high = nil
            } else {
                high = nibble
            }
        }
        return value
    }

    private func base64Literal() -> ([UInt8], Int)? {
        guard let (range, length) = quoted(), !range.isEmpty, range.count % 4 == 0,
            bytes[range].allSatisfy({ Self.isBase64($0) || $0 == UInt8(ascii: "=") }),
            let data = Data(base64Encoded: text(range))
        else { return nil }
        return (Array(data), length)
    }

    private static func isBase64(_ byte: UInt8) -> Bool {
        isIdentifierPart(byte) && byte != UInt8(ascii: "_") || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "/")
    }

    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
