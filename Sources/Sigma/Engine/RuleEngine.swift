import Dispatch
import EventLog
import STIX

/// Sigma rules compiled for matching events, with the index that hands each event only to
/// the rules whose log source it can belong to.
///
/// Each rule becomes one variant per log source alternative (Sysmon 1, Security 4688 with its
/// field names, ...). Variants are indexed by channel and event id; other log source
/// conditions and the detection form one expression over shared predicates, answered at most
/// once per event. Compiling reports every rule it could not compile and goes on.
public final class RuleEngine: Sendable {
    /// A rule and what compiling it found (a class: every match refers to it, and a copy of
    /// the rule's many strings per match would cost a retain each).
    public final class Rule: Sendable {
        public let rule: SigmaRule
        /// False when the rule's log source matched no mapping entry, so that it applies to
        /// every event that is not a Windows event log record.
        public let mapped: Bool
        /// The event fields the rule's detection looks at (log source renames included), to
        /// show with its matches.
        public let fields: [FieldName]
        /// The same names as text, kept so that a match does not ask the process-wide name
        /// table (behind a lock) for them.
        public let fieldNames: [String]
        /// The rule's ATT&CK ids, read from its tags once rather than for every match.
        public let techniques: [String]
        public let tactics: [String]
        public let software: [String]

        init(rule: SigmaRule, mapped: Bool, fields: [FieldName]) {
            self.rule = rule
            self.mapped = mapped
            self.fields = fields
            fieldNames = fields.map(\.name)
            techniques = rule.techniques
            tactics = rule.tactics
            software = rule.software
        }
    }

    struct Variant: Sendable {
        let rule: Int32
        /// The variant's expression in `program`.
        let root: Int32
        /// The scanners of the variant's anchor (needles one of which must be found for the
        /// variant to match): `anchorScanners[anchorStart..<anchorStart + anchorCount]`; none
        /// when the variant has no anchor.
        var anchorStart: Int32 = 0
        var anchorCount: Int32 = 0
    }

    /// A variant anchored on a needle, which of its anchor groups the needle is in (0 or 1),
    /// and whether it has two: as one `Int32` of `needleVariants`.
    struct NeedleEntry {
        let bits: Int32

        init(variant: Int, group: Int, groups: Int) {
            bits = Int32(variant << 2 | group << 1 | (groups > 1 ? 1 : 0))
        }

        init(bits: Int32) { self.bits = bits }

        var variant: Int { Int(bits >> 2) }
        var group: Int { Int(bits >> 1 & 1) }
        var groups: Int { bits & 1 == 0 ? 1 : 2 }
    }

    /// Variants tried together (in increasing order), and the scanners their anchors need
    /// run first. A class so that an event's lookup retains one object; changed only while
    /// the engine is compiled. Once complete (`finish`), its lists are plain memory of its
    /// own, which an event reads without retaining arrays.
    final class VariantList: @unchecked Sendable {
        /// The variants, as the engine is compiled.
        var added: [Int32] = []
        private var storage = UnsafeMutableBufferPointer<Int32>(start: nil, count: 0)
        /// The complete list's variants, their anchors' scanners, and the variants split into
        /// those with an anchor (met only when woken) and those without (met by every event of
        /// the list).
        private(set) var variants = UnsafeBufferPointer<Int32>(start: nil, count: 0)
        private(set) var scanners = UnsafeBufferPointer<Int32>(start: nil, count: 0)
        private(set) var anchored = UnsafeBufferPointer<Int32>(start: nil, count: 0)
        private(set) var unanchored = UnsafeBufferPointer<Int32>(start: nil, count: 0)
        /// The anchored variants as bits, one per variant of the engine: an event asks for
        /// each variant it woke, a binary search of `anchored` cost a dozen steps each.
        private var anchoredBits = UnsafeMutablePointer<UInt64>.allocate(capacity: 1)

        func finish(scanners scannerList: [Int32], _ all: [Variant]) {
            let lists = [
                added, scannerList, added.filter { all[Int($0)].anchorCount > 0 }, added.filter { all[Int($0)].anchorCount == 0 },
            ]
            storage.deallocate()
            storage = .allocate(capacity: lists.reduce(0) { $0 + $1.count })
            var start = 0
            var parts: [UnsafeBufferPointer<Int32>] = []
            for list in lists {
                let part = UnsafeMutableBufferPointer(rebasing: storage[start..<(start + list.count)])
                _ = part.initialize(from: list)
                parts.append(UnsafeBufferPointer(part))
                start += list.count
            }
            (variants, scanners, anchored, unanchored) = (parts[0], parts[1], parts[2], parts[3])
            let words = (all.count + 63) / 64
            anchoredBits.deallocate()
            anchoredBits = .allocate(capacity: max(1, words))
            anchoredBits.initialize(repeating: 0, count: max(1, words))
            for variant in anchored { anchoredBits[Int(variant) >> 6] |= 1 << UInt64(variant & 63) }
        }

        deinit {
            storage.deallocate()
            anchoredBits.deallocate()
        }

        /// Whether an anchored variant is in the list.
        @inline(__always)
        func holds(_ variant: Int32) -> Bool {
            anchoredBits[Int(variant) >> 6] & (1 << UInt64(variant & 63)) != 0
        }
    }

    /// Variants by event id, and those for any event id (a class, as `VariantList` is).
    final class Bucket: @unchecked Sendable {
        private(set) var byEventID: [Int: VariantList] = [:]
        let anyEventID = VariantList()

        func add(_ variant: Int32, eventIDs: [Int]?) {
            if let eventIDs {
                for id in eventIDs {
                    let list = byEventID[id] ?? VariantList()
                    byEventID[id] = list
                    list.added.append(variant)
                }
            } else {
                anyEventID.added.append(variant)
            }
        }

        /// Lists each list's anchor scanners. The joined text's scanner is replaced by one
        /// for the keywords the list's variants are anchored on (`joined`: the variants'
        /// needles there; `restricted`: such scanners by needle set, made by `make`).
        func collectScanners(
            _ variants: [Variant], _ anchorScanners: [Int32], joined: (scanner: Int32, needles: [[Int32]])?,
            restricted: inout [[Int32]: Int32], make: ([Int32]) -> Int32
        ) {
            func scanners(_ list: VariantList) {
                var set = Set<Int32>()
                var keywords = Set<Int32>()
                for index in list.added {
                    let variant = variants[Int(index)]
                    set.formUnion(anchorScanners[Int(variant.anchorStart)..<Int(variant.anchorStart + variant.anchorCount)])
                    if let joined { keywords.formUnion(joined.needles[Int(index)]) }
                }
                if let joined, set.contains(joined.scanner) {
                    let needles = keywords.sorted()
                    set.remove(joined.scanner)
                    if let known = restricted[needles] {
                        set.insert(known)
                    } else {
                        let made = make(needles)
                        restricted[needles] = made
                        set.insert(made)
                    }
                }
                list.finish(scanners: set.sorted(), variants)
            }
            for key in byEventID.keys.sorted() { scanners(byEventID[key]!) }
            scanners(anyEventID)
        }
    }

    public let rules: [Rule]
    let program: CompiledProgram
    let variants: [Variant]
    let anchorScanners: [Int32]
    /// Per scanner: whether an anchor on it holds on ASCII text only.
    let asciiOnlyScanners: [Bool]
    /// Needle → the variants anchored on it (`needleVariants[needleStarts[n]..<needleStarts[n+1]]`,
    /// as `NeedleEntry` bits).
    let needleStarts: [Int32]
    let needleVariants: [Int32]
    /// Lower-cased channel → its bucket.
    let byChannel: [String: Bucket]
    /// Variants without a channel condition.
    let anyChannel: Bucket

    static let channel = FieldName("Channel")
    /// Readers whose events are Windows event log records.
    static let windowsFormats: Set<String> = ["evtx", "jsonl-evtx", "winlogbeat"]
    static let eventID = FieldName("EventID")

    /// Compiles rules; returns the engine and the rules that could not be compiled. Rules
    /// whose log source the mapping does not name are kept (correlations may name them) but
    /// never match, unless `unmapped` is `.run`.
    public static func compile(
        _ rules: [SigmaRule], filters: [SigmaFilter] = [], mapping: LogSourceMapping = .standard, placeholders: [String: [String]] = [:],
        unmapped: UnmappedRules = .skip, executor: ParallelExecutor = .shared
    ) -> (engine: RuleEngine, problems: [SigmaProblem]) {
        var table = PredicateTable()
        var problems: [SigmaProblem] = []
        var compiledRules: [Rule] = []
        var expressions: [Expression] = []
        var variantRules: [Int32] = []
        var byChannel: [String: Bucket] = [:]
        let anyChannel = Bucket()

        // Filters by the rule ids and names they name.
        var filtersByRule: [String: [SigmaFilter]] = [:]
        for filter in filters {
            for reference in filter.rules { filtersByRule[reference, default: []].append(filter) }
        }

        // Each rule is compiled on its own, in parallel, against a predicate table of its own;
        // the tables are then merged in rule order, which gives every predicate the index a
        // single serial pass would have given it. The merged table is sized first: growing
        // rehashes every predicate it holds.
        let ruleFilters = filtersByRule
        let prepared = executor.map(rules) { rule in
            RuleEngine.variants(of: rule, filters: ruleFilters, mapping: mapping, placeholders: placeholders, unmapped: unmapped)
        }
        table.reserve(prepared.reduce(0) { $0 + ((try? $1.get())?.predicates.count ?? 0) })
        for result in prepared {
            let compiled: PreparedRule
            switch result {
            case .failure(let problem):
                problems.append(problem)
                continue
            case .success(let rule):
                compiled = rule
            }
            let global = zip(compiled.predicates, compiled.predicateHashes).map { table.index(of: $0, hash: $1) }
            let ruleVariants = compiled.variants.map { ($0.expression.remapped(global), $0.channels, $0.eventIDs) }
            let ruleIndex = Int32(compiledRules.count)
            compiledRules.append(compiled.rule)
            for (expression, channels, eventIDs) in ruleVariants {
                let variant = Int32(expressions.count)
                expressions.append(expression)
                variantRules.append(ruleIndex)
                if let channels {
                    for channel in Set(channels) {
                        let bucket = byChannel[channel] ?? Bucket()
                        byChannel[channel] = bucket
                        bucket.add(variant, eventIDs: eventIDs)
                    }
                } else {
                    anyChannel.add(variant, eventIDs: eventIDs)
                }
            }
        }
        var roots: [Int32] = []
        let program = CompiledProgram(expressions: expressions, predicates: table.predicates, roots: &roots, executor: executor)
        var variants = zip(variantRules, roots).map { Variant(rule: $0.0, root: $0.1) }
        // Anchors: an event meets a variant only when one needle of each of its anchor groups
        // is found (`NeedleEntry`). A second group reads only scanners that first groups read.
        var anchored = [[Int32]](repeating: [], count: program.needleCount)
        var anchorScanners: [Int32] = []
        // Per variant: the joined-text needles of its anchor.
        var keywordNeedles = [[Int32]](repeating: [], count: variants.count)
        var asciiOnlyScanners = [Bool](repeating: false, count: program.scanners.count)
        let candidates = executor.map(variants.map(\.root)) { program.anchorCandidates(of: $0) }
        // A second group on a field no first group reads would scan that field for every
        // event of the list, which costs more than the evaluations it saves.
        let cheap = Set(candidates.flatMap { $0.first?.map(\.scanner) ?? [] })
        for index in variants.indices {
            var groups = Array(candidates[index].prefix(1))
            if let first = groups.first,
                let second = candidates[index].dropFirst().first(where: { $0 != first && $0.allSatisfy { cheap.contains($0.scanner) } })
            {
                groups.append(second)
            }
            variants[index].anchorStart = Int32(anchorScanners.count)
            for (group, parts) in groups.enumerated() {
                for part in parts {
                    anchorScanners.append(part.scanner)
                    if part.scanner == program.joinedScanner { keywordNeedles[index] += part.needles }
                    if part.asciiOnly { asciiOnlyScanners[Int(part.scanner)] = true }
                    let entry = NeedleEntry(variant: index, group: group, groups: groups.count)
                    for needle in part.needles { anchored[Int(needle)].append(entry.bits) }
                }
            }
            variants[index].anchorCount = Int32(anchorScanners.count) - variants[index].anchorStart
        }
        var needleStarts: [Int32] = [0]
        for list in anchored { needleStarts.append(needleStarts.last! + Int32(list.count)) }
        let joined = program.joinedScanner.map { (scanner: $0, needles: keywordNeedles) }
        var restricted: [[Int32]: Int32] = [:]
        if let scanner = program.joinedScanner {
            // A list anchored on every keyword needle scans with the full scanner.
            restricted[Set(keywordNeedles.joined()).sorted()] = scanner
        }
        let make = { (needles: [Int32]) in program.restrictedJoinedScanner(Set(needles)) }
        for key in byChannel.keys.sorted() {
            byChannel[key]!.collectScanners(variants, anchorScanners, joined: joined, restricted: &restricted, make: make)
        }
        anyChannel.collectScanners(variants, anchorScanners, joined: joined, restricted: &restricted, make: make)
        // Keyword anchors hold on any text.
        asciiOnlyScanners += Array(repeating: false, count: program.scanners.count - asciiOnlyScanners.count)
        let engine = RuleEngine(
            rules: compiledRules, program: program, variants: variants, anchorScanners: anchorScanners, asciiOnlyScanners: asciiOnlyScanners,
            needleStarts: needleStarts, needleVariants: anchored.flatMap { $0 }, byChannel: byChannel, anyChannel: anyChannel)
        return (engine, problems)
    }

    /// One rule compiled for every log source alternative of the mapping: the variants'
    /// expressions over the rule's own predicate table, and the rule with the fields and
    /// ATT&CK ids its matches show; or the rule's problem.
    struct PreparedRule: Sendable {
        var variants: [(expression: Expression, channels: [String]?, eventIDs: [Int]?)]
        var predicates: [Predicate]
        /// The predicates' hash values (`PredicateTable.hashes`).
        var predicateHashes: [Int]
        var rule: Rule
    }

    static func variants(
        of rule: SigmaRule, filters filtersByRule: [String: [SigmaFilter]], mapping: LogSourceMapping, placeholders: [String: [String]],
        unmapped: UnmappedRules
    ) -> Result<PreparedRule, SigmaProblem> {
        var compiler = RuleCompiler(table: PredicateTable(), placeholders: placeholders)
        let alternatives = mapping.alternatives(for: rule.logSource)
        // A rule that names no log source is out of no product's scope: it runs where unplaced
        // rules run. One that names a product the mapping does not know is left out unless
        // asked, but still compiles (its values are checked), to no variant.
        let named = rule.logSource.product != nil || rule.logSource.category != nil || rule.logSource.service != nil
        let leftOut = alternatives == nil && named && unmapped == .skip
        let runsAt = alternatives ?? [LogSourceMapping.Alternative(conditions: [], renames: [:])]
        let ruleFilters = (rule.id.flatMap { filtersByRule[$0] } ?? []) + (rule.name.flatMap { filtersByRule[$0] } ?? [])
        var ruleVariants: [(expression: Expression, channels: [String]?, eventIDs: [Int]?)] = []
        do throws(SigmaProblem) {
            for alternative in runsAt {
                // A rule the mapping does not place (a cloud or application product) is run
                // on every event that is not a Windows event log record.
                let unplaced: Expression? = alternatives == nil ? .not(.predicate(compiler.table.index(of: .format(RuleEngine.windowsFormats)))) : nil
                var detection = try compiler.compile(rule.detection, renames: alternative.renames)
                for filter in ruleFilters {
                    detection = .and([detection, .not(try compiler.compile(filter.detection, renames: alternative.renames))])
                }
                var conditions: [Expression] = []
                var channels: [String]?
                var eventIDs: [Int]?
                for (field, values) in alternative.conditions {
                    switch field {
                    case "Channel":
                        channels = values.map { $0.lowercased() }
                    case "EventID" where values.allSatisfy({ Int($0) != nil }):
                        eventIDs = values.compactMap { Int($0) }
                    case "@format":
                        conditions.append(.predicate(compiler.table.index(of: .format(Set(values)))))
                    default:
                        let patterns = values.map { Pattern(literal: Array($0.utf8), cased: false) }
                        conditions.append(.predicate(compiler.table.index(of: .strings(FieldName(field), patterns, all: false))))
                    }
                }
                if let unplaced { conditions.append(unplaced) }
                if leftOut { continue }
                let expression: Expression = conditions.isEmpty ? detection : .and(conditions + [detection])
                // Event ids the detection itself requires index the variant too, so that
                // an event meets only the rules that test its id.
                if let required = RuleEngine.requiredEventIDs(detection, compiler.table.predicates) {
                    eventIDs = eventIDs.map { Array(Set($0).intersection(required)) } ?? Array(required)
                }
                ruleVariants.append((expression, channels, eventIDs))
            }
        } catch {
            return .failure(error)
        }
        var fieldNames: [String] = []
        for name in RuleEngine.fieldNames(rule.detection) where !fieldNames.contains(name) {
            fieldNames.append(name)
            for alternative in alternatives ?? [] {
                if let renamed = alternative.renames[name], !fieldNames.contains(renamed) { fieldNames.append(renamed) }
            }
        }
        let compiled = Rule(rule: rule, mapped: alternatives != nil || !named, fields: fieldNames.map { FieldName($0) })
        return .success(
            PreparedRule(variants: ruleVariants, predicates: compiler.table.predicates, predicateHashes: compiler.table.hashes, rule: compiled))
    }

    private init(
        rules: [Rule], program: CompiledProgram, variants: [Variant], anchorScanners: [Int32], asciiOnlyScanners: [Bool], needleStarts: [Int32],
        needleVariants: [Int32], byChannel: [String: Bucket], anyChannel: Bucket
    ) {
        self.rules = rules
        self.program = program
        self.variants = variants
        self.anchorScanners = anchorScanners
        self.asciiOnlyScanners = asciiOnlyScanners
        self.needleStarts = needleStarts
        self.needleVariants = needleVariants
        self.byChannel = byChannel
        self.anyChannel = anyChannel
    }

    /// Calls `matched` with the index (in `rules`) of every rule the context's event matches,
    /// once per rule.
    public func match(_ context: EventContext, _ matched: (Int) -> Void) {
        let lists = variantLists(context)

        // Scan the texts the anchors need, then wake the variants whose anchor was found.
        func scan(_ list: VariantList?) {
            guard let list else { return }
            for scanner in list.scanners { program.runScanner(scanner, context, asciiOnly: asciiOnlyScanners[Int(scanner)]) }
        }
        scan(lists.0)
        scan(lists.1)
        scan(lists.2)
        scan(lists.3)
        for offset in 0..<context.foundCount {
            let needle = Int(context.foundNeedles[offset])
            for index in Int(needleStarts[needle])..<Int(needleStarts[needle + 1]) {
                let entry = NeedleEntry(bits: needleVariants[index])
                context.activate(entry.variant, group: entry.group, of: entry.groups)
            }
        }

        // The rules matched so far (few per event): a rule with several matching variants
        // counts once.
        context.matchedRules.removeAll(keepingCapacity: true)
        func evaluate(_ index: Int32) {
            let variant = variants[Int(index)]
            if context.matchedRules.contains(variant.rule) { return }
            if program.evaluate(variant.root, context) {
                context.matchedRules.append(variant.rule)
                matched(Int(variant.rule))
            }
        }
        func run(_ list: VariantList?) {
            guard let list else { return }
            if list.scanners.contains(where: { context.isUnjudged(Int($0)) }) {
                // Some anchors cannot rule their variants out: go through the whole list.
                for index in list.variants {
                    let variant = variants[Int(index)]
                    if variant.anchorCount > 0 && !context.isActive(Int(index)) && !anchorUnjudged(variant, context) { continue }
                    evaluate(index)
                }
                return
            }
            // The list's woken variants and its unanchored ones, in list order.
            let candidates = context.candidates
            var count = 0
            for offset in 0..<context.wokenCount where list.holds(context.wokenVariants[offset]) {
                candidates[count] = context.wokenVariants[offset]
                count += 1
            }
            var woken = UnsafeMutableBufferPointer(start: candidates, count: count)
            woken.sort()
            var next = 0
            for index in list.unanchored {
                while next < count && woken[next] < index {
                    evaluate(woken[next])
                    next += 1
                }
                evaluate(index)
            }
            while next < count {
                evaluate(woken[next])
                next += 1
            }
        }
        run(lists.0)
        run(lists.1)
        run(lists.2)
        run(lists.3)
    }

    /// The lists of variants an event meets, in the order they are tried: those of its
    /// channel and event id, of its channel, of its event id, of any event; with the
    /// context prepared for the program.
    @inline(__always)
    private func variantLists(_ context: EventContext) -> (VariantList?, VariantList?, VariantList?, VariantList?) {
        context.prepare(predicates: program.predicateCount, needles: program.needleCount, scanners: program.scanners.count, variants: variants.count)
        var eventID: Int?
        if let index = context.index(of: RuleEngine.eventID) {
            let value = context.fieldValue(at: index)
            switch value {
            case .integer(let number): eventID = Int(number)
            case .unsigned(let number): eventID = Int(exactly: number)
            default: eventID = Int(value.text)
            }
        }
        var channelBucket: Bucket?
        if let channel = context.stringText(fieldID: Int(RuleEngine.channel.id)) {
            channelBucket = context.channels.bucket(channel, engine: self, { byChannel[$0.lowercased()] })
        }
        return (
            eventID.flatMap { channelBucket?.byEventID[$0] }, channelBucket?.anyEventID,
            eventID.flatMap { anyChannel.byEventID[$0] }, anyChannel.anyEventID
        )
    }

    /// `match` without anchors: every variant of the event's lists evaluated, in list order.
    /// For tests: what anchors leave out must not match.
    func matchEvaluatingEveryVariant(_ context: EventContext, _ matched: (Int) -> Void) {
        let lists = variantLists(context)
        var rules = Set<Int32>()
        for list in [lists.0, lists.1, lists.2, lists.3] {
            for index in list?.variants ?? UnsafeBufferPointer(start: nil, count: 0) {
                let variant = variants[Int(index)]
                if !rules.contains(variant.rule) && program.evaluate(variant.root, context) {
                    rules.insert(variant.rule)
                    matched(Int(variant.rule))
                }
            }
        }
    }

    /// Whether one of the variant's anchor scanners could not judge its text in this event (a
    /// list, or non-ASCII text for an ASCII-only anchor), so the anchor cannot rule it out.
    @inline(__always)
    private func anchorUnjudged(_ variant: Variant, _ context: EventContext) -> Bool {
        let start = Int(variant.anchorStart)
        for offset in start..<(start + Int(variant.anchorCount)) where context.isUnjudged(Int(anchorScanners[offset])) { return true }
        return false
    }

    /// The event ids an expression can only be true for (nil: any): an `EventID` test of
    /// whole numbers, and the and/or of such tests.
    static func requiredEventIDs(_ expression: Expression, _ predicates: [Predicate]) -> Set<Int>? {
        switch expression {
        case .predicate(let index):
            guard case .strings(let field, let patterns, all: false) = predicates[Int(index)], field == eventID else { return nil }
            var ids = Set<Int>()
            for pattern in patterns {
                guard let bytes = pattern.plainBytes, let id = Int(String(decoding: bytes, as: UTF8.self)),
                    String(id) == String(decoding: bytes, as: UTF8.self)
                else { return nil }
                ids.insert(id)
            }
            return ids
        case .and(let items):
            let sets = items.compactMap { requiredEventIDs($0, predicates) }
            guard let first = sets.first else { return nil }
            return sets.dropFirst().reduce(first) { $0.intersection($1) }
        case .or(let items):
            var union = Set<Int>()
            for item in items {
                guard let ids = requiredEventIDs(item, predicates) else { return nil }
                union.formUnion(ids)
            }
            return union
        case .not:
            return nil
        case .constant(let value):
            return value ? nil : []
        }
    }

    /// The field names of a detection's items, in order.
    static func fieldNames(_ detection: SigmaDetection) -> [String] {
        func names(_ search: SigmaSearch) -> [String] {
            switch search {
            case .allOf(let items): return items.compactMap(\.field)
            case .anyOf(let alternatives): return alternatives.flatMap(names)
            case .keywords: return []
            }
        }
        return detection.searches.flatMap { names($0.search) }
    }

    /// How many distinct predicates the rules share.
    public var predicateCount: Int { program.predicateCount }
}
