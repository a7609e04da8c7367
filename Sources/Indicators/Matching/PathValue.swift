import Foundation
import STIX

/// A value an object path selects: JSON as the object holds it, or bytes from a `*_hex` or
/// `*_bin` property.
enum PathValue {
    case json(JSONValue)
    case bytes([UInt8])

    /// The value as text for LIKE and MATCHES: a string, or bytes that are UTF-8.
    var text: String? {
        switch self {
        case .json(.string(let text)): text
        case .bytes(let bytes): String(validating: bytes, as: UTF8.self)
        default: nil
        }
    }

    /// What MATCHES searches: a string, or bytes read one byte per character (a binary
    /// search) when every character of the expression is below 256.
    func regexSubject(for expression: String) -> String? {
        switch self {
        case .json(.string(let text)): return text
        case .bytes(let bytes):
            guard expression.unicodeScalars.allSatisfy({ $0.value < 256 }) else { return nil }
            return String(String.UnicodeScalarView(bytes.map { Unicode.Scalar($0) }))
        default: return nil
        }
    }

    /// The value in the terms literals compare with.
    enum Operand {
        case int(Int64)
        case float(Double)
        case string(String)
        case bool(Bool)
        case bytes([UInt8])
        case timestamp(STIXTimestamp)
        case other

        /// Membership in an `IN` set: the same kind of value (numbers are one kind), equal.
        func isSame(as literal: PatternLiteral) -> Bool {
            switch (self, literal) {
            case (.string(let a), .string(let b)): a.unicodeScalars.elementsEqual(b.unicodeScalars)
            case (.bytes(let a), .binary(let b)): a == b
            case (.bool(let a), .bool(let b)): a == b
            case (.timestamp(let a), .timestamp(let b)): a == b
            default: Self.numbers(self, literal).map { $0 == $1 } ?? false
            }
        }

        static func numbers(_ value: Operand, _ literal: PatternLiteral) -> (Double, Double)? {
            let left: Double
            switch value {
            case .int(let number): left = Double(number)
            case .float(let number): left = number
            default: return nil
            }
            switch literal {
            case .int(let number): return (left, Double(number))
            case .float(let number): return (left, number)
            default: return nil
            }
        }
    }

    /// The value for comparison; against timestamp literals a string is read as a timestamp.
    func comparable(asTimestamp: Bool) throws(PatternError) -> Operand {
        switch self {
        case .bytes(let bytes): return .bytes(bytes)
        case .json(let json):
            switch json {
            case .int(let number): return .int(number)
            case .uint(let number): return .float(Double(number))
            case .double(let number): return .float(number)
            case .bool(let flag): return .bool(flag)
            case .string(let text):
                guard asTimestamp else { return .string(text) }
                guard let instant = try? STIXTimestamp(text) else {
                    throw PatternError("the observed value '\(text)' is compared with a timestamp but is not one")
                }
                return .timestamp(instant)
            default: return .other
            }
        }
    }

    /// `=`: numbers by value, strings by code points, bytes with bytes or with a string whose
    /// code points are all below 256; other pairs are unequal.
    func equals(_ literal: PatternLiteral) throws(PatternError) -> Bool {
        let value = try comparable(asTimestamp: literal.isTimestamp)
        switch (value, literal) {
        case (.int(let a), .int(let b)): return a == b
        case (.bytes(let a), .string(let b)): return Self.latin1(b) == a
        case (.string(let a), .binary(let b)): return Self.latin1(a) == b
        default: return value.isSame(as: literal)
        }
    }

    enum Order {
        case ordered(Int)
        /// Kinds that do not order against each other (the test fails, negated or not).
        case incomparable
        /// A string with code points above 255 against bytes (the test fails; NOT inverts it).
        case invalid
    }

    func order(against literal: PatternLiteral) throws(PatternError) -> Order {
        let value = try comparable(asTimestamp: literal.isTimestamp)
        func sign<T: Comparable>(_ a: T, _ b: T) -> Order { .ordered(a < b ? -1 : a > b ? 1 : 0) }
        switch (value, literal) {
        case (.int(let a), .int(let b)): return sign(a, b)
        case (.string(let a), .string(let b)):
            if a.unicodeScalars.elementsEqual(b.unicodeScalars) { return .ordered(0) }
            return .ordered(a.unicodeScalars.lexicographicallyPrecedes(b.unicodeScalars) { $0.value < $1.value } ? -1 : 1)
        case (.bytes(let a), .binary(let b)): return Self.order(a, b)
        case (.bytes(let a), .string(let b)):
            guard let bytes = Self.latin1(b) else { return .invalid }
            return Self.order(a, bytes)
        case (.string(let a), .binary(let b)):
            guard let bytes = Self.latin1(a) else { return .invalid }
            return Self.order(bytes, b)
        case (.timestamp(let a), .timestamp(let b)): return sign(a, b)
        default:
            guard let (a, b) = Operand.numbers(value, literal) else { return .incomparable }
            return sign(a, b)
        }
    }

    private static func order(_ a: [UInt8], _ b: [UInt8]) -> Order {
        a == b ? .ordered(0) : .ordered(a.lexicographicallyPrecedes(b) ? -1 : 1)
    }

    /// The string as bytes when every code point is below 256.
    private static func latin1(_ text: String) -> [UInt8]? {
        var bytes: [UInt8] = []
        for scalar in text.unicodeScalars {
            guard scalar.value < 256 else { return nil }
            bytes.append(UInt8(scalar.value))
        }
        return bytes
    }
}

extension PatternLiteral {
    var isTimestamp: Bool { if case .timestamp = self { true } else { false } }
}

/// Follows an object path from a root object: keys into objects, indices into lists, `[*]`
/// into every element, and `*_ref`/`*_refs` to the objects they name within the same
/// observation (references that do not resolve are dropped).
enum PathWalker {
    static func values(of path: ObjectPath, from root: JSONObject, in observation: Observation) -> [PathValue] {
        var values: [PathValue] = [.json(.object(root))]
        for step in path.steps {
            var next: [PathValue] = []
            switch step {
            case .key(let key):
                for case .json(.object(let object)) in values {
                    guard let value = object[key] else { continue }
                    if let converted = converted(key, value, in: observation) { next.append(converted) }
                }
            case .index(let position):
                for case .json(.array(let list)) in values where position >= 0 && position < list.count {
                    next.append(.json(list[position]))
                }
            case .anyIndex:
                for case .json(.array(let list)) in values { next += list.map(PathValue.json) }
            }
            guard !next.isEmpty else { return [] }
            values = next
        }
        return values
    }

    /// A property's value as the path sees it: bytes for `*_hex` and `*_bin`, referenced
    /// objects for `*_ref` and `*_refs`; nil when nothing is left (bad encoding, no referent).
    private static func converted(_ key: String, _ value: JSONValue, in observation: Observation) -> PathValue? {
        if key.hasSuffix("_hex") {
            guard case .string(let text) = value, let bytes = PatternLexer.hexBytes(text.utf8) else { return nil }
            return .bytes(bytes)
        }
        if key.hasSuffix("_bin") {
            guard case .string(let text) = value, let data = Data(base64Encoded: text) else { return nil }
            return .bytes(Array(data))
        }
        if key.hasSuffix("_ref") {
            guard case .string(let reference) = value, let object = observation.object(withID: reference) else { return nil }
            return .json(.object(object))
        }
        if key.hasSuffix("_refs") {
            guard case .array(let references) = value else { return nil }
            let objects = references.compactMap { $0.stringValue.flatMap(observation.object(withID:)) }
            return objects.isEmpty ? nil : .json(.array(objects.map(JSONValue.object)))
        }
        return .json(value)
    }
}
