import Testing
@testable import Attribution

@Suite struct RankMetricsTests {
    @Test(arguments: [
        // scores, truth index, expected rank, ties, reciprocal rank, P(top 1)
        ([3.0, 2.0, 1.0], 0, 1, 1, 1.0, 1.0),
        ([3.0, 2.0, 1.0], 2, 3, 1, 1.0 / 3, 0.0),
        ([2.0, 2.0, 1.0], 1, 1, 2, 0.75, 0.5),
        ([1.0, 1.0, 1.0, 1.0], 3, 1, 4, (1 + 0.5 + 1.0 / 3 + 0.25) / 4, 0.25),
    ])
    func rankWithRandomTieBreaking(scores: [Double], truth: Int, rank: Int, ties: Int, reciprocal: Double, top1: Double) {
        let outcome = RankOutcome(scores: scores, truth: truth)
        #expect(outcome.rank == rank)
        #expect(outcome.ties == ties)
        #expect(abs(outcome.reciprocalRank - reciprocal) < 1e-12)
        #expect(abs(outcome.inTop(1) - top1) < 1e-12)
    }

    @Test func wilsonIntervalMatchesTheTextbook() {
        // 5 of 10: Wilson 95% interval 0.2366–0.7634.
        let half = Proportion(successes: 5, trials: 10)
        #expect(abs(half.lower - 0.2366) < 1e-3 && abs(half.upper - 0.7634) < 1e-3)
        // 0 of 9: 0–0.2991.
        let none = Proportion(successes: 0, trials: 9)
        #expect(none.lower == 0 && abs(none.upper - 0.2991) < 1e-3)
    }

    @Test func aurocCountsTiesAsHalf() {
        #expect(areaUnderROC(positives: [0.9, 0.8], negatives: [0.1, 0.8]) == 0.875)
        #expect(areaUnderROC(positives: [], negatives: [0.1]) == nil)
    }
}
