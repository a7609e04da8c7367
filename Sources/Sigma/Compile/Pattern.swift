/// A Sigma string value compiled for matching: literal byte runs and wildcards, case-folded
/// (ASCII) unless the rule says `cased`.
///
/// `*` matches any run of bytes, `?` one character. Escapes follow the specification: `\*`,
/// `\?` and `\\` are the literal characters; a backslash before anything else is itself.
struct Pattern: Sendable, Hashable {
    enum Part: Sendable, Hashable {
        case literal([UInt8])
        case star
        case one
    }

    var parts: [Part]
    var cased: Bool

    /// The common shapes, matched without the general algorithm.
    enum Shape: Sendable, Hashable {
        case equals([UInt8])
        case prefix([UInt8])
        case suffix([UInt8])
        case contains([UInt8])
        case anything
        case general
    }

    let shape: Shape

    // `shape` follows from `parts`, so equality and hashing leave it out; literals are hashed
    // as whole byte runs (hashing byte by byte was a tenth of rule compiling, where every
    // predicate is interned by hash).
    static func == (lhs: Pattern, rhs: Pattern) -> Bool { lhs.cased == rhs.cased && lhs.parts == rhs.parts }

    func hash(into hasher: inout Hasher) {
        hasher.combine(cased)
        hasher.combine(parts.count)
        for part in parts {
            switch part {
            case .literal(let bytes):
                hasher.combine(bytes.count)
                bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
            case .star: hasher.combine(-1)
            case .one: hasher.combine(-2)
            }
        }
    }

    init(parts: [Part], cased: Bool) {
        // Merge adjacent literals, folded unless cased, and collapse runs of stars, in one
        // list sized beforehand: rules make a hundred thousand patterns while they load.
        var merged: [Part] = []
        merged.reserveCapacity(parts.count)
        for part in parts {
            switch part {
            case .literal(let bytes):
                if bytes.isEmpty { continue }
                let folded = cased || !bytes.contains(where: { $0 >= 0x41 && $0 <= 0x5A }) ? bytes : bytes.map(Pattern.fold)
                if case .literal(let previous)? = merged.last {
                    merged[merged.count - 1] = .literal(previous + folded)
                } else {
                    merged.append(.literal(folded))
                }
            case .star:
                if case .star? = merged.last { continue }
                merged.append(part)
            case .one:
                merged.append(part)
            }
        }
        self.parts = merged
        self.cased = cased
        shape = Pattern.shape(of: merged)
    }

    private static func shape(of parts: [Part]) -> Shape {
        func literal(_ index: Int) -> [UInt8]? {
            if case .literal(let bytes) = parts[index] { return bytes }
            return nil
        }
        switch parts.count {
        case 0: return .equals([])
        case 1: return literal(0).map(Shape.equals) ?? (parts[0] == .star ? .anything : .general)
        case 2:
            if let bytes = literal(0), parts[1] == .star { return .prefix(bytes) }
            if parts[0] == .star, let bytes = literal(1) { return .suffix(bytes) }
            return .general
        case 3:
            if parts[0] == .star, parts[2] == .star, let bytes = literal(1) { return .contains(bytes) }
            return .general
        default: return .general
        }
    }

    /// Parses a rule string: wildcards and escapes.
    init(sigma text: String, cased: Bool) {
        self.init(parts: Pattern.parts(sigma: text), cased: cased)
    }

    /// The parts of a rule string, not yet folded.
    static func parts(sigma text: String) -> [Part] {
        var parts: [Part] = []
        var literal: [UInt8] = []
        let bytes = Array(text.utf8)
        var index = 0
        func flush() {
            if !literal.isEmpty { parts.append(.literal(literal)) }
            literal.removeAll()
        }
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\\"), index + 1 < bytes.count,
                bytes[index + 1] == UInt8(ascii: "*") || bytes[index + 1] == UInt8(ascii: "?") || bytes[index + 1] == UInt8(ascii: "\\")
            {
                literal.append(bytes[index + 1])
                index += 2
                continue
            }
            switch byte {
            case UInt8(ascii: "*"):
                flush()
                parts.append(.star)
            case UInt8(ascii: "?"):
                flush()
                parts.append(.one)
            default:
                literal.append(byte)
            }
            index += 1
        }
        flush()
        return parts
    }

    /// A literal (no wildcards) from raw bytes.
    init(literal bytes: [UInt8], cased: Bool) {
        self.init(parts: [.literal(bytes)], cased: cased)
    }

    /// Wildcards added for `contains`, `startswith`, `endswith`.
    func wrapped(leading: Bool, trailing: Bool) -> Pattern {
        Pattern(parts: (leading ? [.star] : []) + parts + (trailing ? [.star] : []), cased: cased)
    }

    var hasWildcards: Bool {
        parts.contains { part in
            if case .literal = part { return false }
            return true
        }
    }

    /// The literal bytes of the pattern when it has no wildcards.
    var plainBytes: [UInt8]? {
        if case .equals(let bytes) = shape { return bytes }
        return nil
    }

    /// The longest literal run of the pattern (the first of equal ones), which every text it
    /// matches holds; nil when it has none.
    var longestLiteral: [UInt8]? {
        var longest: [UInt8]?
        for case .literal(let bytes) in parts where bytes.count > (longest?.count ?? 0) { longest = bytes }
        return longest
    }

    @inline(__always)
    static func fold(_ byte: UInt8) -> UInt8 {
        byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte
    }

    /// Whether `text` (already folded when the pattern is not cased) matches.
    func matches(_ text: UnsafeRawBufferPointer) -> Bool {
        switch shape {
        case .equals(let bytes): return text.count == bytes.count && Pattern.equal(text, 0, bytes)
        case .prefix(let bytes): return text.count >= bytes.count && Pattern.equal(text, 0, bytes)
        case .suffix(let bytes): return text.count >= bytes.count && Pattern.equal(text, text.count - bytes.count, bytes)
        case .contains(let bytes): return Pattern.find(bytes, in: text, from: 0) != nil
        case .anything: return true
        case .general: return Pattern.glob(parts[...], text, 0)
        }
    }

    @inline(__always)
    static func equal(_ text: UnsafeRawBufferPointer, _ offset: Int, _ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { needle in
            guard let base = text.baseAddress, let needleBase = needle.baseAddress else { return needle.count == 0 }
            return memcmp(base + offset, needleBase, needle.count) == 0
        }
    }

    /// The first offset at or after `start` where `needle` occurs.
    static func find(_ needle: [UInt8], in text: UnsafeRawBufferPointer, from start: Int) -> Int? {
        guard needle.count <= text.count - start else { return nil }
        guard let first = needle.first else { return start }
        guard let base = text.baseAddress else { return nil }
        var position = start
        let last = text.count - needle.count
        while position <= last {
            guard let found = memchr(base + position, Int32(first), last - position + 1) else { return nil }
            let offset = base.distance(to: UnsafeRawPointer(found))
            if equal(text, offset, needle) { return offset }
            position = offset + 1
        }
        return nil
    }

    /// General glob matching: literals anchored where stars do not intervene, `?` one UTF-8
    /// character.
    static func glob(_ parts: ArraySlice<Part>, _ text: UnsafeRawBufferPointer, _ offset: Int) -> Bool {
        var parts = parts
        var offset = offset
        while let part = parts.first {
            switch part {
            case .literal(let bytes):
                guard text.count - offset >= bytes.count, equal(text, offset, bytes) else { return false }
                offset += bytes.count
                parts = parts.dropFirst()
            case .one:
                guard offset < text.count else { return false }
                offset += characterLength(text[offset])
                parts = parts.dropFirst()
            case .star:
                let rest = parts.dropFirst()
                guard let next = rest.first else { return true }
                if case .literal(let bytes) = next {
                    let after = rest.dropFirst()
                    // A final literal can only be the text's end.
                    if after.isEmpty {
                        return text.count - offset >= bytes.count && equal(text, text.count - bytes.count, bytes)
                    }
                    // Followed by another star, the earliest place is as good as any later
                    // one: one pass, however many stars (no exponential backtracking on
                    // crafted input).
                    if after.first == .star {
                        guard let found = find(bytes, in: text, from: offset) else { return false }
                        return glob(after, text, found + bytes.count)
                    }
                    // Try each place the next literal occurs.
                    var from = offset
                    while let found = find(bytes, in: text, from: from) {
                        if glob(rest.dropFirst(), text, found + bytes.count) { return true }
                        from = found + 1
                    }
                    return false
                }
                var position = offset
                while position <= text.count {
                    if glob(rest, text, position) { return true }
                    if position == text.count { break }
                    position += characterLength(text[position])
                }
                return false
            }
        }
        return offset == text.count
    }

    @inline(__always)
    static func characterLength(_ lead: UInt8) -> Int {
        switch lead {
        case 0xF0...: return 4
        case 0xE0...: return 3
        case 0xC0...: return 2
        default: return 1
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
