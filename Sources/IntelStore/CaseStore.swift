import STIX

/// A case: the evidence of one intrusion, its findings, and what analysts noted and asserted.
public struct CaseInfo: Sendable, Hashable {
    public var name: String
    public var created: String
    /// The marking everything derived from the case carries; nil when unmarked.
    public var tlp: TLPLevel?
    public var description: String

    public init(name: String, created: String, tlp: TLPLevel?, description: String = "") {
        self.name = name
        self.created = created
        self.tlp = tlp
        self.description = description
    }
}

/// An evidence file as it was when added: evidence is hashed and never modified.
///
/// A file that could not be hashed (or read to its end) is still recorded, with `sha256`
/// empty and `error` saying why: evidence is never silently dropped from a case.
public struct CaseEvidenceFile: Sendable, Hashable {
    public var path: String
    public var sha256: String
    public var size: Int64
    public var added: String
    /// Why the file has no SHA-256 or was not read whole; nil when it was.
    public var error: String?

    public init(path: String, sha256: String, size: Int64, added: String, error: String? = nil) {
        self.path = path
        self.sha256 = sha256
        self.size = size
        self.added = added
        self.error = error
    }
}

/// One stored finding of a hunt (the `vigil hunt --format jsonl` keys, as values).
public struct CaseFinding: Sendable, Hashable {
    public var timestamp: String?
    public var computer: String?
    public var channel: String?
    public var eventID: String?
    public var recordID: Int64?
    public var ruleID: String?
    public var ruleTitle: String
    public var level: String?
    public var techniques: [String]
    public var tactics: [String]
    /// ATT&CK software ids from the rule's tags.
    public var software: [String]
    public var fields: [String: String]
    public var evidence: String
    public var evidenceSHA256: String

    public init(
        timestamp: String?, computer: String?, channel: String?, eventID: String?, recordID: Int64?, ruleID: String?,
        ruleTitle: String, level: String?, techniques: [String], tactics: [String], software: [String],
        fields: [String: String], evidence: String, evidenceSHA256: String
    ) {
        self.timestamp = timestamp
        self.computer = computer
        self.channel = channel
        self.eventID = eventID
        self.recordID = recordID
        self.ruleID = ruleID
        self.ruleTitle = ruleTitle
        self.level = level
        self.techniques = techniques
        self.tactics = tactics
        self.software = software
        self.fields = fields
        self.evidence = evidence
        self.evidenceSHA256 = evidenceSHA256
    }
}

extension CaseFinding {
    /// Whether the finding is an indicator's hit: its rule id is the indicator's STIX id.
    public var isIndicatorHit: Bool { Self.isIndicatorRule(ruleID) }

    /// What a technique filter looks up: each technique and its parent (the part before the
    /// first dot), once each. Stores index findings by these terms.
    public static func techniqueTerms(of techniques: [String]) -> [String] {
        var terms: [String] = []
        for technique in techniques where !technique.isEmpty {
            for term in [technique, String(technique.prefix { $0 != "." })] where !term.isEmpty && !terms.contains(term) { terms.append(term) }
        }
        return terms
    }

    /// Whether a rule id is an indicator's STIX id (for stores that have not built the finding yet).
    public static func isIndicatorRule(_ ruleID: String?) -> Bool { ruleID?.hasPrefix("indicator--") == true }
}

/// Which findings' fields a read brings back.
public enum FindingFieldSelection: Sendable {
    case all
    /// Only the fields of indicator hits (their provenance), which is all that summaries,
    /// attribution and reports read; other findings come with none. A case of 100,000
    /// findings reads in a fraction of the time.
    case indicatorHits
}

/// One value of one field in a case's findings, with the rule that found it and how many of
/// its findings carry that value.
public struct FindingFieldValue: Sendable, Hashable {
    public var ruleTitle: String
    public var key: String
    public var value: String
    public var count: Int

    public init(ruleTitle: String, key: String, value: String, count: Int) {
        self.ruleTitle = ruleTitle
        self.key = key
        self.value = value
        self.count = count
    }

    /// Counts the `keys` of one finding's fields, given as their JSON text, into `tallies`: for
    /// the rare findings whose values hold U+0000, which the databases' JSON functions cut or
    /// refuse.
    public static func tally(fieldsJSON: [UInt8], rule: String, keys: Set<String>, into tallies: inout [FindingFieldValue: Int]) {
        guard case .object(let object)? = try? JSONParser.parse(fieldsJSON) else { return }
        for (key, value) in object where keys.contains(key) {
            if let text = value.stringValue { tallies[FindingFieldValue(ruleTitle: rule, key: key, value: text, count: 0), default: 0] += 1 }
        }
    }

    /// Values tallied under keys whose `count` is 0, with their tallies, in the order
    /// `fieldValues` returns: by rule, key and value (stores sort alike whatever their collation).
    public static func ordered(tallies: [FindingFieldValue: Int]) -> [FindingFieldValue] {
        tallies.map { FindingFieldValue(ruleTitle: $0.key.ruleTitle, key: $0.key.key, value: $0.key.value, count: $0.value) }
            .sorted { ($0.ruleTitle, $0.key, $0.value) < ($1.ruleTitle, $1.key, $1.value) }
    }
}

/// Which findings of a case a page holds: every condition given must hold.
public struct FindingFilter: Sendable, Hashable {
    /// Levels (`high`, ...; `none` for findings without one); empty: any.
    public var levels: Set<String>
    /// A tactic id (`TA0002`) the finding's rule names.
    public var tactic: String?
    /// A technique id; a parent (`T1059`, the part before the dot) also selects its
    /// sub-techniques (`T1059.001`).
    public var technique: String?
    /// The host, ignoring case.
    public var host: String?
    /// Times from (inclusive) and to (exclusive), compared as ISO 8601 text; a finding without
    /// a time passes only when neither is given.
    public var from: String?
    public var to: String?

    public init(levels: Set<String> = [], tactic: String? = nil, technique: String? = nil, host: String? = nil, from: String? = nil, to: String? = nil) {
        self.levels = levels
        self.tactic = tactic
        self.technique = technique
        self.host = host
        self.from = from
        self.to = to
    }

    /// Whether the filter selects every finding.
    public var isEmpty: Bool { self == FindingFilter() }

    /// Whether a finding passes; every backend selects what this accepts.
    public func accepts(_ finding: CaseFinding) -> Bool {
        if !levels.isEmpty && !levels.contains(finding.level ?? "none") { return false }
        if let tactic, !finding.tactics.contains(tactic) { return false }
        if let technique, !CaseFinding.techniqueTerms(of: finding.techniques).contains(technique) { return false }
        if let host, finding.computer?.caseInsensitiveCompare(host) != .orderedSame { return false }
        if from != nil || to != nil {
            guard let time = finding.timestamp else { return false }
            if let from, time < from { return false }
            if let to, time >= to { return false }
        }
        return true
    }
}

/// Where a page of findings ended; the next page starts after it. `sequence` orders findings
/// of equal time in the order they were added.
public struct FindingCursor: Sendable, Hashable {
    public var timestamp: String?
    public var sequence: Int64

    public init(timestamp: String?, sequence: Int64) {
        self.timestamp = timestamp
        self.sequence = sequence
    }

    /// The cursor as one opaque text for a URL (`<sequence>.<time>`), and back.
    public var token: String { "\(sequence)." + (timestamp ?? "") + (timestamp == nil ? "-" : "") }

    public init?(token: String) {
        guard let dot = token.firstIndex(of: "."), let sequence = Int64(token[..<dot]), sequence >= 0 else { return nil }
        let rest = String(token[token.index(after: dot)...])
        self.init(timestamp: rest == "-" ? nil : rest, sequence: sequence)
    }
}

/// A page of a case's findings in time order, and how many the filter selects in all.
public struct FindingPage: Sendable {
    public var findings: [CaseFinding]
    /// Nil on the last page.
    public var next: FindingCursor?
    /// How many findings the filter selects. Without a filter it is exact; with one it is
    /// counted up to `countLimit`, and above that `total` is the limit and `totalIsExact` false:
    /// a filtered page of a case of ten million findings costs what one of a small case costs.
    public var total: Int
    public var totalIsExact: Bool

    /// The most findings a filtered page counts.
    public static let countLimit = 1_000

    public init(findings: [CaseFinding], next: FindingCursor?, total: Int, totalIsExact: Bool = true) {
        self.findings = findings
        self.next = next
        self.total = total
        self.totalIsExact = totalIsExact
    }

    /// A page whose filtered count stopped after `countLimit + 1` findings (`counted`).
    public init(findings: [CaseFinding], next: FindingCursor?, counted: Int) {
        self.init(findings: findings, next: next, total: min(counted, Self.countLimit), totalIsExact: counted <= Self.countLimit)
    }
}

/// An analyst's note, or an assertion that the intruder used a technique, software or an
/// influence-operation technique.
public struct CaseNote: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable {
        case note
        /// `text` is an ATT&CK technique id (`T1566.002`).
        case technique
        /// `text` is an ATT&CK software id (`S0154`).
        case software
        /// `text` is a DISARM influence-operation technique id (`T0049`, `T0097.101`).
        case influence
        /// `text` is a DISARM actor type id (`A003`, influencer).
        case influenceActor = "influence-actor"
    }

    public var kind: Kind
    public var text: String
    /// Free comment of an assertion.
    public var comment: String
    public var author: String
    public var at: String

    public init(kind: Kind, text: String, comment: String = "", author: String, at: String) {
        self.kind = kind
        self.text = text
        self.comment = comment
        self.author = author
        self.at = at
    }
}

/// Where cases live: the same database as the intel.
///
/// Case names are unique and compared exactly. Adding findings or evidence to a missing case
/// throws `IntelStoreError.noSuchCase`. Each call is one transaction.
public protocol CaseStore: Sendable {
    /// Creates a case; throws `caseExists` when the name is taken.
    func createCase(_ info: CaseInfo) async throws
    func caseInfo(named name: String) async throws -> CaseInfo?
    func cases() async throws -> [CaseInfo]
    /// Records evidence files (a file already recorded with the same hash is not added twice)
    /// and findings, in one transaction.
    func addToCase(_ name: String, evidence: [CaseEvidenceFile], findings: [CaseFinding]) async throws
    func evidence(ofCase name: String) async throws -> [CaseEvidenceFile]
    /// Findings in time order (those without a time last), with the fields asked for.
    func findings(ofCase name: String, fields: FindingFieldSelection) async throws -> [CaseFinding]
    /// Up to `limit` (1 to 1,000) findings the filter selects, in the same order, after the
    /// cursor: following `next` never repeats a finding nor skips one that was there when the
    /// first page was read, also while more are added.
    func findings(ofCase name: String, filter: FindingFilter, after cursor: FindingCursor?, limit: Int) async throws -> FindingPage
    /// The distinct values the case's findings hold for `keys`, per rule, with their counts,
    /// ordered by rule, key and value. Attribution reads the programs and files findings name
    /// this way without reading every finding's fields.
    func fieldValues(ofCase name: String, keys: [String]) async throws -> [FindingFieldValue]
    func addNote(_ note: CaseNote, toCase name: String) async throws
    func notes(ofCase name: String) async throws -> [CaseNote]
}

extension CaseStore {
    /// Findings in time order with all their fields.
    public func findings(ofCase name: String) async throws -> [CaseFinding] { try await findings(ofCase: name, fields: .all) }
}

/// What the application works on: the intel, the cases and who may use them, in one store
/// (memory, SQLite, ...).
public typealias VigilStore = IntelStore & CaseStore & AccessStore
