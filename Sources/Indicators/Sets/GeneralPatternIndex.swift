/// Which of the patterns the sets cannot hold an event could match, so that an event is not
/// matched against all of them: a pattern of one observation that needs a literal (`=` a
/// string, `LIKE` with a run of three or more plain characters, under AND) matches only events
/// whose text contains it, found for all patterns at once by one `AnchorScanner` pass; the
/// others are tried on every event.
struct GeneralPatternIndex: Sendable {
    /// Patterns without an anchor: positions in `IndicatorSet.general`.
    let unanchored: [Int]
    /// The object types whose properties hold anchors: only texts of these are scanned.
    let anchorTypes: Set<String>
    /// Per anchor, the patterns that need it.
    private let patternsOfAnchor: [[Int]]
    private let scanner: AnchorScanner

    init(_ general: [(matcher: PatternMatcher, indicator: Int32)]) {
        var anchors: [[UInt8]] = []
        var anchorIndex: [[UInt8]: Int] = [:]
        var patternsOfAnchor: [[Int]] = []
        var unanchored: [Int] = []
        var anchorTypes: Set<String> = []
        for (position, entry) in general.enumerated() {
            guard let (anchor, type) = Self.anchor(entry.matcher.pattern.root) else {
                unanchored.append(position)
                continue
            }
            anchorTypes.insert(type)
            let bytes = Array(anchor.utf8)
            let index = anchorIndex[bytes] ?? {
                anchors.append(bytes)
                patternsOfAnchor.append([])
                anchorIndex[bytes] = anchors.count - 1
                return anchors.count - 1
            }()
            patternsOfAnchor[index].append(position)
        }
        self.unanchored = unanchored
        self.anchorTypes = anchorTypes
        self.patternsOfAnchor = patternsOfAnchor
        scanner = AnchorScanner(anchors)
    }

    /// Whether texts an observation puts in objects of these types can hold an anchor: only
    /// those need scanning.
    func holdsAnchors(_ types: [String]) -> Bool { types.contains(where: anchorTypes.contains) }

    /// The patterns (positions in `general`, in order) an event could match, given its texts:
    /// `texts` hands each text that `holdsAnchors` to the scan it is given, which says
    /// whether the text held an anchor.
    func candidates(texts: ((_ text: String) -> Bool) -> Void) -> [Int] {
        var anchors: [Int] = []
        texts { text in
            let before = anchors.count
            scanner.scan(text) { anchors.append($0) }
            return anchors.count > before
        }
        guard !anchors.isEmpty else { return unanchored }
        var found = unanchored
        for anchor in Set(anchors) { found += patternsOfAnchor[anchor] }
        found.sort()
        return found
    }

    /// A literal every match of the pattern contains, with the object type whose property
    /// holds it; nil when there is none to rely on.
    static func anchor(_ root: ObservationExpression) -> (String, String)? {
        switch root {
        case .observation(let comparison): anchor(comparison)
        case .group(let inner), .qualified(let inner, _): anchor(inner)
        case .and, .or, .followedBy: nil
        }
    }

    static func anchor(_ comparison: ComparisonExpression) -> (String, String)? {
        switch comparison {
        case .test(let test):
            guard !test.negated else { return nil }
            let type = objectType(holding: test.path)
            switch test.comparison {
            case .equal(.string(let text)): return text.utf8.count >= 3 ? (text, type) : nil
            case .like(let pattern): return longestPlainRun(pattern).map { ($0, type) }
            default: return nil
            }
        case .and(let left, let right):
            let candidates = [anchor(left), anchor(right)].compactMap { $0 }
            return candidates.max { $0.0.utf8.count < $1.0.utf8.count }
        case .or:
            return nil
        }
    }

    /// The object type whose property a path reads; `*` for a path through a reference
    /// (`process:image_ref.name` ends in another object).
    static func objectType(holding path: ObjectPath) -> String {
        let throughReference = path.steps.count > 1 && path.steps.contains { step in
            if case .key(let key) = step { key.hasSuffix("_ref") || key.hasSuffix("_refs") } else { false }
        }
        return throughReference ? "*" : path.objectType
    }

    /// The longest run of characters of a LIKE pattern that are not wildcards (3 or more).
    static func longestPlainRun(_ pattern: String) -> String? {
        let runs = pattern.split(whereSeparator: { $0 == "%" || $0 == "_" })
        guard let longest = runs.max(by: { $0.utf8.count < $1.utf8.count }), longest.utf8.count >= 3 else { return nil }
        return String(longest)
    }
}

/// Finds which of many byte strings occur in a text in one pass (Aho–Corasick).
struct AnchorScanner: Sendable {
    /// (state << 8 | byte) → next state; state 0 is the root. Open addressing with a
    /// multiplicative hash: a scan step of a deep state is one probe, not a SipHash.
    private var transitions = TransitionTable(count: 0)
    private var fail: [Int32] = [0]
    /// Anchors ending at a state, and the nearest state down the fail chain that ends some.
    private var outputs: [[Int32]] = [[]]
    private var outputLink: [Int32] = [-1]
    /// The first state of a state's output chain: itself when it ends an anchor, else its
    /// `outputLink`; read only for states the step's target marks with `endsAnchors`.
    private var firstOutput: [Int32] = []
    /// The bit of a step's target saying that its output chain is not empty, so that a step
    /// to a state that ends nothing (nearly every step) reads no more memory. States stay below
    /// it: a billion states would need tens of gigabytes of anchors.
    private static let endsAnchors: Int32 = 1 << 30
    /// Per byte, its column in the rows: 0 for bytes no anchor holds, then one per byte that
    /// one does, so rows are as short as the anchors' alphabet and stay in cache.
    private var column = [UInt8](repeating: 0, count: 256)
    /// Full transition rows (fail transitions folded in) of the root and the states one and two
    /// bytes deep, where a scan spends most of its steps: `row[state]` is the row's start in
    /// `dense`, or -1 for deeper states.
    private var row: [Int32] = []
    private var dense: [Int32] = []

    init(_ anchors: [[UInt8]]) {
        var next: [Int64: Int32] = [:]
        var children: [[(UInt8, Int32)]] = [[]]
        // The bytes the anchors hold, in the order of their columns (1, 2, ...).
        var bytes: [UInt8] = []
        for (index, anchor) in anchors.enumerated() {
            var state: Int32 = 0
            for byte in anchor {
                if column[Int(byte)] == 0 {
                    bytes.append(byte)
                    column[Int(byte)] = UInt8(bytes.count)
                }
                let key = Int64(state) << 8 | Int64(byte)
                if let known = next[key] {
                    state = known
                } else {
                    let fresh = Int32(fail.count)
                    fail.append(0)
                    outputs.append([])
                    outputLink.append(-1)
                    children.append([])
                    children[Int(state)].append((byte, fresh))
                    next[key] = fresh
                    state = fresh
                }
            }
            outputs[Int(state)].append(Int32(index))
        }
        // Breadth first: a state's fail is the longest proper suffix that is also a prefix.
        var queue = children[0].map(\.1)
        var depth: [Int32] = Array(repeating: 1, count: fail.count)
        depth[0] = 0
        var head = 0
        while head < queue.count {
            let state = queue[head]
            head += 1
            for (byte, child) in children[Int(state)] {
                if state != 0 {
                    var candidate = fail[Int(state)]
                    while candidate != 0 && next[Int64(candidate) << 8 | Int64(byte)] == nil { candidate = fail[Int(candidate)] }
                    fail[Int(child)] = next[Int64(candidate) << 8 | Int64(byte)] ?? 0
                }
                let failed = fail[Int(child)]
                outputLink[Int(child)] = outputs[Int(failed)].isEmpty ? outputLink[Int(failed)] : failed
                depth[Int(child)] = depth[Int(state)] + 1
                queue.append(child)
            }
        }
        firstOutput = (0..<fail.count).map { outputs[$0].isEmpty ? outputLink[$0] : Int32($0) }
        let firstOutput = firstOutput
        func target(_ state: Int32) -> Int32 { firstOutput[Int(state)] > 0 ? state | Self.endsAnchors : state }
        transitions = TransitionTable(count: next.count)
        for (key, state) in next { transitions.insert(key, target(state)) }
        // Rows in breadth-first order, so a state's fail row is made before its own.
        row = Array(repeating: -1, count: fail.count)
        for state in [0] + queue where depth[Int(state)] <= 2 {
            let start = Int32(dense.count)
            row[Int(state)] = start
            let failRow = state == 0 ? nil : Int(row[Int(fail[Int(state)])])
            // Column 0: a byte no anchor holds leads back to the root from anywhere.
            dense.append(0)
            for byte in bytes {
                let column = Int(column[Int(byte)])
                if let state = next[Int64(state) << 8 | Int64(byte)] {
                    dense.append(target(state))
                } else {
                    dense.append(failRow.map { dense[$0 + column] } ?? 0)
                }
            }
        }
    }

    /// Calls `found` with the index of every anchor that occurs in the text (repeats possible).
    func scan(_ text: String, _ found: (Int) -> Void) {
        guard transitions.count > 0 else { return }
        var state: Int32 = 0
        for byte in text.utf8 {
            // Deep states follow their own transition or fail, until one is taken or a
            // shallow state's full row (the root has one) gives the step.
            var target: Int32 = -1
            while row[Int(state)] < 0 {
                target = transitions[Int64(state) << 8 | Int64(byte)]
                if target >= 0 { break }
                state = fail[Int(state)]
            }
            if target < 0 { target = dense[Int(row[Int(state)]) + Int(column[Int(byte)])] }
            state = target & ~Self.endsAnchors
            guard target & Self.endsAnchors != 0 else { continue }
            var output = firstOutput[Int(state)]
            while output > 0 {
                for anchor in outputs[Int(output)] { found(Int(anchor)) }
                output = outputLink[Int(output)]
            }
        }
    }
}

/// A map from transition keys to states with open addressing, for `AnchorScanner`. A key and
/// its state sit side by side, so a probe of a deep state is one trip to memory.
struct TransitionTable: Sendable {
    private struct Slot {
        var key: Int64
        var state: Int32
    }

    private var slots: [Slot]
    private let mask: Int
    private(set) var count = 0

    init(count: Int) {
        var capacity = 16
        while capacity < count * 2 { capacity <<= 1 }
        slots = Array(repeating: Slot(key: -1, state: -1), count: capacity)
        mask = capacity - 1
    }

    @inline(__always)
    private func slot(_ key: Int64) -> Int { Int(truncatingIfNeeded: (UInt64(bitPattern: key) &* 0x9E37_79B9_7F4A_7C15) >> 32) & mask }

    mutating func insert(_ key: Int64, _ value: Int32) {
        var index = slot(key)
        while slots[index].key != -1 && slots[index].key != key { index = (index + 1) & mask }
        if slots[index].key == -1 { count += 1 }
        slots[index] = Slot(key: key, state: value)
    }

    /// The state for a key, or -1.
    @inline(__always)
    subscript(key: Int64) -> Int32 {
        var index = slot(key)
        while true {
            let found = slots[index]
            if found.key == key { return found.state }
            if found.key == -1 { return -1 }
            index = (index + 1) & mask
        }
    }
}
