import Attribution
import IntelStore
import Reports
import STIX

extension CaseAttribution {
    /// Types attribution reads from the store (retired ones too, to follow `revoked-by`).
    static let knowledgeTypes = ["intrusion-set", "campaign", "attack-pattern", "malware", "tool", "relationship"]

    /// Attributes a case against the store's ATT&CK knowledge. `victim` words (sector,
    /// country) favour groups whose description names them.
    public static func attribute(case name: String, store: any VigilStore, victim: [String] = []) async throws(VigilError) -> CaseAttribution {
        try await VigilError.wrapping {
            guard let info = try await store.caseInfo(named: name) else { throw IntelStoreError.noSuchCase(name) }
            let findings = try await store.findings(ofCase: name)
            let notes = try await store.notes(ofCase: name)
            let objects = try await store.objects(types: knowledgeTypes, includeRetired: true).map(\.object)
            let knowledge = AttackKnowledge(objects: objects)
            guard !knowledge.groups.isEmpty else { throw VigilError.noKnowledge(store: String(describing: store)) }
            let evidence = CaseSummary.evidence(findings: findings, notes: notes, victim: victim)
            let result = AttributionModel().attribute(evidence, profiles: GroupProfiles(knowledge: knowledge), names: knowledge.featureNames)
            var attackPatterns: [String: STIXObject] = [:]
            var intrusionSets: [String: STIXObject] = [:]
            for object in objects where !object.isRetired {
                if object.type == "attack-pattern", let id = object.attackID { attackPatterns[id] = object }
                if object.type == "intrusion-set" { intrusionSets[object.id.rawValue] = object }
            }
            let summary = CaseSummary(findings: findings, notes: notes)
            let indicators = try await store.latest(ids: summary.sightings.map(\.indicatorID)).map(\.object)
            return CaseAttribution(
                info: info, summary: summary, result: result, knowledge: knowledge, attackPatterns: attackPatterns,
                intrusionSets: intrusionSets, indicators: Dictionary(indicators.map { ($0.id.rawValue, $0) }, uniquingKeysWith: { first, _ in first }))
        }
    }
}
