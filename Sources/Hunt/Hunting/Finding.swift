import EventLog
import Sigma

/// One hit of the hunt: a rule that matched an event, or a correlation rule that fired over
/// several events, with what an analyst needs to find the event again and judge it.
public struct Finding: Sendable {
    public enum Kind: Sendable {
        case rule
        /// A correlation alert: its group, the aggregate its condition held for, how many
        /// events, and the span.
        case correlation(group: [(field: String, value: String)], aggregate: Double, events: Int, first: EventTime, last: EventTime)
    }

    public var kind: Kind
    public var time: EventTime?
    public var computer: String?
    public var channel: String?
    public var eventID: String?
    /// The EVTX record identifier, or the line of a text source.
    public var recordID: UInt64?
    public var ruleID: String?
    public var ruleTitle: String
    public var level: SigmaLevel?
    public var techniques: [String]
    public var tactics: [String]
    /// ATT&CK software ids from the rule's tags.
    public var software: [String]
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
        self.init(rule: rule, time: event.time, position: event.origin.position) { event.value($0)?.text }
    }

    /// A rule's match of the event a matching context holds: only the fields a finding shows
    /// are read, so an event read through a field reader is not built whole.
    init(rule: RuleEngine.Rule, context: EventContext) {
        self.init(rule: rule, time: context.time, position: context.position) { context.text(of: $0) }
    }

    /// `text` gives a field's text as `FieldValue.text` does, nil when the field is absent.
    private init(rule: RuleEngine.Rule, time: EventTime?, position: UInt64, text: (FieldName) -> String?) {
        kind = .rule
        self.time = time
        computer = text(Finding.computer)
        channel = text(Finding.channel)
        eventID = text(Finding.eventID)
        recordID = text(Finding.recordID).flatMap { UInt64($0) } ?? position
        ruleID = rule.rule.id
        ruleTitle = rule.rule.title
        level = rule.rule.level
        techniques = rule.techniques
        tactics = rule.tactics
        software = rule.software
        var fields: [(name: String, value: String)] = []
        fields.reserveCapacity(rule.fields.count)
        for (name, shown) in zip(rule.fields, rule.fieldNames) {
            if let value = text(name) { fields.append((shown, value)) }
        }
        self.fields = fields
        evidence = ""
        evidenceSHA256 = ""
    }

    /// A correlation alert, placed at its last event.
    init(alert: CorrelationAlert, correlation: SigmaCorrelation, evidence: String, evidenceSHA256: String, recordID: UInt64?) {
        kind = .correlation(group: alert.group, aggregate: alert.aggregate, events: alert.events.count, first: alert.first, last: alert.last)
        time = alert.last
        computer = alert.group.first { $0.field == "Computer" }?.value
        channel = nil
        eventID = nil
        self.recordID = recordID
        ruleID = correlation.id
        ruleTitle = correlation.title
        level = correlation.level
        techniques = correlation.techniques
        tactics = correlation.tactics
        software = correlation.software
        fields = alert.group.map { (name: $0.field, value: $0.value) } + (alert.value.map { [(name: correlation.fields.joined(separator: ","), value: $0)] } ?? [])
        self.evidence = evidence
        self.evidenceSHA256 = evidenceSHA256
    }
}
