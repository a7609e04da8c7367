/// A named body of knowledge in a sequence of releases (`enterprise-attack-14.1`).
public struct KnowledgeRelease: Sendable {
    public var name: String
    public var knowledge: AttackKnowledge

    public init(name: String, knowledge: AttackKnowledge) {
        self.name = name
        self.knowledge = knowledge
    }
}

/// The three ways attribution is evaluated.
public enum EvaluationProtocol: String, Sendable, CaseIterable, Comparable {
    /// Campaigns of the newest release scored against the release before their first appearance.
    case campaigns
    /// Reports first cited in a release by one group's `uses` only, against the release before.
    case reports
    /// Each campaign of the newest release against that release with the campaign left out.
    case loco

    public static func < (lhs: Self, rhs: Self) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// One test case: evidence with a known answer, and the profiles it must be scored against
/// (already without what would leak the answer).
public struct EvaluationCase: Sendable {
    public var evaluationProtocol: EvaluationProtocol
    /// The campaign's name or the report's citation.
    public var name: String
    /// The group the case belongs to, as the newest knowledge says.
    public var truth: AttackKnowledge.Group
    public var evidence: CaseEvidence
    public var profiles: GroupProfiles
    /// Release whose profiles are used.
    public var profileRelease: String
    /// Whether the true group has a profile to be found (else the right answer is "unknown").
    public var isClosedSet: Bool { profiles.profile(of: truth.id) != nil }
}

/// Builds the evaluation cases from releases in order, oldest first.
///
/// Leakage control: every relationship whose citations all belong to the test case's own
/// citations is dropped from the profiles, and so is the campaign itself. Cases with fewer than
/// `minimumTechniques` techniques (parents included) are left out: they carry too little to rank.
public struct EvaluationCases: Sendable {
    public var minimumTechniques: Int = 5

    public init(minimumTechniques: Int = 5) { self.minimumTechniques = minimumTechniques }

    /// Rolling protocol over campaigns.
    public func campaigns(_ releases: [KnowledgeRelease]) -> [EvaluationCase] {
        guard let newest = releases.last else { return [] }
        var cases: [EvaluationCase] = []
        for campaign in newest.knowledge.campaigns.values.sorted(by: { $0.name < $1.name }) {
            guard let groupID = campaign.group, let truth = newest.knowledge.groups[groupID],
                  let first = releases.firstIndex(where: { $0.knowledge.campaigns[campaign.id] != nil }), first > 0 else { continue }
            let evidence = newest.knowledge.evidence(ofCampaign: campaign.id)
            guard evidence.techniqueCount >= minimumTechniques else { continue }
            let profileRelease = releases[first - 1]
            let profiles = GroupProfiles(
                knowledge: profileRelease.knowledge,
                excluding: ProfileExclusion(citations: campaign.citations, campaign: campaign.id))
            cases.append(EvaluationCase(
                evaluationProtocol: .campaigns, name: campaign.name, truth: truth, evidence: evidence, profiles: profiles,
                profileRelease: profileRelease.name))
        }
        return cases
    }

    /// Rolling protocol over report cases: a citation that first appears in a release and is
    /// cited only by one group's `uses` relationships, at least `minimumTechniques` of them to
    /// techniques, is a pseudo-incident of that group.
    public func reports(_ releases: [KnowledgeRelease]) -> [EvaluationCase] {
        releases.indices.dropFirst().flatMap { reports(introducedIn: $0, of: releases) }
    }

    /// The report cases whose citation first appears in release `index`, against the release
    /// before.
    func reports(introducedIn index: Int, of releases: [KnowledgeRelease]) -> [EvaluationCase] {
        guard index > 0, index < releases.count else { return [] }
        var seen = Set<String>()
        for earlier in releases[..<index] { seen.formUnion(earlier.knowledge.citingObjects.keys) }
        let release = releases[index]
        var usesByCitation: [String: [AttackKnowledge.Use]] = [:]
        for use in release.knowledge.uses {
            for citation in use.citations where !seen.contains(citation) { usesByCitation[citation, default: []].append(use) }
        }
        var cases: [EvaluationCase] = []
        for citation in usesByCitation.keys.sorted() {
            guard let uses = usesByCitation[citation], let groupID = uses.first?.user,
                  let truth = release.knowledge.groups[groupID],
                  release.knowledge.isCitedOnlyByUses(citation, of: groupID),
                  uses.filter({ $0.feature.kind == .technique }).count >= minimumTechniques else { continue }
            var evidence = CaseEvidence()
            for use in uses { evidence.observe(use.feature, source: citation) }
            // Dated by when ATT&CK recorded the report's uses (the report was out by then).
            evidence.observedAt = uses.compactMap(\.recorded).max()
            let previous = releases[index - 1]
            let profiles = GroupProfiles(knowledge: previous.knowledge, excluding: ProfileExclusion(citations: [citation]))
            cases.append(EvaluationCase(
                evaluationProtocol: .reports, name: citation, truth: truth, evidence: evidence, profiles: profiles,
                profileRelease: previous.name))
        }
        return cases
    }

    /// Every case release `index` introduces, for nested evaluation: its new campaigns against
    /// the release before and left out of itself, and its new report cases. Knowledge of later
    /// releases is not read.
    public func introduced(in index: Int, of releases: [KnowledgeRelease]) -> [EvaluationCase] {
        guard index > 0, index < releases.count else { return [] }
        let known = releases[..<(index + 1)]
        let previous = releases[index - 1].knowledge
        let newCampaigns = Set(releases[index].knowledge.campaigns.values.filter { previous.campaigns[$0.id] == nil }.map(\.name))
        let campaigns = self.campaigns(Array(known)).filter { newCampaigns.contains($0.name) }
        let loco = leaveOneCampaignOut(releases[index]).filter { newCampaigns.contains($0.name) }
        return campaigns + reports(introducedIn: index, of: releases) + loco
    }

    /// Leave-one-campaign-out inside one release.
    public func leaveOneCampaignOut(_ release: KnowledgeRelease) -> [EvaluationCase] {
        var cases: [EvaluationCase] = []
        for campaign in release.knowledge.campaigns.values.sorted(by: { $0.name < $1.name }) {
            guard let groupID = campaign.group, let truth = release.knowledge.groups[groupID] else { continue }
            let evidence = release.knowledge.evidence(ofCampaign: campaign.id)
            guard evidence.techniqueCount >= minimumTechniques else { continue }
            let profiles = GroupProfiles(
                knowledge: release.knowledge, excluding: ProfileExclusion(citations: campaign.citations, campaign: campaign.id))
            cases.append(EvaluationCase(
                evaluationProtocol: .loco, name: campaign.name, truth: truth, evidence: evidence, profiles: profiles,
                profileRelease: release.name))
        }
        return cases
    }
}
