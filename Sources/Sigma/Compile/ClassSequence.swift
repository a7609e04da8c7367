/// A regular expression that is a plain sequence of character classes, each repeated a
/// number of times (`^[A-Za-z0-9]{16}$`, `://\d{1,3}\.\d{1,3}`, `\s[0-7]{7,13}`), matched
/// over bytes without ICU.
///
/// Valid, like `RegexLiteral.wildcardPattern`, on ASCII text without line breaks: there ICU's
/// `.`, `\s`, `\d`, `\w`, `^`, `$` and case folding mean exactly what the byte sets here
/// mean. Matching runs on the folded text, so every class must hold both cases of a letter
/// or neither (classes of a case-insensitive expression are closed over case; a
/// case-sensitive `[FTd]` is left to ICU). Groups, alternation, word boundaries, back
/// references, negated classes under case folding and anything unusual are left to ICU too.
struct ClassSequence: Sendable, Equatable {
    /// A set of bytes, as four 64-bit words.
    struct ByteSet: Sendable, Equatable {
        var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)

        static func == (lhs: ByteSet, rhs: ByteSet) -> Bool { lhs.words == rhs.words }

        @inline(__always)
        func contains(_ byte: UInt8) -> Bool {
            let word: UInt64
            switch byte >> 6 {
            case 0: word = words.0
            case 1: word = words.1
            case 2: word = words.2
            default: word = words.3
            }
            return word >> UInt64(byte & 63) & 1 != 0
        }

        @inline(__always)
        mutating func insert(_ byte: UInt8) {
            let bit: UInt64 = 1 << UInt64(byte & 63)
            switch byte >> 6 {
            case 0: words.0 |= bit
            case 1: words.1 |= bit
            case 2: words.2 |= bit
            default: words.3 |= bit
            }
        }

        mutating func insert(_ range: ClosedRange<UInt8>) {
            for byte in range { insert(byte) }
        }

        func union(_ other: ByteSet) -> ByteSet {
            ByteSet(words: (words.0 | other.words.0, words.1 | other.words.1, words.2 | other.words.2, words.3 | other.words.3))
        }

        var inverted: ByteSet { ByteSet(words: (~words.0, ~words.1, ~words.2, ~words.3)) }

        /// With both cases of every ASCII letter it holds.
        var closedOverCase: ByteSet {
            var closed = self
            for upper in UInt8(ascii: "A")...UInt8(ascii: "Z") where contains(upper) || contains(upper | 0x20) {
                closed.insert(upper)
                closed.insert(upper | 0x20)
            }
            return closed
        }

        static let digits: ByteSet = {
            var set = ByteSet()
            set.insert(UInt8(ascii: "0")...UInt8(ascii: "9"))
            return set
        }()
        static let word: ByteSet = {
            var set = digits
            set.insert(UInt8(ascii: "a")...UInt8(ascii: "z"))
            set.insert(UInt8(ascii: "A")...UInt8(ascii: "Z"))
            set.insert(UInt8(ascii: "_"))
            return set
        }()
        /// ICU's `\s` on ASCII: tab, line feed, vertical tab, form feed, carriage return, space.
        static let space: ByteSet = {
            var set = ByteSet()
            set.insert(0x09...0x0D)
            set.insert(0x20)
            return set
        }()
    }

    /// One class and how many times it repeats (`maximum` nil: unbounded).
    struct Step: Sendable, Equatable {
        var set: ByteSet
        var minimum: Int
        var maximum: Int?
    }

    let steps: [Step]
    let anchoredStart: Bool
    let anchoredEnd: Bool

    /// The expression as a class sequence, or nil when it is not one (or not safely so).
    static func parse(_ source: String, caseInsensitive: Bool) -> ClassSequence? {
        var scalars = Array(source.unicodeScalars)[...]
        guard scalars.allSatisfy(\.isASCII) else { return nil }
        var insensitive = caseInsensitive
        if scalars.starts(with: "(?i)".unicodeScalars) {
            insensitive = true
            scalars = scalars.dropFirst(4)
        }
        var steps: [Step] = []
        let anchoredStart = scalars.first == "^"
        if anchoredStart { scalars = scalars.dropFirst() }
        var anchoredEnd = false
        while let scalar = scalars.first {
            scalars = scalars.dropFirst()
            var set: ByteSet
            var negated = false
            switch scalar {
            case "$":
                guard scalars.isEmpty else { return nil }
                anchoredEnd = true
                continue
            case ".":
                set = ByteSet().inverted
            case "\\":
                guard let escape = scalars.first, let escaped = ClassSequence.escape(escape) else { return nil }
                scalars = scalars.dropFirst()
                (set, negated) = escaped.asSet
            case "[":
                guard let parsed = ClassSequence.bracket(&scalars) else { return nil }
                (set, negated) = parsed
            case "(", ")", "|", "{", "}", "*", "+", "?", "^", "]":
                return nil
            default:
                guard scalar.value >= 0x20 && scalar.value < 0x7F else { return nil }
                set = ByteSet()
                set.insert(UInt8(scalar.value))
            }
            if negated {
                // ICU's order of case closing and negation is not relied on.
                guard !insensitive else { return nil }
                set = set.inverted
            }
            if insensitive {
                set = set.closedOverCase
            } else if set.closedOverCase != set {
                return nil
            }
            guard let (minimum, maximum) = ClassSequence.quantifier(&scalars) else { return nil }
            steps.append(Step(set: set, minimum: minimum, maximum: maximum))
            guard steps.count <= 64 else { return nil }
        }
        return ClassSequence(steps: steps, anchoredStart: anchoredStart, anchoredEnd: anchoredEnd)
    }

    /// What an escape outside or inside brackets stands for: a class (`\d`, `\W`, ...) with
    /// whether it is negated, or a single byte (`\t`, `\.`).
    private enum Escape {
        case set(ByteSet, negated: Bool)
        case byte(UInt8)

        var asSet: (ByteSet, Bool) {
            switch self {
            case .set(let set, let negated): return (set, negated)
            case .byte(let byte):
                var set = ByteSet()
                set.insert(byte)
                return (set, false)
            }
        }
    }

    private static func escape(_ scalar: Unicode.Scalar) -> Escape? {
        switch scalar {
        case "d": return .set(ByteSet.digits, negated: false)
        case "D": return .set(ByteSet.digits, negated: true)
        case "w": return .set(ByteSet.word, negated: false)
        case "W": return .set(ByteSet.word, negated: true)
        case "s": return .set(ByteSet.space, negated: false)
        case "S": return .set(ByteSet.space, negated: true)
        case "t": return .byte(0x09)
        case "n": return .byte(0x0A)
        case "r": return .byte(0x0D)
        case "f": return .byte(0x0C)
        case "v": return .byte(0x0B)
        default:
            // Punctuation stands for itself; letters and digits have meanings left to ICU.
            guard scalar.value >= 0x20 && scalar.value < 0x7F, !scalar.properties.isAlphabetic, !("0"..."9").contains(scalar) else {
                return nil
            }
            return .byte(UInt8(scalar.value))
        }
    }

    /// A bracket class after its `[`: literals, ranges, `\d`, `\w`, `\s` and escaped
    /// punctuation; nil for nested sets, set operations, POSIX names and the like.
    private static func bracket(_ scalars: inout ArraySlice<Unicode.Scalar>) -> (ByteSet, Bool)? {
        var set = ByteSet()
        let negated = scalars.first == "^"
        if negated { scalars = scalars.dropFirst() }
        guard scalars.first != "]" else { return nil }
        var previous: UInt8?
        var first = true
        while let scalar = scalars.first {
            scalars = scalars.dropFirst()
            defer { first = false }
            switch scalar {
            case "]":
                return (set, negated)
            case "[", "&":
                return nil
            case "-" where !first && scalars.first != "]":
                // A range; a dash after a range or a class escape is left to ICU.
                guard let end = scalars.first, end != "\\", end != "[", end.value >= 0x20 && end.value < 0x7F, let start = previous,
                    UInt8(end.value) >= start
                else { return nil }
                scalars = scalars.dropFirst()
                set.insert(start...UInt8(end.value))
                previous = nil
            case "\\":
                guard let escape = scalars.first, let escaped = ClassSequence.escape(escape) else { return nil }
                scalars = scalars.dropFirst()
                switch escaped {
                case .set(let members, negated: false):
                    set = set.union(members)
                    // A class escape may not start a range.
                    previous = nil
                case .set(_, negated: true):
                    return nil
                case .byte(let byte):
                    set.insert(byte)
                    previous = byte
                }
            default:
                guard scalar.value >= 0x20 && scalar.value < 0x7F else { return nil }
                set.insert(UInt8(scalar.value))
                previous = UInt8(scalar.value)
            }
        }
        return nil
    }

    /// The repetition after an atom: (1, 1) when there is none; nil for possessive and
    /// malformed ones. A lazy `?` changes which match is found, not whether one is.
    private static func quantifier(_ scalars: inout ArraySlice<Unicode.Scalar>) -> (Int, Int?)? {
        var result: (Int, Int?)
        switch scalars.first {
        case "*": result = (0, nil)
        case "+": result = (1, nil)
        case "?": result = (0, 1)
        case "{":
            guard let close = scalars.firstIndex(of: "}") else { return nil }
            let body = String(String.UnicodeScalarView(scalars[(scalars.startIndex + 1)..<close]))
            let parts = body.split(separator: ",", omittingEmptySubsequences: false)
            guard (1...2).contains(parts.count), let minimum = Int(parts[0]), minimum <= 10_000 else { return nil }
            if parts.count == 1 {
                result = (minimum, minimum)
            } else if parts[1].isEmpty {
                result = (minimum, nil)
            } else {
                guard let maximum = Int(parts[1]), maximum >= minimum, maximum <= 10_000 else { return nil }
                result = (minimum, maximum)
            }
            scalars = scalars[close...]
        default:
            return (1, 1)
        }
        scalars = scalars.dropFirst()
        if scalars.first == "+" { return nil }
        if scalars.first == "?" { scalars = scalars.dropFirst() }
        return result
    }

    /// Whether the expression matches somewhere in `text` (folded ASCII without line breaks).
    ///
    /// The positions where the sequence so far can end are carried step by step: from each,
    /// a step reaches every position between its minimum and maximum repetition that the run
    /// of its class's bytes allows. Linear in the text per step, whatever the repetitions.
    func matches(_ text: UnsafeRawBufferPointer) -> Bool {
        let count = text.count
        return withUnsafeTemporaryAllocation(of: Int32.self, capacity: 3 * (count + 2)) { scratch in
            let reach = scratch.baseAddress!
            let next = reach + (count + 2)
            let runs = next + (count + 2)
            for position in 0...count { reach[position] = anchoredStart && position > 0 ? 0 : 1 }
            for step in steps {
                // The run of the step's bytes starting at each position.
                runs[count] = 0
                var position = count - 1
                while position >= 0 {
                    runs[position] = step.set.contains(text[position]) ? runs[position + 1] + 1 : 0
                    position -= 1
                }
                // Ranges of reached positions, added up through differences.
                for index in 0...(count + 1) { next[index] = 0 }
                var any = false
                for start in 0...count where reach[start] != 0 {
                    let longest = min(Int(runs[start]), step.maximum ?? Int.max)
                    guard longest >= step.minimum else { continue }
                    next[start + step.minimum] += 1
                    next[start + longest + 1] -= 1
                    any = true
                }
                guard any else { return false }
                var open: Int32 = 0
                for index in 0...count {
                    open += next[index]
                    reach[index] = open > 0 ? 1 : 0
                }
            }
            if anchoredEnd { return reach[count] != 0 }
            for index in 0...count where reach[index] != 0 { return true }
            return false
        }
    }
}
