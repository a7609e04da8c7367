import Foundation
import IntelStore
import Reports
import STIX

/// The cases and the intel as an analyst sees them through the server (the web UI is a shell
/// over it): only what the analyst's clearance allows, in lists, pages, searches and counts.
///
/// A case is visible when its TLP (AMBER when unmarked) is within the analyst's clearance;
/// AMBER+STRICT and RED cases only to analysts of the server's own organisation. Intel objects
/// follow the TAXII rules (unmarked counts as the configuration's `unmarked_tlp`). Adding
/// notes and assertions needs the write right `cases`, `case:NAME` or `*`. A case that is not
/// visible is answered as if it did not exist; refusals and writes are audited.
public struct CaseDesk: Sendable {
    public let store: any VigilStore
    public let configuration: SharingConfiguration
    public let audit: AuditTrail
    let reports: CaseReportCache

    /// `reportLifetime` bounds how long a drafted report is reused while only the intel changed
    /// (the case's own findings, evidence and assertions are checked on every use).
    public init(store: any VigilStore, configuration: SharingConfiguration, audit: AuditTrail, reportLifetime: Duration = .seconds(300), cachedReports: Int = 32) {
        self.store = store
        self.configuration = configuration
        self.audit = audit
        reports = CaseReportCache(lifetime: reportLifetime, capacity: cachedReports)
    }

    // MARK: Rules

    /// What an analyst may see.
    public func clearance(of user: VigilUser) -> ReaderClearance {
        let ownOrganisation = configuration.organisation != nil && user.organisation == configuration.organisation
        return ReaderClearance(
            maximum: user.clearance, amberStrict: ownOrganisation && user.clearance >= .amberStrict,
            red: ownOrganisation && user.clearance == .red, unmarked: configuration.unmarkedTLP)
    }

    /// The highest level such that everything up to it is visible: a report's ceiling.
    public func ceiling(of user: VigilUser) -> TLPLevel {
        let clearance = clearance(of: user)
        var ceiling = TLPLevel.clear
        for level in TLPLevel.allCases.sorted() {
            guard clearance.allows(level) else { break }
            ceiling = level
        }
        return ceiling
    }

    /// Whether the analyst may see a case.
    public func canRead(_ info: CaseInfo, by user: VigilUser) -> Bool {
        clearance(of: user).allows(info.tlp ?? .amber)
    }

    /// Whether the analyst may add notes and assertions to a case.
    public func canWrite(case name: String, by user: VigilUser) -> Bool {
        user.write.contains { $0 == "*" || $0 == "cases" || $0 == "case:" + name }
    }

    // MARK: Cases

    /// A case in the list, with how many findings it holds.
    public struct CaseListing: Sendable {
        public var info: CaseInfo
        public var findings: Int
    }

    /// The cases the analyst may see, newest first.
    public func cases(for requester: SharingRequester) async throws(SharingError) -> [CaseListing] {
        let visible = try await storeCall { try await store.cases() }.filter { canRead($0, by: requester.user) }
        var listings: [CaseListing] = []
        for info in visible.sorted(by: { ($0.created, $0.name) > ($1.created, $1.name) }) {
            let total = try await storeCall { try await store.findings(ofCase: info.name, filter: FindingFilter(), after: nil, limit: 1).total }
            listings.append(CaseListing(info: info, findings: total))
        }
        return listings
    }

    /// A case the analyst may see; `notFound` when it is missing or above the clearance.
    public func caseInfo(_ name: String, for requester: SharingRequester) async throws(SharingError) -> CaseInfo {
        guard let info = try await storeCall({ try await store.caseInfo(named: name) }) else { throw .notFound("no case \(name)") }
        guard canRead(info, by: requester.user) else {
            await audit.record(entry(requester, action: "read", case: name, decision: .denied, detail: "case is \((info.tlp ?? .amber).label), above the clearance"))
            throw .notFound("no case \(name)")
        }
        return info
    }

    /// What a case page shows: the report drafted under the analyst's ceiling (reused while
    /// the case has not changed) and the notes as they are now.
    public struct CaseView: Sendable {
        public var info: CaseInfo
        public var report: CaseReport
        public var notes: [CaseNote]
        public var canWrite: Bool
    }

    public func view(case name: String, for requester: SharingRequester) async throws(SharingError) -> CaseView {
        let info = try await caseInfo(name, for: requester)
        let evidence = try await storeCall { try await store.evidence(ofCase: name) }
        let notes = try await storeCall { try await store.notes(ofCase: name) }
        let findings = try await storeCall { try await store.findings(ofCase: name, filter: FindingFilter(), after: nil, limit: 1).total }
        let ceiling = ceiling(of: requester.user)
        let key = CaseReportCache.Key(caseName: name, ceiling: ceiling, unmarked: configuration.unmarkedTLP)
        let stamp = CaseReportCache.Stamp(findings: findings, evidence: evidence.count, assertions: notes.filter { $0.kind != .note }.count, tlp: info.tlp)
        let options = reportOptions(ceiling: ceiling)
        let source = store
        let report: CaseReport
        do {
            report = try await reports.report(key, stamp: stamp) {
                try await CaseReporting.draft(case: name, store: source, options: options, requireKnowledge: false).report
            }
        } catch let error as VigilError {
            throw Self.sharingError(error)
        } catch {
            throw .unavailable("the report of case \(name) could not be drafted: \(error)")
        }
        return CaseView(info: info, report: report, notes: notes, canWrite: canWrite(case: name, by: requester.user))
    }

    /// A page of a case's findings, with the case; an indicator's hit whose indicator is above
    /// the ceiling shows the event but not the indicator (its name, source, values), as
    /// reports do.
    public func findings(
        case name: String, filter: FindingFilter, after cursor: FindingCursor?, limit: Int, for requester: SharingRequester
    ) async throws(SharingError) -> (info: CaseInfo, page: FindingPage) {
        let info = try await caseInfo(name, for: requester)
        var page = try await storeCall { try await store.findings(ofCase: name, filter: filter, after: cursor, limit: min(max(limit, 1), 1_000)) }
        let ceiling = ceiling(of: requester.user)
        for index in page.findings.indices where page.findings[index].isIndicatorHit {
            let tlp = page.findings[index].fields["indicator.tlp"].flatMap(TLPLevel.init(name:)) ?? configuration.unmarkedTLP
            if tlp > ceiling { page.findings[index].withholdIndicator() }
        }
        return (info, page)
    }

    /// Adds an analyst's note, or an assertion of a technique or software (`kind` `.technique`
    /// or `.software`, `text` its ATT&CK id, checked).
    public func addNote(
        case name: String, kind: CaseNote.Kind, text: String, comment: String, for requester: SharingRequester
    ) async throws(SharingError) -> CaseNote {
        _ = try await caseInfo(name, for: requester)
        guard canWrite(case: name, by: requester.user) else {
            await audit.record(entry(requester, action: "note", case: name, decision: .denied, detail: "no write right on cases"))
            throw .forbidden("you may read case \(name) but not add to it (the write right `cases` or `case:\(name)`)")
        }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw .badRequest("the note is empty") }
        guard trimmed.utf8.count <= 20_000, comment.utf8.count <= 20_000 else { throw .badRequest("a note holds at most 20,000 bytes") }
        let now = AuditTrail.now()
        let note: CaseNote
        if kind == .note {
            note = CaseNote(kind: .note, text: trimmed, author: requester.user.name, at: now)
        } else {
            do {
                note = try CaseNote.assertion(trimmed, comment: comment, author: requester.user.name, at: now)
            } catch {
                throw .badRequest(error.description)
            }
        }
        try await storeCall { try await store.addNote(note, toCase: name) }
        await audit.record(entry(requester, action: "note", case: name, decision: .allowed, detail: note.kind.rawValue))
        return note
    }

    /// The case's report, layer or STIX bundle under the analyst's ceiling.
    public func download(case name: String, format: ReportFormat, for requester: SharingRequester) async throws(SharingError) -> String {
        _ = try await caseInfo(name, for: requester)
        do {
            let text = try await CaseReporting.render(case: name, store: store, format: format, options: reportOptions(ceiling: ceiling(of: requester.user)))
            await audit.record(entry(requester, action: "download", case: name, decision: .allowed, detail: format.rawValue))
            return text
        } catch {
            throw Self.sharingError(error)
        }
    }

    // MARK: Search

    /// What a search found that the analyst may see.
    public struct SearchResult: Sendable {
        public var cases: [CaseInfo]
        public var objects: [StoredObject]
    }

    /// Cases whose name or description contains the text, and intel objects whose names,
    /// aliases, external ids or descriptions do (best first, at most `limit`).
    public func search(_ text: String, limit: Int = 50, for requester: SharingRequester) async throws(SharingError) -> SearchResult {
        let query = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !query.isEmpty else { return SearchResult(cases: [], objects: []) }
        guard query.utf8.count <= 200 else { throw .badRequest("a search is at most 200 bytes") }
        let cases = try await storeCall { try await store.cases() }.filter {
            canRead($0, by: requester.user) && ($0.name.localizedCaseInsensitiveContains(query) || $0.description.localizedCaseInsensitiveContains(query))
        }
        let clearance = clearance(of: requester.user)
        // Asking for more than shown: hits the analyst may not see are dropped afterwards.
        let found = try await storeCall { try await store.search(query, types: [], limit: limit * 4) }
        let objects = found.filter { clearance.allows($0.tlp) }.prefix(limit)
        return SearchResult(cases: cases, objects: Array(objects))
    }

    // MARK: Intel

    /// The kinds of intel the browser lists.
    public enum IntelKind: String, Sendable, CaseIterable {
        case groups, actors, campaigns, software, techniques

        public var types: [String] {
            switch self {
            case .groups: return ["intrusion-set"]
            case .actors: return ["threat-actor"]
            case .campaigns: return ["campaign"]
            case .software: return ["malware", "tool"]
            case .techniques: return ["attack-pattern"]
            }
        }

        public var title: String {
            switch self {
            case .groups: return "Groups"
            case .actors: return "Threat actors"
            case .campaigns: return "Campaigns"
            case .software: return "Software"
            case .techniques: return "Techniques"
            }
        }
    }

    /// The objects of a kind the analyst may see, by ATT&CK id then name; retired ones left out.
    public func intel(_ kind: IntelKind, for requester: SharingRequester) async throws(SharingError) -> [StoredObject] {
        let clearance = clearance(of: requester.user)
        return try await storeCall { try await store.objects(types: kind.types, includeRetired: false) }
            .filter { clearance.allows($0.tlp) }
            .sorted { ($0.object.attackID ?? "~", $0.object.name ?? $0.id) < ($1.object.attackID ?? "~", $1.object.name ?? $1.id) }
    }

    /// An intel object with what it is related to, as far as the analyst may see.
    public struct IntelView: Sendable {
        public struct Related: Sendable {
            /// `uses`, `attributed-to`, ...
            public var relationship: String
            /// Whether the object is the relationship's source.
            public var outgoing: Bool
            public var other: StoredObject
            public var description: String?
        }

        public var object: StoredObject
        public var versions: Int
        public var related: [Related]
    }

    public func intelObject(_ id: String, for requester: SharingRequester) async throws(SharingError) -> IntelView {
        let clearance = clearance(of: requester.user)
        guard let object = try await storeCall({ try await store.latest(id: id) }), clearance.allows(object.tlp) else {
            throw .notFound("no intel object \(id)")
        }
        let found = try await storeCall { try await store.related(to: id, through: nil, direction: .both) }
        let versions = try await storeCall { try await store.versions(id: id).count }
        let related = found.compactMap { item -> IntelView.Related? in
            guard clearance.allows(item.relationship.tlp), clearance.allows(item.object.tlp) else { return nil }
            return IntelView.Related(
                relationship: item.relationship.object.properties["relationship_type"]?.stringValue ?? "related-to",
                outgoing: item.relationship.object.sourceRef == id, other: item.object, description: item.relationship.object.objectDescription)
        }
        func order(_ item: IntelView.Related) -> [String] {
            [item.relationship, item.outgoing ? "0" : "1", item.other.type, item.other.object.attackID ?? "~", item.other.object.name ?? ""]
        }
        return IntelView(object: object, versions: versions, related: related.sorted { order($0).lexicographicallyPrecedes(order($1)) })
    }

    // MARK: Helpers

    func reportOptions(ceiling: TLPLevel) -> CaseReport.Options {
        CaseReport.Options(maxTLP: ceiling, unmarkedIntel: configuration.unmarkedTLP)
    }

    func entry(_ requester: SharingRequester, action: String, case name: String, decision: AuditEntry.Decision, detail: String) -> AuditEntry {
        AuditEntry(
            time: AuditTrail.now(), user: requester.user.name, address: requester.address, action: action, collection: "case:\(name)",
            decision: decision, detail: detail)
    }

    func storeCall<T>(_ body: () async throws -> T) async throws(SharingError) -> T {
        do {
            return try await body()
        } catch let error as IntelStoreError {
            throw .store(error)
        } catch {
            throw .unavailable("\(error)")
        }
    }

    static func sharingError(_ error: VigilError) -> SharingError {
        switch error {
        case .store(let error): return .store(error)
        case .invalid(let reason): return .forbidden(reason)
        default: return .unavailable(error.description)
        }
    }
}

extension CaseFinding {
    /// Leaves out what an indicator's hit says of the indicator: its name, id and provenance.
    mutating func withholdIndicator() {
        ruleTitle = "Indicator (withheld)"
        ruleID = nil
        fields = [:]
        techniques = []
        software = []
    }
}

/// Drafted case reports, reused while the case is unchanged: a report of 100,000 findings
/// takes a second or two to draft, a case page must come in a fraction of that. Requests for
/// a report being drafted wait for that draft. At most `capacity` reports are kept (the least
/// recently used goes), each at most `lifetime` (the intel they drew on may have changed).
actor CaseReportCache {
    struct Key: Hashable {
        var caseName: String
        var ceiling: TLPLevel
        var unmarked: TLPLevel
    }

    /// What the report was drawn from; a different stamp means a new draft.
    struct Stamp: Hashable {
        var findings: Int
        var evidence: Int
        var assertions: Int
        var tlp: TLPLevel?
    }

    private struct Entry {
        var stamp: Stamp
        var drafted: ContinuousClock.Instant
        var used: ContinuousClock.Instant
        var task: Task<CaseReport, any Error>
    }

    private let lifetime: Duration
    private let capacity: Int
    private var entries: [Key: Entry] = [:]

    init(lifetime: Duration, capacity: Int) {
        self.lifetime = lifetime
        self.capacity = max(1, capacity)
    }

    func report(_ key: Key, stamp: Stamp, draft: @escaping @Sendable () async throws -> CaseReport) async throws -> CaseReport {
        let now = ContinuousClock.now
        if var entry = entries[key], entry.stamp == stamp, now - entry.drafted < lifetime {
            entry.used = now
            entries[key] = entry
            do {
                return try await entry.task.value
            } catch {
                // A failed draft is not kept: the next request tries again.
                if entries[key]?.drafted == entry.drafted { entries[key] = nil }
                throw error
            }
        }
        if entries[key] == nil && entries.count >= capacity, let oldest = entries.min(by: { $0.value.used < $1.value.used })?.key {
            entries[oldest] = nil
        }
        let task = Task { try await draft() }
        entries[key] = Entry(stamp: stamp, drafted: now, used: now, task: task)
        do {
            return try await task.value
        } catch {
            if entries[key]?.drafted == now { entries[key] = nil }
            throw error
        }
    }
}
