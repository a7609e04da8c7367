import EventLog
import Foundation

/// One test of one event, compiled from a detection item. Identical predicates of different
/// rules are one predicate in a `RuleEngine`, answered once per event.
enum Predicate: Sendable, Hashable {
    enum Comparison: String, Sendable, Hashable { case lt, lte, gt, gte, eq }

    /// The field's text matches any (or, `all`, every) pattern.
    case strings(FieldName, [Pattern], all: Bool)
    /// Some field's text matches any (every) pattern: keywords.
    case keywords([Pattern], all: Bool)
    /// The field is absent or null.
    case null(FieldName)
    /// The field is present (or, false, absent).
    case exists(FieldName, Bool)
    /// The field's number compares so with any (every) value.
    case compare(FieldName, Comparison, [Double], all: Bool)
    case regex(FieldName, [RegexMatcher], all: Bool)
    case cidr(FieldName, [IPNetwork], all: Bool)
    /// The field's text relates so to another field's text (equal, or with wildcards around
    /// the other value for contains/startswith/endswith).
    case fieldReference(FieldName, [FieldName], leading: Bool, trailing: Bool, cased: Bool, all: Bool)
    /// A part of the field's time (UTC) compares so with the values.
    case timePart(FieldName, TimePart, Comparison, [Int], all: Bool)
    /// The reader's format (`EventOrigin.format`) is one of these (log source conditions).
    case format(Set<String>)

    enum TimePart: String, Sendable, Hashable { case minute, hour, day, week, month, year }

    /// Answers the predicate for the context's event.
    func evaluate(_ context: EventContext) -> Bool {
        switch self {
        case .strings(let field, let patterns, let all):
            let folded = !(patterns.first?.cased ?? false)
            return context.withText(field, folded: folded) { text in
                all ? patterns.allSatisfy { $0.matches(text) } : patterns.contains { $0.matches(text) }
            }
        case .keywords(let patterns, let all):
            return Predicate.keywords(patterns, all: all, context)
        case .null(let field):
            guard let value = context.value(field) else { return true }
            return value.isNull
        case .exists(let field, let present):
            return (context.index(of: field) != nil) == present
        case .compare(let field, let comparison, let values, let all):
            guard let value = context.value(field), let number = Predicate.number(value) else { return false }
            return all ? values.allSatisfy { comparison.holds(number, $0) } : values.contains { comparison.holds(number, $0) }
        case .regex(let field, let regexes, let all):
            guard let value = context.value(field) else { return false }
            let texts = Predicate.strings(value)
            let scratch = context.regexScratch
            return texts.contains { text in all ? regexes.allSatisfy { $0.matches(text, scratch) } : regexes.contains { $0.matches(text, scratch) } }
        case .cidr(let field, let networks, let all):
            return context.withText(field, folded: false) { text in
                guard let address = IPAddress(utf8: text) else { return false }
                return all ? networks.allSatisfy { $0.contains(address) } : networks.contains { $0.contains(address) }
            }
        case .fieldReference(let field, let others, let leading, let trailing, let cased, let all):
            guard let value = context.value(field) else { return false }
            let check: (FieldName) -> Bool = { other in
                guard let otherValue = context.value(other) else { return false }
                var otherBytes: [UInt8] = []
                EventContext.appendText(of: otherValue, to: &otherBytes)
                let pattern = Pattern(literal: otherBytes, cased: cased).wrapped(leading: leading, trailing: trailing)
                return EventContext.withText(of: value, folded: !cased) { pattern.matches($0) }
            }
            return all ? others.allSatisfy(check) : others.contains(where: check)
        case .format(let formats):
            return formats.contains(context.format)
        case .timePart(let field, let part, let comparison, let values, let all):
            guard let value = context.value(field), let time = EventTime(value) else { return false }
            let number = Double(Predicate.component(part, of: time))
            return all
                ? values.allSatisfy { comparison.holds(number, Double($0)) } : values.contains { comparison.holds(number, Double($0)) }
        }
    }

    private static func keywords(_ patterns: [Pattern], all: Bool, _ context: EventContext) -> Bool {
        let folded = !(patterns.first?.cased ?? false)
        func anyField(_ pattern: Pattern) -> Bool {
            for index in 0..<context.fieldCount where context.withText(context.fieldName(at: index), folded: folded, { pattern.matches($0) }) {
                return true
            }
            return false
        }
        return all ? patterns.allSatisfy(anyField) : patterns.contains(where: anyField)
    }

    /// A field's number: integers, decimals, and text holding a decimal or `0x` hexadecimal
    /// number.
    static func number(_ value: FieldValue) -> Double? {
        switch value {
        case .integer(let number): return Double(number)
        case .unsigned(let number): return Double(number)
        case .double(let number): return number
        case .string(let text):
            let trimmed = text.trimmingSpaces
            if trimmed.hasPrefix("0x") || trimmed.hasPrefix("0X") { return UInt64(trimmed.dropFirst(2), radix: 16).map { Double($0) } }
            return Double(trimmed)
        default: return nil
        }
    }

    static func strings(_ value: FieldValue) -> [String] {
        if case .list(let items) = value { return items.map(\.text) }
        return [value.text]
    }

    static func component(_ part: TimePart, of time: EventTime) -> Int {
        let parts = time.components
        switch part {
        case .minute: return parts.minute
        case .hour: return parts.hour
        case .day: return parts.day
        case .month: return parts.month
        case .year: return parts.year
        case .week: return time.isoWeek
        }
    }
}

extension Predicate.Comparison {
    func holds(_ number: Double, _ value: Double) -> Bool {
        switch self {
        case .lt: return number < value
        case .lte: return number <= value
        case .gt: return number > value
        case .gte: return number >= value
        case .eq: return number == value
        }
    }
}
