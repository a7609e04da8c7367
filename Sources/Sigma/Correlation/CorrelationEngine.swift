import EventLog

/// A base match a correlation needs: when, which of its rules, the group it falls in, and the
/// value its condition looks at. `reference` says where the event came from, for the alert.
public struct CorrelationSample: Sendable {
    public var correlation: Int32
    /// The position of the matching rule in the correlation's `rules`.
    public var ruleSlot: Int32
    public var time: EventTime
    public var group: [String]
    public var value: String?
    public var reference: EventReference
}

/// Where a matched event is: which evidence file and which record or line.
public struct EventReference: Sendable, Hashable {
    public var evidence: Int32
    public var position: UInt64

    public init(evidence: Int32, position: UInt64) {
        self.evidence = evidence
        self.position = position
    }
}

/// One firing of a correlation rule: its group, the time span, the aggregate, the events.
public struct CorrelationAlert: Sendable {
    public var correlation: Int
    public var group: [(field: String, value: String)]
    public var first: EventTime
    public var last: EventTime
    /// The number the condition was checked against (events, distinct values, sum, ...).
    public var aggregate: Double
    /// The value a value_percentile alert is about.
    public var value: String?
    public var events: [EventReference]
}

/// Correlation rules bound to a compiled rule set: which base matches they need (`samples`),
/// and, once the hunt has seen every event, which windows satisfy them (`evaluate`).
///
/// Windows are anchored at an event: the events of a group from that event to `timespan`
/// after it form a window; when the condition holds, the window is an alert and the next
/// window starts after it; when it does not, the anchor moves to the next event. Temporal
/// correlations need every referenced rule (ordered: in the given order) within a window.
/// Correlations may refer to correlations: their alerts are the events of the outer one.
public struct CorrelationSet: Sendable {
    public let correlations: [SigmaCorrelation]
    /// Per correlation, per referenced rule: the engine rule index, or the correlation index
    /// (for chains), of each slot.
    let sources: [[Source]]
    /// Engine rule index → (correlation, slot) pairs that need its matches.
    let byRule: [Int: [(correlation: Int32, slot: Int32)]]
    /// Per correlation, per slot, the field for each group-by name (aliases resolved).
    let groupFields: [[[FieldName]]]
    let valueFields: [[FieldName]]
    /// Engine rules whose own matches are not reported (referenced, without `generate`).
    public let suppressed: Set<Int>
    /// Correlations in an order where referenced ones come first.
    let order: [Int]

    enum Source: Sendable {
        case rule(Int)
        case correlation(Int)
    }

    public init(_ correlations: [SigmaCorrelation], rules: [RuleEngine.Rule]) throws(SigmaProblem) {
        var ruleByReference: [String: Int] = [:]
        for (index, compiled) in rules.enumerated() {
            if let id = compiled.rule.id { ruleByReference[id] = index }
            if let name = compiled.rule.name { ruleByReference[name] = index }
        }
        var correlationByReference: [String: Int] = [:]
        for (index, correlation) in correlations.enumerated() {
            if let id = correlation.id { correlationByReference[id] = index }
            if let name = correlation.name { correlationByReference[name] = index }
        }
        var sources: [[Source]] = []
        var byRule: [Int: [(Int32, Int32)]] = [:]
        var groupFields: [[[FieldName]]] = []
        var valueFields: [[FieldName]] = []
        var suppressed: Set<Int> = []
        for (index, correlation) in correlations.enumerated() {
            var slots: [Source] = []
            var fields: [[FieldName]] = []
            for (slot, reference) in correlation.rules.enumerated() {
                if let rule = ruleByReference[reference] {
                    slots.append(.rule(rule))
                    byRule[rule, default: []].append((Int32(index), Int32(slot)))
                    if !correlation.generate { suppressed.insert(rule) }
                } else if let inner = correlationByReference[reference], inner != index {
                    slots.append(.correlation(inner))
                } else {
                    throw SigmaProblem("correlation \"\(correlation.title)\" refers to \"\(reference)\", which is not loaded", at: correlation.location)
                }
                let ruleName = correlation.rules[slot]
                fields.append(correlation.groupBy.map { name in FieldName(correlation.aliases[name]?[ruleName] ?? name) })
            }
            sources.append(slots)
            groupFields.append(fields)
            valueFields.append(correlation.fields.map { FieldName($0) })
        }
        // Referenced correlations first; a cycle is refused.
        var order: [Int] = []
        var state = [UInt8](repeating: 0, count: correlations.count)
        func visit(_ index: Int) throws(SigmaProblem) {
            if state[index] == 2 { return }
            guard state[index] == 0 else {
                throw SigmaProblem("correlation \"\(correlations[index].title)\" refers to itself through others", at: correlations[index].location)
            }
            state[index] = 1
            for case .correlation(let inner) in sources[index] { try visit(inner) }
            state[index] = 2
            order.append(index)
        }
        for index in correlations.indices { try visit(index) }
        self.correlations = correlations
        self.sources = sources
        self.byRule = byRule.mapValues { $0.map { (correlation: $0.0, slot: $0.1) } }
        self.groupFields = groupFields
        self.valueFields = valueFields
        self.suppressed = suppressed
        self.order = order
    }

    public var isEmpty: Bool { correlations.isEmpty }

    /// Whether any correlation needs the matches of this engine rule.
    public func needs(_ rule: Int) -> Bool { byRule[rule] != nil }

    /// The samples to keep for a match of an engine rule.
    public func samples(rule: Int, event: Event, reference: EventReference) -> [CorrelationSample] {
        guard let uses = byRule[rule], let time = event.time else { return [] }
        return uses.map { use in
            let correlation = Int(use.correlation)
            let group = groupFields[correlation][Int(use.slot)].map { event.value($0)?.text ?? "" }
            let value = valueFields[correlation].isEmpty
                ? nil : valueFields[correlation].map { event.value($0)?.text ?? "" }.joined(separator: "\u{1F}")
            return CorrelationSample(
                correlation: use.correlation, ruleSlot: use.slot, time: time, group: group, value: value, reference: reference)
        }
    }

    /// The alerts of every correlation over all samples of a hunt (in any order).
    public func evaluate(_ samples: [CorrelationSample]) -> [CorrelationAlert] {
        var byCorrelation = [[CorrelationSample]](repeating: [], count: correlations.count)
        for sample in samples { byCorrelation[Int(sample.correlation)].append(sample) }
        var alertsByCorrelation = [[CorrelationAlert]](repeating: [], count: correlations.count)
        for index in order {
            var input = byCorrelation[index]
            // Alerts of referenced correlations are events of this one.
            for (slot, source) in sources[index].enumerated() {
                guard case .correlation(let inner) = source else { continue }
                let innerGroupBy = correlations[inner].groupBy
                for alert in alertsByCorrelation[inner] {
                    let group = correlations[index].groupBy.map { name -> String in
                        let field = correlations[index].aliases[name]?[correlations[index].rules[slot]] ?? name
                        return innerGroupBy.firstIndex(of: field).map { alert.group[$0].value } ?? ""
                    }
                    input.append(
                        CorrelationSample(
                            correlation: Int32(index), ruleSlot: Int32(slot), time: alert.last, group: group, value: nil,
                            reference: alert.events.last ?? EventReference(evidence: -1, position: 0)))
                }
            }
            alertsByCorrelation[index] = evaluate(index, input)
        }
        return alertsByCorrelation.flatMap { $0 }
    }

    private func evaluate(_ index: Int, _ samples: [CorrelationSample]) -> [CorrelationAlert] {
        let correlation = correlations[index]
        var groups: [[String]: [CorrelationSample]] = [:]
        for sample in samples { groups[sample.group, default: []].append(sample) }
        var alerts: [CorrelationAlert] = []
        let span = correlation.timespan * 10_000_000
        for key in groups.keys.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
            let events = groups[key]!.sorted { ($0.time, $0.reference.evidence, $0.reference.position) < ($1.time, $1.reference.evidence, $1.reference.position) }
            var anchor = 0
            while anchor < events.count {
                var end = anchor
                while end < events.count && events[end].time.ticks - events[anchor].time.ticks <= span { end += 1 }
                let window = events[anchor..<end]
                let results = check(correlation, window)
                if !results.isEmpty {
                    let group = zip(correlation.groupBy, key).map { (field: $0, value: $1) }
                    for result in results {
                        alerts.append(
                            CorrelationAlert(
                                correlation: index, group: group, first: window.first!.time, last: window.last!.time, aggregate: result.aggregate,
                                value: result.value, events: result.events ?? window.map(\.reference)))
                    }
                    anchor = end
                } else {
                    anchor += 1
                }
            }
        }
        return alerts
    }

    private struct WindowResult {
        var aggregate: Double
        var value: String?
        var events: [EventReference]?
    }

    /// The condition on one window: the results to alert on (none when it does not hold).
    private func check(_ correlation: SigmaCorrelation, _ window: ArraySlice<CorrelationSample>) -> [WindowResult] {
        func holds(_ number: Double) -> Bool { correlation.criteria.allSatisfy { $0.holds(number) } }
        switch correlation.kind {
        case .eventCount:
            let count = Double(window.count)
            return holds(count) ? [WindowResult(aggregate: count)] : []
        case .valueCount:
            let distinct = Double(Set(window.compactMap(\.value)).count)
            return holds(distinct) ? [WindowResult(aggregate: distinct)] : []
        case .valueSum, .valueAverage:
            let numbers = window.compactMap { $0.value.flatMap(CorrelationSet.number) }
            guard !numbers.isEmpty else { return [] }
            let sum = numbers.reduce(0, +)
            let aggregate = correlation.kind == .valueSum ? sum : sum / Double(numbers.count)
            return holds(aggregate) ? [WindowResult(aggregate: aggregate)] : []
        case .valuePercentile:
            var counts: [String: [EventReference]] = [:]
            for sample in window { if let value = sample.value { counts[value, default: []].append(sample.reference) } }
            let total = Double(window.count)
            return counts.keys.sorted().compactMap { value in
                let share = Double(counts[value]!.count) / total * 100
                return holds(share) ? WindowResult(aggregate: share, value: value, events: counts[value]) : nil
            }
        case .temporal:
            let distinct = Double(Set(window.map(\.ruleSlot)).count)
            return holds(distinct) ? [WindowResult(aggregate: distinct)] : []
        case .temporalOrdered:
            // The referenced rules in their order, each after the previous one.
            var next: Int32 = 0
            for sample in window where sample.ruleSlot == next {
                next += 1
                if Int(next) == correlation.rules.count { break }
            }
            let reached = Double(next)
            return Int(next) == correlation.rules.count && holds(reached) ? [WindowResult(aggregate: reached)] : []
        }
    }

    static func number(_ text: String) -> Double? {
        if text.hasPrefix("0x"), let value = UInt64(text.dropFirst(2), radix: 16) { return Double(value) }
        return Double(text)
    }
}
