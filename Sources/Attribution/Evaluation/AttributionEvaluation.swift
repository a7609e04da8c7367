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
        self.init(folds: [Fold(cases: cases, model: model, scorers: baselines)])
    }

    /// Cases scored with the model fitted for them, and the other scorers (the same names in
    /// every fold; ablations may depend on the fold's model).
    public struct Fold: Sendable {
        public var cases: [EvaluationCase]
        public var model: AttributionModel
        public var scorers: [any ProfileScorer]

        public init(cases: [EvaluationCase], model: AttributionModel, scorers: [any ProfileScorer]) {
            self.cases = cases
            self.model = model
            self.scorers = scorers
        }
    }

    /// Runs every fold's scorers on its cases and pools the results; `model` is the last
    /// fold's.
    public init(folds: [Fold]) {
        model = folds.last?.model ?? AttributionModel()
        let cases: [EvaluationCase] = folds.flatMap(\.cases)
        let single: [Fold] = folds.flatMap { fold in fold.cases.map { Fold(cases: [$0], model: fold.model, scorers: fold.scorers) } }
        let scorerNames: [String] = ["vigil"] + (folds.first?.scorers.map(\.name) ?? [])
        let results = single.concurrentMap(minimumChunk: 1) { (fold: Fold) -> (outcomes: [RankOutcome], verdict: Verdict) in
            AttributionEvaluation.evaluate(fold.cases[0], model: fold.model, baselines: fold.scorers)
        }
        verdicts = results.map(\.verdict)
        protocols = EvaluationProtocol.allCases.compactMap { evaluationProtocol in
            let indices = cases.indices.filter { cases[$0].evaluationProtocol == evaluationProtocol }
            guard !indices.isEmpty else { return nil }
            let closed = indices.filter { !results[$0].outcomes.isEmpty }
            let scorerResults = scorerNames.enumerated().map { position, scorer in
                let ranks = closed.map { CaseRank(name: cases[$0].name, truth: cases[$0].truth.name, outcome: results[$0].outcomes[position]) }
                return ScorerResult(scorer: scorer, metrics: RankingMetrics(ranks.map(\.outcome)), ranks: ranks)
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

    /// The cases whose stated confidence (the verdict's, "unknown actor" included) falls in
    /// `range`, and how often the verdict was right.
    static func bin(label: String, range: ClosedRange<Int>, _ verdicts: [Verdict]) -> ReliabilityBin {
        let inside = verdicts.filter { range.contains($0.confidence) }
        let mean = inside.isEmpty ? 0 : inside.reduce(0) { $0 + Double($1.confidence) } / Double(inside.count)
        return ReliabilityBin(
            label: label, range: range, n: inside.count, meanConfidence: mean,
            accuracy: Proportion(successes: Double(inside.filter(\.correct).count), trials: inside.count))
    }
}
