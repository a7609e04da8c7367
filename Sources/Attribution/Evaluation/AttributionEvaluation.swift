import Foundation
import STIX

/// The whole evaluation: every protocol, Vigil's model and the baselines on the same cases,
/// the open-set behaviour and the calibration of the stated confidence.
public struct AttributionEvaluation: Sendable {
    /// One case's result for one scorer.
    public struct CaseRank: Sendable {
        public var name: String
        public var truth: String
        public var outcome: RankOutcome
    }

    /// One scorer in one protocol.
    public struct ScorerResult: Sendable {
        public var scorer: String
        public var metrics: RankingMetrics
        public var ranks: [CaseRank]
    }

    /// Vigil's verdict on one case (closed or open set).
    public struct Verdict: Sendable {
        public var evaluationProtocol: EvaluationProtocol
        public var name: String
        public var truth: String
        public var closedSet: Bool
        /// The verdict: a group's name or nil for "unknown actor".
        public var answer: String?
        /// The verdict's confidence (0–100).
        public var confidence: Int
        /// The top-ranked group and its posterior, whatever the verdict.
        public var topGroup: String?
        public var topProbability: Double
        /// Whether the verdict is right ("unknown" is right for open-set cases).
        public var correct: Bool
        /// Whether the top-ranked group is the true one.
        public var topCorrect: Bool
    }

    /// One row of the reliability table.
    public struct ReliabilityBin: Sendable {
        public var label: String
        public var range: ClosedRange<Int>
        public var n: Int
        public var meanConfidence: Double
        public var accuracy: Proportion
    }

    /// One protocol's figures.
    public struct ProtocolResult: Sendable {
        public var evaluationProtocol: EvaluationProtocol
        public var closedCount: Int
        public var openCount: Int
        public var scorers: [ScorerResult]
        /// Share of open-set and closed-set cases Vigil answers "unknown" for.
        public var unknownRateOpen: Double?
        public var unknownRateClosed: Double?
        /// How well the top probability separates closed-set from open-set cases.
        public var openSetAUROC: Double?
    }

    public var protocols: [ProtocolResult]
    public var verdicts: [Verdict]
    /// Open-set figures over all protocols together (each protocol alone has few open cases).
    public var pooledOpenSet: (unknownRateOpen: Double?, unknownRateClosed: Double?, auroc: Double?) {
        let open = verdicts.filter { !$0.closedSet }
        let closed = verdicts.filter(\.closedSet)
        func rate(_ list: [Verdict]) -> Double? {
            list.isEmpty ? nil : Double(list.filter { $0.answer == nil }.count) / Double(list.count)
        }
        return (rate(open), rate(closed), areaUnderROC(positives: closed.map(\.topProbability), negatives: open.map(\.topProbability)))
    }
    public var reliability: [ReliabilityBin]
    public var wordBands: [ReliabilityBin]
    public var model: AttributionModel

    /// Runs every scorer on every case.
    public init(cases: [EvaluationCase], model: AttributionModel, baselines: [any ProfileScorer] = Baseline.allCases) {
        self.model = model
        let scorers: [any ProfileScorer] = [model] + baselines
        let results = cases.concurrentMap(minimumChunk: 1) { evaluationCase in
            AttributionEvaluation.evaluate(evaluationCase, model: model, baselines: baselines)
        }
        verdicts = results.map(\.verdict)
        protocols = EvaluationProtocol.allCases.compactMap { evaluationProtocol in
            let indices = cases.indices.filter { cases[$0].evaluationProtocol == evaluationProtocol }
            guard !indices.isEmpty else { return nil }
            let closed = indices.filter { !results[$0].outcomes.isEmpty }
            let scorerResults = scorers.enumerated().map { position, scorer in
                let ranks = closed.map { CaseRank(name: cases[$0].name, truth: cases[$0].truth.name, outcome: results[$0].outcomes[position]) }
                return ScorerResult(scorer: scorer.name, metrics: RankingMetrics(ranks.map(\.outcome)), ranks: ranks)
            }
            let verdicts = indices.map { results[$0].verdict }
            let open = verdicts.filter { !$0.closedSet }
            let closedVerdicts = verdicts.filter(\.closedSet)
            func unknownRate(_ list: [Verdict]) -> Double? {
                list.isEmpty ? nil : Double(list.filter { $0.answer == nil }.count) / Double(list.count)
            }
            return ProtocolResult(
                evaluationProtocol: evaluationProtocol, closedCount: closed.count, openCount: indices.count - closed.count,
                scorers: scorerResults, unknownRateOpen: unknownRate(open), unknownRateClosed: unknownRate(closedVerdicts),
                openSetAUROC: areaUnderROC(positives: closedVerdicts.map(\.topProbability), negatives: open.map(\.topProbability)))
        }
        let all = results.map(\.verdict)
        reliability = stride(from: 0, to: 100, by: 20).map { start in
            let range = start...(start == 80 ? 100 : start + 19)
            return Self.bin(label: "\(range.lowerBound)–\(range.upperBound)", range: range, all)
        }
        wordBands = ConfidenceWords.allCases.map { Self.bin(label: $0.rawValue, range: $0.range, all) }
    }

    /// The cases whose top group's confidence (posterior × 100) falls in `range`, and how often
    /// that group was the true one.
    /// One case: where the true group lands for Vigil and each baseline (closed set only), and
    /// Vigil's verdict. Vigil's scores are taken from its ranking, so it scores each case once.
    static func evaluate(
        _ evaluationCase: EvaluationCase, model: AttributionModel, baselines: [any ProfileScorer]
    ) -> (outcomes: [RankOutcome], verdict: Verdict) {
        let profiles = evaluationCase.profiles
        let truthIndex = profiles.profiles.firstIndex { $0.group.id == evaluationCase.truth.id }
        let result = model.attribute(evaluationCase.evidence, profiles: profiles, explain: false)
        var outcomes: [RankOutcome] = []
        if let truthIndex {
            var position: [String: Int] = [:]
            for (index, profile) in profiles.profiles.enumerated() { position[profile.group.id] = index }
            var vigilScores = [Double](repeating: 0, count: profiles.count)
            for ranked in result.ranking { if let index = position[ranked.group.id] { vigilScores[index] = ranked.score } }
            outcomes.append(RankOutcome(scores: vigilScores, truth: truthIndex))
            for baseline in baselines {
                outcomes.append(RankOutcome(scores: baseline.scores(evaluationCase.evidence, profiles: profiles), truth: truthIndex))
            }
        }
        var answer: AttackKnowledge.Group?
        if case .group(let group) = result.verdict { answer = group }
        let correct = truthIndex == nil ? answer == nil : answer?.id == evaluationCase.truth.id
        let verdict = Verdict(
            evaluationProtocol: evaluationCase.evaluationProtocol, name: evaluationCase.name, truth: evaluationCase.truth.name,
            closedSet: truthIndex != nil, answer: answer?.name, confidence: result.confidence,
            topGroup: result.ranking.first?.group.name, topProbability: result.topProbability, correct: correct,
            topCorrect: result.ranking.first?.group.id == evaluationCase.truth.id)
        return (outcomes, verdict)
    }

    static func bin(label: String, range: ClosedRange<Int>, _ verdicts: [Verdict]) -> ReliabilityBin {
        let inside = verdicts.filter { range.contains(Int(($0.topProbability * 100).rounded())) }
        let mean = inside.isEmpty ? 0 : inside.reduce(0) { $0 + $1.topProbability * 100 } / Double(inside.count)
        return ReliabilityBin(
            label: label, range: range, n: inside.count, meanConfidence: mean,
            accuracy: Proportion(successes: Double(inside.filter(\.topCorrect).count), trials: inside.count))
    }

    /// The temperature, size exponent and unknown prior that minimise the mean log loss of the right answer
    /// (the true group's posterior, or "unknown"'s for open-set cases), searched on a grid; the
    /// ranking itself does not change.
    public static func fitCalibration(_ cases: [EvaluationCase], model: AttributionModel) -> AttributionModel {
        let scored = cases.concurrentMap(minimumChunk: 1) { evaluationCase in
            (scores: model.scores(evaluationCase.evidence, profiles: evaluationCase.profiles),
             size: evaluationCase.evidence.features.count,
             truth: evaluationCase.profiles.profiles.firstIndex { $0.group.id == evaluationCase.truth.id })
        }
        var best = model
        var bestLoss = Double.infinity
        for temperature in [0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.7, 1.0] {
            for sizeExponent in [0, 0.25, 0.5, 0.75, 1] {
                for unknownPrior in [0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5] {
                    var candidate = model
                    candidate.temperature = temperature
                    candidate.sizeExponent = sizeExponent
                    candidate.unknownPrior = unknownPrior
                    var loss = 0.0
                    for item in scored {
                        let posterior = Posterior(scores: item.scores, model: candidate, featureCount: item.size)
                        loss -= log(max(item.truth.map { posterior.groups[$0] } ?? posterior.unknown, 1e-12))
                    }
                    if loss < bestLoss { bestLoss = loss; best = candidate }
                }
            }
        }
        return best
    }
}
