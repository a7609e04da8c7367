import Foundation
import STIX

/// Vigil's attribution model: how strongly each intrusion set's profile explains a case's
/// evidence, as a log likelihood ratio against "some group we know nothing about".
///
/// Each observed feature is drawn either from the group's profile (with probability `coverage`)
/// or from the background, where the chance of a feature is the share of groups that use it.
/// A feature in the profile therefore raises the score by log((coverage + (1 − coverage)·q) / q):
/// much for a rare technique, little for one every group uses. A feature outside the profile
/// lowers it by the same amount for every group, log(1 − coverage), so a thin profile loses
/// only what it cannot explain. Profile features the case does not show lower the score a
/// little, in proportion to how much of the profile the case could have shown (a case of 40
/// techniques is not expected to show all 300 of a large profile), so a huge profile is not
/// rewarded for its size. Software counts `softwareWeight` times a technique; an indicator hit
/// that names an intrusion set is strong direct evidence. Every parameter but the indicator and
/// victim ratios is `vigil attribution fit` on the development releases 10.1–15.1 (62 cases);
/// a case long after a group's last known activity counts against it (`dormancyWeight`);
/// `vigil attribution evaluate` measures the model only with parameters fitted on releases
/// older than the cases it scores.
public struct AttributionModel: Sendable, Hashable {
    /// Chance that an observed feature comes from the group's known profile.
    public var coverage: Double = 0.5
    /// Weight of a software feature relative to a technique.
    public var softwareWeight: Double = 5
    /// Pseudo-count smoothing the share of groups using a feature.
    public var smoothing: Double = 0.25
    /// Weight of the profile features the case does not show.
    public var absenceWeight: Double = 0.5
    /// Log likelihood ratio lost per year by which the case follows the group's last known
    /// activity, beyond a year's grace: a group silent for a decade is less likely behind
    /// today's intrusion.
    public var dormancyWeight: Double = 1
    /// Likelihood ratio of an indicator hit that `indicates` the group.
    public var indicatorRatio: Double = 100
    /// Likelihood ratio of a victim country or sector that what is known of the group names.
    public var victimRatio: Double = 2
    /// Scale from log likelihood ratio to posterior at 30 features (features are not
    /// independent, so the raw ratio is overconfident).
    public var temperature: Double = 0.1
    /// How the scale shrinks as the evidence grows: × (features / 30)^−sizeExponent, because
    /// correlated features add less than their sum.
    public var sizeExponent: Double = 0.75
    /// Prior probability that the intruder is none of the known groups.
    public var unknownPrior: Double = 0.1

    /// The temperature for evidence of `featureCount` features.
    public func temperature(featureCount: Int) -> Double {
        temperature * pow(Double(max(featureCount, 1)) / 30, -sizeExponent)
    }

    public init() {}

    /// Ranks every profile against the evidence, best first.
    /// Without `explain` the contributions are left empty (evaluation needs only the scores).
    public func attribute(
        _ evidence: CaseEvidence, profiles: GroupProfiles, names: [Feature: String] = [:], explain: Bool = true
    ) -> AttributionResult {
        let features = evidence.features
        // Sorted once and their sources gathered once: every group's explanation lists them.
        let ordered = features.sorted()
        let sources = explain ? Dictionary(uniqueKeysWithValues: ordered.map { ($0, evidence.sources(of: $0)) }) : [:]
        var ranked: [RankedGroup] = []
        ranked.reserveCapacity(profiles.count)
        for profile in profiles.profiles {
            ranked.append(score(
                profile, features: features, ordered: ordered, evidence: evidence, sources: sources, profiles: profiles, names: names, explain: explain))
        }
        ranked.sort { ($0.score, $1.group.name) > ($1.score, $0.group.name) }
        return AttributionResult(ranking: ranked, model: self, evidence: evidence, featureCount: features.count)
    }

    /// The scores alone, in profile order (for evaluation).
    public func scores(_ features: Set<Feature>, profiles: GroupProfiles, observedAt: Int64? = nil) -> [Double] {
        var evidence = CaseEvidence(observed: Dictionary(uniqueKeysWithValues: features.map { ($0, []) }))
        evidence.observedAt = observedAt
        let ordered = features.sorted()
        return profiles.profiles.map {
            score($0, features: features, ordered: ordered, evidence: evidence, sources: [:], profiles: profiles, names: [:], explain: false).score
        }
    }

    /// The share of groups using a feature, smoothed.
    func backgroundChance(_ feature: Feature, profiles: GroupProfiles) -> Double {
        (Double(profiles.groupCount[feature] ?? 0) + smoothing) / (Double(profiles.count) + 2 * smoothing)
    }

    func score(
        _ profile: GroupProfiles.Profile, features: Set<Feature>, ordered: [Feature], evidence: CaseEvidence, sources: [Feature: [String]],
        profiles: GroupProfiles, names: [Feature: String], explain: Bool
    ) -> RankedGroup {
        var total = 0.0
        var contributions: [Contribution] = []
        for feature in ordered {
            let chance = backgroundChance(feature, profiles: profiles)
            let weight = feature.kind == .software ? softwareWeight : 1
            let used = profile.featureSet.contains(feature)
            let delta = weight * (used ? log((coverage + (1 - coverage) * chance) / chance) : log(1 - coverage))
            total += delta
            if explain {
                let share = "\(profiles.groupCount[feature] ?? 0) of \(profiles.count) groups use it"
                let reason = used
                    ? "in the profile (\((profile.features[feature] ?? []).prefix(3).joined(separator: "; "))); \(share)"
                    : "not in the profile; \(share)"
                contributions.append(Contribution(
                    kind: used ? .matched : .unexplained, feature: feature, name: names[feature], delta: delta,
                    reason: reason, sources: sources[feature] ?? []))
            }
        }
        let absence = absencePenalty(profile, features: features, profiles: profiles)
        total += absence.delta
        if explain && absence.count > 0 {
            contributions.append(Contribution(
                kind: .notObserved, feature: nil, name: nil, delta: absence.delta,
                reason: "\(absence.count) of the profile's \(profile.featureSet.count) features were not observed", sources: []))
        }
        if let sources = evidence.indicatedGroups[profile.group.id], !sources.isEmpty {
            let delta = log(indicatorRatio)
            total += delta
            if explain {
                contributions.append(Contribution(
                    kind: .indicator, feature: nil, name: nil, delta: delta,
                    reason: "indicators that indicate this group hit", sources: sources))
            }
        }
        if let dormancy = dormancy(profile, observedAt: evidence.observedAt) {
            total += dormancy.delta
            if explain {
                contributions.append(Contribution(kind: .time, feature: nil, name: nil, delta: dormancy.delta, reason: dormancy.reason, sources: []))
            }
        }
        for (name, reason) in victimMatches(evidence.victim, group: profile.group) {
            let delta = log(victimRatio)
            total += delta
            if explain {
                contributions.append(Contribution(kind: .victim, feature: nil, name: name, delta: delta, reason: reason, sources: []))
            }
        }
        // Largest effect first; ties in a fixed order so that explanations are reproducible.
        contributions.sort {
            abs($0.delta) != abs($1.delta) ? abs($0.delta) > abs($1.delta)
                : ($0.feature?.id ?? $0.kind.rawValue, $0.name ?? "") < ($1.feature?.id ?? $1.kind.rawValue, $1.name ?? "")
        }
        return RankedGroup(group: profile.group, score: total, probability: 0, contributions: contributions)
    }

    /// What the time between the group's last known activity and the case costs; nil when
    /// either is unknown or the gap is within the year's grace.
    func dormancy(_ profile: GroupProfiles.Profile, observedAt: Int64?) -> (delta: Double, reason: String)? {
        guard dormancyWeight > 0, let observedAt, let lastActive = profile.lastActive else { return nil }
        let years = Double(observedAt - lastActive) / (365.25 * 86_400)
        guard years > 1 else { return nil }
        let last = STIXTimestamp(secondsSinceEpoch: lastActive).text.prefix(7)
        return (-dormancyWeight * (years - 1), String(format: "last known activity %@ (campaigns seen, uses recorded), %.1f years before the case", String(last), years))
    }

    /// The victim's countries and sectors that what is known of the group names: the MISP
    /// galaxy's suspected victims and target categories first, else its description, word for
    /// word (a country's names, a sector's family of words). One match per country or sector.
    func victimMatches(_ victim: Victim, group: AttackKnowledge.Group) -> [(name: String, reason: String)] {
        var matches: [(String, String)] = []
        for code in victim.countries {
            let names = Countries.names(of: code)
            let name = names.first ?? code
            if group.targetCountries.contains(code) {
                matches.append((name, "the MISP galaxy lists \(name) among the group's suspected victims"))
            } else if let named = names.first(where: group.description.mentions) {
                matches.append((name, "the group's description names \(named)"))
            }
        }
        for sector in victim.sectors {
            let words = Sectors.words(of: sector)
            if let category = group.targetSectors.first(where: { words.contains($0.lowercased()) }) {
                matches.append((sector, "the MISP galaxy lists \(category) among the group's targets"))
            } else if let word = words.first(where: group.description.mentions) {
                matches.append((sector, "the group's description names \"\(word)\""))
            }
        }
        return matches
    }

    /// What the profile features absent from the case cost: each is expected to show with a
    /// chance that grows with how much of the profile the case's size could cover.
    func absencePenalty(_ profile: GroupProfiles.Profile, features: Set<Feature>, profiles: GroupProfiles) -> (delta: Double, count: Int) {
        guard absenceWeight > 0, !profile.featureSet.isEmpty else { return (0, 0) }
        let reach = min(0.95, Double(features.count) / Double(profile.featureSet.count))
        var delta = 0.0
        var count = 0
        for feature in profile.featureSet where !features.contains(feature) {
            let chance = backgroundChance(feature, profiles: profiles)
            delta += absenceWeight * log((1 - reach * coverage) / (1 - reach * chance))
            count += 1
        }
        return (delta, count)
    }
}
