import Foundation
import STIX

/// What one body of intelligence (an ATT&CK release, or the intel store) says about intrusion
/// sets: who they are, which techniques and software they and their campaigns use, and the
/// citations behind each of those links.
///
/// Built once from STIX objects. Revoked and deprecated objects and relationships are left out;
/// a link to a revoked object follows its `revoked-by` chain to the object that replaced it.
/// Intrusion sets that share a name or alias (ATT&CK's APT31 and a partner's ZIRCONIUM entry
/// listing APT31 as an alias) are one group, kept under the ATT&CK object when there is one.
/// It does not read files or stores: the caller hands it the objects.
public struct AttackKnowledge: Sendable {
    /// An intrusion set.
    public struct Group: Sendable, Hashable {
        /// STIX id.
        public var id: String
        public var attackID: String?
        public var name: String
        public var aliases: [String]
        public var description: String
        /// Whom other intelligence says it targets (the MISP galaxy's suspected victims as ISO
        /// codes, and its target categories), through threat actors it is `attributed-to`.
        public var targetCountries: Set<String> = []
        public var targetSectors: [String] = []
    }

    /// A campaign and the group it is attributed to.
    public struct Campaign: Sendable, Hashable {
        public var id: String
        public var attackID: String?
        public var name: String
        /// The intrusion set it is `attributed-to` (STIX id), if any.
        public var group: String?
        /// Citations of the campaign object and of every relationship touching it.
        public var citations: Set<String>
        /// When it was active (`first_seen`, `last_seen`; seconds since 1970), when known.
        public var firstSeen: Int64? = nil
        public var lastSeen: Int64? = nil
    }

    /// One `uses` relationship from a group or campaign to a technique or software.
    public struct Use: Sendable, Hashable {
        public var relationshipID: String
        /// The group or campaign (STIX id).
        public var user: String
        public var feature: Feature
        /// Its citations: `source_name`s of external references other than ATT&CK's own.
        public var citations: Set<String>
        /// When the link was recorded (`created`, seconds since 1970): reports of the use were
        /// out by then.
        public var recorded: Int64? = nil
        /// Marked above TLP:CLEAR: it counts in the profile, but its citations are not named as
        /// the group's past reports (an explanation could carry them past their marking).
        public var restricted = false
    }

    public private(set) var groups: [String: Group] = [:]
    public private(set) var campaigns: [String: Campaign] = [:]
    public private(set) var uses: [Use] = []
    /// Names of techniques and software by feature, for explanations.
    public private(set) var featureNames: [Feature: String] = [:]
    /// ATT&CK's software by STIX id, and by name and alias (lower case).
    public private(set) var softwareByID: [String: Feature] = [:]
    public private(set) var softwareByName: [String: Feature] = [:]
    /// Every citation in the body, with the ids of the objects citing it.
    public private(set) var citingObjects: [String: [String]] = [:]
    /// Relationship types by id, for the objects that cite (to tell `uses` from others).
    private var relationshipSource: [String: (type: String, source: String)] = [:]
    /// The group each intrusion set id stands for (itself, or the one it shares an alias with).
    private var canonicalGroup: [String: String] = [:]

    /// The knowledge in `objects`; `restricted` holds the ids of those marked above TLP:CLEAR.
    public init(objects: [STIXObject], restricted: Set<String> = []) {
        var revokedBy: [String: String] = [:]
        var byID: [String: STIXObject] = [:]
        for object in objects {
            byID[object.id.rawValue] = object
            if object.type == "relationship", object.relationshipType == "revoked-by",
               let source = object.sourceRef, let target = object.targetRef {
                revokedBy[source] = target
            }
        }
        func resolve(_ id: String) -> STIXObject? {
            var current = id
            var hops = 0
            while let next = revokedBy[current], hops < 16 { current = next; hops += 1 }
            guard let object = byID[current], !object.isRetired else { return nil }
            return object
        }

        var actorTargets: [String: (countries: Set<String>, sectors: [String])] = [:]
        for object in objects where !object.isRetired {
            let id = object.id.rawValue
            if object.type == "threat-actor" {
                let countries = Set(object.texts("x_misp_victims").compactMap(Countries.code(of:)))
                let sectors = object.texts("x_misp_target_categories")
                if !countries.isEmpty || !sectors.isEmpty { actorTargets[id] = (countries, sectors) }
                continue
            }
            for citation in Self.citations(of: object) { citingObjects[citation, default: []].append(id) }
            switch object.type {
            case "intrusion-set":
                groups[id] = Group(
                    id: id, attackID: object.attackID, name: object.name ?? id, aliases: object.aliases,
                    description: object.objectDescription ?? "")
            case "campaign":
                campaigns[id] = Campaign(
                    id: id, attackID: object.attackID, name: object.name ?? id, group: nil,
                    citations: Self.citations(of: object), firstSeen: object.timestamp("first_seen")?.secondsSinceEpoch,
                    lastSeen: object.timestamp("last_seen")?.secondsSinceEpoch)
            case "attack-pattern":
                if let attackID = object.attackID { featureNames[.technique(attackID)] = object.name ?? attackID }
            case "malware", "tool":
                if let attackID = object.attackID {
                    featureNames[.software(attackID)] = object.name ?? attackID
                    softwareByID[id] = .software(attackID)
                    for name in [object.name].compactMap({ $0 }) + object.aliases { softwareByName[name.lowercased()] = .software(attackID) }
                }
            default:
                break
            }
        }
        mergeAliases()
        for object in objects where object.type == "relationship" && !object.isRetired {
            guard let type = object.relationshipType, let source = object.sourceRef, let target = object.targetRef else { continue }
            let id = object.id.rawValue
            relationshipSource[id] = (type, source)
            let cited = Self.citations(of: object)
            switch type {
            case "uses":
                let user = canonicalGroup[source] ?? source
                guard groups[user] != nil || campaigns[user] != nil, let used = resolve(target),
                      let attackID = used.attackID else { continue }
                let feature: Feature
                switch used.type {
                case "attack-pattern": feature = .technique(attackID)
                case "malware", "tool": feature = .software(attackID)
                default: continue
                }
                uses.append(Use(
                    relationshipID: id, user: user, feature: feature, citations: cited, recorded: object.created?.secondsSinceEpoch,
                    restricted: restricted.contains(id)))
                if campaigns[source] != nil { campaigns[source]?.citations.formUnion(cited) }
            case "attributed-to":
                if let targets = actorTargets[target], let group = self.group(for: source) {
                    groups[group]?.targetCountries.formUnion(targets.countries)
                    for sector in targets.sectors where groups[group]?.targetSectors.contains(sector) == false { groups[group]?.targetSectors.append(sector) }
                }
                guard campaigns[source] != nil else { continue }
                campaigns[source]?.citations.formUnion(cited)
                if let group = resolve(target), group.type == "intrusion-set" {
                    let canonical = self.group(for: group.id.rawValue)
                    campaigns[source]?.group = canonical
                }
            default:
                if campaigns[source] != nil { campaigns[source]?.citations.formUnion(cited) }
                if campaigns[target] != nil { campaigns[target]?.citations.formUnion(cited) }
            }
        }
        uses.sort { ($0.user, $0.feature, $0.relationshipID) < ($1.user, $1.feature, $1.relationshipID) }
    }

    /// Folds intrusion sets that share a name or alias into one, ATT&CK's first.
    private mutating func mergeAliases() {
        let ordered = groups.values.sorted { ($0.attackID == nil ? 1 : 0, $0.id) < ($1.attackID == nil ? 1 : 0, $1.id) }
        var byLabel: [String: String] = [:]
        for group in ordered {
            let labels = ([group.name] + group.aliases).map { $0.lowercased() }
            let target = labels.lazy.compactMap { byLabel[$0] }.first ?? group.id
            canonicalGroup[group.id] = target
            for label in labels where byLabel[label] == nil { byLabel[label] = target }
            guard target != group.id else { continue }
            var kept = groups[target]
            for alias in [group.name] + group.aliases where !(kept.map { [$0.name] + $0.aliases } ?? []).contains(where: { $0.caseInsensitiveCompare(alias) == .orderedSame }) {
                kept?.aliases.append(alias)
            }
            groups[target] = kept
            groups[group.id] = nil
        }
    }

    /// The group (STIX id) an intrusion set id stands for, after alias merging; nil if unknown.
    public func group(for id: String) -> String? {
        let canonical = canonicalGroup[id] ?? id
        return groups[canonical] != nil ? canonical : nil
    }

    /// The sources an object cites: `source_name`s of its external references, except ATT&CK's
    /// own ids.
    static func citations(of object: STIXObject) -> Set<String> {
        Set(object.externalReferences.map(\.sourceName).filter { !ATTACK.sourceNames.contains($0) })
    }

    /// The features a campaign uses, as observed evidence, dated by its first sighting.
    public func evidence(ofCampaign id: String) -> CaseEvidence {
        var evidence = CaseEvidence()
        evidence.observedAt = campaigns[id]?.firstSeen
        for use in uses where use.user == id { evidence.observe(use.feature, source: "campaign uses") }
        return evidence
    }

    /// Whether every relationship citing `citation` is a `uses` relationship of `group` itself
    /// (the group object may cite it too, as ATT&CK's group pages cite their sources; any other
    /// object citing it makes it more than one group's report).
    func isCitedOnlyByUses(_ citation: String, of group: String) -> Bool {
        guard let citing = citingObjects[citation], !citing.isEmpty else { return false }
        return citing.allSatisfy { id in
            if (canonicalGroup[id] ?? id) == group { return true }
            guard let relationship = relationshipSource[id] else { return false }
            return relationship.type == "uses" && (canonicalGroup[relationship.source] ?? relationship.source) == group
        }
    }

    /// The name of a feature, when known.
    public func name(of feature: Feature) -> String? { featureNames[feature] }
}
