/// A parsed Sigma condition.
public indirect enum ConditionNode: Sendable, Equatable, CustomStringConvertible {
    case search(String)
    case and([ConditionNode])
    case or([ConditionNode])
    case not(ConditionNode)
    /// `1 of pattern`, `all of pattern`; pattern nil is `them`.
    case quantified(all: Bool, pattern: String?)

    public var description: String {
        switch self {
        case .search(let name): return name
        case .and(let items): return "(" + items.map(\.description).joined(separator: " and ") + ")"
        case .or(let items): return "(" + items.map(\.description).joined(separator: " or ") + ")"
        case .not(let item): return "not " + item.description
        case .quantified(let all, let pattern): return (all ? "all of " : "1 of ") + (pattern ?? "them")
        }
    }
}

/// Parses the condition grammar: `or` < `and` < `not` < `x of` < parentheses, identifiers,
/// `1 of`/`any of`/`all of` followed by `them` or a pattern with `*` wildcards.
public struct ConditionParser {
    enum Token: Equatable {
        case word(String)
        case open, close
    }

    private var tokens: [Token]
    private var position = 0
    private let text: String

    public static func parse(_ text: String) throws(SigmaConditionError) -> ConditionNode {
        var parser = try ConditionParser(text)
        let node = try parser.parseOr()
        guard parser.position == parser.tokens.count else {
            throw SigmaConditionError(message: "unexpected \(parser.describe(parser.tokens[parser.position])) in condition \"\(text)\"")
        }
        return node
    }

    private init(_ text: String) throws(SigmaConditionError) {
        self.text = text
        var tokens: [Token] = []
        var word = ""
        for character in text {
            switch character {
            case "(", ")", " ", "\t", "\n", "\r":
                if !word.isEmpty {
                    tokens.append(.word(word))
                    word = ""
                }
                if character == "(" { tokens.append(.open) }
                if character == ")" { tokens.append(.close) }
            default:
                word.append(character)
            }
        }
        if !word.isEmpty { tokens.append(.word(word)) }
        guard !tokens.isEmpty else { throw SigmaConditionError(message: "empty condition") }
        self.tokens = tokens
    }

    private func describe(_ token: Token) -> String {
        switch token {
        case .word(let word): return "\"\(word)\""
        case .open: return "\"(\""
        case .close: return "\")\""
        }
    }

    private func keyword(_ token: Token) -> String? {
        if case .word(let word) = token { return word.lowercased() }
        return nil
    }

    private mutating func parseOr() throws(SigmaConditionError) -> ConditionNode {
        var items = [try parseAnd()]
        while position < tokens.count, keyword(tokens[position]) == "or" {
            position += 1
            items.append(try parseAnd())
        }
        return items.count == 1 ? items[0] : .or(items)
    }

    private mutating func parseAnd() throws(SigmaConditionError) -> ConditionNode {
        var items = [try parseNot()]
        while position < tokens.count, keyword(tokens[position]) == "and" {
            position += 1
            items.append(try parseNot())
        }
        return items.count == 1 ? items[0] : .and(items)
    }

    private mutating func parseNot() throws(SigmaConditionError) -> ConditionNode {
        if position < tokens.count, keyword(tokens[position]) == "not" {
            position += 1
            return .not(try parseNot())
        }
        return try parsePrimary()
    }

    private mutating func parsePrimary() throws(SigmaConditionError) -> ConditionNode {
        guard position < tokens.count else { throw SigmaConditionError(message: "condition \"\(text)\" ends where an expression is expected") }
        let token = tokens[position]
        position += 1
        switch token {
        case .open:
            let inner = try parseOr()
            guard position < tokens.count, tokens[position] == .close else {
                throw SigmaConditionError(message: "missing \")\" in condition \"\(text)\"")
            }
            position += 1
            return inner
        case .close:
            throw SigmaConditionError(message: "unexpected \")\" in condition \"\(text)\"")
        case .word(let word):
            let lowered = word.lowercased()
            if ["and", "or"].contains(lowered) {
                throw SigmaConditionError(message: "\"\(word)\" where an expression is expected in condition \"\(text)\"")
            }
            if lowered == "|" || word.utf8.contains(UInt8(ascii: "|")) {
                throw SigmaConditionError(message: "aggregations in conditions (\"|\") are Sigma 1 syntax, replaced by correlation rules")
            }
            if ["1", "any", "all"].contains(lowered), position < tokens.count, keyword(tokens[position]) == "of" {
                position += 1
                guard position < tokens.count, case .word(let target) = tokens[position] else {
                    throw SigmaConditionError(message: "\"\(word) of\" without a pattern or \"them\" in condition \"\(text)\"")
                }
                position += 1
                return .quantified(all: lowered == "all", pattern: target.lowercased() == "them" ? nil : target)
            }
            if let number = Int(lowered), number != 1 {
                throw SigmaConditionError(message: "\"\(word) of\" is not Sigma: only 1, any or all of")
            }
            return .search(word)
        }
    }
}

/// Why a condition does not parse.
public struct SigmaConditionError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
