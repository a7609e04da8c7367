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
/// rewarded for its size.
///
/// The techniques of one case come from one intruder and one report, so they are not
/// independent witnesses: each kind of evidence counts as one, with the mean of its features'
/// log ratios (techniques, and the profile features not observed, over the number of
/// techniques; software over the number of software). Without this a case of 60 techniques
/// drowned its five malware families, and the weight software needed changed from case to
/// case. Software counts `softwareWeight` times the techniques; an indicator hit that names an
/// intrusion set and a victim the group is known to target add their own log ratios. The
/// case's resemblance to the group's nearest past report moves the score by `reportWeight`
/// (see `Resemblance`), and how likely the group's repertoire makes the listed techniques by
/// `repertoireWeight` (see `RepertoireFit`).
///
/// Every parameter but the indicator and victim ratios and the naming threshold is fitted by
/// `vigil attribution fit` on the development releases 10.1–15.1 (62 cases); `vigil
/// attribution evaluate` measures the model only with parameters fitted on releases older than
/// the cases it scores.
public struct AttributionModel: Sendable, Hashable {
    /// Chance that an observed feature comes from the group's known profile.
    public var coverage: Double = 0.7
    /// Weight of the software, as one witness, relative to the techniques.
    public var softwareWeight: Double = 3
    /// Pseudo-count smoothing the share of groups using a feature.
    public var smoothing: Double = 0.25
    /// Weight of the profile features the case does not show.
    public var absenceWeight: Double = 0
    /// Log likelihood ratio lost per year by which the case follows the group's last known
    /// activity, beyond a year's grace: a group silent for a decade is less likely behind
    /// today's intrusion.
    public var dormancyWeight: Double = 1
    /// Weight of how closely the case resembles the group's nearest past report (one
    /// citation's or one campaign's uses; see `Resemblance`), in standard deviations of the
    /// scores per standard deviation of the resemblance over all groups; 0 leaves it out.
    public var reportWeight: Double = 0.5
    /// Weight of how likely each group's repertoire makes the listed techniques (see
    /// `RepertoireFit`), in standard deviations of the scores per standard deviation of the
    /// log likelihood over all groups; 0 leaves it out.
    public var repertoireWeight: Double = 0.75
    /// Likelihood ratio of an indicator hit that `indicates` the group, as it reaches the
    /// posterior: its score is the log ratio over the temperature, which the posterior undoes
    /// (the temperature is fitted for profile evidence; these ratios are judgements). Against
    /// 148 groups, one such hit alone makes the group very likely (87%), not certain.
    public var indicatorRatio: Double = 1000
    /// Likelihood ratio of a victim country or sector that what is known of the group names,
    /// entered like `indicatorRatio`.
    public var victimRatio: Double = 2
    /// Scale from score to posterior at 30 features.
    public var temperature: Double = 0.3
    /// How the scale changes as the evidence grows: × (features / 30)^−sizeExponent.
    public var sizeExponent: Double = 0
    /// Prior probability that the intruder is none of the known groups. Evidence can only
    /// lower it (see `Posterior`).
    public var unknownPrior: Double = 0.5
    /// A group is named only when its posterior is above this: more likely than not. Below
    /// it the verdict is "unknown actor", however the rest is spread (not fitted: a rule of
    /// what an attribution claims).
    public var namingThreshold: Double = 0.5

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
        let shares = kindShares(ordered)
        var ranked: [RankedGroup] = []
        ranked.reserveCapacity(profiles.count)
        var profileScores: [Double] = []
        profileScores.reserveCapacity(profiles.count)
        for profile in profiles.profiles {
            let scored = score(
                profile, features: features, ordered: ordered, shares: shares, evidence: evidence, sources: sources, profiles: profiles, names: names,
                explain: explain)
            ranked.append(scored.ranked)
            profileScores.append(scored.profileScore)
        }
        let resemblances = self.resemblances(features, profiles: profiles)
        let repertoire = RepertoireFit.fits(evidence, profiles: profiles)
        let reportShifts = Self.standardShifts(scores: profileScores, values: resemblances.map(\.similarity), weight: reportWeight)
        let repertoireShifts = Self.standardShifts(scores: profileScores, values: repertoire.map(\.logLikelihood), weight: repertoireWeight)
        let meanResemblance = Self.mean(resemblances.map(\.similarity))
        let meanLikelihood = Self.mean(repertoire.map(\.logLikelihood))
        for index in ranked.indices {
            ranked[index].score += reportShifts[index] + repertoireShifts[index]
            if explain {
                if reportShifts[index] != 0 {
                    ranked[index].contributions.append(
                        resemblances[index].contribution(delta: reportShifts[index], mean: meanResemblance, reports: profiles.profiles[index].reports.count))
                }
                if repertoireShifts[index] != 0 {
                    ranked[index].contributions.append(repertoire[index].contribution(delta: repertoireShifts[index], mean: meanLikelihood))
                }
                ranked[index].contributions.sort(by: Self.largestFirst)
            }
        }
        ranked.sort { ($0.score, $1.group.name) > ($1.score, $0.group.name) }
        return AttributionResult(ranking: ranked, model: self, evidence: evidence, featureCount: features.count)
    }

    /// Largest effect first; ties in a fixed order so that explanations are reproducible.
    static func largestFirst(_ a: Contribution, _ b: Contribution) -> Bool {
        abs(a.delta) != abs(b.delta) ? abs(a.delta) > abs(b.delta)
            : (a.feature?.id ?? a.kind.rawValue, a.name ?? "") < (b.feature?.id ?? b.kind.rawValue, b.name ?? "")
    }

    /// What a group's score is made of, in profile order: the fit tries every report and
    /// repertoire weight on one computation of them.
    struct ScoreParts {
        /// Each group's score without the two shifts.
        var scores: [Double]
        /// The same without the indicator and victim ratios (judgements, not profile evidence),
        /// whose spread scales the shifts.
        var profileScores: [Double]
        var resemblances: [Double]
        var repertoire: [Double]
    }

    /// The scores with each group's shifts for resemblance and repertoire added.
    static func combined(_ parts: ScoreParts, reportWeight: Double, repertoireWeight: Double) -> [Double] {
        let reportShifts = standardShifts(scores: parts.profileScores, values: parts.resemblances, weight: reportWeight)
        let repertoireShifts = standardShifts(scores: parts.profileScores, values: parts.repertoire, weight: repertoireWeight)
        return parts.scores.indices.map { parts.scores[$0] + (reportShifts[$0] + repertoireShifts[$0]) }
    }

    /// The parts of every group's score; `repertoire`, when given, is
    /// `RepertoireFit.fits(evidence, profiles:)`'s log likelihoods (they do not depend on the
    /// model, so the fit computes them once per case).
    func scoreParts(_ evidence: CaseEvidence, profiles: GroupProfiles, repertoire: [Double]? = nil) -> ScoreParts {
        let features = evidence.features
        let ordered = features.sorted()
        let shares = kindShares(ordered)
        var scores: [Double] = []
        var profileScores: [Double] = []
        for profile in profiles.profiles {
            let scored = score(
                profile, features: features, ordered: ordered, shares: shares, evidence: evidence, sources: [:], profiles: profiles, names: [:],
                explain: false)
            scores.append(scored.ranked.score)
            profileScores.append(scored.profileScore)
        }
        return ScoreParts(
            scores: scores, profileScores: profileScores, resemblances: resemblances(features, profiles: profiles).map(\.similarity),
            repertoire: repertoire ?? RepertoireFit.fits(evidence, profiles: profiles).map(\.logLikelihood))
    }

    /// How much each group's score moves for another view of the evidence (`values`, one per
    /// group): the values' standard score over all groups, times `weight` standard deviations
    /// of the scores. Nothing moves when every group has the same value.
    public static func standardShifts(scores: [Double], values: [Double], weight: Double) -> [Double] {
        let zero = [Double](repeating: 0, count: scores.count)
        guard weight > 0, scores.count > 1, values.count == scores.count else { return zero }
        let meanValue = mean(values)
        let valueDeviation = deviation(values)
        guard valueDeviation > 1e-12 else { return zero }
        let scoreDeviation = deviation(scores)
        return values.map { weight * scoreDeviation * ($0 - meanValue) / valueDeviation }
    }

    static func mean(_ values: [Double]) -> Double { values.reduce(0, +) / Double(max(values.count, 1)) }

    /// Population standard deviation.
    static func deviation(_ values: [Double]) -> Double {
        let center = mean(values)
        return (values.reduce(0) { $0 + ($1 - center) * ($1 - center) } / Double(max(values.count, 1))).squareRoot()
    }

    /// What one feature of each kind counts for: one over the number of features of its kind,
    /// so that each kind of evidence weighs as one witness (its mean log ratio).
    func kindShares(_ features: [Feature]) -> (technique: Double, software: Double) {
        let software = features.filter { $0.kind == .software }.count
        return (1 / Double(max(features.count - software, 1)), 1 / Double(max(software, 1)))
    }

    /// The share of groups using a feature, smoothed.
    func backgroundChance(_ feature: Feature, profiles: GroupProfiles) -> Double {
        (Double(profiles.groupCount[feature] ?? 0) + smoothing) / (Double(profiles.count) + 2 * smoothing)
    }

    /// One group's score, and the part of it from the profile (without indicators and victims,
    /// whose ratios are judgements); `shares` is `kindShares(ordered)`, the same for every group.
    func score(
        _ profile: GroupProfiles.Profile, features: Set<Feature>, ordered: [Feature], shares: (technique: Double, software: Double),
        evidence: CaseEvidence, sources: [Feature: [String]], profiles: GroupProfiles, names: [Feature: String], explain: Bool
    ) -> (ranked: RankedGroup, profileScore: Double) {
        var total = 0.0
        var judged = 0.0
        var contributions: [Contribution] = []
        for feature in ordered {
            let chance = backgroundChance(feature, profiles: profiles)
            let weight = feature.kind == .software ? softwareWeight * shares.software : shares.technique
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
        var absence = absencePenalty(profile, features: features, profiles: profiles)
        absence.delta *= shares.technique
        total += absence.delta
        if explain && absence.count > 0 {
            contributions.append(Contribution(
                kind: .notObserved, feature: nil, name: nil, delta: absence.delta,
                reason: "\(absence.count) of the profile's \(profile.featureSet.count) features were not observed", sources: []))
        }
        if let sources = evidence.indicatedGroups[profile.group.id], !sources.isEmpty {
            let delta = log(indicatorRatio) / temperature(featureCount: features.count)
            total += delta
            judged += delta
            if explain {
                contributions.append(Contribution(
                    kind: .indicator, feature: nil, name: nil, delta: delta,
                    reason: String(format: "indicators that indicate this group hit (likelihood ratio %g)", indicatorRatio), sources: sources))
            }
        }
        if let dormancy = dormancy(profile, observedAt: evidence.observedAt) {
            total += dormancy.delta
            if explain {
                contributions.append(Contribution(kind: .time, feature: nil, name: nil, delta: dormancy.delta, reason: dormancy.reason, sources: []))
            }
        }
        for (name, reason) in victimMatches(evidence.victim, group: profile.group) {
            let delta = log(victimRatio) / temperature(featureCount: features.count)
            total += delta
            judged += delta
            if explain {
                contributions.append(Contribution(kind: .victim, feature: nil, name: name, delta: delta, reason: reason, sources: []))
            }
        }
        return (RankedGroup(group: profile.group, score: total, probability: 0, contributions: contributions), total - judged)
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
