import EventLog

/// Every literal that the rules test against one text (a field's text, folded or not, or the
/// joined text keywords search), found in one pass over that text: a trie of the literals is
/// walked from every position a `contains` needle can start at (only from the start for
/// prefixes and whole values), and a trie of the reversed literals from the end for suffixes;
/// long `contains` needles alone are found by skipping through the text (`SkipTable`). What
/// it finds is stamped in a per-event table of needles, so each rule's test is a lookup.
///
/// Laid out in flat memory like `CompiledProgram`, immutable once built.
final class NeedleScanner: @unchecked Sendable {
    enum Kind: UInt8 { case contains, prefix, equals, suffix }

    /// A literal to find, and the needle id its finding stamps.
    struct Needle: Sendable {
        var bytes: [UInt8]
        var kind: Kind
        var id: Int32
    }

    private let forward: Trie
    private let backward: Trie
    /// Whether any needle is a `contains` (otherwise the forward walk starts only at 0).
    private let anywhere: Bool
    private let hasSuffixes: Bool
    /// Where a `contains` needle can start, asked before walking the trie so that most
    /// positions of a text cost a lookup or two:
    /// - `quads`: the first four bytes of every needle of four bytes or more → the trie node
    ///   they lead to, an open-addressing table at most a quarter full. A position whose four
    ///   bytes are not there starts no such needle; one whose bytes are is walked from that
    ///   node, four levels down, without visiting the levels above it (in a trie of thousands
    ///   of needles each level costs a cache miss).
    /// - `quadFilter`: 65,536 bits, one per value of the quads' hash, set for the quads in the
    ///   table: most positions are ruled out by one bit in the first-level cache, without
    ///   probing a table of thousands of quads in the second.
    /// - `startPairs`: the first two bytes of the two- and three-byte needles, as bits
    ///   `first << 8 | second`; a position they allow is walked from the root.
    private let quads: UnsafeMutablePointer<QuadEntry>
    private let quadFilter: UnsafeMutablePointer<UInt64>
    private let quadShift: UInt32
    private let quadMask: Int
    private let startPairs: UnsafeMutablePointer<UInt64>
    private let hasShortNeedles: Bool

    private struct QuadEntry {
        var bytes: UInt32
        /// The node the bytes lead to; -1 for an empty slot.
        var node: Int32
    }

    /// One-byte `contains` needles: found by looking for their byte (`memchr`), not by
    /// walking the trie from every place it occurs (a space or a quote is nearly everywhere).
    private let singleBytes: [(byte: UInt8, needle: Int32)]
    /// Two- and three-byte `contains` needles, as one buffer of their bytes (`starts` says
    /// where each begins), when there are few of them: in a long text each is looked for
    /// sixteen positions at a time (`occurs`), and positions are then tested only for needles
    /// of four bytes or more. Walking the trie from every position where a short needle could
    /// start met nearly every position of a script (`rm`, `set`, `iex`).
    private let shortNeedles: (bytes: [UInt8], starts: [Int], ids: [Int32])?
    /// Texts at least this long look for short needles with `occurs`.
    static let shortSearchLength = 256

    /// Whether a needle of two or three bytes occurs in a text: sixteen positions per step,
    /// comparing the text against each of the needle's bytes at once.
    static func occurs(_ needle: UnsafePointer<UInt8>, _ length: Int, in text: UnsafePointer<UInt8>, _ count: Int) -> Bool {
        let first = SIMD16<UInt8>(repeating: needle[0])
        let second = SIMD16<UInt8>(repeating: needle[1])
        let third = SIMD16<UInt8>(repeating: length > 2 ? needle[2] : 0)
        let raw = UnsafeRawPointer(text)
        var start = 0
        // Sixteen needles' worth of positions whose last bytes are in the text.
        while start + 15 + length <= count {
            var found = raw.loadUnaligned(fromByteOffset: start, as: SIMD16<UInt8>.self) .== first
            found .&= raw.loadUnaligned(fromByteOffset: start + 1, as: SIMD16<UInt8>.self) .== second
            if length > 2 { found .&= raw.loadUnaligned(fromByteOffset: start + 2, as: SIMD16<UInt8>.self) .== third }
            if any(found) { return true }
            start += 16
        }
        while start + length <= count {
            if text[start] == needle[0] && text[start + 1] == needle[1] && (length == 2 || text[start + 2] == needle[2]) { return true }
            start += 1
        }
        return false
    }

    /// For a scanner of `contains` needles only, all of at least `SkipTable.minimumLength`
    /// bytes (four for the joined text's keywords): how far a window of the text may move on
    /// (see `SkipTable`).
    private let skips: SkipTable?

    /// Whether scanning skips through windows (for tests).
    var skipsWindows: Bool { skips != nil }

    /// For a scanner of `contains` needles, none empty or holding a NUL byte: the shortest
    /// needle's length (at most the window of a skipping scanner), whether some needle is only
    /// digits and minus signs (could be in an integer's text), and whether every needle has a
    /// character that the text of numbers, times, GUIDs and the like never holds
    /// (`EventFieldReader.formattedCharacters`). Such needles are in a joined text exactly
    /// when they are in one of its NUL-separated parts, so the parts can be scanned apart and
    /// those that cannot hold them left out.
    let partwise: (minimumLength: Int, integers: Bool, words: Bool)?

    /// Whether `scanUTF16` can read texts in UTF-16 as they are stored: a skipping scanner
    /// whose needles are all ASCII.
    let scansUTF16: Bool

    /// A Wu-Manber shift table. Every needle is at least `length` bytes long, so each
    /// occurrence fills a window of `length` bytes that ends with some pair of bytes of the
    /// needle's first `length`. The pair ending the current window says how far the window can
    /// move without passing the end of any needle's first `length` bytes: the distance from
    /// where that pair last ends in such a prefix to the prefix's end (`length - 1` when it
    /// occurs in none). Only windows whose shift is 0 are checked with the trie, from their
    /// start; on text with few candidates most bytes are never looked at. Pairs are hashed
    /// into 4,096 entries; a collision only shortens a shift.
    private struct SkipTable {
        /// The shortest needle a field's scanner skips with: with shorter ones, the thousands
        /// of `contains` needles of a path or command line field leave shifts too short to
        /// pay for the table. A keyword scanner holds a few dozen words, whose pairs leave
        /// most windows a shift even at four bytes (the antivirus keywords of Application
        /// events: 3% fewer instructions in matching).
        static let minimumLength = 6
        let length: Int
        let shifts: UnsafeMutablePointer<UInt8>

        init?(_ needles: [Needle], minimumLength: Int = SkipTable.minimumLength) {
            guard !needles.isEmpty, needles.allSatisfy({ $0.kind == .contains }) else { return nil }
            let shortest = needles.map(\.bytes.count).min()!
            guard shortest >= minimumLength else { return nil }
            length = min(shortest, 255)
            shifts = .allocate(capacity: 4096)
            shifts.initialize(repeating: UInt8(length - 1), count: 4096)
            for needle in needles {
                for end in 1..<length {
                    let slot = SkipTable.slot(needle.bytes[end - 1], needle.bytes[end])
                    shifts[slot] = min(shifts[slot], UInt8(length - 1 - end))
                }
            }
        }

        @inline(__always)
        static func slot(_ first: UInt8, _ second: UInt8) -> Int {
            Int(first & 0x3F) << 6 | Int(second & 0x3F)
        }
    }

    /// `joined`: the scanner of the joined text (keywords), which skips from four bytes up.
    init(_ needles: [Needle], joined: Bool = false) {
        // Forward walks may start four levels down (`quads`), so no tail starts above that.
        forward = Trie(needles.filter { $0.kind != .suffix }, reversed: false, tailDepth: 4)
        backward = Trie(needles.filter { $0.kind == .suffix }, reversed: true, tailDepth: 1)
        anywhere = needles.contains { $0.kind == .contains }
        hasSuffixes = needles.contains { $0.kind == .suffix }
        let contained = needles.filter { $0.kind == .contains && !$0.bytes.isEmpty }
        let quadKeys = Set(contained.filter { $0.bytes.count >= 4 }.map { NeedleScanner.quad($0.bytes) })
        var slots = 16
        while slots < quadKeys.count * 4 { slots <<= 1 }
        quadShift = UInt32(32 - slots.trailingZeroBitCount)
        quadMask = slots - 1
        quads = .allocate(capacity: slots)
        quads.initialize(repeating: QuadEntry(bytes: 0, node: -1), count: slots)
        startPairs = .allocate(capacity: 1024)
        startPairs.initialize(repeating: 0, count: 1024)
        quadFilter = .allocate(capacity: 1024)
        quadFilter.initialize(repeating: 0, count: 1024)
        let short = contained.filter { $0.bytes.count == 2 || $0.bytes.count == 3 }
        hasShortNeedles = !short.isEmpty
        shortNeedles = short.isEmpty || short.count > 16 ? nil : (
            short.flatMap(\.bytes), short.reduce(into: [0]) { $0.append($0.last! + $1.bytes.count) }, short.map(\.id)
        )
        singleBytes = contained.filter { $0.bytes.count == 1 }.map { ($0.bytes[0], $0.id) }
        skips = SkipTable(needles, minimumLength: joined ? 4 : SkipTable.minimumLength)
        if !needles.isEmpty, needles.allSatisfy({ $0.kind == .contains && !$0.bytes.isEmpty && !$0.bytes.contains(0) }) {
            let digits = Set("-0123456789".utf8)
            let formatted = EventFieldReader.formattedCharacters
            partwise = (
                skips?.length ?? needles.map(\.bytes.count).min()!, needles.contains { $0.bytes.allSatisfy(digits.contains) },
                needles.allSatisfy { !$0.bytes.allSatisfy(formatted.contains) }
            )
        } else {
            partwise = nil
        }
        scansUTF16 = skips != nil && partwise != nil && needles.allSatisfy { $0.bytes.allSatisfy { $0 < 0x80 } }
        for needle in contained where needle.bytes.count > 1 {
            let bytes = needle.bytes
            if bytes.count >= 4 {
                let quad = NeedleScanner.quad(bytes)
                var slot = Int(NeedleScanner.quadHash(quad, quadShift))
                while quads[slot].node >= 0 && quads[slot].bytes != quad { slot = (slot + 1) & quadMask }
                guard quads[slot].node < 0 else { continue }
                var node: Int32 = 0
                for byte in bytes.prefix(4) { node = forward.child(node, byte) }
                quads[slot] = QuadEntry(bytes: quad, node: node)
                let hash = NeedleScanner.quadHash(quad, 16)
                quadFilter[Int(hash >> 6)] |= 1 << UInt64(hash & 63)
            } else {
                let pair = Int(bytes[0]) << 8 | Int(bytes[1])
                startPairs[pair >> 6] |= 1 << UInt64(pair & 63)
            }
        }
    }

    /// The first four bytes of a needle as `loadUnaligned` reads them from a text.
    private static func quad(_ bytes: [UInt8]) -> UInt32 {
        (UInt32(bytes[0]) | UInt32(bytes[1]) << 8 | UInt32(bytes[2]) << 16 | UInt32(bytes[3]) << 24)
    }

    deinit {
        forward.free()
        backward.free()
        quads.deallocate()
        startPairs.deallocate()
        quadFilter.deallocate()
        skips?.shifts.deallocate()
    }

    @inline(__always)
    private static func quadHash(_ quad: UInt32, _ shift: UInt32) -> UInt32 {
        (quad &* 0x9E37_79B1) >> shift
    }

    /// Whether a two- or three-byte `contains` needle can start at `start`.
    @inline(__always)
    private func shortCanStart(_ bytes: UnsafePointer<UInt8>, _ start: Int, _ count: Int) -> Bool {
        guard hasShortNeedles, start + 1 < count else { return false }
        let pair = Int(bytes[start]) << 8 | Int(bytes[start + 1])
        return startPairs[pair >> 6] & (1 << UInt64(pair & 63)) != 0
    }

    /// The trie node the four bytes at `start` lead to if they begin a `contains` needle of
    /// four bytes or more, else -1. The text must have four bytes there.
    @inline(__always)
    private func quadNode(_ bytes: UnsafePointer<UInt8>, _ start: Int) -> Int32 {
        quadNode(UnsafeRawPointer(bytes + start).loadUnaligned(as: UInt32.self).littleEndian)
    }

    /// The trie node four bytes (the first in the low byte) lead to if they begin a `contains`
    /// needle of four bytes or more, else -1.
    @inline(__always)
    private func quadNode(_ quad: UInt32) -> Int32 {
        let filter = NeedleScanner.quadHash(quad, 16)
        guard quadFilter[Int(filter >> 6)] & (1 << UInt64(filter & 63)) != 0 else { return -1 }
        var slot = Int(NeedleScanner.quadHash(quad, quadShift))
        while true {
            let entry = quads[slot]
            if entry.node < 0 || entry.bytes == quad { return entry.node }
            slot = (slot + 1) & quadMask
        }
    }

    static func copy<T>(_ list: [T]) -> UnsafeMutablePointer<T> {
        let pointer = UnsafeMutablePointer<T>.allocate(capacity: max(1, list.count))
        _ = UnsafeMutableBufferPointer(start: pointer, count: list.count).initialize(from: list)
        return pointer
    }

    /// Stamps the context's generation on every needle found in `text` and lists each in the
    /// context's found needles once.
    func scan(_ text: UnsafeRawBufferPointer, _ context: EventContext) {
        var hits = Hits(stamps: context.needleStamps, found: context.foundNeedles, count: context.foundCount, generation: context.generation)
        defer { context.foundCount = hits.count }
        let count = text.count
        let bytes = text.baseAddress?.assumingMemoryBound(to: UInt8.self)
        // Empty needles sit on the root.
        mark(forward, 0, start: 0, end: 0, count: count, &hits)
        if let skips, let bytes {
            // Windows of `length` bytes, ending at `end`.
            var end = skips.length - 1
            while end < count {
                let shift = Int(skips.shifts[SkipTable.slot(bytes[end - 1], bytes[end])])
                if shift == 0 {
                    // Every needle is a `contains` of four bytes or more.
                    let start = end - skips.length + 1
                    let node = quadNode(bytes, start)
                    if node >= 0 { walk(bytes, from: node, start: start, position: start + 4, count: count, &hits) }
                    end += 1
                } else {
                    end += shift
                }
            }
            return
        }
        if let bytes {
            // memchr looks at many bytes per step; there are few one-byte needles.
            for (byte, needle) in singleBytes where memchr(bytes, Int32(byte), count) != nil { hits.add(needle) }
            let starts = anywhere ? count : min(count, 1)
            if let short = shortNeedles, count >= NeedleScanner.shortSearchLength {
                short.bytes.withUnsafeBufferPointer { needleBytes in
                    for (index, needle) in short.ids.enumerated() {
                        let start = short.starts[index]
                        if NeedleScanner.occurs(needleBytes.baseAddress! + start, short.starts[index + 1] - start, in: bytes, count) {
                            hits.add(needle)
                        }
                    }
                }
                // The start walks from the root (prefixes, whole values, needles at 0); after
                // it only needles of four bytes or more are left to find.
                if count > 0 { walk(bytes, from: forward.root[Int(bytes[0])], start: 0, position: 1, count: count, &hits) }
                var start = 1
                while start + 4 <= count {
                    let node = quadNode(bytes, start)
                    if node >= 0 { walk(bytes, from: node, start: start, position: start + 4, count: count, &hits) }
                    start += 1
                }
            } else {
                for start in 0..<starts {
                    // Only `contains` needles can match after the start of the text.
                    if start == 0 || shortCanStart(bytes, start, count) {
                        walk(bytes, from: forward.root[Int(bytes[start])], start: start, position: start + 1, count: count, &hits)
                    } else if start + 4 <= count {
                        let node = quadNode(bytes, start)
                        if node >= 0 { walk(bytes, from: node, start: start, position: start + 4, count: count, &hits) }
                    }
                }
            }
        }
        guard hasSuffixes else { return }
        mark(backward, 0, start: 0, end: 0, count: count, &hits)
        guard let bytes else { return }
        var node: Int32 = 0
        var position = count - 1
        while position >= 0 {
            node = backward.child(node, bytes[position])
            guard node >= 0 else { break }
            if backward.hitCount(node) > 0 { mark(backward, node, start: 0, end: 0, count: count, &hits) }
            if backward.isTail(node) {
                // The chain holds the bytes before `position`, last first.
                let tail = backward.tail(node)
                guard tail.length <= position else { break }
                var offset = 0
                while offset < tail.length && tail.bytes[offset] == bytes[position - 1 - offset] { offset += 1 }
                if offset == tail.length { mark(backward, tail.hitStart, tail.hitCount, start: 0, end: 0, count: count, &hits) }
                break
            }
            position -= 1
        }
    }

    /// Walks the forward trie along the text from `node`, which the bytes from `start` up to
    /// `position` lead to, marking the needles it passes.
    @inline(__always)
    private func walk(
        _ bytes: UnsafePointer<UInt8>, from node: Int32, start: Int, position: Int, count: Int, _ hits: inout Hits
    ) {
        var node = node
        var position = position
        while node >= 0 {
            if forward.hitCount(node) > 0 {
                mark(forward, node, start: start, end: position, count: count, &hits)
            }
            if forward.isTail(node) {
                let tail = forward.tail(node)
                if position + tail.length <= count && memcmp(bytes + position, tail.bytes, tail.length) == 0 {
                    mark(forward, tail.hitStart, tail.hitCount, start: start, end: position + tail.length, count: count, &hits)
                }
                break
            }
            guard position < count else { break }
            node = forward.child(node, bytes[position])
            position += 1
        }
    }

    /// Scans UTF-16LE text as `scan` scans its UTF-8 text folded to ASCII lower case, finding
    /// the same needles, without decoding it (only for a scanner that `scansUTF16`). The text
    /// ends at its first NUL unit, as decoding ends it.
    ///
    /// Why this is the same: every needle is ASCII, so it can only occur in a run of ASCII
    /// characters, which are one unit in UTF-16 and one byte in UTF-8. A unit that is not
    /// ASCII reads as 0x80, which no needle holds: no needle is found across it, and the shift
    /// table's entry for any pair is at most the shift that is safe for a pair no needle holds.
    ///
    /// The text is scanned to its end first, and its NUL looked for only when that finds a
    /// needle (rarely: a keyword in a field); then what was found is taken back and the text
    /// before the NUL scanned again. A NUL unit reads as a byte no needle holds, so nothing is
    /// found across it. Looking for the NUL first cost half what the skipping scan does.
    func scanUTF16(_ text: UnsafeRawBufferPointer, _ context: EventContext) {
        guard scansUTF16, let base = text.baseAddress else { return }
        var hits = Hits(stamps: context.needleStamps, found: context.foundNeedles, count: context.foundCount, generation: context.generation)
        defer { context.foundCount = hits.count }
        let units = text.count / 2
        let before = hits.count
        scanUTF16(base, count: units, &hits)
        guard hits.count > before else { return }
        let count = NeedleScanner.unitsBeforeNUL(base, units)
        guard count < units else { return }
        for index in before..<hits.count { hits.stamps[Int(hits.found[index])] = 0 }
        hits.count = before
        scanUTF16(base, count: count, &hits)
    }

    /// `scanUTF16` over the first `count` units.
    @inline(__always)
    private func scanUTF16(_ base: UnsafeRawPointer, count: Int, _ hits: inout Hits) {
        guard let skips else { return }
        @inline(__always) func folded(_ position: Int) -> UInt8 {
            let unit = UInt16(littleEndian: base.loadUnaligned(fromByteOffset: position * 2, as: UInt16.self))
            guard unit < 0x80 else { return 0x80 }
            return unit >= 0x41 && unit <= 0x5A ? UInt8(unit) | 0x20 : UInt8(unit)
        }
        var end = skips.length - 1
        while end < count {
            let shift = Int(skips.shifts[SkipTable.slot(folded(end - 1), folded(end))])
            guard shift == 0 else {
                end += shift
                continue
            }
            let start = end - skips.length + 1
            end += 1
            let first = (folded(start), folded(start + 1), folded(start + 2), folded(start + 3))
            guard (first.0 | first.1 | first.2 | first.3) < 0x80 else { continue }
            var node = quadNode(UInt32(first.0) | UInt32(first.1) << 8 | UInt32(first.2) << 16 | UInt32(first.3) << 24)
            var position = start + 4
            while node >= 0 {
                if forward.hitCount(node) > 0 { mark(forward, node, start: start, end: position, count: count, &hits) }
                if forward.isTail(node) {
                    let tail = forward.tail(node)
                    guard position + tail.length <= count else { break }
                    var offset = 0
                    while offset < tail.length && folded(position + offset) == tail.bytes[offset] { offset += 1 }
                    if offset == tail.length {
                        mark(forward, tail.hitStart, tail.hitCount, start: start, end: position + tail.length, count: count, &hits)
                    }
                    break
                }
                guard position < count else { break }
                let byte = folded(position)
                guard byte < 0x80 else { break }
                node = forward.child(node, byte)
                position += 1
            }
        }
    }

    /// The number of UTF-16 units before the first NUL unit (all of them when there is none),
    /// four units at a time.
    static func unitsBeforeNUL(_ base: UnsafeRawPointer, _ units: Int) -> Int {
        var position = 0
        let ones: UInt64 = 0x0001_0001_0001_0001
        let highs: UInt64 = 0x8000_8000_8000_8000
        while position + 4 <= units {
            let word = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: position * 2, as: UInt64.self))
            // Some unit is zero when this is nonzero (a zero unit borrows; its high bit was clear).
            if (word &- ones) & ~word & highs != 0 { break }
            position += 4
        }
        while position < units && base.loadUnaligned(fromByteOffset: position * 2, as: UInt16.self) != 0 { position += 1 }
        return position
    }

    private struct Hits {
        let stamps: UnsafeMutablePointer<UInt32>
        let found: UnsafeMutablePointer<Int32>
        var count: Int
        let generation: UInt32

        @inline(__always)
        mutating func add(_ needle: Int32) {
            guard stamps[Int(needle)] != generation else { return }
            stamps[Int(needle)] = generation
            found[count] = needle
            count += 1
        }
    }

    @inline(__always)
    private func mark(_ trie: Trie, _ node: Int32, start: Int, end: Int, count: Int, _ hits: inout Hits) {
        mark(trie, trie.hitStart(node), trie.hitCount(node), start: start, end: end, count: count, &hits)
    }

    /// Marks `hitCount` hits from `hitStart`, of needles found from `start` to `end`.
    @inline(__always)
    private func mark(_ trie: Trie, _ first: Int, _ hitCount: Int, start: Int, end: Int, count: Int, _ hits: inout Hits) {
        for index in first..<(first + hitCount) {
            let hit = trie.hits[index]
            switch hit.kind {
            case .contains, .suffix: hits.add(hit.needle)
            case .prefix: if start == 0 { hits.add(hit.needle) }
            case .equals: if start == 0 && end == count { hits.add(hit.needle) }
            }
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
