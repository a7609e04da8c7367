/// Anchors: the needles a rule's expression cannot match without, which let the engine
/// skip evaluating the rule for events where none of them is found.
extension CompiledProgram {
    /// Needles of one scanner, part of an anchor.
    struct AnchorPart: Equatable {
        var scanner: Int32
        var needles: [Int32]
        /// The needles rule the node out only on ASCII text (a case-insensitive regular
        /// expression: ICU folds more than ASCII), so non-ASCII text must not be ruled out.
        var asciiOnly = false
    }

    /// A necessary condition of a node as needles, by scanner: when none of them is found
    /// (and no scanned field held a list), the node is false. Nil when there is none
    /// (negations, numbers, regular expressions, wildcards in the middle of a value, ...).
    /// An `or` over different fields anchors on the needles of all of them.
    func anchor(of node: Int32) -> [AnchorPart]? {
        let entry = nodes[Int(node)]
        switch entry.kind {
        case .predicate:
            let record = records[Int(entry.first)]
            if record.kind == .regex { return regexAnchor(record) }
            guard record.kind == .strings || (record.kind == .keywords && record.joinable), record.scanner >= 0, record.patternCount > 0
            else { return nil }
            let first = Int(record.firstPattern)
            let list = (first..<(first + Int(record.patternCount))).map { patterns[$0] }
            guard list.allSatisfy({ $0.needle >= 0 }) else { return nil }
            if record.all {
                // Every pattern must match: the longest one alone is necessary.
                let longest = list.max { needleLengths[Int($0.needle)] < needleLengths[Int($1.needle)] }!
                return [AnchorPart(scanner: record.scanner, needles: [longest.needle])]
            }
            return [AnchorPart(scanner: record.scanner, needles: list.map(\.needle))]
        case .and:
            // The child whose rarest-looking needle is longest: the strongest filter.
            var best: (parts: [AnchorPart], strength: (shortest: Int32, count: Int))?
            for offset in 0..<Int(entry.count) {
                guard let candidate = anchor(of: children[Int(entry.first) + offset]) else { continue }
                let strength = strength(candidate)
                if best == nil || stronger(strength, than: best!.strength) { best = (candidate, strength) }
            }
            return best?.parts
        case .or:
            var byScanner: [Int32: Set<Int32>] = [:]
            var asciiOnly = Set<Int32>()
            for offset in 0..<Int(entry.count) {
                guard let candidate = anchor(of: children[Int(entry.first) + offset]) else { return nil }
                for part in candidate {
                    byScanner[part.scanner, default: []].formUnion(part.needles)
                    if part.asciiOnly { asciiOnly.insert(part.scanner) }
                }
            }
            guard !byScanner.isEmpty else { return nil }
            return byScanner.keys.sorted().map { AnchorPart(scanner: $0, needles: byScanner[$0]!.sorted(), asciiOnly: asciiOnly.contains($0)) }
        case .not, .constantTrue:
            return nil
        case .constantFalse:
            return nil
        }
    }

    /// Necessary conditions of a node, each as needles one of which must be found, strongest
    /// first: the anchors of the children of an `and` (through nested `and`s), the first
    /// being the node's `anchor`; else the node's anchor alone. The engine requires a needle
    /// of the second too when it can: that wakes a process creation rule only when its image
    /// and its command line say so, not for every event of the image (or of the company,
    /// when that value was the longer needle).
    func anchorCandidates(of node: Int32) -> [[AnchorPart]] {
        guard nodes[Int(node)].kind == .and else { return anchor(of: node).map { [$0] } ?? [] }
        var candidates: [(parts: [AnchorPart], strength: (shortest: Int32, count: Int))] = []
        func collect(_ node: Int32) {
            let entry = nodes[Int(node)]
            for offset in 0..<Int(entry.count) {
                let child = children[Int(entry.first) + offset]
                if nodes[Int(child)].kind == .and {
                    collect(child)
                } else if let parts = anchor(of: child) {
                    candidates.append((parts, strength(parts)))
                }
            }
        }
        collect(node)
        // Stable: of equally strong ones the first, as `anchor` picks.
        return candidates.enumerated().sorted {
            stronger($0.element.strength, than: $1.element.strength)
                || (!stronger($1.element.strength, than: $0.element.strength) && $0.offset < $1.offset)
        }.map(\.element.parts)
    }

    /// How strong an anchor looks: its shortest needle (longer is rarer), then how many
    /// needles (fewer is rarer).
    private func strength(_ parts: [AnchorPart]) -> (shortest: Int32, count: Int) {
        (parts.flatMap { $0.needles.map { needleLengths[Int($0)] } }.min() ?? 0, parts.reduce(0) { $0 + $1.needles.count })
    }

    private func stronger(_ one: (shortest: Int32, count: Int), than other: (shortest: Int32, count: Int)) -> Bool {
        one.shortest > other.shortest || (one.shortest == other.shortest && one.count < other.count)
    }

    /// A regular expression predicate's anchor: each expression's longest required literal
    /// (one for `all`, since every expression must match). None when an expression has no
    /// required literal. An expression that folds case beyond ASCII makes the anchor hold on
    /// ASCII text only (non-ASCII text may match without the ASCII-folded literal, which is
    /// why `regexMatches` then runs it whatever the needles say).
    private func regexAnchor(_ record: PredicateRecord) -> [AnchorPart]? {
        guard record.scanner >= 0, record.patternCount > 0 else { return nil }
        var longest: [Int32] = []
        var asciiOnly = false
        let first = Int(record.firstPattern)
        for index in first..<(first + Int(record.patternCount)) {
            let pattern = patterns[index]
            guard pattern.length > 0 else { return nil }
            if regexes[Int(pattern.general)].foldsBeyondASCII { asciiOnly = true }
            let needles = (Int(pattern.start)..<Int(pattern.start + pattern.length)).map { regexNeedles[$0] }
            longest.append(needles.max { needleLengths[Int($0)] < needleLengths[Int($1)] }!)
        }
        if record.all {
            return [AnchorPart(scanner: record.scanner, needles: [longest.max { needleLengths[Int($0)] < needleLengths[Int($1)] }!], asciiOnly: asciiOnly)]
        }
        return [AnchorPart(scanner: record.scanner, needles: Array(Set(longest)).sorted(), asciiOnly: asciiOnly)]
    }
}
