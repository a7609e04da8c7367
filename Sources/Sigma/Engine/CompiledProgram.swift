import STIX
import Synchronization

/// Rule expressions and string predicates laid out in flat memory, for matching without
/// reference counting or allocation: nodes, child lists, predicate records and pattern
/// records are plain values behind pointers owned by this object, which is immutable once
/// built. Literals are found by one `NeedleScanner` per field; regular expressions are
/// prefiltered by their required literals; other predicates (CIDR, numbers, times, ...) and
/// list-valued fields take the slow path through `Predicate.evaluate`.
final class CompiledProgram: @unchecked Sendable {
    struct Node {
        enum Kind: UInt8 { case predicate, not, and, or, constantTrue, constantFalse }
        var kind: Kind
        var count: Int32
        /// Predicate index, child node (not), or first entry in `children` (and, or).
        var first: Int32
    }

    struct PredicateRecord {
        enum Kind: UInt8 { case strings, keywords, regex, slow }
        var kind: Kind
        var all: Bool
        var folded: Bool
        /// Keywords whose patterns are all `contains` without NUL bytes: found by the scanner
        /// of the event's joined text.
        var joinable: Bool
        var field: Int32
        var firstPattern: Int32
        var patternCount: Int32
        var slow: Int32
        /// The scanner that finds this predicate's literals in one pass, or -1.
        var scanner: Int32
    }

    struct PatternRecord {
        /// A literal (found by its field's scanner), anything, or a wildcard pattern with `?` or
        /// inner stars (matched by `Pattern.glob`).
        enum Shape: UInt8 { case literal, anything, general }
        var shape: Shape
        /// For a regex predicate's pattern: its required literals' needles,
        /// `regexNeedles[start..<start + length]`.
        var start: Int32
        var length: Int32
        /// Index in `generalPatterns` for `.general`; in `regexes` for a regex predicate's.
        var general: Int32
        /// The needle whose stamp says whether the literal occurs (for `.general`: whether its
        /// longest literal does), or -1.
        var needle: Int32
    }

    /// Which text a scanner reads.
    enum ScannerKey: Hashable {
        case field(Int32, folded: Bool)
        /// All fields' folded text, for keywords.
        case joined
    }

    private struct NeedleKey: Hashable {
        var scanner: Int32
        var kind: NeedleScanner.Kind
        var bytes: [UInt8]

        // The bytes are hashed as one run, not byte by byte: every literal of every rule is
        // interned here, on one thread.
        func hash(into hasher: inout Hasher) {
            hasher.combine(scanner)
            hasher.combine(kind)
            bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
        }
    }

    // Internal rather than private where the anchors (CompiledProgram+Anchors.swift) read
    // them; nothing outside this type and its extension writes them.
    let nodes: UnsafeMutablePointer<Node>
    let children: UnsafeMutablePointer<Int32>
    let records: UnsafeMutablePointer<PredicateRecord>
    let patterns: UnsafeMutablePointer<PatternRecord>
    private let counts: (nodes: Int, children: Int, records: Int, patterns: Int)
    private let generalPatterns: [Pattern]
    let regexes: [RegexMatcher]
    let regexNeedles: [Int32]
    private let slow: [Predicate]
    /// Built with the program; `restrictedJoinedScanner` adds to them while the engine is
    /// compiled, before any matching.
    @exclusivity(unchecked) private(set) var scanners: [NeedleScanner]
    @exclusivity(unchecked) private var scannerKeys: [ScannerKey]
    /// The scanner of the joined text (keywords) and its needles, if any rule has keywords.
    let joinedScanner: Int32?
    private let joinedNeedles: [NeedleScanner.Needle]
    /// Each needle's length in bytes (anchors prefer long needles: they are rarer).
    let needleLengths: [Int32]
    let needleCount: Int

    /// Tells programs apart for as long as the process runs (`ScanMemo`).
    let serial = CompiledProgram.serials.wrappingAdd(1, ordering: .relaxed).oldValue
    private static let serials = Atomic<Int>(0)

    /// Builds the program from compiled expressions (the roots are returned in order) and the
    /// predicate table.
    init(expressions: [Expression], predicates: [Predicate], roots: inout [Int32], executor: ParallelExecutor) {
        var nodeList: [Node] = []
        var childList: [Int32] = []
        func add(_ expression: Expression) -> Int32 {
            switch expression {
            case .predicate(let index):
                nodeList.append(Node(kind: .predicate, count: 0, first: index))
            case .not(let inner):
                let child = add(inner)
                nodeList.append(Node(kind: .not, count: 0, first: child))
            case .and(let items), .or(let items):
                let childNodes = items.map(add)
                let first = Int32(childList.count)
                childList += childNodes
                let isAnd: Bool
                if case .and = expression { isAnd = true } else { isAnd = false }
                nodeList.append(Node(kind: isAnd ? .and : .or, count: Int32(childNodes.count), first: first))
            case .constant(let value):
                nodeList.append(Node(kind: value ? .constantTrue : .constantFalse, count: 0, first: 0))
            }
            return Int32(nodeList.count - 1)
        }
        roots = expressions.map(add)

        var recordList: [PredicateRecord] = []
        var patternList: [PatternRecord] = []
        var general: [Pattern] = []
        var regexList: [RegexMatcher] = []
        var regexNeedleList: [Int32] = []
        var scannerIndexes: [ScannerKey: Int32] = [:]
        var scannerNeedles: [[NeedleScanner.Needle]] = []
        var needleIDs: [NeedleKey: Int32] = [:]
        // Sized first: grown, the needle table rehashed every literal it held, on one thread.
        let patternTotal = predicates.reduce(0) { total, predicate in
            switch predicate {
            case .strings(_, let list, _), .keywords(let list, _): return total + list.count
            case .regex(_, let list, _): return total + list.count
            default: return total
            }
        }
        needleIDs.reserveCapacity(patternTotal)
        patternList.reserveCapacity(patternTotal)
        recordList.reserveCapacity(predicates.count)
        func scanner(_ key: ScannerKey) -> Int32 {
            if let index = scannerIndexes[key] { return index }
            let index = Int32(scannerNeedles.count)
            scannerIndexes[key] = index
            scannerNeedles.append([])
            return index
        }
        func needle(_ scanner: Int32, _ kind: NeedleScanner.Kind, _ literal: [UInt8]) -> Int32 {
            let key = NeedleKey(scanner: scanner, kind: kind, bytes: literal)
            if let id = needleIDs[key] { return id }
            let id = Int32(needleIDs.count)
            needleIDs[key] = id
            scannerNeedles[Int(scanner)].append(NeedleScanner.Needle(bytes: literal, kind: kind, id: id))
            return id
        }
        func addPatterns(_ list: [Pattern], scanner: Int32) -> (Int32, Int32) {
            let first = Int32(patternList.count)
            for pattern in list {
                var record = PatternRecord(shape: .literal, start: 0, length: 0, general: -1, needle: -1)
                // Literals of predicates without a scanner (keywords that are not all
                // `contains`) are never read here: those predicates take the slow path.
                switch pattern.shape {
                case .equals(let value): if scanner >= 0 { record.needle = needle(scanner, .equals, value) }
                case .prefix(let value): if scanner >= 0 { record.needle = needle(scanner, .prefix, value) }
                case .suffix(let value): if scanner >= 0 { record.needle = needle(scanner, .suffix, value) }
                case .contains(let value): if scanner >= 0 { record.needle = needle(scanner, .contains, value) }
                case .anything: record.shape = .anything
                case .general:
                    record.shape = .general
                    record.general = Int32(general.count)
                    general.append(pattern)
                    // The pattern matches only texts holding its longest literal: a needle
                    // that rules the glob out early and can anchor the rule.
                    if scanner >= 0, let literal = pattern.longestLiteral { record.needle = needle(scanner, .contains, literal) }
                }
                patternList.append(record)
            }
            return (first, Int32(list.count))
        }
        for (index, predicate) in predicates.enumerated() {
            var record = PredicateRecord(
                kind: .slow, all: false, folded: true, joinable: false, field: -1, firstPattern: 0, patternCount: 0, slow: Int32(index),
                scanner: -1)
            switch predicate {
            case .strings(let field, let list, let all):
                record.kind = .strings
                record.all = all
                record.folded = !(list.first?.cased ?? false)
                record.field = field.id
                record.scanner = scanner(.field(field.id, folded: record.folded))
                (record.firstPattern, record.patternCount) = addPatterns(list, scanner: record.scanner)
            case .keywords(let list, let all):
                record.kind = .keywords
                record.all = all
                record.folded = !(list.first?.cased ?? false)
                record.joinable = record.folded && list.allSatisfy { pattern in
                    if case .contains(let value) = pattern.shape { return !value.contains(0) }
                    return false
                }
                if record.joinable { record.scanner = scanner(.joined) }
                (record.firstPattern, record.patternCount) = addPatterns(list, scanner: record.scanner)
            case .regex(let field, let list, let all):
                // Each regular expression runs only when its required literal is in the text.
                record.kind = .regex
                record.all = all
                record.field = field.id
                record.scanner = scanner(.field(field.id, folded: true))
                record.firstPattern = Int32(patternList.count)
                record.patternCount = Int32(list.count)
                for regex in list {
                    // The required literals' needles are listed in `regexNeedles`.
                    let literals = regex.requiredLiterals.map { needle(record.scanner, .contains, $0) }
                    patternList.append(
                        PatternRecord(
                            shape: .general, start: Int32(regexNeedleList.count), length: Int32(literals.count), general: Int32(regexList.count),
                            needle: -1))
                    regexNeedleList += literals
                    regexList.append(regex)
                }
            default:
                break
            }
            recordList.append(record)
        }
        func copy<T>(_ list: [T]) -> UnsafeMutablePointer<T> {
            let pointer = UnsafeMutablePointer<T>.allocate(capacity: max(1, list.count))
            _ = UnsafeMutableBufferPointer(start: pointer, count: list.count).initialize(from: list)
            return pointer
        }
        nodes = copy(nodeList)
        children = copy(childList)
        records = copy(recordList)
        patterns = copy(patternList)
        counts = (nodeList.count, childList.count, recordList.count, patternList.count)
        generalPatterns = general
        regexes = regexList
        regexNeedles = regexNeedleList
        slow = predicates
        // Each scanner's tries are built on their own (the big ones take most of compiling's
        // serial part).
        let joined = scannerIndexes[.joined]
        scanners = executor.map(Array(scannerNeedles.indices)) { [scannerNeedles] index in
            NeedleScanner(scannerNeedles[index], joined: Int32(index) == joined)
        }
        joinedScanner = joined
        joinedNeedles = joinedScanner.map { scannerNeedles[Int($0)] } ?? []
        var keys = [ScannerKey](repeating: .joined, count: scannerNeedles.count)
        for (key, index) in scannerIndexes { keys[Int(index)] = key }
        self.scannerKeys = keys
        var lengths = [Int32](repeating: 0, count: needleIDs.count)
        for (key, id) in needleIDs { lengths[Int(id)] = Int32(key.bytes.count) }
        needleLengths = lengths
        needleCount = needleIDs.count
    }

    deinit {
        nodes.deinitialize(count: counts.nodes).deallocate()
        children.deinitialize(count: counts.children).deallocate()
        records.deinitialize(count: counts.records).deallocate()
        patterns.deinitialize(count: counts.patterns).deallocate()
    }

    var predicateCount: Int { counts.records }

    /// A scanner of the joined text for some of its needles only: the anchors of the rules one
    /// kind of event meets (a Sysmon event meets *Mimikatz Use*'s keywords, not those of
    /// Exchange or antivirus rules). Fewer and longer needles let the scanner skip through the
    /// text (`NeedleScanner`'s shift table). Needle ids are those of the full scanner.
    func restrictedJoinedScanner(_ needles: Set<Int32>) -> Int32 {
        scanners.append(NeedleScanner(joinedNeedles.filter { needles.contains($0.id) }, joined: true))
        scannerKeys.append(.joined)
        return Int32(scanners.count - 1)
    }

    /// Evaluates a node for the context's event.
    func evaluate(_ node: Int32, _ context: EventContext) -> Bool {
        let entry = nodes[Int(node)]
        switch entry.kind {
        case .predicate:
            return predicate(entry.first, context)
        case .not:
            return !evaluate(entry.first, context)
        case .and:
            for offset in 0..<Int(entry.count) where !evaluate(children[Int(entry.first) + offset], context) { return false }
            return true
        case .or:
            for offset in 0..<Int(entry.count) where evaluate(children[Int(entry.first) + offset], context) { return true }
            return false
        case .constantTrue:
            return true
        case .constantFalse:
            return false
        }
    }

    private func predicate(_ index: Int32, _ context: EventContext) -> Bool {
        let known = context.answer(Int(index))
        if known != 0 { return known == 2 }
        let result = answer(records[Int(index)], context)
        context.record(Int(index), result)
        return result
    }

    private func answer(_ record: PredicateRecord, _ context: EventContext) -> Bool {
        switch record.kind {
        case .strings:
            switch context.text(fieldID: Int(record.field), folded: record.folded) {
            case .absent: return false
            case .list: return slow[Int(record.slow)].evaluate(context)
            case .text(let text):
                scan(record.scanner, text, context)
                return matches(record, text, context)
            }
        case .keywords:
            guard record.joinable else { return slow[Int(record.slow)].evaluate(context) }
            let text = context.joinedFoldedText()
            scan(record.scanner, text, context)
            return matches(record, text, context)
        case .regex:
            switch context.text(fieldID: Int(record.field), folded: true) {
            case .absent: return false
            case .list: return slow[Int(record.slow)].evaluate(context)
            case .text(let text):
                scan(record.scanner, text, context)
                return regexMatches(record, text, context)
            }
        case .slow:
            return slow[Int(record.slow)].evaluate(context)
        }
    }

    /// Runs the scanner over `text` unless it already has for this event.
    @inline(__always)
    private func scan(_ scanner: Int32, _ text: UnsafeRawBufferPointer, _ context: EventContext) {
        guard scanner >= 0, !context.scanned(Int(scanner)) else { return }
        scanField(scanner, text, context)
    }

    /// Runs a scanner for the context's event ahead of evaluation (for anchors): reads the
    /// field (or the joined text) the scanner is for; a list-valued field is marked instead.
    /// Runs a scanner over its text once per event. A list is not scanned, and with
    /// `asciiOnly` a text that is not all ASCII is scanned but cannot be judged: either way the
    /// scanner is marked unjudged, and anchors on it rule nothing out.
    func runScanner(_ scanner: Int32, _ context: EventContext, asciiOnly: Bool = false) {
        guard !context.scanned(Int(scanner)) else { return }
        switch scannerKeys[Int(scanner)] {
        case .joined:
            let scanning = scanners[Int(scanner)]
            if let parts = scanning.partwise {
                context.forEachFoldedPart(
                    minimumLength: parts.minimumLength, integers: parts.integers, words: parts.words, utf16: scanning.scansUTF16,
                    { scanning.scanUTF16($0, context) }
                ) { scanning.scan($0, context) }
            } else {
                scanning.scan(context.joinedFoldedText(), context)
            }
        case .field(let field, let folded):
            switch context.text(fieldID: Int(field), folded: folded) {
            case .absent: break
            case .list: context.markUnjudged(Int(scanner))
            case .text(let text):
                scanField(scanner, text, context)
                if asciiOnly && !text.isASCII { context.markUnjudged(Int(scanner)) }
            }
        }
    }

    /// Scans a field's text, or stamps the needles found in it when the thread's `ScanMemo`
    /// remembers it. A scanner's needles are its own, and it runs once per event, so the
    /// needles added to the event's found list while it scans are what it found. (Keyword
    /// scanners' parts are not remembered: most are short texts scanned by skipping, which
    /// cost about what the memo's hash and comparison do.)
    @inline(__always)
    private func scanField(_ scanner: Int32, _ text: UnsafeRawBufferPointer, _ context: EventContext) {
        guard text.count <= ScanMemo.maximumLength else { return scanners[Int(scanner)].scan(text, context) }
        let memo = context.scanMemo
        memo.use(program: serial, scanners: scanners.count)
        let hash = ScanMemo.hash(text)
        if let needles = memo.needles(Int(scanner), text, hash: hash) {
            context.addFound(needles)
            return
        }
        let before = context.foundCount
        scanners[Int(scanner)].scan(text, context)
        let found = UnsafeBufferPointer(start: context.foundNeedles + before, count: context.foundCount - before)
        memo.remember(Int(scanner), text, hash: hash, needles: found)
    }

    @inline(__always)
    private func matches(_ record: PredicateRecord, _ text: UnsafeRawBufferPointer, _ context: EventContext) -> Bool {
        let first = Int(record.firstPattern)
        let end = first + Int(record.patternCount)
        if record.all {
            for index in first..<end where !matches(patterns[index], text, context) { return false }
            return true
        }
        for index in first..<end where matches(patterns[index], text, context) { return true }
        return false
    }

    /// Whether a text is all ASCII, and whether it holds a line break (`\n`, vertical tab,
    /// form feed, `\r`): sixteen bytes at a time, since texts that reach a regular expression
    /// are often long.
    static func kind(of text: UnsafeRawBufferPointer) -> (ascii: Bool, lineBreaks: Bool) {
        var high = SIMD16<UInt8>.zero
        var breaks = SIMDMask<SIMD16<UInt8>.MaskStorage>(repeating: false)
        var offset = 0
        if let base = text.baseAddress {
            while offset + 16 <= text.count {
                let bytes = base.loadUnaligned(fromByteOffset: offset, as: SIMD16<UInt8>.self)
                high |= bytes
                // 0x0A...0x0D: the bytes that are less than 4 after taking 0x0A away.
                breaks .|= (bytes &- SIMD16(repeating: 0x0A)) .< SIMD16(repeating: 4)
                offset += 16
            }
        }
        var ascii = high & SIMD16(repeating: 0x80) == SIMD16.zero
        var lineBreaks = any(breaks)
        for byte in text[offset...] {
            if byte >= 0x80 { ascii = false }
            if byte >= 0x0A && byte <= 0x0D { lineBreaks = true }
        }
        return (ascii, lineBreaks)
    }

    /// A regular expression predicate: an expression with a required literal missing from the
    /// (folded) text fails without running; one that is only literals and `.*` runs as a
    /// wildcard pattern, and one that is a sequence of classes as a `ClassSequence`, on ASCII
    /// text without line breaks; the rest run in ICU. ICU folds more than ASCII, so a
    /// case-insensitive expression over non-ASCII text always runs there.
    private func regexMatches(_ record: PredicateRecord, _ text: UnsafeRawBufferPointer, _ context: EventContext) -> Bool {
        var plain: (ascii: Bool, lineBreaks: Bool)?
        func textKind() -> (ascii: Bool, lineBreaks: Bool) {
            if let plain { return plain }
            let kind = CompiledProgram.kind(of: text)
            plain = kind
            return kind
        }
        let first = Int(record.firstPattern)
        for index in first..<(first + Int(record.patternCount)) {
            let pattern = patterns[index]
            let regex = regexes[Int(pattern.general)]
            var present = true
            let needles = Int(pattern.start)
            for offset in needles..<(needles + Int(pattern.length))
            where context.needleStamps[Int(regexNeedles[offset])] != context.generation {
                present = false
                break
            }
            let result: Bool
            let literalsHold = !regex.foldsBeyondASCII || textKind().ascii
            if !present && literalsHold {
                result = false
            } else if let lineBreaks = regex.lineBreakLimit, regex.requiredLiterals.count > 1, literalsHold, textKind().lineBreaks,
                !RegexLiteral.someStretch(of: text, lineBreaks: lineBreaks, holdsAll: regex.requiredLiterals)
            {
                // Every literal is in the text, but not as close as a match would hold them.
                result = false
            } else if let wildcard = regex.wildcard, textKind() == (true, false) {
                result = wildcard.matches(text)
            } else if let classes = regex.classes, textKind() == (true, false) {
                result = classes.matches(text)
            } else {
                result = context.regexMatches(regex, fieldID: Int(record.field))
            }
            if record.all && !result { return false }
            if !record.all && result { return true }
        }
        return record.all
    }

    @inline(__always)
    private func matches(_ pattern: PatternRecord, _ text: UnsafeRawBufferPointer, _ context: EventContext) -> Bool {
        switch pattern.shape {
        case .literal:
            return context.needleStamps[Int(pattern.needle)] == context.generation
        case .anything:
            return true
        case .general:
            // The scanner has read this text: without the needle the glob cannot match.
            if pattern.needle >= 0 && context.needleStamps[Int(pattern.needle)] != context.generation { return false }
            return generalPatterns[Int(pattern.general)].matches(text)
        }
    }
}

