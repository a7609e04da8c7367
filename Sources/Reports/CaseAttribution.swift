import Attribution
import Foundation
import IntelStore
import STIX

/// A case attributed against ATT&CK knowledge, ready to be read: the case, its summary, the
/// ranking with its explanations, and the objects the STIX report names.
///
/// It holds values only; `VigilKit` builds it from a store.
public struct CaseAttribution: Sendable {
    public var info: CaseInfo
    public var summary: CaseSummary
    public var result: AttributionResult
    public var knowledge: AttackKnowledge
    /// Techniques by ATT&CK id, and intrusion sets by STIX id (active ones).
    public var attackPatterns: [String: STIXObject]
    public var intrusionSets: [String: STIXObject]
    /// ATT&CK's malware and tools by ATT&CK id (active ones).
    public var software: [String: STIXObject]
    /// The indicators the case's sightings name, by STIX id.
    public var indicators: [String: STIXObject]
    /// The objects of the top groups' sponsor chains (relationships, identities, locations,
    /// threat actors), by group STIX id.
    public var sponsorObjects: [String: [STIXObject]]
    /// DISARM techniques and actor types by DISARM id (those the store holds).
    public var influencePatterns: [String: STIXObject]
    public var influenceActorTypes: [String: STIXObject]

    public init(
        info: CaseInfo, summary: CaseSummary, result: AttributionResult, knowledge: AttackKnowledge,
        attackPatterns: [String: STIXObject], intrusionSets: [String: STIXObject], software: [String: STIXObject] = [:],
        indicators: [String: STIXObject] = [:], sponsorObjects: [String: [STIXObject]] = [:], influencePatterns: [String: STIXObject] = [:],
        influenceActorTypes: [String: STIXObject] = [:]
    ) {
        self.software = software
        self.influencePatterns = influencePatterns
        self.influenceActorTypes = influenceActorTypes
        self.indicators = indicators
        self.sponsorObjects = sponsorObjects
        self.info = info
        self.summary = summary
        self.result = result
        self.knowledge = knowledge
        self.attackPatterns = attackPatterns
        self.intrusionSets = intrusionSets
    }

    /// The sponsor links of a group (STIX id), governments' first; empty when unknown.
    public func sponsorLinks(of group: String) -> [SponsorLink] {
        guard let objects = sponsorObjects[group] else { return [] }
        return SponsorChains(objects: objects).links(of: [group])
    }

    /// The text, JSON ranking or STIX 2.1 bundle of the attribution.
    public func render(_ format: AttributionFormat, top: Int, explain: Bool, now: Date = Date()) throws -> String {
        switch format {
        case .text: return AttributionText.render(self, top: top, explain: explain)
        case .json: return JSONWriter(pretty: true).string(AttributionText.json(self, top: top)) + "\n"
        case .stix: return String(decoding: try stixBundle(top: min(top, 3), now: now), as: UTF8.self)
        }
    }

    /// The STIX 2.1 report of the case with the top groups.
    public func stixBundle(top: Int, now: Date = Date()) throws -> [UInt8] {
        let timestamp = STIXTimestamp(secondsSinceEpoch: Int64(now.timeIntervalSince1970))
        let bundle = AttributionBundle(
            info: info, summary: summary, result: result, attackPatterns: attackPatterns, intrusionSets: intrusionSets, software: software,
            indicators: indicators,
            sponsorObjects: sponsorObjects, influencePatterns: influencePatterns, influenceActorTypes: influenceActorTypes, top: top, now: timestamp)
        return STIXBundleWriter(pretty: true).bundle(try bundle.objects())
    }
}

/// The forms an attribution is written in.
public enum AttributionFormat: String, Sendable, CaseIterable {
    case text, json, stix
}
