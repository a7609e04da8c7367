import Foundation

/// One piece of evidence and what it did to a group's score.
public struct Contribution: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable {
        /// An observed feature the profile has.
        case matched
        /// An observed feature the profile lacks.
        case unexplained
        /// Profile features the case does not show (one line for all of them).
        case notObserved = "not-observed"
        case indicator
        case victim
        /// The case comes long after the group's last known activity.
        case time
        /// How closely the case resembles the group's nearest past report, against all groups.
        case pastReport = "past-report"
        /// How likely the group's repertoire makes the listed techniques, against all groups.
        case repertoire
    }

    public var kind: Kind
    public var feature: Feature?
    /// The technique's or software's name, or the victim word.
    public var name: String?
    /// Change of the log likelihood ratio (natural log).
    public var delta: Double
    public var reason: String
    /// Where the evidence came from (rules, assertions, indicators).
    public var sources: [String]
}

/// A group's place in a ranking.
public struct RankedGroup: Sendable, Hashable {
    public var group: AttackKnowledge.Group
    /// How well the group's profile explains the evidence: the mean log likelihood ratio of
    /// each kind of evidence against the background, added up (see `AttributionModel`).
    public var score: Double
    /// Posterior probability (0–1) among the known groups and "unknown actor".
    public var probability: Double
    /// Every piece of evidence that moved the score, largest effect first.
    public var contributions: [Contribution]
}

/// The words of ODNI's Intelligence Community Directive 203 for analytic confidence.
public enum ConfidenceWords: String, Sendable, Hashable, CaseIterable {
    case low, moderate, high

    /// STIX's 0–100 confidence for a posterior probability, at most 99: a model's posterior is
    /// not certainty, and ICD 203's strongest words ("almost certain") stop at 99%.
    public static func statedConfidence(_ probability: Double) -> Int {
        min(99, max(0, Int((probability * 100).rounded())))
    }

    /// The words for a confidence on STIX's 0–100 scale: high from 80, moderate from 50.
    public init(confidence: Int) {
        switch confidence {
        case 80...: self = .high
        case 50..<80: self = .moderate
        default: self = .low
        }
    }

    /// The confidence range (STIX 0–100) the words stand for.
    public var range: ClosedRange<Int> {
        switch self {
        case .low: return 0...49
        case .moderate: return 50...79
        case .high: return 80...100
        }
    }
}

/// The answer to "who did this": a ranking of intrusion sets with explanations, and a verdict
/// that is either the top group or "unknown actor".
public struct AttributionResult: Sendable {
    public enum Verdict: Sendable, Hashable {
        case group(AttackKnowledge.Group)
        /// No known group is more likely than not, nor more likely than an unknown actor.
        case unknown
    }

    /// Every group with a profile, best first, with posterior probabilities.
    public var ranking: [RankedGroup]
    /// Posterior probability that the intruder is none of the known groups.
    public var unknownProbability: Double
    public var verdict: Verdict
    /// Confidence (STIX 0–100) in the verdict: the posterior of the top group, or of "unknown".
    public var confidence: Int
    public var words: ConfidenceWords
    public var evidence: CaseEvidence

    init(ranking: [RankedGroup], model: AttributionModel, evidence: CaseEvidence, featureCount: Int) {
        self.evidence = evidence
        var ranking = ranking
        let posterior = Posterior(scores: ranking.map(\.score), model: model, featureCount: featureCount)
        for index in ranking.indices { ranking[index].probability = posterior.groups[index] }
        unknownProbability = posterior.unknown
        self.ranking = ranking
        if let best = ranking.first, best.probability > unknownProbability, best.probability > model.namingThreshold {
            verdict = .group(best.group)
            confidence = ConfidenceWords.statedConfidence(best.probability)
        } else {
            verdict = .unknown
            confidence = ConfidenceWords.statedConfidence(unknownProbability)
        }
        words = ConfidenceWords(confidence: confidence)
    }

    /// The top group's posterior probability (0–1), whatever the verdict.
    public var topProbability: Double { ranking.first?.probability ?? 0 }
}

/// Posterior probabilities from scores: each known group has prior (1 − p_unknown)/N and
/// weighs exp(temperature · score), the temperature scaled for the evidence's size; "unknown
/// actor" explains the evidence as well as the average known group (the mean score). Evidence
/// that singles no group out leaves p_unknown where it was, and no evidence raises it: a new
/// group's techniques are not rarer than a known one's.
///
/// (Taking "as well as the background" instead, a score of 0, or a group some deviations above
/// the mean, let generic evidence name an unknown actor at 95%, wrong on most closed-set
/// cases: see Benchmarks/HISTORY.md.)
struct Posterior {
    var groups: [Double]
    var unknown: Double

    init(scores: [Double], model: AttributionModel, featureCount: Int) {
        let temperature = model.temperature(featureCount: featureCount)
        let mean = scores.isEmpty ? 0 : scores.reduce(0, +) / Double(scores.count)
        let top = scores.max() ?? 0
        let groupPrior = scores.isEmpty ? 0 : (1 - model.unknownPrior) / Double(scores.count)
        let masses = scores.map { groupPrior * exp(temperature * ($0 - top)) }
        let unknownMass = model.unknownPrior * exp(temperature * (mean - top))
        let total = masses.reduce(unknownMass, +)
        groups = masses.map { $0 / total }
        unknown = unknownMass / total
    }
}
