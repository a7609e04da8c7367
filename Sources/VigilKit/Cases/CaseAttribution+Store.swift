import Attribution
import IntelStore
import Reports
import STIX

extension CaseAttribution {
    /// Types attribution reads from the store (retired ones too, to follow `revoked-by`).
    static let knowledgeTypes = ["intrusion-set", "campaign", "attack-pattern", "malware", "tool", "relationship", "threat-actor"]

    /// Attributes a case against the store's ATT&CK knowledge. The `victim`'s countries and
    /// sectors favour groups the MISP galaxy or their description says target them.
    public static func attribute(case name: String, store: any VigilStore, victim: Victim = .none) async throws(VigilError) -> CaseAttribution {
        try await attributeReading(case: name, store: store, victim: victim).attribution
    }

    /// The attribution and the findings it read, with the fields of indicator hits only (a
    /// report lays them out too). Without `requireKnowledge`, a store without ATT&CK groups
    /// gives an empty ranking instead of an error (a case page still shows the case).
    static func attributeReading(case name: String, store: any VigilStore, victim: Victim, requireKnowledge: Bool = true) async throws(VigilError) -> (
        attribution: CaseAttribution, findings: [CaseFinding]
    ) {
        try await VigilError.wrapping {
            guard let info = try await store.caseInfo(named: name) else { throw IntelStoreError.noSuchCase(name) }
            // The case is read while the knowledge is read and built (a report of a large case
            // waits on both).
            async let caseFindings = store.findings(ofCase: name, fields: .indicatorHits)
            async let caseNotes = store.notes(ofCase: name)
            async let caseFieldValues = store.fieldValues(ofCase: name, keys: SoftwareRecognizer.fields)
            let stored = try await store.objects(types: knowledgeTypes, includeRetired: true)
            let restricted = Set(stored.filter { ($0.tlp ?? .clear) > .clear }.map(\.object.id.rawValue))
            let knowledge = AttackKnowledge(objects: stored.map(\.object), restricted: restricted)
            guard !knowledge.groups.isEmpty || !requireKnowledge else { throw VigilError.noKnowledge(store: String(describing: store)) }
            let profiles = GroupProfiles(knowledge: knowledge)
            let (findings, notes, fieldValues) = try await (caseFindings, caseNotes, caseFieldValues)
            // Malware and tools indicators point at: ATT&CK's own by id, a partner's by name.
            let indicated = Set(CaseSummary.sightings(findings).flatMap(\.indicates).filter { $0.hasPrefix("malware--") || $0.hasPrefix("tool--") })
            var software = knowledge.softwareByID
            for object in try await store.latest(ids: indicated.filter { software[$0] == nil }.sorted()).map(\.object) {
                let names = [object.name].compactMap { $0 } + object.aliases
                if let feature = names.lazy.compactMap({ knowledge.softwareByName[$0.lowercased()] }).first { software[object.id.rawValue] = feature }
            }
            var evidence = CaseSummary.evidence(
                findings: findings, notes: notes, victim: victim, software: { software[$0] },
                campaign: { id in
                    knowledge.campaigns[id].flatMap { campaign in
                        campaign.group.map { (campaign.attackID.map { "\(campaign.name) (\($0))" } ?? campaign.name, $0) }
                    }
                },
                fieldValues: fieldValues, recognizer: SoftwareRecognizer(knowledge: knowledge))
            // A partner's intrusion set that shares a name or alias with ATT&CK's is that group.
            evidence.indicatedGroups = Dictionary(
                evidence.indicatedGroups.map { (knowledge.group(for: $0.key) ?? $0.key, $0.value) }, uniquingKeysWith: +)
            let result = AttributionModel().attribute(evidence, profiles: profiles, names: knowledge.featureNames)
            var attackPatterns: [String: STIXObject] = [:]
            var softwareObjects: [String: STIXObject] = [:]
            var intrusionSets: [String: STIXObject] = [:]
            var influencePatterns: [String: STIXObject] = [:]
            for object in stored.lazy.map(\.object) where !object.isRetired {
                if object.type == "attack-pattern", let id = object.attackID { attackPatterns[id] = object }
                if object.type == "malware" || object.type == "tool", let id = object.attackID { softwareObjects[id] = object }
                if object.type == "attack-pattern", let id = object.disarmID { influencePatterns[id] = object }
                if object.type == "intrusion-set" { intrusionSets[object.id.rawValue] = object }
            }
            let summary = CaseSummary(findings: findings, notes: notes)
            let indicators = try await store.latest(ids: summary.sightings.map(\.indicatorID)).map(\.object)
            var actorTypes: [String: STIXObject] = [:]
            for id in summary.influenceActors {
                let found = try await store.objects(externalID: id).map(\.object).first { $0.type == "identity" && $0.disarmID == id }
                if let found { actorTypes[id] = found }
            }
            let sponsors = try await StateSponsors.objects(of: result.ranking.prefix(3).map(\.group.id), store: store)
            let attribution = CaseAttribution(
                info: info, summary: summary, result: result, knowledge: knowledge, attackPatterns: attackPatterns,
                intrusionSets: intrusionSets, software: softwareObjects, indicators: Dictionary(indicators.map { ($0.id.rawValue, $0) }, uniquingKeysWith: { first, _ in first }),
                sponsorObjects: sponsors, influencePatterns: influencePatterns, influenceActorTypes: actorTypes)
            return (attribution, findings)
        }
    }
}
