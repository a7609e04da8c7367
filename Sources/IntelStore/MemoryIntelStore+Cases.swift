extension MemoryIntelStore {
    /// The cases of a memory store.
    struct CaseState {
        var infos: [String: CaseInfo] = [:]
        var evidence: [String: [CaseEvidenceFile]] = [:]
        var findings: [String: [CaseFinding]] = [:]
        var notes: [String: [CaseNote]] = [:]

        func require(_ name: String) throws(IntelStoreError) {
            guard infos[name] != nil else { throw .noSuchCase(name) }
        }
    }
}

extension MemoryIntelStore: CaseStore {
    public func createCase(_ info: CaseInfo) async throws {
        try state.withLock { (state: inout State) throws(IntelStoreError) in
            guard state.cases.infos[info.name] == nil else { throw .caseExists(info.name) }
            state.cases.infos[info.name] = info
        }
    }

    public func caseInfo(named name: String) async throws -> CaseInfo? {
        state.withLock { $0.cases.infos[name] }
    }

    public func cases() async throws -> [CaseInfo] {
        state.withLock { $0.cases.infos.values.sorted { $0.name < $1.name } }
    }

    public func addToCase(_ name: String, evidence: [CaseEvidenceFile], findings: [CaseFinding]) async throws {
        try state.withLock { (state: inout State) throws(IntelStoreError) in
            try state.cases.require(name)
            var files = state.cases.evidence[name] ?? []
            for file in evidence where !files.contains(where: { $0.path == file.path && $0.sha256 == file.sha256 }) { files.append(file) }
            state.cases.evidence[name] = files
            state.cases.findings[name, default: []] += findings
        }
    }

    public func evidence(ofCase name: String) async throws -> [CaseEvidenceFile] {
        try state.withLock { (state: inout State) throws(IntelStoreError) in
            try state.cases.require(name)
            return (state.cases.evidence[name] ?? []).sorted { ($0.added, $0.path) < ($1.added, $1.path) }
        }
    }

    /// A case's findings with their place in the order they were added, in time order (those
    /// without a time last; equal times keep the order they were added).
    private func ordered(_ name: String) throws -> [(offset: Int, element: CaseFinding)] {
        try state.withLock { (state: inout State) throws(IntelStoreError) in
            try state.cases.require(name)
            return (state.cases.findings[name] ?? []).enumerated().sorted { lhs, rhs in
                Self.precedes((lhs.element.timestamp, Int64(lhs.offset)), (rhs.element.timestamp, Int64(rhs.offset)))
            }
        }
    }

    /// The findings' order: by time, without a time last, then in the order added.
    private static func precedes(_ lhs: (time: String?, sequence: Int64), _ rhs: (time: String?, sequence: Int64)) -> Bool {
        switch (lhs.time, rhs.time) {
        case let (left?, right?): return left != right ? left < right : lhs.sequence < rhs.sequence
        case (nil, nil): return lhs.sequence < rhs.sequence
        case (_?, nil): return true
        case (nil, _?): return false
        }
    }

    public func findings(ofCase name: String, filter: FindingFilter, after cursor: FindingCursor?, limit: Int) async throws -> FindingPage {
        let selected = try ordered(name).filter { filter.accepts($0.element) }
        let start = cursor.map { cursor in
            selected.firstIndex { Self.precedes((cursor.timestamp, cursor.sequence), ($0.element.timestamp, Int64($0.offset))) } ?? selected.count
        } ?? 0
        let page = selected[start...].prefix(min(max(limit, 1), 1_000))
        let next = page.count < selected.count - start ? page.last.map { FindingCursor(timestamp: $0.element.timestamp, sequence: Int64($0.offset)) } : nil
        return filter.isEmpty
            ? FindingPage(findings: page.map(\.element), next: next, total: selected.count)
            : FindingPage(findings: page.map(\.element), next: next, counted: selected.count)
    }

    public func findings(ofCase name: String, fields: FindingFieldSelection) async throws -> [CaseFinding] {
        try ordered(name).map { entry in
            guard fields == .indicatorHits, !entry.element.isIndicatorHit else { return entry.element }
            var finding = entry.element
            finding.fields = [:]
            return finding
        }
    }

    public func fieldValues(ofCase name: String, keys: [String]) async throws -> [FindingFieldValue] {
        let wanted = Set(keys)
        var counts: [FindingFieldValue: Int] = [:]
        for entry in try ordered(name) {
            for (key, value) in entry.element.fields where wanted.contains(key) {
                counts[FindingFieldValue(ruleTitle: entry.element.ruleTitle, key: key, value: value, count: 0), default: 0] += 1
            }
        }
        return FindingFieldValue.ordered(tallies: counts)
    }

    public func addNote(_ note: CaseNote, toCase name: String) async throws {
        try state.withLock { (state: inout State) throws(IntelStoreError) in
            try state.cases.require(name)
            state.cases.notes[name, default: []].append(note)
        }
    }

    public func notes(ofCase name: String) async throws -> [CaseNote] {
        try state.withLock { (state: inout State) throws(IntelStoreError) in
            try state.cases.require(name)
            return state.cases.notes[name] ?? []
        }
    }
}
