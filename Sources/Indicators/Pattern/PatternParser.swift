import STIX

/// A recursive-descent parser for the STIX 2.1 pattern grammar (`STIXPattern.g4`), with the
/// grammar's precedence: `FOLLOWEDBY` < `OR` < `AND` between observations, `OR` < `AND`
/// inside them, all left-associative; a qualifier binds to the observation expression just
/// before it.
struct PatternParser {
    private let tokens: [PatternToken]
    private var index = 0

    init(_ text: String) throws(PatternError) {
        var lexer = PatternLexer(text)
        tokens = try lexer.tokens()
    }

    mutating func parse() throws(PatternError) -> ObservationExpression {
        guard tokens.first?.kind != .end else { throw PatternError("the pattern is empty", column: 1) }
        let root = try followedBy()
        guard current.kind == .end else { throw unexpected("FOLLOWEDBY, OR, AND, a qualifier or the end") }
        return root
    }

    // MARK: Tokens

    private var current: PatternToken { tokens[index] }

    private mutating func advance() -> PatternToken {
        let token = tokens[index]
        if index < tokens.count - 1 { index += 1 }
        return token
    }

    private func isKeyword(_ word: String) -> Bool { current.kind == .keyword(word) }
    private func isSymbol(_ symbol: String) -> Bool { current.kind == .symbol(symbol) }

    private mutating func expectKeyword(_ word: String) throws(PatternError) {
        guard isKeyword(word) else { throw unexpected(word) }
        _ = advance()
    }

    private mutating func expectSymbol(_ symbol: String) throws(PatternError) {
        guard isSymbol(symbol) else { throw unexpected("'\(symbol)'") }
        _ = advance()
    }

    private func unexpected(_ expected: String) -> PatternError {
        PatternError("expected \(expected), found \(current.describe)", column: current.column)
    }

    // MARK: Observation expressions

    /// `operand (keyword operand)*`, combined from the left.
    private mutating func chain<Value>(
        _ keyword: String, _ operand: (inout PatternParser) throws(PatternError) -> Value, _ combine: (Value, Value) -> Value
    ) throws(PatternError) -> Value {
        var left = try operand(&self)
        while isKeyword(keyword) {
            _ = advance()
            left = combine(left, try operand(&self))
        }
        return left
    }

    private mutating func followedBy() throws(PatternError) -> ObservationExpression {
        try chain("FOLLOWEDBY", { (parser: inout PatternParser) throws(PatternError) in try parser.observationOr() }, ObservationExpression.followedBy)
    }

    private mutating func observationOr() throws(PatternError) -> ObservationExpression {
        try chain("OR", { (parser: inout PatternParser) throws(PatternError) in try parser.observationAnd() }, ObservationExpression.or)
    }

    private mutating func observationAnd() throws(PatternError) -> ObservationExpression {
        try chain("AND", { (parser: inout PatternParser) throws(PatternError) in try parser.qualifiedObservation() }, ObservationExpression.and)
    }

    private mutating func qualifiedObservation() throws(PatternError) -> ObservationExpression {
        var expression: ObservationExpression
        if isSymbol("[") {
            _ = advance()
            expression = .observation(try comparisonOr())
            try expectSymbol("]")
        } else if isSymbol("(") {
            _ = advance()
            expression = .group(try followedBy())
            try expectSymbol(")")
        } else {
            throw unexpected("'[' or '(' to start an observation expression")
        }
        while let qualifier = try qualifier() { expression = .qualified(expression, qualifier) }
        return expression
    }

    private mutating func qualifier() throws(PatternError) -> Qualifier? {
        if isKeyword("WITHIN") {
            _ = advance()
            let token = advance()
            let seconds: Double
            switch token.kind {
            case .int(let text) where !text.hasPrefix("-"): seconds = Double(text) ?? 0
            case .float(let text) where !text.hasPrefix("-"): seconds = Double(text) ?? 0
            default: throw PatternError("expected a positive number of seconds after WITHIN, found \(token.describe)", column: token.column)
            }
            guard seconds > 0 else { throw PatternError("WITHIN needs more than 0 seconds", column: token.column) }
            try expectKeyword("SECONDS")
            return .within(seconds: seconds)
        }
        if isKeyword("REPEATS") {
            _ = advance()
            let token = advance()
            guard case .int(let text) = token.kind, !text.hasPrefix("-"), let count = Int(text.hasPrefix("+") ? String(text.dropFirst()) : text)
            else { throw PatternError("expected a positive whole number after REPEATS, found \(token.describe)", column: token.column) }
            guard count >= 1 else { throw PatternError("REPEATS needs at least 1", column: token.column) }
            try expectKeyword("TIMES")
            return .repeats(count)
        }
        if isKeyword("START") {
            _ = advance()
            let start = try timestamp(after: "START")
            try expectKeyword("STOP")
            let stop = try timestamp(after: "STOP")
            return .startStop(start: start, stop: stop)
        }
        return nil
    }

    private mutating func timestamp(after keyword: String) throws(PatternError) -> STIXTimestamp {
        let token = advance()
        guard case .timestamp(let value) = token.kind else {
            throw PatternError("expected a timestamp t'YYYY-MM-DDTHH:MM:SSZ' after \(keyword), found \(token.describe)", column: token.column)
        }
        return value
    }

    // MARK: Comparison expressions

    private mutating func comparisonOr() throws(PatternError) -> ComparisonExpression {
        try chain("OR", { (parser: inout PatternParser) throws(PatternError) in try parser.comparisonAnd() }, ComparisonExpression.or)
    }

    private mutating func comparisonAnd() throws(PatternError) -> ComparisonExpression {
        try chain("AND", { (parser: inout PatternParser) throws(PatternError) in try parser.propertyTest() }, ComparisonExpression.and)
    }

    private mutating func propertyTest() throws(PatternError) -> ComparisonExpression {
        let column = current.column
        if isSymbol("(") {
            _ = advance()
            let inner = try comparisonOr()
            try expectSymbol(")")
            return inner
        }
        if isKeyword("NOT") || isKeyword("EXISTS") {
            let negated = isKeyword("NOT")
            if negated { _ = advance() }
            try expectKeyword("EXISTS")
            return .test(PropertyTest(path: try objectPath(), negated: negated, comparison: .exists, column: column))
        }
        let path = try objectPath()
        let negated = isKeyword("NOT")
        if negated { _ = advance() }
        let operatorToken = advance()
        let comparison: Comparison
        switch operatorToken.kind {
        case .symbol("="): comparison = .equal(try literal(orderable: false))
        case .symbol("!="): comparison = .notEqual(try literal(orderable: false))
        case .symbol("<"): comparison = .less(try literal(orderable: true))
        case .symbol("<="): comparison = .lessOrEqual(try literal(orderable: true))
        case .symbol(">"): comparison = .greater(try literal(orderable: true))
        case .symbol(">="): comparison = .greaterOrEqual(try literal(orderable: true))
        case .keyword("IN"): comparison = .isIn(try setLiteral())
        case .keyword("LIKE"): comparison = .like(try stringOperand("LIKE"))
        case .keyword("MATCHES"): comparison = .matches(try stringOperand("MATCHES"))
        case .keyword("ISSUBSET"): comparison = .isSubset(try stringOperand("ISSUBSET"))
        case .keyword("ISSUPERSET"): comparison = .isSuperset(try stringOperand("ISSUPERSET"))
        default:
            throw PatternError(
                "expected a comparison operator (=, !=, <, <=, >, >=, IN, LIKE, MATCHES, ISSUBSET, ISSUPERSET) after \(path), found \(operatorToken.describe)",
                column: operatorToken.column)
        }
        return .test(PropertyTest(path: path, negated: negated, comparison: comparison, column: column))
    }

    private mutating func objectPath() throws(PatternError) -> ObjectPath {
        let typeToken = advance()
        guard case .identifier(let type, _) = typeToken.kind else {
            throw PatternError("expected an object type (file, ipv4-addr, ...), found \(typeToken.describe)", column: typeToken.column)
        }
        try expectSymbol(":")
        var steps: [PathStep] = [try key(first: true)]
        while true {
            if isSymbol(".") {
                _ = advance()
                steps.append(try key(first: false))
            } else if isSymbol("[") {
                _ = advance()
                let token = advance()
                switch token.kind {
                case .symbol("*"): steps.append(.anyIndex)
                case .int(let text):
                    guard let position = Int(text.hasPrefix("+") ? String(text.dropFirst()) : text) else {
                        throw PatternError("list index \(text) is out of range", column: token.column)
                    }
                    steps.append(.index(position))
                default: throw PatternError("expected a list index or '*', found \(token.describe)", column: token.column)
                }
                try expectSymbol("]")
            } else {
                return ObjectPath(objectType: type, steps: steps)
            }
        }
    }

    private mutating func key(first: Bool) throws(PatternError) -> PathStep {
        let token = advance()
        switch token.kind {
        case .identifier(let name, hyphenated: false): return .key(name)
        case .string(let name): return .key(name)
        case .identifier(let name, hyphenated: true):
            throw PatternError("property '\(name)' has a hyphen: quote it ('\(name)')", column: token.column)
        default:
            throw PatternError("expected a property name\(first ? " after ':'" : " after '.'"), found \(token.describe)", column: token.column)
        }
    }

    private mutating func literal(orderable: Bool) throws(PatternError) -> PatternLiteral {
        let token = advance()
        switch token.kind {
        case .int(let text):
            guard let value = Int64(text.hasPrefix("+") ? String(text.dropFirst()) : text) else {
                throw PatternError("integer \(text) is out of range", column: token.column)
            }
            return .int(value)
        case .float(let text):
            return .float(Double(text.hasPrefix("+") ? String(text.dropFirst()) : text) ?? 0)
        case .string(let text): return .string(text)
        case .binary(let bytes): return .binary(bytes)
        case .timestamp(let value): return .timestamp(value)
        case .bool(let value) where !orderable: return .bool(value)
        case .bool: throw PatternError("true and false cannot be ordered", column: token.column)
        case .identifier(let prefix, _) where ["t", "h", "b"].contains(prefix) && current.column == token.column + 1:
            let kind = prefix == "t" ? "timestamp (t'YYYY-MM-DDTHH:MM:SS[.s]Z', a real date)" : prefix == "h" ? "hex literal (pairs of hex digits)" : "base64 literal"
            throw PatternError("not a valid \(kind)", column: token.column)
        default: throw PatternError("expected a literal, found \(token.describe)", column: token.column)
        }
    }

    private mutating func setLiteral() throws(PatternError) -> [PatternLiteral] {
        let open = current.column
        try expectSymbol("(")
        var values: [PatternLiteral] = []
        if isSymbol(")") {
            _ = advance()
            return values
        }
        values.append(try literal(orderable: false))
        while isSymbol(",") {
            _ = advance()
            values.append(try literal(orderable: false))
        }
        try expectSymbol(")")
        // The specification wants one type in a set; integers and decimals count as numbers.
        let kinds = Set(values.map(\.setKind))
        guard kinds.count <= 1 else { throw PatternError("a set mixes literals of different types", column: open) }
        return values
    }

    private mutating func stringOperand(_ keyword: String) throws(PatternError) -> String {
        let token = advance()
        guard case .string(let text) = token.kind else {
            throw PatternError("\(keyword) takes a string literal, found \(token.describe)", column: token.column)
        }
        return text
    }
}

extension PatternLiteral {
    /// The kind of literal as sets see it (numbers are one kind).
    var setKind: String {
        switch self {
        case .int, .float: "number"
        case .string: "string"
        case .bool: "bool"
        case .binary: "binary"
        case .timestamp: "timestamp"
        }
    }
}
