import EventLog
import Indicators
import Sigma

/// One hit of the hunt: a rule that matched an event, or a correlation rule that fired over
/// several events, with what an analyst needs to find the event again and judge it.
public struct Finding: Sendable {
    public enum Kind: Sendable {
        case rule
        /// A correlation alert: its group, the aggregate its condition held for, how many
        /// events, and the span.
        case correlation(group: [(field: String, value: String)], aggregate: Double, events: Int, first: EventTime, last: EventTime)
        /// An event touched a value an indicator names: the rule is the indicator (its STIX id
        /// and name), the fields say what matched, where the indicator came from, what it
        /// indicates and whether a warninglist suppressed it.
        case indicator(EventIndicatorMatcher.Hit)
    }

    public var kind: Kind
    public var time: EventTime?
    public var computer: String?
    public var channel: String?
    public var eventID: String?
    /// The EVTX record identifier, or the line of a text source.
    public var recordID: UInt64?
    /// The rule that matched (or the correlation that fired), shared by all its findings.
    public let rule: FindingRule
    public var ruleID: String? { rule.id }
    public var ruleTitle: String { rule.title }
    public var level: SigmaLevel? { rule.level }
    public var techniques: [String] { rule.techniques }
    public var tactics: [String] { rule.tactics }
    /// ATT&CK software ids from the rule's tags.
    public var software: [String] { rule.software }
    /// The fields the rule looks at, with the event's values.
    public var fields: [(name: String, value: String)]
    public var evidence: String
    public var evidenceSHA256: String

    static let computer = FieldName("Computer")
    static let channel = FieldName("Channel")
    static let eventID = FieldName("EventID")
    static let recordID = FieldName("EventRecordID")

    /// A rule's match of an event.
    init(rule: RuleEngine.Rule, event: Event) {
        let context = EventContext()
        context.load(event)
        self.init(rule: FindingRule(rule), context: context)
    }

    /// A rule's match of the event a matching context holds: only the fields a finding shows
    /// are read, so an event read through a field reader is not built whole. (Written out
    /// rather than delegated: a delegating initializer copied the finding and destroyed the
    /// original, a retain and a release of each string.)
    init(rule: FindingRule, context: EventContext) {
        kind = .rule
        time = context.time
        computer = context.text(of: Finding.computer)
        channel = context.text(of: Finding.channel)
        eventID = context.text(of: Finding.eventID)
        recordID = Finding.recordNumber(context.value(Finding.recordID)) ?? context.position
        self.rule = rule
        var fields: [(name: String, value: String)] = []
        fields.reserveCapacity(rule.fields.count)
        for (name, shown) in zip(rule.fields, rule.fieldNames) {
            if let value = context.text(of: name) { fields.append((shown, value)) }
        }
        self.fields = fields
        evidence = ""
        evidenceSHA256 = ""
    }

    /// The record number a field value holds (an EVTX record's is an unsigned integer; a
    /// text source's may be decimal text), as `UInt64(value.text)` reads it.
    static func recordNumber(_ value: FieldValue?) -> UInt64? {
        switch value {
        case .unsigned(let number): return number
        case .integer(let number): return UInt64(exactly: number)
        case .some(let value): return UInt64(value.text)
        case nil: return nil
        }
    }

    /// An indicator's hit on the event a matching context holds.
    init(hit: EventIndicatorMatcher.Hit, context: EventContext) {
        self.init(rule: FindingRule(hit), context: context)
        kind = .indicator(hit)
        fields = IndicatorFields.fields(of: hit)
    }

    /// A correlation alert, placed at its last event.
    init(alert: CorrelationAlert, correlation: SigmaCorrelation, evidence: String, evidenceSHA256: String, recordID: UInt64?) {
        kind = .correlation(group: alert.group, aggregate: alert.aggregate, events: alert.events.count, first: alert.first, last: alert.last)
        time = alert.last
        computer = alert.group.first { $0.field == "Computer" }?.value
        channel = nil
        eventID = nil
        self.recordID = recordID
        rule = FindingRule(correlation)
        fields = alert.group.map { (name: $0.field, value: $0.value) } + (alert.value.map { [(name: correlation.fields.joined(separator: ","), value: $0)] } ?? [])
        self.evidence = evidence
        self.evidenceSHA256 = evidenceSHA256
    }
}

/// What findings show of the rule that made them. One object per rule, which each of its
/// findings references: copied into every finding, the rule's strings and lists cost a
/// retain each on the worker and a release each where the finding is written.
public final class FindingRule: Sendable {
    public let id: String?
    public let title: String
    public let level: SigmaLevel?
    public let techniques: [String]
    public let tactics: [String]
    public let software: [String]
    /// The fields a match shows (a correlation's alert shows its group instead), and their
    /// names as text.
    let fields: [FieldName]
    let fieldNames: [String]
    /// The JSON members from `rule_id` to `tactics`, the same in every finding of the rule.
    let json: [UInt8]

    convenience init(_ rule: RuleEngine.Rule) {
        self.init(
            id: rule.rule.id, title: rule.rule.title, level: rule.rule.level, techniques: rule.techniques, tactics: rule.tactics,
            software: rule.software, fields: rule.fields, fieldNames: rule.fieldNames)
    }

    /// An indicator as the rule of its findings: `high`, `medium` when the indicator had
    /// expired when the event happened (one written after the event is normal in a retrospective
    /// hunt), `informational` when a warninglist suppressed it.
    convenience init(_ hit: EventIndicatorMatcher.Hit) {
        let provenance = hit.provenance
        let level: SigmaLevel = hit.suppressedBy != nil ? .informational : hit.validity == .expired ? .medium : .high
        self.init(
            id: provenance.indicatorID, title: "Indicator: \(provenance.name ?? provenance.indicatorID)", level: level, techniques: [],
            tactics: [], software: [], fields: [], fieldNames: [])
    }

    convenience init(_ correlation: SigmaCorrelation) {
        self.init(
            id: correlation.id, title: correlation.title, level: correlation.level, techniques: correlation.techniques,
            tactics: correlation.tactics, software: correlation.software, fields: [], fieldNames: [])
    }

    private init(
        id: String?, title: String, level: SigmaLevel?, techniques: [String], tactics: [String], software: [String], fields: [FieldName],
        fieldNames: [String]
    ) {
        self.id = id
        self.title = title
        self.level = level
        self.techniques = techniques
        self.tactics = tactics
        self.software = software
        self.fields = fields
        self.fieldNames = fieldNames
        json = FindingJSONWriter.ruleMembers(id: id, title: title, level: level, techniques: techniques, tactics: tactics)
    }
}

/// The fields an indicator finding shows: the names every output (and the case) reads back.
public enum IndicatorFields {
    public static let observable = "indicator.observable"
    public static let via = "indicator.via"
    public static let source = "indicator.source"
    public static let indicates = "indicator.indicates"
    public static let tlp = "indicator.tlp"
    public static let validity = "indicator.validity"
    public static let suppressedBy = "indicator.suppressed_by"

    static func fields(of hit: EventIndicatorMatcher.Hit) -> [(name: String, value: String)] {
        var fields: [(name: String, value: String)] = []
        let matched = hit.observable.map { "\($0.kind.rawValue) \($0.value)" } ?? "the whole pattern"
        fields.append((observable, matched))
        if let via = hit.via { fields.append((Self.via, via)) }
        fields.append((source, hit.provenance.source))
        if !hit.provenance.indicates.isEmpty { fields.append((indicates, hit.provenance.indicates.joined(separator: " "))) }
        if let level = hit.provenance.tlp { fields.append((tlp, level.label)) }
        if let validity = hit.validity { fields.append((Self.validity, validity.rawValue)) }
        if let list = hit.suppressedBy { fields.append((suppressedBy, list)) }
        return fields
    }
}
