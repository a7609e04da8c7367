import EventLog
import Foundation

/// A condition over predicates, with the rule's searches and log source conditions resolved.
indirect enum Expression: Sendable {
    case predicate(Int32)
    case not(Expression)
    case and([Expression])
    case or([Expression])
    case constant(Bool)

    /// The expression with predicate indexes replaced through `map` (local → global).
    func remapped(_ map: [Int32]) -> Expression {
        switch self {
        case .predicate(let index): return .predicate(map[Int(index)])
        case .not(let item): return .not(item.remapped(map))
        case .and(let items): return .and(items.map { $0.remapped(map) })
        case .or(let items): return .or(items.map { $0.remapped(map) })
        case .constant: return self
        }
    }
}

/// Compiles detection items into predicates (shared through `PredicateTable`) and conditions
/// into expressions, validating every value: a bad regular expression, CIDR range, number or
/// modifier combination is a problem with the item's place, never a rule that silently
/// matches nothing.
struct RuleCompiler {
    var table: PredicateTable
    let placeholders: [String: [String]]

    // Modifier groups, made once rather than for every detection item.
    private static let regexFlags: Set<SigmaModifier> = [.i, .m, .s]
    private static let timeParts: [SigmaModifier: Predicate.TimePart] = [
        .minute: .minute, .hour: .hour, .day: .day, .week: .week, .month: .month, .year: .year,
    ]
    private static let comparisons: [SigmaModifier: Predicate.Comparison] = [.lt: .lt, .lte: .lte, .gt: .gt, .gte: .gte]
    private static let encodings: Set<SigmaModifier> = [.wide, .utf16le, .utf16be, .utf16]

    /// The detection of a rule as an expression, with field names renamed for one log source.
    mutating func compile(_ detection: SigmaDetection, renames: [String: String]) throws(SigmaProblem) -> Expression {
        var searches: [String: Expression] = [:]
        for (name, search) in detection.searches { searches[name] = try compile(search, renames: renames) }
        let conditions = try detection.conditions.map { condition throws(SigmaProblem) in
            try compile(condition, searches: searches, detection: detection)
        }
        return conditions.count == 1 ? conditions[0] : .or(conditions)
    }

    private func compile(_ node: ConditionNode, searches: [String: Expression], detection: SigmaDetection) throws(SigmaProblem) -> Expression {
        switch node {
        case .search(let name):
            guard let expression = searches[name] else {
                throw SigmaProblem("the condition names \"\(name)\", which the detection does not define", at: detection.location)
            }
            return expression
        case .and(let items):
            return .and(try items.map { item throws(SigmaProblem) in try compile(item, searches: searches, detection: detection) })
        case .or(let items):
            return .or(try items.map { item throws(SigmaProblem) in try compile(item, searches: searches, detection: detection) })
        case .not(let item):
            return .not(try compile(item, searches: searches, detection: detection))
        case .quantified(let all, let pattern):
            let names = SearchPattern.names(matching: pattern, in: detection)
            guard !names.isEmpty else {
                throw SigmaProblem("\"\(pattern ?? "them")\" matches no search identifier of the detection", at: detection.location)
            }
            let items = names.compactMap { searches[$0] }
            return all ? .and(items) : .or(items)
        }
    }

    private mutating func compile(_ search: SigmaSearch, renames: [String: String]) throws(SigmaProblem) -> Expression {
        switch search {
        case .allOf(let items):
            return .and(try items.map { item throws(SigmaProblem) in try compile(item, renames: renames) })
        case .anyOf(let alternatives):
            return .or(try alternatives.map { alternative throws(SigmaProblem) in try compile(alternative, renames: renames) })
        case .keywords(let item):
            return try compile(item, renames: renames)
        }
    }

    // MARK: Detection items

    mutating func compile(_ item: SigmaDetectionItem, renames: [String: String]) throws(SigmaProblem) -> Expression {
        let at = item.location
        let modifiers = item.modifiers
        let has = Set(modifiers)
        let field = item.field.map { FieldName(renames[$0] ?? $0) }
        let all = has.contains(.all)
        let negated = has.contains(.neq)
        func wrap(_ expression: Expression) -> Expression { negated ? .not(expression) : expression }
        guard !item.values.isEmpty else { throw SigmaProblem("no values", at: at) }

        if has.contains(.exists) {
            guard let field else { throw SigmaProblem("exists needs a field", at: at) }
            guard modifiers.count == 1, item.values.count == 1, case .bool(let present) = item.values[0] else {
                throw SigmaProblem("exists takes one true or false and no other modifier", at: at)
            }
            return predicate(.exists(field, present))
        }
        if !has.intersection(RuleCompiler.regexFlags).isEmpty && !has.contains(.re) {
            throw SigmaProblem("the regular expression flags i, m, s need re", at: at)
        }
        let comparison = modifiers.compactMap { RuleCompiler.comparisons[$0] }
        guard comparison.count <= 1 else { throw SigmaProblem("more than one of lt, lte, gt, gte", at: at) }

        if let part = modifiers.compactMap({ RuleCompiler.timeParts[$0] }).first {
            guard let field else { throw SigmaProblem("\(part.rawValue) needs a field", at: at) }
            let numbers = try item.values.map { value throws(SigmaProblem) in try RuleCompiler.integer(value, at: at) }
            return wrap(predicate(.timePart(field, part, comparison.first ?? .eq, numbers, all: all)))
        }
        if let op = comparison.first {
            guard let field else { throw SigmaProblem("\(op.rawValue) needs a field", at: at) }
            let numbers = try item.values.map { value throws(SigmaProblem) in try RuleCompiler.number(value, at: at) }
            return wrap(predicate(.compare(field, op, numbers, all: all)))
        }
        if has.contains(.fieldref) {
            guard let field else { throw SigmaProblem("fieldref needs a field", at: at) }
            let others = try item.values.map { value throws(SigmaProblem) -> FieldName in
                guard case .string(let name) = value, !name.contains("*"), !name.contains("?") else {
                    throw SigmaProblem("fieldref takes field names without wildcards", at: at)
                }
                return FieldName(renames[name] ?? name)
            }
            let leading = has.contains(.contains) || has.contains(.endswith)
            let trailing = has.contains(.contains) || has.contains(.startswith)
            return wrap(predicate(.fieldReference(field, others, leading: leading, trailing: trailing, cased: has.contains(.cased), all: all)))
        }
        if has.contains(.cidr) {
            guard let field else { throw SigmaProblem("cidr needs a field", at: at) }
            let networks = try item.values.map { value throws(SigmaProblem) -> IPNetwork in
                guard case .string(let text) = value, let network = IPNetwork(text) else {
                    throw SigmaProblem("\"\(RuleCompiler.describe(value))\" is not a CIDR range", at: at)
                }
                return network
            }
            return wrap(predicate(.cidr(field, networks, all: all)))
        }

        // Strings (and numbers and booleans, matched as their text), with transformations.
        var nullAlternative = false
        var values: [[Pattern.Part]] = []
        for value in item.values {
            switch value {
            case .null:
                nullAlternative = true
            case .string(let text):
                values += try expandPlaceholders(text, enabled: has.contains(.expand), at: at).map(Pattern.parts(sigma:))
            case .number(let number, let text):
                guard !has.contains(.re) else { values.append([.literal(Array(text.utf8))]); continue }
                values.append([.literal(Array(text.utf8))])
                if number.rounded() == number, abs(number) < 1e18, String(Int64(number)) != text {
                    values.append([.literal(Array(String(Int64(number)).utf8))])
                }
            case .bool(let flag):
                values.append([.literal(Array((flag ? "true" : "false").utf8))])
            }
        }
        for modifier in modifiers {
            do throws(TransformError) {
                var transformed: [[Pattern.Part]] = []
                for value in values {
                    switch modifier {
                    case .windash: transformed += try ValueTransforms.windash(value)
                    case .wide, .utf16le: transformed.append(ValueTransforms.utf16(value, .littleEndian))
                    case .utf16be: transformed.append(ValueTransforms.utf16(value, .bigEndian))
                    case .utf16: transformed.append(ValueTransforms.utf16(value, .withByteOrderMark))
                    case .base64: transformed.append(try ValueTransforms.base64(value))
                    case .base64offset: transformed += try ValueTransforms.base64Offsets(value)
                    default: transformed.append(value)
                    }
                }
                values = transformed
            } catch {
                throw SigmaProblem(error.message, at: at)
            }
        }
        if !has.intersection(RuleCompiler.encodings).isEmpty && !has.contains(.base64) && !has.contains(.base64offset) {
            throw SigmaProblem("utf16 encodings (wide, utf16le, utf16be, utf16) must be followed by base64 or base64offset", at: at)
        }
        var alternatives: [Expression] = []
        if nullAlternative {
            guard let field else { throw SigmaProblem("null needs a field", at: at) }
            alternatives.append(predicate(.null(field)))
        }
        if !values.isEmpty {
            if has.contains(.re) {
                guard let field else { throw SigmaProblem("re needs a field", at: at) }
                var options: NSRegularExpression.Options = []
                if has.contains(.i) { options.insert(.caseInsensitive) }
                if has.contains(.m) { options.insert(.anchorsMatchLines) }
                if has.contains(.s) { options.insert(.dotMatchesLineSeparators) }
                var regexes: [RegexMatcher] = []
                for value in item.values {
                    guard case .string(let source) = value else { continue }
                    guard let regex = try? RegexMatcher(source, options: options) else {
                        throw SigmaProblem("\"\(source)\" is not a valid regular expression", at: at)
                    }
                    regexes.append(regex)
                }
                alternatives.append(predicate(.regex(field, regexes, all: all)))
            } else {
                let cased = has.contains(.cased)
                // Keywords match anywhere in a value unless a modifier says where.
                let positional = has.contains(.contains) || has.contains(.startswith) || has.contains(.endswith)
                let leading = has.contains(.contains) || has.contains(.endswith) || (field == nil && !positional)
                let trailing = has.contains(.contains) || has.contains(.startswith) || (field == nil && !positional)
                let patterns = values.map { Pattern(parts: $0, cased: cased).wrapped(leading: leading, trailing: trailing) }
                if let field {
                    alternatives.append(predicate(.strings(field, patterns, all: all)))
                } else {
                    alternatives.append(predicate(.keywords(patterns, all: all)))
                }
            }
        }
        guard !alternatives.isEmpty else { throw SigmaProblem("no values", at: at) }
        let combined = alternatives.count == 1 ? alternatives[0] : (all ? .and(alternatives) : .or(alternatives))
        return wrap(combined)
    }

    private mutating func predicate(_ predicate: Predicate) -> Expression {
        .predicate(table.index(of: predicate))
    }

    /// `%name%` placeholders replaced by each of their values (with `expand`); `\%` is a
    /// literal percent sign.
    private func expandPlaceholders(_ text: String, enabled: Bool, at: SourceLocation) throws(SigmaProblem) -> [String] {
        guard enabled else { return [text] }
        var results = [""]
        var rest = Substring(text)
        while let start = rest.firstIndex(of: "%") {
            if start > rest.startIndex, rest[rest.index(before: start)] == "\\" {
                let literal = String(rest[..<rest.index(before: start)]) + "%"
                results = results.map { $0 + literal }
                rest = rest[rest.index(after: start)...]
                continue
            }
            guard let end = rest[rest.index(after: start)...].firstIndex(of: "%") else { break }
            let prefix = String(rest[..<start])
            let name = String(rest[rest.index(after: start)..<end])
            guard let values = placeholders[name] ?? placeholders[name.lowercased()], !values.isEmpty else {
                throw SigmaProblem("placeholder %\(name)% has no values (give them with --placeholders FILE)", at: at)
            }
            results = results.flatMap { head in values.map { head + prefix + $0 } }
            rest = rest[rest.index(after: end)...]
        }
        return results.map { $0 + rest }
    }

    static func number(_ value: SigmaValue, at: SourceLocation) throws(SigmaProblem) -> Double {
        switch value {
        case .number(let number, _): return number
        case .string(let text):
            if let number = Double(text) { return number }
            throw SigmaProblem("\"\(text)\" is not a number", at: at)
        default: throw SigmaProblem("\(describe(value)) is not a number", at: at)
        }
    }

    static func integer(_ value: SigmaValue, at: SourceLocation) throws(SigmaProblem) -> Int {
        let number = try number(value, at: at)
        guard number.rounded() == number, abs(number) < 1e9 else { throw SigmaProblem("\(number) is not a whole number", at: at) }
        return Int(number)
    }

    static func describe(_ value: SigmaValue) -> String {
        switch value {
        case .string(let text): return text
        case .number(_, let text): return text
        case .bool(let flag): return flag ? "true" : "false"
        case .null: return "null"
        }
    }
}

/// The predicates of a rule set, each stored once.
struct PredicateTable: Sendable {
    private(set) var predicates: [Predicate] = []
    /// Each predicate's hash value, computed once: merging the rules' tables (on one thread)
    /// reuses them instead of hashing every predicate's patterns again.
    private(set) var hashes: [Int] = []
    private var indexes: [Key: Int32] = [:]

    /// A predicate with its hash value: hashing the key is combining one integer.
    private struct Key: Hashable {
        let predicate: Predicate
        let hash: Int

        static func == (left: Key, right: Key) -> Bool { left.hash == right.hash && left.predicate == right.predicate }
        func hash(into hasher: inout Hasher) { hasher.combine(hash) }
    }

    /// Makes room for `count` predicates: growing rehashes every predicate held.
    mutating func reserve(_ count: Int) {
        predicates.reserveCapacity(count)
        hashes.reserveCapacity(count)
        indexes.reserveCapacity(count)
    }

    mutating func index(of predicate: Predicate) -> Int32 { index(of: predicate, hash: predicate.hashValue) }

    /// The index of a predicate whose `hashValue` is `hash`.
    mutating func index(of predicate: Predicate, hash: Int) -> Int32 {
        // One probe: the defaulted subscript inserts the next index when the predicate is new
        // (a lookup and then an insertion probed twice).
        let next = Int32(predicates.count)
        let index = PredicateTable.value(&indexes[Key(predicate: predicate, hash: hash), default: next])
        if index == next {
            predicates.append(predicate)
            hashes.append(hash)
        }
        return index
    }

    private static func value(_ slot: inout Int32) -> Int32 { slot }
}
