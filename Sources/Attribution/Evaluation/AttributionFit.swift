import Foundation

/// Fits every parameter of the model on evaluation cases: the ranking's (coverage, software
/// weight, absence weight, smoothing, dormancy weight, report weight) by mean reciprocal rank
/// of the true group, then the calibration's (temperature, size exponent, unknown prior) by the log loss of the right
/// answer ("unknown" for open-set cases). Grids, not gradients: few cases, few parameters, and
/// a result anyone can reproduce with `vigil attribution fit`.
public enum AttributionFit {
    /// The values each parameter may take.
    public struct Grid: Sendable {
        public var coverage: [Double] = [0.2, 0.3, 0.5, 0.7]
        public var softwareWeight: [Double] = [1, 2, 3, 5]
        public var absenceWeight: [Double] = [0, 0.5, 1, 2]
        public var smoothing: [Double] = [0.25, 0.5]
        public var dormancyWeight: [Double] = [0, 0.25, 1]
        public var reportWeight: [Double] = [0, 0.25, 0.5, 1]
        public var repertoireWeight: [Double] = [0, 0.25, 0.5, 0.75, 1]
        public var temperature: [Double] = [0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.7, 1, 1.5, 2, 3, 5, 8]
        /// From −1 (features as independent witnesses) to 0 (each kind as one witness): above 0,
        /// more evidence of the same quality would make a case less certain, and at 1 no
        /// case of 100 techniques could name a group, whatever it matched.
        public var sizeExponent: [Double] = [-1, -0.75, -0.5, -0.25, 0]
        public var unknownPrior: [Double] = [0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5]

        public init() {}
    }

    /// The model with every parameter fitted on `cases`; `base` gives what is not fitted
    /// (indicator and victim ratios, which ATT&CK's cases do not exercise). With no closed-set
    /// case the ranking parameters stay as in `base`.
    public static func fit(_ cases: [EvaluationCase], base: AttributionModel = AttributionModel(), grid: Grid = Grid()) -> AttributionModel {
        calibrate(cases, model: rank(cases, base: base, grid: grid), grid: grid)
    }

    /// The ranking parameters with the highest mean reciprocal rank; ties keep the earlier grid
    /// point, so the result does not depend on thread timing.
    public static func rank(_ cases: [EvaluationCase], base: AttributionModel, grid: Grid = Grid()) -> AttributionModel {
        let closed = cases.compactMap { evaluationCase -> (EvaluationCase, Int)? in
            evaluationCase.profiles.profiles.firstIndex { $0.group.id == evaluationCase.truth.id }.map { (evaluationCase, $0) }
        }
        guard !closed.isEmpty else { return base }
        var candidates: [AttributionModel] = []
        for coverage in grid.coverage {
            for softwareWeight in grid.softwareWeight {
                for absenceWeight in grid.absenceWeight {
                    for smoothing in grid.smoothing {
                        for dormancyWeight in grid.dormancyWeight {
                            var model = base
                            model.coverage = coverage
                            model.softwareWeight = softwareWeight
                            model.absenceWeight = absenceWeight
                            model.smoothing = smoothing
                            model.dormancyWeight = dormancyWeight
                            candidates.append(model)
                        }
                    }
                }
            }
        }
        // Each candidate scores the cases once; every pair of report and repertoire weights
        // reuses those scores. The repertoire does not depend on the candidate.
        let reportWeights = grid.reportWeight.isEmpty ? [base.reportWeight] : grid.reportWeight
        let repertoireWeights = grid.repertoireWeight.isEmpty ? [base.repertoireWeight] : grid.repertoireWeight
        let weights = reportWeights.flatMap { report in repertoireWeights.map { (report: report, repertoire: $0) } }
        let repertoires = closed.concurrentMap(minimumChunk: 1) { item in
            RepertoireFit.fits(item.0.evidence, profiles: item.0.profiles).map(\.logLikelihood)
        }
        let sums = candidates.concurrentMap(minimumChunk: 1) { model in
            let parts = zip(closed, repertoires).map { item, repertoire in model.scoreParts(item.0.evidence, profiles: item.0.profiles, repertoire: repertoire) }
            return weights.map { weight in
                zip(closed, parts).reduce(0.0) { sum, pair in
                    let scores = AttributionModel.combined(pair.1, reportWeight: weight.report, repertoireWeight: weight.repertoire)
                    return sum + RankOutcome(scores: scores, truth: pair.0.1).reciprocalRank
                }
            }
        }
        var best: (candidate: Int, weight: Int) = (0, 0)
        for candidate in sums.indices {
            for weight in sums[candidate].indices where sums[candidate][weight] > sums[best.candidate][best.weight] + 1e-12 {
                best = (candidate, weight)
            }
        }
        var model = candidates[best.candidate]
        model.reportWeight = weights[best.weight].report
        model.repertoireWeight = weights[best.weight].repertoire
        return model
    }

    /// The temperature, size exponent and unknown prior that minimise the mean log loss of the
    /// right answer (the true group's posterior, or "unknown"'s for open-set cases); the
    /// ranking itself does not change.
    public static func calibrate(_ cases: [EvaluationCase], model: AttributionModel, grid: Grid = Grid()) -> AttributionModel {
        guard !cases.isEmpty else { return model }
        let scored = cases.concurrentMap(minimumChunk: 1) { evaluationCase in
            (scores: model.scores(evaluationCase.evidence, profiles: evaluationCase.profiles),
             size: evaluationCase.evidence.features.count,
             truth: evaluationCase.profiles.profiles.firstIndex { $0.group.id == evaluationCase.truth.id })
        }
        var best = model
        var bestLoss = Double.infinity
        for temperature in grid.temperature {
            for sizeExponent in grid.sizeExponent {
                for unknownPrior in grid.unknownPrior {
                    var candidate = model
                    candidate.temperature = temperature
                    candidate.sizeExponent = sizeExponent
                    candidate.unknownPrior = unknownPrior
                    var loss = 0.0
                    for item in scored {
                        let posterior = Posterior(scores: item.scores, model: candidate, featureCount: item.size)
                        loss -= log(max(item.truth.map { posterior.groups[$0] } ?? posterior.unknown, 1e-12))
                    }
                    if loss < bestLoss - 1e-12 { bestLoss = loss; best = candidate }
                }
            }
        }
        return best
    }
}

/// Vigil's model on part of the evidence, to show what each kind adds (an ablation).
public struct AblatedModel: ProfileScorer {
    public enum Part: String, Sendable, CaseIterable {
        /// Techniques only (software left out).
        case techniques
        /// Software only.
        case software
        /// Techniques and software without the case's date, so no group loses for being dormant.
        case untimed
        /// Without the resemblance to each group's nearest past report.
        case noPastReports = "no-past-reports"
        /// Without how likely each group's repertoire makes the listed techniques.
        case noRepertoire = "no-repertoire"
    }

    public var model: AttributionModel
    public var part: Part

    public init(model: AttributionModel, part: Part) {
        self.model = model
        self.part = part
    }

    public var name: String { "vigil:\(part.rawValue)" }

    public func scores(_ evidence: CaseEvidence, profiles: GroupProfiles) -> [Double] {
        var model = model
        var evidence = evidence
        switch part {
        case .techniques: evidence.observed = evidence.observed.filter { $0.key.kind == .technique }
        case .software: evidence.observed = evidence.observed.filter { $0.key.kind == .software }
        case .untimed: evidence.observedAt = nil
        case .noPastReports: model.reportWeight = 0
        case .noRepertoire: model.repertoireWeight = 0
        }
        return model.scores(evidence, profiles: profiles)
    }
}

/// The honest protocol: for each release N from the third on, every parameter is fitted on the
/// cases releases 2…N−1 introduced, and the cases release N introduces are scored with it. No
/// case is scored by parameters fitted on it, and no case reads knowledge newer than its
/// release.
public struct NestedEvaluation: Sendable {
    /// One release's fit and what it scored.
    public struct Fold: Sendable {
        public var release: String
        public var fitCases: Int
        public var cases: Int
        public var model: AttributionModel
    }

    public var folds: [Fold]
    public var evaluation: AttributionEvaluation

    public init(releases: [KnowledgeRelease], builder: EvaluationCases = EvaluationCases(), base: AttributionModel = AttributionModel(), grid: AttributionFit.Grid = .init()) {
        let introduced = releases.indices.map { builder.introduced(in: $0, of: releases) }
        var folds: [Fold] = []
        var scored: [AttributionEvaluation.Fold] = []
        var fitCases: [EvaluationCase] = []
        for index in releases.indices {
            defer { fitCases += introduced[index] }
            guard !fitCases.isEmpty, !introduced[index].isEmpty else { continue }
            let model = AttributionFit.fit(fitCases, base: base, grid: grid)
            folds.append(Fold(release: releases[index].name, fitCases: fitCases.count, cases: introduced[index].count, model: model))
            let ablations = AblatedModel.Part.allCases.map { AblatedModel(model: model, part: $0) as any ProfileScorer }
            scored.append(AttributionEvaluation.Fold(cases: introduced[index], model: model, scorers: ablations + Baseline.allCases))
        }
        self.folds = folds
        evaluation = AttributionEvaluation(folds: scored)
    }
}
