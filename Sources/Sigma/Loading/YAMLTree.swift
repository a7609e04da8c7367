import Foundation
import Yams

/// A YAML document as rule loading needs it: mappings in order with string keys, sequences,
/// scalars with their text, whether they were quoted, and their line and column.
///
/// Plain scalars are typed here with YAML 1.1's core rules (as PyYAML, and so pySigma, types
/// them) without Yams's resolver, which runs several regular expressions per scalar and
/// dominated the time to load thousands of rules.
indirect enum YAMLNode: Sendable {
    case scalar(YAMLScalar)
    case mapping([(key: YAMLScalar, value: YAMLNode)], SourceLocation)
    case sequence([YAMLNode], SourceLocation)

    var location: SourceLocation {
        switch self {
        case .scalar(let scalar): return scalar.location
        case .mapping(_, let location), .sequence(_, let location): return location
        }
    }

    var kind: String {
        switch self {
        case .scalar: return "a value"
        case .mapping: return "a map"
        case .sequence: return "a list"
        }
    }

    /// The member of a mapping with this key.
    subscript(key: String) -> YAMLNode? {
        guard case .mapping(let pairs, _) = self else { return nil }
        return pairs.first { $0.key.text == key }?.value
    }

    /// A scalar's text; nil for maps, lists and null.
    var text: String? {
        guard case .scalar(let scalar) = self, scalar.value != .null else { return nil }
        return scalar.text
    }

    /// A scalar's text, or a list of scalars' texts (nulls dropped).
    var texts: [String] {
        switch self {
        case .scalar: return text.map { [$0] } ?? []
        case .sequence(let items, _): return items.compactMap(\.text)
        case .mapping: return []
        }
    }

    /// Converts a Yams node; YAML aliases are refused.
    static func from(_ node: Node, file: String) throws(SigmaProblem) -> YAMLNode {
        func location(_ mark: Mark?) -> SourceLocation {
            SourceLocation(file: file, line: mark?.line ?? 0, column: mark?.column ?? 0)
        }
        switch node {
        case .scalar(let scalar):
            return .scalar(YAMLScalar(scalar, location: location(scalar.mark)))
        case .mapping(let mapping):
            var pairs: [(key: YAMLScalar, value: YAMLNode)] = []
            pairs.reserveCapacity(mapping.count)
            for (key, value) in mapping {
                guard case .scalar(let keyScalar) = key else {
                    throw SigmaProblem("a map key that is not a plain value", at: location(key.mark))
                }
                pairs.append((YAMLScalar(keyScalar, location: location(keyScalar.mark)), try from(value, file: file)))
            }
            return .mapping(pairs, location(mapping.mark))
        case .sequence(let sequence):
            var items: [YAMLNode] = []
            items.reserveCapacity(sequence.count)
            for item in sequence { items.append(try from(item, file: file)) }
            return .sequence(items, location(sequence.mark))
        case .alias(let alias):
            throw SigmaProblem("YAML aliases are not supported in rules", at: location(alias.mark))
        }
    }

    /// Every document of a YAML text: read directly when it is in the block-style subset rule
    /// files use, through Yams otherwise.
    static func documents(_ text: String, file: String) throws(SigmaProblem) -> [YAMLNode] {
        if let documents = BlockYAMLReader.documents(text, file: file) { return documents }
        return try yamsDocuments(text, file: file)
    }

    /// Every document of a YAML text, read by Yams.
    static func yamsDocuments(_ text: String, file: String) throws(SigmaProblem) -> [YAMLNode] {
        do {
            var documents: [YAMLNode] = []
            // Scalars are typed by `YAMLScalar` (YAML 1.1 as SigmaHQ writes it), so Yams needs no
            // resolver rules: its default ones run regular expressions on every scalar (and again
            // on every map key when it checks for duplicates), a third of the loading time. The
            // encoding is given because the default one reads the process environment per call.
            var sequence = try Yams.compose_all(yaml: text, .basic, .default, .utf8)
            while let node = sequence.next() { documents.append(try from(node, file: file)) }
            if let error = sequence.error { throw error }
            return documents
        } catch let problem as SigmaProblem {
            throw problem
        } catch let error as YamlError {
            throw SigmaProblem("not valid YAML: \(YAMLNode.describe(error))", at: YAMLNode.location(of: error, file: file))
        } catch {
            throw SigmaProblem("not valid YAML: \(error)", at: SourceLocation(file: file))
        }
    }

    private static func describe(_ error: YamlError) -> String {
        switch error {
        case .scanner(_, let problem, _, _), .parser(_, let problem, _, _), .composer(_, let problem, _, _):
            return problem
        default:
            return "\(error)".split(separator: "\n").first.map(String.init) ?? "\(error)"
        }
    }

    private static func location(of error: YamlError, file: String) -> SourceLocation {
        switch error {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _):
            return SourceLocation(file: file, line: mark.line, column: mark.column)
        default:
            return SourceLocation(file: file)
        }
    }
}

/// A scalar: its text, and the value YAML 1.1 gives it.
struct YAMLScalar: Sendable {
    let text: String
    let value: SigmaValue
    let location: SourceLocation

    init(_ scalar: Node.Scalar, location: SourceLocation) {
        text = scalar.string
        self.location = location
        if scalar.style != .plain || !(scalar.tag.description.isEmpty || scalar.tag.description == "?") {
            // Quoted, block or explicitly tagged: a string (explicit non-string tags are rare in
            // rules and read as their text).
            value = .string(text)
        } else {
            value = YAMLScalar.resolve(text)
        }
    }

    /// YAML 1.1 typing of a plain scalar: null, booleans, integers (decimal, 0x, 0o, 0b, octal
    /// with a leading 0), floats; anything else is a string.
    static func resolve(_ text: String) -> SigmaValue {
        // Most scalars are words that start as no null, boolean or number does: the switch's
        // string comparisons are for the rest.
        guard let lead = text.utf8.first, !YAMLScalar.plainLeads[Int(lead)] else { return text.isEmpty ? .null : .string(text) }
        switch text {
        case "", "~", "null", "Null", "NULL": return .null
        case "true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON": return .bool(true)
        case "false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF": return .bool(false)
        default: break
        }
        guard let first = text.utf8.first, first == UInt8(ascii: "-") || first == UInt8(ascii: "+") || first == UInt8(ascii: ".")
            || (first >= UInt8(ascii: "0") && first <= UInt8(ascii: "9"))
        else { return .string(text) }
        // Byte searches: `String.contains(_:)` goes through Foundation's string search, which
        // cost thousands of instructions for each of the rules' many scalars.
        var digits = text.utf8.contains(UInt8(ascii: "_")) ? String(text.filter { $0 != "_" }) : text
        var sign = 1.0
        if digits.hasPrefix("-") || digits.hasPrefix("+") {
            if digits.hasPrefix("-") { sign = -1 }
            digits.removeFirst()
        }
        let lower = digits.lowercased()
        if lower.hasPrefix("0x"), let value = UInt64(lower.dropFirst(2), radix: 16) { return .number(sign * Double(value), text: text) }
        if lower.hasPrefix("0o"), let value = UInt64(lower.dropFirst(2), radix: 8) { return .number(sign * Double(value), text: text) }
        if lower.hasPrefix("0b"), let value = UInt64(lower.dropFirst(2), radix: 2) { return .number(sign * Double(value), text: text) }
        // Bytes, not characters: any byte outside ASCII makes these false, as a character outside
        // the ranges does, without the cost of breaking the text into characters.
        if lower.utf8.count > 1, lower.hasPrefix("0"), lower.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "7") }),
            let value = UInt64(lower, radix: 8)
        {
            return .number(sign * Double(value), text: text)
        }
        if lower.utf8.allSatisfy(YAMLScalar.isDigit), let value = UInt64(lower) { return .number(sign * Double(value), text: text) }
        // Floats: digits with one dot and an optional exponent.
        let floatPattern = lower.utf8.allSatisfy {
            YAMLScalar.isDigit($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "+")
        }
        if floatPattern, lower.utf8.count(where: { $0 == UInt8(ascii: ".") }) == 1, let value = Double(lower) {
            return .number(sign * value, text: text)
        }
        if lower == ".inf" { return .number(sign * .infinity, text: text) }
        return .string(text)
    }
}

extension YAMLScalar {
    /// Per byte: whether a scalar starting with it is a string whatever follows (not `~`, a
    /// letter of null, true, false, yes, no, on or off, a digit, a sign or a dot).
    fileprivate static let plainLeads: [Bool] = (0..<256).map { byte in
        !"~nNtTfFyYoO0123456789+-.".utf8.contains(UInt8(byte))
    }

    fileprivate static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
}
