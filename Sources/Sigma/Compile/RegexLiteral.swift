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

    /// The most line terminators a match of `source` can hold, so that its required literals
    /// must all be within that many line breaks of each other in the text: 0 when every match
    /// stays within one line. Conservative, nil when this reading sees no bound. Within lines:
    /// `.` (without the `s` flag), literal characters, `\d`, `\w`, `\S`, `\b`, escaped
    /// punctuation, groups without flags other than `i`, `m`, `u` and `w`, and classes that
    /// are not negated and hold only such characters and ranges clear of line breaks. One
    /// character that may be a line break (`\s`, `\W`, `\D`, `\n`, `[^…]`, ...; two for `\R`
    /// and `\X`, which match CR LF) counts as many times as its quantifier allows (`?`, `{n}`,
    /// `{n,m}`), outside groups only; unbounded repetition of one, one inside a group, other
    /// escapes (`\x`, `\p`, ...), lookarounds and other flags give nil.
    static func lineBreakLimit(_ source: String) -> Int? {
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
        var depth = 0
        var total = 0
        /// The most times the atom before `index` repeats, moving past its quantifier; nil
        /// when unbounded or unreadable.
        func repeats() -> Int? {
            guard index < scalars.count else { return 1 }
            switch scalars[index] {
            case "*", "+":
                return nil
            case "?":
                index += 1
                if index < scalars.count, scalars[index] == "?" || scalars[index] == "+" { index += 1 }
                return 1
            case "{":
                var numbers: [Int] = [0]
                var item = index + 1
                while item < scalars.count, scalars[item] != "}" {
                    if scalars[item] == "," {
                        numbers.append(0)
                    } else if ("0"..."9").contains(scalars[item]), numbers[numbers.count - 1] < 10_000 {
                        numbers[numbers.count - 1] = numbers[numbers.count - 1] * 10 + Int(scalars[item].value - 0x30)
                    } else {
                        return nil
                    }
                    item += 1
                }
                // `{n}` or `{n,m}`; `{n,}` has no bound.
                guard item < scalars.count, item > index + 1, numbers.count <= 2, scalars[item - 1] != "," else { return nil }
                index = item + 1
                if index < scalars.count, scalars[index] == "?" || scalars[index] == "+" { index += 1 }
                return numbers[numbers.count - 1]
            default:
                return 1
            }
        }
        /// Counts an atom of `count` characters that may be line breaks, just read.
        func breaking(_ count: Int) -> Bool {
            guard depth == 0, let times = repeats() else { return false }
            total += count * times
            return true
        }
        while index < scalars.count {
            let scalar = scalars[index]
            if isBreak(scalar) {
                index += 1
                guard breaking(1) else { return nil }
                continue
            }
            switch scalar {
            case "\\":
                guard index + 1 < scalars.count else { return nil }
                let next = scalars[index + 1]
                index += 2
                if safeEscape(next, inClass: false) { continue }
                guard "sWDnrvfteahHVRX".unicodeScalars.contains(next), breaking(next == "R" || next == "X" ? 2 : 1) else { return nil }
                continue
            case "(":
                if index + 1 < scalars.count, scalars[index + 1] == "?" {
                    // `(?:`, or inline flags without `s` and `x`: `(?i)`, `(?im:`.
                    var flag = index + 2
                    while flag < scalars.count, "imuw-".unicodeScalars.contains(scalars[flag]) { flag += 1 }
                    guard flag < scalars.count, scalars[flag] == ":" || (scalars[flag] == ")" && flag > index + 2) else { return nil }
                    if scalars[flag] == ":" { depth += 1 }
                    index = flag + 1
                    continue
                }
                depth += 1
            case ")":
                depth -= 1
            case "[":
                guard let end = closingBracket(scalars, from: index), index + 1 < end else { return nil }
                var safe = scalars[index + 1] != "^"
                var item = index + 1
                var previous: UInt32?
                while safe && item < end {
                    let member = scalars[item]
                    if member == "\\" {
                        guard item + 1 < end, safeEscape(scalars[item + 1], inClass: true) else {
                            safe = false
                            break
                        }
                        previous = scalars[item + 1].value
                        item += 2
                        continue
                    }
                    if member == "[" || isBreak(member) {
                        safe = false
                        break
                    }
                    if member == "-", let low = previous, item + 1 < end, scalars[item + 1] != "\\" {
                        // A range: it must not reach over the line breaks.
                        let high = scalars[item + 1].value
                        if (low <= 0x0D && high >= 0x0A) || (low <= 0x85 && high >= 0x85) || (low <= 0x2029 && high >= 0x2028) {
                            safe = false
                            break
                        }
                        item += 2
                        previous = nil
                        continue
                    }
                    previous = member.value
                    item += 1
                }
                index = end + 1
                // A class is one character, whatever it holds.
                if !safe, !breaking(1) { return nil }
                continue
            default:
                break
            }
            index += 1
        }
        return total
    }

    /// Whether some stretch of `text` with at most `lineBreaks` line breaks (`\n` to `\r`)
    /// holds every literal: the stretches around each place of the longest literal, from
    /// `lineBreaks` breaks before its line to as many after.
    static func someStretch(of text: UnsafeRawBufferPointer, lineBreaks: Int, holdsAll literals: [[UInt8]]) -> Bool {
        guard let rarest = literals.max(by: { $0.count < $1.count }) else { return true }
        func isBreak(_ byte: UInt8) -> Bool { byte >= 0x0A && byte <= 0x0D }
        var from = 0
        while let found = Pattern.find(rarest, in: text, from: from) {
            var start = found
            var crossed = 0
            while start > 0 {
                if isBreak(text[start - 1]) {
                    if crossed == lineBreaks { break }
                    crossed += 1
                }
                start -= 1
            }
            // The end of the literal's own line: later places in it give the same stretch.
            var lineEnd = found + rarest.count
            while lineEnd < text.count && !isBreak(text[lineEnd]) { lineEnd += 1 }
            var end = lineEnd
            crossed = 0
            while end < text.count {
                if isBreak(text[end]) {
                    if crossed == lineBreaks { break }
                    crossed += 1
                }
                end += 1
            }
            let stretch = UnsafeRawBufferPointer(rebasing: text[start..<end])
            if literals.allSatisfy({ Pattern.find($0, in: stretch, from: 0) != nil }) { return true }
            from = lineEnd
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
