/// The checks a pattern must pass beyond the grammar, as the OASIS validator makes them: an
/// observation `[...]` takes each kind of qualifier once, and a value compared with a known
/// hash algorithm's `hashes` entry has that algorithm's form.
enum PatternValidation {
    static func validate(_ expression: ObservationExpression) throws(PatternError) {
        switch expression {
        case .observation(let comparison):
            try validate(comparison)
        case .and(let left, let right), .or(let left, let right), .followedBy(let left, let right):
            try validate(left)
            try validate(right)
        case .group(let inner):
            try validate(inner)
        case .qualified:
            var kinds: Set<String> = []
            var current = expression
            while case .qualified(let inner, let qualifier) = current {
                // Only a chain directly on one `[...]` is checked: a group may be qualified again.
                if case .observation = innermost(inner), !kinds.insert(qualifier.kind).inserted {
                    throw PatternError("\(qualifier.kind) is given twice on the same observation expression")
                }
                current = inner
            }
            try validate(current)
        }
    }

    private static func innermost(_ expression: ObservationExpression) -> ObservationExpression {
        if case .qualified(let inner, _) = expression { return innermost(inner) }
        return expression
    }

    private static func validate(_ comparison: ComparisonExpression) throws(PatternError) {
        switch comparison {
        case .and(let left, let right), .or(let left, let right):
            try validate(left)
            try validate(right)
        case .test(let test):
            try validateHash(test)
        }
    }

    /// `file:hashes.'SHA-256' = '...'`: the value must be a SHA-256 hash.
    private static func validateHash(_ test: PropertyTest) throws(PatternError) {
        guard test.path.steps.contains(.key("hashes")), case .key(let selector)? = test.path.steps.last,
            let algorithm = HashAlgorithm(selector: selector)
        else { return }
        let literals: [PatternLiteral]
        switch test.comparison {
        case .equal(let value), .notEqual(let value), .less(let value), .lessOrEqual(let value), .greater(let value), .greaterOrEqual(let value):
            literals = [value]
        case .isIn(let values): literals = values
        case .like(let text), .matches(let text), .isSubset(let text), .isSuperset(let text): literals = [.string(text)]
        case .exists: literals = []
        }
        for literal in literals {
            guard case .string(let text) = literal, algorithm.accepts(text) else {
                throw PatternError("\(literal.patternText) is not a valid \(selector) hash", column: test.column)
            }
        }
    }
}

/// Hash algorithms whose values have a known form (the STIX hashing-algorithm vocabulary).
enum HashAlgorithm {
    case hex(lengths: [Int])
    case ssdeep

    /// `SHA-256`, `sha256`, `'SHA256'` → `SHA256`.
    static func canonicalName(_ selector: String) -> String {
        String(decoding: selector.utf8.filter { $0 != UInt8(ascii: "-") }.map { $0 >= 0x61 && $0 <= 0x7A ? $0 - 32 : $0 }, as: UTF8.self)
    }

    init?(selector: String) {
        switch Self.canonicalName(selector) {
        case "MD5": self = .hex(lengths: [32])
        case "SHA1", "RIPEMD160": self = .hex(lengths: [40])
        case "SHA224", "SHA3224": self = .hex(lengths: [56])
        case "SHA256", "SHA3256": self = .hex(lengths: [64])
        case "SHA384", "SHA3384": self = .hex(lengths: [96])
        case "SHA512", "SHA3512", "WHIRLPOOL": self = .hex(lengths: [128])
        case "MD6": self = .hex(lengths: [32, 40, 56, 64, 96, 128])
        case "SSDEEP": self = .ssdeep
        default: return nil
        }
    }

    func accepts(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { accepts(utf8: $0) }
    }

    func accepts(utf8 bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        switch self {
        case .hex(let lengths):
            guard lengths.contains(bytes.count) else { return false }
            return bytes.allSatisfy { byte in byte &- 0x30 < 10 || (byte | 0x20) &- 0x61 < 6 }
        case .ssdeep:
            return (1...128).contains(bytes.count)
                && bytes.allSatisfy { PatternLexer.isIdentifierPart($0) && $0 != UInt8(ascii: "_") || "/+:.".utf8.contains($0) }
        }
    }
}

extension PatternLiteral {
    /// The literal as a pattern writes it.
    var patternText: String {
        switch self {
        case .int(let value): String(value)
        case .float(let value): String(value)
        case .string(let text): "'" + text.replacing("\\", with: "\\\\").replacing("'", with: "\\'") + "'"
        case .bool(let value): String(value)
        case .binary(let bytes): "h'" + bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined() + "'"
        case .timestamp(let value): "t'\(value.text)'"
        }
    }
}
