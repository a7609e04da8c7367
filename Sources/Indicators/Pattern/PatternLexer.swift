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
struct PatternLexer {
    static let keywords: Set<String> = [
        "AND", "OR", "NOT", "FOLLOWEDBY", "LIKE", "MATCHES", "ISSUPERSET", "ISSUBSET", "EXISTS", "LAST", "IN", "START", "STOP",
        "SECONDS", "WITHIN", "REPEATS", "TIMES",
    ]
    private static let spaces: Set<Unicode.Scalar> = [
        " ", "\t", "\r", "\n", "\u{0B}", "\u{0C}", "\u{85}", "\u{A0}", "\u{1680}", "\u{2000}", "\u{2001}", "\u{2002}", "\u{2003}",
        "\u{2004}", "\u{2005}", "\u{2006}", "\u{2007}", "\u{2008}", "\u{2009}", "\u{200A}", "\u{2028}", "\u{2029}", "\u{202F}",
        "\u{205F}", "\u{3000}",
    ]

    private let scalars: [Unicode.Scalar]
    private var position = 0

    init(_ text: String) { scalars = Array(text.unicodeScalars) }

    mutating func tokens() throws(PatternError) -> [PatternToken] {
        var tokens: [PatternToken] = []
        while true {
            skipSpaceAndComments()
            guard position < scalars.count else {
                tokens.append(PatternToken(kind: .end, column: scalars.count + 1))
                return tokens
            }
            tokens.append(try next())
        }
    }

    private func at(_ offset: Int) -> Unicode.Scalar? {
        position + offset < scalars.count ? scalars[position + offset] : nil
    }

    private mutating func skipSpaceAndComments() {
        while let scalar = at(0) {
            if Self.spaces.contains(scalar) {
                position += 1
            } else if scalar == "/", at(1) == "*", let close = find("*/", from: position + 2) {
                position = close + 2
            } else if scalar == "/", at(1) == "/" {
                while let next = at(0), next != "\n", next != "\r" { position += 1 }
            } else {
                return
            }
        }
    }

    private func find(_ text: String, from start: Int) -> Int? {
        let needle = Array(text.unicodeScalars)
        var index = start
        while index + needle.count <= scalars.count {
            if Array(scalars[index..<index + needle.count]) == needle { return index }
            index += 1
        }
        return nil
    }

    private mutating func next() throws(PatternError) -> PatternToken {
        let start = position
        let column = start + 1
        let scalar = scalars[start]
        func token(_ kind: PatternToken.Kind, length: Int) -> PatternToken {
            position = start + length
            return PatternToken(kind: kind, column: column)
        }
        // Literals introduced by a letter and a quote; if malformed, the letter is an identifier.
        if at(1) == "'" {
            if scalar == "t", let (value, length) = timestampLiteral() { return token(.timestamp(value), length: length) }
            if scalar == "h", let (bytes, length) = hexLiteral() { return token(.binary(bytes), length: length) }
            if scalar == "b", let (bytes, length) = base64Literal() { return token(.binary(bytes), length: length) }
        }
        if Self.isIdentifierStart(scalar) {
            var end = start + 1
            var hyphenated = false
            while end < scalars.count, Self.isIdentifierPart(scalars[end]) || scalars[end] == "-" {
                if scalars[end] == "-" { hyphenated = true }
                end += 1
            }
            let text = String(String.UnicodeScalarView(scalars[start..<end]))
            if !hyphenated, Self.keywords.contains(text) { return token(.keyword(text), length: end - start) }
            if !hyphenated, text == "true" || text == "false" { return token(.bool(text == "true"), length: end - start) }
            return token(.identifier(text, hyphenated: hyphenated), length: end - start)
        }
        if let (kind, length) = numberLiteral() { return token(kind, length: length) }
        if scalar == "'" {
            if let (text, length) = stringLiteral() { return token(.string(text), length: length) }
            throw PatternError("unterminated string, or a backslash before something other than ' or \\", column: column)
        }
        for symbol in ["==", "!=", "<>", "<=", ">=", "=", "<", ">", ":", ".", ",", "(", ")", "[", "]", "*", "+", "-", "^", "/"]
        where Array(symbol.unicodeScalars) == Array(scalars[start..<min(scalars.count, start + symbol.unicodeScalars.count)]) {
            let canonical = symbol == "==" ? "=" : symbol == "<>" ? "!=" : symbol
            return token(.symbol(canonical), length: symbol.unicodeScalars.count)
        }
        throw PatternError("unexpected character '\(scalar.escaped(asASCII: true))'", column: column)
    }

    static func isIdentifierStart(_ scalar: Unicode.Scalar) -> Bool {
        scalar == "_" || ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar)
    }

    static func isIdentifierPart(_ scalar: Unicode.Scalar) -> Bool {
        isIdentifierStart(scalar) || ("0"..."9").contains(scalar)
    }

    private static func isDigit(_ scalar: Unicode.Scalar?) -> Bool { scalar.map { ("0"..."9").contains($0) } ?? false }

    /// `[+-]? (0 | [1-9][0-9]*)` or `[+-]? [0-9]* . [0-9]+`, the longest that fits.
    private func numberLiteral() -> (PatternToken.Kind, Int)? {
        var index = position
        if scalars[index] == "+" || scalars[index] == "-" { index += 1 }
        let digitsStart = index
        while index < scalars.count, Self.isDigit(scalars[index]) { index += 1 }
        var floatEnd: Int?
        if index < scalars.count, scalars[index] == ".", index + 1 < scalars.count, Self.isDigit(scalars[index + 1]) {
            var end = index + 1
            while end < scalars.count, Self.isDigit(scalars[end]) { end += 1 }
            floatEnd = end
        }
        if let floatEnd {
            return (.float(text: String(String.UnicodeScalarView(scalars[position..<floatEnd]))), floatEnd - position)
        }
        guard index > digitsStart else { return nil }
        // An integer is 0 alone or has no leading zero: "012" is "0" then "12".
        let intEnd = scalars[digitsStart] == "0" ? digitsStart + 1 : index
        return (.int(text: String(String.UnicodeScalarView(scalars[position..<intEnd]))), intEnd - position)
    }

    /// `'...'` where a backslash escapes only `'` and `\`.
    private func stringLiteral() -> (String, Int)? {
        var index = position + 1
        var text = String.UnicodeScalarView()
        while index < scalars.count {
            let scalar = scalars[index]
            if scalar == "'" { return (String(text), index + 1 - position) }
            if scalar == "\\" {
                guard index + 1 < scalars.count, scalars[index + 1] == "'" || scalars[index + 1] == "\\" else { return nil }
                text.append(scalars[index + 1])
                index += 2
            } else {
                text.append(scalar)
                index += 1
            }
        }
        return nil
    }

    /// The text between the quotes of `x'...'`, if the closing quote is there.
    private func quoted() -> (String, Int)? {
        var index = position + 2
        while index < scalars.count, scalars[index] != "'" { index += 1 }
        guard index < scalars.count else { return nil }
        return (String(String.UnicodeScalarView(scalars[(position + 2)..<index])), index + 1 - position)
    }

    private func timestampLiteral() -> (STIXTimestamp, Int)? {
        guard let (text, length) = quoted() else { return nil }
        // The grammar's shape: YYYY-MM-DDTHH:MM:SS[.f+]Z with upper-case T and Z.
        let shape = text.utf8.count >= 20 && text.utf8.allSatisfy { $0 < 128 }
        guard shape, let value = try? STIXTimestamp(text) else { return nil }
        return (value, length)
    }

    private func hexLiteral() -> ([UInt8], Int)? {
        guard let (text, length) = quoted() else { return nil }
        let digits = Array(text.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        for pair in stride(from: 0, to: digits.count, by: 2) {
            guard let high = Self.hexValue(digits[pair]), let low = Self.hexValue(digits[pair + 1]) else { return nil }
            bytes.append(high << 4 | low)
        }
        return (bytes, length)
    }

    private func base64Literal() -> ([UInt8], Int)? {
        guard let (text, length) = quoted(), !text.isEmpty, text.utf8.count % 4 == 0,
            text.utf8.allSatisfy({ Self.isBase64($0) || $0 == UInt8(ascii: "=") }),
            let data = Data(base64Encoded: text)
        else { return nil }
        return (Array(data), length)
    }

    private static func isBase64(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: "+"), UInt8(ascii: "/"): true
        default: false
        }
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
