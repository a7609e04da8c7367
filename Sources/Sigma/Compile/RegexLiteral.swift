/// The runs of literal text that every match of a regular expression must contain, ASCII
/// case-folded: a cheap test that rules out most events before the regular expression engine
/// runs. And, for expressions that are only literals and `.*`, the same expression as a
/// wildcard pattern, matched in linear time.
///
/// The reading is conservative: a top-level alternation, `(?x)` and any construct it does not
/// recognise give no literal (the expression then always runs). Groups, classes, anchors and
/// escapes such as `\d` end a run; a character made optional by `?`, `*` or `{0,…}` is dropped.
enum RegexLiteral {
    /// The required literals of `source`, folded; empty when there is none.
    /// `caseInsensitive` drops non-ASCII characters from runs (ICU folds them, we do not).
    static func required(in source: String, caseInsensitive: Bool) -> [[UInt8]] {
        guard let runs = runs(in: source, caseInsensitive: caseInsensitive) else { return [] }
        var distinct: [[UInt8]] = []
        for run in runs where !distinct.contains(run) { distinct.append(run) }
        return distinct
    }

    /// Whether an expression sets options inline (`(?`), or with `extended` the `x` option
    /// (`(?x`, `(?i-x`, ...: whitespace and comments then mean nothing). A scan of the bytes:
    /// Foundation's string search compiled a regular expression for every rule.
    static func hasInlineOptions(_ source: String, extended: Bool = false) -> Bool {
        let bytes = Array(source.utf8)
        var index = 0
        while index + 1 < bytes.count {
            defer { index += 1 }
            guard bytes[index] == UInt8(ascii: "("), bytes[index + 1] == UInt8(ascii: "?") else { continue }
            guard extended else { return true }
            var flag = index + 2
            while flag < bytes.count, bytes[flag] != UInt8(ascii: "x"),
                (bytes[flag] >= UInt8(ascii: "a") && bytes[flag] <= UInt8(ascii: "z")) || bytes[flag] == UInt8(ascii: "-")
            {
                flag += 1
            }
            if flag < bytes.count && bytes[flag] == UInt8(ascii: "x") { return true }
        }
        return false
    }

    private static func runs(in source: String, caseInsensitive: Bool) -> [[UInt8]]? {
        let scalars = Array(source.unicodeScalars)
        let insensitive = caseInsensitive || RegexLiteral.hasInlineOptions(source)
        if RegexLiteral.hasInlineOptions(source, extended: true) { return nil }
        var runs: [[UInt8]] = []
        var run: [UInt8] = []
        /// The bytes of the last literal character in `run`, so a quantifier can remove it.
        var lastCharacterLength = 0
        func endRun() {
            if !run.isEmpty { runs.append(run) }
            run = []
            lastCharacterLength = 0
        }
        func appendLiteral(_ scalar: Unicode.Scalar) {
            if !scalar.isASCII && insensitive {
                endRun()
                return
            }
            let bytes = Array(String(scalar).utf8).map(Pattern.fold)
            run += bytes
            lastCharacterLength = bytes.count
        }
        var index = 0
        while index < scalars.count {
            let scalar = scalars[index]
            switch scalar {
            case "\\":
                guard index + 1 < scalars.count else { return nil }
                let next = scalars[index + 1]
                index += 2
                switch next {
                case "n": appendLiteral("\n")
                case "t": appendLiteral("\t")
                case "r": appendLiteral("\r")
                case "Q":
                    // Literal up to \E.
                    while index < scalars.count {
                        if scalars[index] == "\\", index + 1 < scalars.count, scalars[index + 1] == "E" {
                            index += 2
                            break
                        }
                        appendLiteral(scalars[index])
                        index += 1
                    }
                    continue
                case "x", "u", "p", "P", "N", "k", "c", "0"..."9", "o":
                    // Escapes that take arguments: too many forms to read safely here.
                    return nil
                default:
                    if next.properties.isAlphabetic || ("0"..."9").contains(next) {
                        endRun()  // \d, \w, \s, \b, \A, \z, ...
                    } else {
                        appendLiteral(next)
                    }
                    continue
                }
                continue
            case "(":
                endRun()
                guard let end = closingParenthesis(scalars, from: index) else { return nil }
                index = end + 1
            case "[":
                endRun()
                guard let end = closingBracket(scalars, from: index) else { return nil }
                index = end + 1
            case "|":
                return nil
            case ")":
                return nil
            case ".", "^", "$":
                endRun()
                index += 1
            case "?", "*":
                dropLastCharacter(&run, lastCharacterLength)
                endRun()
                index += 1
                skipQuantifierSuffix(scalars, &index)
            case "+":
                endRun()
                index += 1
                skipQuantifierSuffix(scalars, &index)
            case "{":
                guard let (minimum, end) = repetition(scalars, from: index) else { return nil }
                if minimum == 0 { dropLastCharacter(&run, lastCharacterLength) }
                endRun()
                index = end + 1
                skipQuantifierSuffix(scalars, &index)
            default:
                appendLiteral(scalar)
                index += 1
            }
        }
        endRun()
        return runs
    }

    /// The expression as a wildcard pattern over folded text, when it is only literal
    /// characters, `.`, `.*` and `.+`, with optional `^` and `$`. Valid on text without line
    /// terminators and with ASCII only (where ICU's `.`, `$` and case folding agree with the
    /// pattern's); a case-sensitive expression qualifies only when its literals have no
    /// letters (folding cannot change them).
    static func wildcardPattern(of source: String, caseInsensitive: Bool) -> Pattern? {
        guard !source.utf8.contains(UInt8(ascii: "(")) else { return nil }
        var scalars = Array(source.unicodeScalars)[...]
        var parts: [Pattern.Part] = []
        let anchoredStart = scalars.first == "^"
        if anchoredStart { scalars = scalars.dropFirst() }
        var anchoredEnd = false
        if scalars.last == "$", !(scalars.dropLast().last == "\\") {
            anchoredEnd = true
            scalars = scalars.dropLast()
        }
        if !anchoredStart { parts.append(.star) }
        var index = scalars.startIndex
        func literal(_ scalar: Unicode.Scalar) -> Bool {
            guard scalar.isASCII, caseInsensitive || !scalar.properties.isAlphabetic else { return false }
            parts.append(.literal(Array(String(scalar).utf8)))
            return true
        }
        while index < scalars.endIndex {
            let scalar = scalars[index]
            let next = index + 1 < scalars.endIndex ? scalars[index + 1] : nil
            switch scalar {
            case "\\":
                guard let next, !next.properties.isAlphabetic, !("0"..."9").contains(next), literal(next) else { return nil }
                index += 2
            case ".":
                if next == "*" {
                    parts.append(.star)
                    index += 2
                } else if next == "+" {
                    parts += [.one, .star]
                    index += 2
                } else {
                    parts.append(.one)
                    index += 1
                }
                if index < scalars.endIndex, scalars[index] == "?" || scalars[index] == "+" { return nil }
            case "[", "]", "{", "}", "|", "?", "*", "+", "^", "$", ")":
                return nil
            default:
                guard literal(scalar) else { return nil }
                index += 1
            }
        }
        if !anchoredEnd { parts.append(.star) }
        return Pattern(parts: parts, cased: false)
    }

    private static func dropLastCharacter(_ run: inout [UInt8], _ length: Int) {
        run.removeLast(min(length, run.count))
    }

    /// Lazy and possessive forms of a quantifier.
    private static func skipQuantifierSuffix(_ scalars: [Unicode.Scalar], _ index: inout Int) {
        if index < scalars.count, scalars[index] == "?" || scalars[index] == "+" { index += 1 }
    }

    /// `{n}`, `{n,}`, `{n,m}`: the minimum and the index of `}`.
    private static func repetition(_ scalars: [Unicode.Scalar], from start: Int) -> (Int, Int)? {
        var index = start + 1
        var digits = ""
        while index < scalars.count, ("0"..."9").contains(scalars[index]) {
            digits.unicodeScalars.append(scalars[index])
            index += 1
        }
        guard let minimum = Int(digits) else { return nil }
        if index < scalars.count, scalars[index] == "," {
            index += 1
            while index < scalars.count, ("0"..."9").contains(scalars[index]) { index += 1 }
        }
        guard index < scalars.count, scalars[index] == "}" else { return nil }
        return (minimum, index)
    }

    /// The index of the `)` closing the group opened at `start`, skipping escapes and classes.
    private static func closingParenthesis(_ scalars: [Unicode.Scalar], from start: Int) -> Int? {
        var depth = 0
        var index = start
        while index < scalars.count {
            switch scalars[index] {
            case "\\": index += 1
            case "[":
                guard let end = closingBracket(scalars, from: index) else { return nil }
                index = end
            case "(": depth += 1
            case ")":
                depth -= 1
                if depth == 0 { return index }
            default: break
            }
            index += 1
        }
        return nil
    }

    /// Whether no match of `source` can hold a line terminator, so that its required literals
    /// must all be in one line of the text. Conservative: `.` (without the `s` flag), literal
    /// characters, `\d`, `\w`, `\S`, `\b`, escaped punctuation, groups without flags other
    /// than `i`, `m`, `u` and `w`, and classes that are not negated and hold only such
    /// characters and ranges clear of line breaks; anything else (`\s`, `\W`, `\D`, `\x`,
    /// `[^…]`, lookarounds, ...) says no.
    static func staysWithinLines(_ source: String) -> Bool {
        let scalars = Array(source.unicodeScalars)
        let breaks: ClosedRange<UInt32> = 0x0A...0x0D
        func isBreak(_ scalar: Unicode.Scalar) -> Bool {
            breaks.contains(scalar.value) || scalar.value == 0x85 || scalar.value == 0x2028 || scalar.value == 0x2029
        }
        /// An escape that never matches a line terminator (inside or outside a class).
        func safeEscape(_ next: Unicode.Scalar, inClass: Bool) -> Bool {
            if "dwSbBAzZ".unicodeScalars.contains(next) { return !inClass || "dwS".unicodeScalars.contains(next) }
            if ("1"..."9").contains(next) { return !inClass }
            return next.isASCII && !next.properties.isAlphabetic && !("0"..."9").contains(next) && !isBreak(next)
        }
        var index = 0
        while index < scalars.count {
            let scalar = scalars[index]
            if isBreak(scalar) { return false }
            switch scalar {
            case "\\":
                guard index + 1 < scalars.count, safeEscape(scalars[index + 1], inClass: false) else { return false }
                index += 2
                continue
            case "(":
                if index + 1 < scalars.count, scalars[index + 1] == "?" {
                    // `(?:`, or inline flags without `s` and `x`: `(?i)`, `(?im:`.
                    var flag = index + 2
                    while flag < scalars.count, "imuw-".unicodeScalars.contains(scalars[flag]) { flag += 1 }
                    guard flag < scalars.count, scalars[flag] == ":" || (scalars[flag] == ")" && flag > index + 2) else { return false }
                    index = flag + 1
                    continue
                }
            case "[":
                guard let end = closingBracket(scalars, from: index), index + 1 < end, scalars[index + 1] != "^" else { return false }
                var item = index + 1
                var previous: UInt32?
                while item < end {
                    let member = scalars[item]
                    if member == "\\" {
                        guard item + 1 < end, safeEscape(scalars[item + 1], inClass: true) else { return false }
                        previous = scalars[item + 1].value
                        item += 2
                        continue
                    }
                    if member == "[" || isBreak(member) { return false }
                    if member == "-", let low = previous, item + 1 < end, scalars[item + 1] != "\\" {
                        // A range: it must not reach over the line breaks.
                        let high = scalars[item + 1].value
                        if (low <= 0x0D && high >= 0x0A) || (low <= 0x85 && high >= 0x85) || (low <= 0x2029 && high >= 0x2028) { return false }
                        item += 2
                        previous = nil
                        continue
                    }
                    previous = member.value
                    item += 1
                }
                index = end + 1
                continue
            default:
                break
            }
            index += 1
        }
        return true
    }

    /// Whether one line of `text` (between line breaks, `\n` to `\r`) holds every literal.
    static func someLine(of text: UnsafeRawBufferPointer, holdsAll literals: [[UInt8]]) -> Bool {
        guard let rarest = literals.max(by: { $0.count < $1.count }) else { return true }
        func isBreak(_ byte: UInt8) -> Bool { byte >= 0x0A && byte <= 0x0D }
        var from = 0
        while let found = Pattern.find(rarest, in: text, from: from) {
            var start = found
            while start > 0 && !isBreak(text[start - 1]) { start -= 1 }
            var end = found + rarest.count
            while end < text.count && !isBreak(text[end]) { end += 1 }
            let line = UnsafeRawBufferPointer(rebasing: text[start..<end])
            if literals.allSatisfy({ Pattern.find($0, in: line, from: 0) != nil }) { return true }
            from = end
        }
        return false
    }

    /// The index of the `]` closing the class opened at `start` (nested sets, escapes, and a
    /// `]` first in the class taken literally).
    private static func closingBracket(_ scalars: [Unicode.Scalar], from start: Int) -> Int? {
        var depth = 0
        var index = start
        while index < scalars.count {
            switch scalars[index] {
            case "\\": index += 1
            case "[":
                depth += 1
                // A `]` right after `[` or `[^` is a literal.
                if index + 1 < scalars.count, scalars[index + 1] == "^" { index += 1 }
                if index + 1 < scalars.count, scalars[index + 1] == "]" { index += 1 }
            case "]":
                depth -= 1
                if depth == 0 { return index }
            default: break
            }
            index += 1
        }
        return nil
    }
}

import Foundation
