import Attribution
import IntelStore
import STIX

/// A case's attribution as a STIX 2.1 bundle: a `report` of the case, a `campaign` standing for
/// the intrusion, the `attack-pattern`s, `malware` and `tool`s observed (`uses` from the
/// campaign, the software's with where it was seen), the top
/// `intrusion-set`s with `attributed-to` relationships carrying the confidence, all marked with
/// the case's TLP 2.0 marking (whose definition is included), and those groups' sponsor chains
/// as the store holds them (public attributions to state organs, marked TLP:CLEAR).
///
/// Each indicator that hit becomes a `sighting` of it (count, first and last seen,
/// `where_sighted_refs` the case's `identity`), with the indicator itself when the store has it.
/// ATT&CK objects and indicators are copied from the intel store unchanged (they keep their own
/// markings).
public struct AttributionBundle {
    public var info: CaseInfo
    public var summary: CaseSummary
    public var result: AttributionResult
    /// ATT&CK objects from the store by ATT&CK id (techniques) and STIX id (groups).
    public var attackPatterns: [String: STIXObject]
    public var intrusionSets: [String: STIXObject]
    /// ATT&CK's malware and tools by ATT&CK id.
    public var software: [String: STIXObject]
    /// Indicators that hit, by STIX id, as the store holds them.
    public var indicators: [String: STIXObject]
    /// The sponsor chains of groups (relationships, identities, locations), by group STIX id,
    /// copied for the groups the bundle names.
    public var sponsorObjects: [String: [STIXObject]]
    /// DISARM techniques by DISARM id, for the influence-operation techniques asserted.
    public var influencePatterns: [String: STIXObject]
    /// DISARM actor types by DISARM id (identities of class `class`), for those asserted.
    public var influenceActorTypes: [String: STIXObject]
    /// How many ranked groups get an `attributed-to` relationship (those above 5% posterior, at least one).
    public var top: Int
    public var now: STIXTimestamp

    public init(
        info: CaseInfo, summary: CaseSummary, result: AttributionResult, attackPatterns: [String: STIXObject],
        intrusionSets: [String: STIXObject], software: [String: STIXObject] = [:], indicators: [String: STIXObject] = [:],
        sponsorObjects: [String: [STIXObject]] = [:],
        influencePatterns: [String: STIXObject] = [:], influenceActorTypes: [String: STIXObject] = [:], top: Int = 3, now: STIXTimestamp
    ) {
        self.influencePatterns = influencePatterns
        self.influenceActorTypes = influenceActorTypes
        self.indicators = indicators
        self.sponsorObjects = sponsorObjects
        self.info = info
        self.summary = summary
        self.result = result
        self.attackPatterns = attackPatterns
        self.intrusionSets = intrusionSets
        self.software = software
        self.top = top
        self.now = now
    }

    /// The bundle's objects; throws when a built object is not valid STIX (a bug, reported).
    public func objects() throws(ValidationIssue) -> [STIXObject] {
        let level = info.tlp ?? .amber
        let markingID = TLPMarkings.tlp2ID(level)
        let time = JSONValue.string(now.text)
        func base(_ type: String) -> [(String, JSONValue)] {
            [
                ("type", .string(type)), ("spec_version", .string("2.1")), ("id", .string(STIXIdentifier.random(type: type).rawValue)),
                ("created", time), ("modified", time),
            ]
        }
        let marks: (String, JSONValue) = ("object_marking_refs", .array([.string(markingID)]))
        var objects: [STIXObject] = [try STIXObject(TLPMarkings.definition(level))]

        let campaignMembers = base("campaign") + [
            ("name", .string("Case \(info.name)")),
            ("description", .string("The intrusion investigated in case \(info.name): \(summary.findingCount) findings, \(summary.techniques.count) techniques observed.")),
            marks,
        ]
        let campaign = try STIXObject(JSONObject(campaignMembers.map { (key: $0.0, value: $0.1) }))
        objects.append(campaign)

        var related: [STIXObject] = []
        for technique in summary.techniques {
            guard let pattern = attackPatterns[technique.id] else { continue }
            related.append(pattern)
            let members = base("relationship") + [
                ("relationship_type", .string("uses")), ("source_ref", .string(campaign.id.rawValue)),
                ("target_ref", .string(pattern.id.rawValue)),
                ("description", .string(technique.findings > 0 ? "\(technique.findings) findings, first \(technique.first ?? "-"), last \(technique.last ?? "-")" : "asserted by an analyst")),
                marks,
            ]
            related.append(try STIXObject(JSONObject(members.map { (key: $0.0, value: $0.1) })))
        }
        // Software the evidence shows (rule tags, file names, indicators, assertions), with where.
        for feature in result.evidence.features.sorted() where feature.kind == .software {
            guard let object = software[feature.id] else { continue }
            related.append(object)
            let members = base("relationship") + [
                ("relationship_type", .string("uses")), ("source_ref", .string(campaign.id.rawValue)),
                ("target_ref", .string(object.id.rawValue)),
                ("description", .string("Observed: " + ReportWording.sources(result.evidence.sources(of: feature)))),
                marks,
            ]
            related.append(try STIXObject(JSONObject(members.map { (key: $0.0, value: $0.1) })))
        }
        // Influence-operation techniques (DISARM) the analysts asserted, used by the campaign.
        for id in summary.influence {
            guard let pattern = influencePatterns[id] else { continue }
            related.append(pattern)
            let members = base("relationship") + [
                ("relationship_type", .string("uses")), ("source_ref", .string(campaign.id.rawValue)),
                ("target_ref", .string(pattern.id.rawValue)), ("description", .string("DISARM technique asserted by an analyst")), marks,
            ]
            related.append(try STIXObject(JSONObject(members.map { (key: $0.0, value: $0.1) })))
        }
        // The actor types asserted: named by the report (a class of actor is no relationship's end).
        related.append(contentsOf: summary.influenceActors.compactMap { influenceActorTypes[$0] })
        let chosen = result.ranking.prefix(max(1, top)).enumerated().filter { $0.offset == 0 || $0.element.probability >= 0.05 }.map(\.element)
        for group in chosen {
            guard let intrusionSet = intrusionSets[group.group.id] else { continue }
            related.append(intrusionSet)
            let confidence = ConfidenceWords.statedConfidence(group.probability)
            let words = ConfidenceWords(confidence: confidence)
            let reasons = group.contributions.prefix(5).map { c in
                (c.feature.map { "\($0.id) " } ?? "") + String(format: "%+.2f", c.delta) + " (\(c.reason))"
            }.joined(separator: "; ")
            let members = base("relationship") + [
                ("relationship_type", .string("attributed-to")), ("source_ref", .string(campaign.id.rawValue)),
                ("target_ref", .string(intrusionSet.id.rawValue)), ("confidence", .int(Int64(confidence))),
                ("description", .string("Vigil attribution, \(words.rawValue) confidence (\(confidence)/100). Main evidence: \(reasons)")),
                marks,
            ]
            related.append(try STIXObject(JSONObject(members.map { (key: $0.0, value: $0.1) })))
            related.append(contentsOf: sponsorObjects[group.group.id] ?? [])
        }
        objects.append(contentsOf: related)
        // The markings the copied objects carry (public sponsor chains are TLP:CLEAR).
        for level in TLPLevel.allCases where level != self.info.tlp ?? .amber {
            let id = TLPMarkings.tlp2ID(level)
            if related.contains(where: { $0.texts("object_marking_refs").contains(id) }) { objects.append(try STIXObject(TLPMarkings.definition(level))) }
        }

        objects.append(contentsOf: try sightings(base: base, marks: marks))

        let verdict: String
        switch result.verdict {
        case .group(let group): verdict = "attributed to \(group.name) with \(result.words.rawValue) confidence (\(result.confidence)/100)"
        case .unknown: verdict = "not attributed: no known group is more likely than not (\(result.confidence)/100)"
        }
        var seen = Set<String>()
        let references = objects.filter { $0.type != "marking-definition" }.map(\.id.rawValue).filter { seen.insert($0).inserted }
        let reportMembers = base("report") + [
            ("name", .string("Vigil case \(info.name)")),
            ("description", .string("Case \(info.name): \(summary.findingCount) findings; \(verdict).")),
            ("report_types", .array([.string("campaign"), .string("attack-pattern"), .string("threat-actor")])),
            ("published", time),
            ("object_refs", .array(references.map(JSONValue.string))),
            marks,
        ]
        objects.append(try STIXObject(JSONObject(reportMembers.map { (key: $0.0, value: $0.1) })))
        var unique = Set<String>()
        return objects.filter { unique.insert($0.id.rawValue).inserted }
    }

    /// The case's identity and a sighting of each indicator that hit, with the indicators.
    private func sightings(base: (String) -> [(String, JSONValue)], marks: (String, JSONValue)) throws(ValidationIssue) -> [STIXObject] {
        guard !summary.sightings.isEmpty else { return [] }
        let identityID = STIXIdentifier.deterministic(type: "identity", name: "vigil case \(info.name)").rawValue
        var identity = base("identity")
        identity[2] = ("id", .string(identityID))
        identity += [("name", .string("Vigil case \(info.name)")), ("identity_class", .string("organization")), marks]
        var objects = [try STIXObject(JSONObject(identity.map { (key: $0.0, value: $0.1) }))]
        for sighting in summary.sightings {
            if let indicator = indicators[sighting.indicatorID] { objects.append(indicator) }
            var members = base("sighting") + [
                ("sighting_of_ref", .string(sighting.indicatorID)), ("count", .int(Int64(sighting.count))),
                ("where_sighted_refs", .array([.string(identityID)])),
                ("description", .string("\(sighting.name) from \(sighting.source): \(sighting.observables.joined(separator: ", "))")),
            ]
            let first = sighting.first.flatMap { try? STIXTimestamp($0) }
            let last = sighting.last.flatMap { try? STIXTimestamp($0) }
            if let first { members.append(("first_seen", .string(first.text))) }
            if let last, first.map({ $0 <= last }) ?? true { members.append(("last_seen", .string(last.text))) }
            members.append(marks)
            objects.append(try STIXObject(JSONObject(members.map { (key: $0.0, value: $0.1) })))
        }
        return objects
    }
}
