/// What must be left out of the profiles when a case is scored, so that it is not scored
/// against its own description (leakage control in evaluation; empty for real cases).
public struct ProfileExclusion: Sendable, Hashable {
    /// A relationship whose citations are all in this set is dropped.
    public var citations: Set<String>
    /// A campaign (STIX id) whose links are dropped entirely.
    public var campaign: String?

    public init(citations: Set<String> = [], campaign: String? = nil) {
        self.citations = citations
        self.campaign = campaign
    }

    public static let none = ProfileExclusion()

    func drops(_ use: AttackKnowledge.Use) -> Bool {
        if let campaign, use.user == campaign { return true }
        return !use.citations.isEmpty && use.citations.isSubset(of: citations)
    }
}

/// The profile of every intrusion set: the features it uses, directly or through the campaigns
/// attributed to it, and how many groups use each feature (for rarity).
///
/// Groups with an empty profile are left out: nothing could point at them.
public struct GroupProfiles: Sendable {
    /// One group's profile.
    public struct Profile: Sendable {
        public var group: AttackKnowledge.Group
        /// Features with where each comes from: "uses" or "campaign <name>".
        public var features: [Feature: [String]]
        public var featureSet: Set<Feature>
        /// The features as the relationships name them, without added parents.
        public var listed: Set<Feature>
        /// The latest sign of the group's activity (seconds since 1970): its campaigns' last
        /// sightings and when its uses were recorded; nil when nothing is dated.
        public var lastActive: Int64? = nil
        /// What each source reported of the group, with parents: by citation (of uses not
        /// restricted by their marking), and by campaign ("campaign <name>"). A case often
        /// resembles one past report more than the union.
        public var reports: [String: Set<Feature>] = [:]
    }

    public private(set) var profiles: [Profile]
    /// How many profiles contain each feature.
    public private(set) var groupCount: [Feature: Int]
    private var indexByGroup: [String: Int]

    public init(knowledge: AttackKnowledge, excluding exclusion: ProfileExclusion = .none) {
        var features: [String: [Feature: [String]]] = [:]
        var listed: [String: Set<Feature>] = [:]
        var lastActive: [String: Int64] = [:]
        var reports: [String: [String: Set<Feature>]] = [:]
        func seen(_ group: String, _ time: Int64?) {
            if let time { lastActive[group] = max(lastActive[group] ?? time, time) }
        }
        for use in knowledge.uses where !exclusion.drops(use) {
            let group: String
            let origin: String
            if let campaign = knowledge.campaigns[use.user] {
                guard let attributed = campaign.group else { continue }
                group = attributed
                origin = "campaign \(campaign.name)"
                seen(group, campaign.lastSeen)
            } else {
                group = use.user
                origin = "uses"
            }
            guard knowledge.groups[group] != nil else { continue }
            seen(group, use.recorded)
            listed[group, default: []].insert(use.feature)
            let rolledUp = use.feature.rolledUp
            var reporters = use.restricted ? [] : use.citations.subtracting(exclusion.citations)
            if origin != "uses" { reporters.insert(origin) }
            for reporter in reporters { reports[group, default: [:]][reporter, default: []].formUnion(rolledUp) }
            for feature in rolledUp {
                let direct = feature == use.feature ? origin : "\(origin) (\(use.feature.id))"
                features[group, default: [:]][feature, default: []].append(direct)
            }
        }
        profiles = features.keys.sorted().compactMap { id in
            guard let group = knowledge.groups[id], let used = features[id], !used.isEmpty else { return nil }
            return Profile(group: group, features: used, featureSet: Set(used.keys), listed: listed[id] ?? [], lastActive: lastActive[id],
                reports: reports[id] ?? [:])
        }
        var count: [Feature: Int] = [:]
        for profile in profiles { for feature in profile.featureSet { count[feature, default: 0] += 1 } }
        groupCount = count
        indexByGroup = Dictionary(uniqueKeysWithValues: profiles.enumerated().map { ($1.group.id, $0) })
    }

    /// The profile of a group (STIX id), if it has one.
    public func profile(of group: String) -> Profile? { indexByGroup[group].map { profiles[$0] } }

    public var count: Int { profiles.count }
}
