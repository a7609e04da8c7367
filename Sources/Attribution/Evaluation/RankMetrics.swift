import Foundation

/// Where the true group landed in one ranking, with ties broken at random: the expected
/// reciprocal rank and the chance of being in the top k.
public struct RankOutcome: Sendable, Hashable {
    /// Best possible rank (1 + number of strictly better scores).
    public var rank: Int
    /// How many scores (the true one included) tie with the true group's.
    public var ties: Int
    public var reciprocalRank: Double

    /// Ranks `truth` within `scores`.
    public init(scores: [Double], truth: Int) {
        let target = scores[truth]
        let tolerance = 1e-9 * max(1, abs(target))
        var better = 0
        var tied = 0
        for score in scores {
            if score > target + tolerance { better += 1 } else if abs(score - target) <= tolerance { tied += 1 }
        }
        rank = better + 1
        ties = max(tied, 1)
        reciprocalRank = (rank..<(rank + ties)).reduce(0) { $0 + 1 / Double($1) } / Double(ties)
    }

    /// Chance, under random tie-breaking, that the true group is among the first `k`.
    public func inTop(_ k: Int) -> Double {
        Double(max(0, min(k, rank + ties - 1) - rank + 1)) / Double(ties)
    }
}

/// A proportion with its 95% Wilson score interval.
public struct Proportion: Sendable, Hashable {
    public var value: Double
    public var lower: Double
    public var upper: Double

    /// `successes` may be fractional (expected counts under random tie-breaking).
    public init(successes: Double, trials: Int) {
        guard trials > 0 else { value = 0; lower = 0; upper = 0; return }
        let n = Double(trials)
        let p = successes / n
        let z = 1.959964
        let denominator = 1 + z * z / n
        let centre = (p + z * z / (2 * n)) / denominator
        let half = z * sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
        value = p
        lower = max(0, centre - half)
        upper = min(1, centre + half)
    }
}

/// Top-k accuracy and mean reciprocal rank of one scorer over closed-set cases.
public struct RankingMetrics: Sendable {
    public var n: Int
    public var top1: Proportion
    public var top5: Proportion
    public var top10: Proportion
    public var mrr: Double
    /// 95% percentile bootstrap interval of the MRR (2,000 resamples, fixed seed).
    public var mrrInterval: ClosedRange<Double>

    public init(_ outcomes: [RankOutcome]) {
        n = outcomes.count
        mrrInterval = Self.bootstrap(outcomes.map(\.reciprocalRank))
        top1 = Proportion(successes: outcomes.reduce(0) { $0 + $1.inTop(1) }, trials: n)
        top5 = Proportion(successes: outcomes.reduce(0) { $0 + $1.inTop(5) }, trials: n)
        top10 = Proportion(successes: outcomes.reduce(0) { $0 + $1.inTop(10) }, trials: n)
        mrr = n == 0 ? 0 : outcomes.reduce(0) { $0 + $1.reciprocalRank } / Double(n)
    }

    /// The 2.5th and 97.5th percentiles of the means of resamples; a fixed linear
    /// congruential generator keeps the figures the same on every run.
    static func bootstrap(_ values: [Double], resamples: Int = 2_000) -> ClosedRange<Double> {
        guard !values.isEmpty else { return 0...0 }
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        var means: [Double] = []
        means.reserveCapacity(resamples)
        for _ in 0..<resamples {
            var sum = 0.0
            for _ in values.indices {
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                sum += values[Int((state >> 33) % UInt64(values.count))]
            }
            means.append(sum / Double(values.count))
        }
        means.sort()
        return means[Int(Double(resamples) * 0.025)]...means[Int(Double(resamples) * 0.975) - 1]
    }
}

/// Area under the ROC curve: the chance that a random positive scores above a random negative
/// (ties count half). Nil when either side is empty.
public func areaUnderROC(positives: [Double], negatives: [Double]) -> Double? {
    guard !positives.isEmpty, !negatives.isEmpty else { return nil }
    var wins = 0.0
    for p in positives {
        for q in negatives { wins += p > q ? 1 : (p == q ? 0.5 : 0) }
    }
    return wins / Double(positives.count * negatives.count)
}
