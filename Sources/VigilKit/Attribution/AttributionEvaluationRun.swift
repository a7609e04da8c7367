import Attribution
import Foundation
import STIX

/// Measures the attribution model on ATT&CK releases given oldest first: the campaign,
/// report and leave-one-campaign-out protocols, Vigil's model, its ablations and the baselines
/// on the same cases (see `EvaluationCases`). Nested by default: each release's cases are
/// scored with parameters fitted on earlier releases' cases only (`NestedEvaluation`);
/// `fixed` scores every case of the rolling protocols with the shipped parameters instead.
public struct AttributionEvaluationRun: Sendable {
    public var releases: [String]
    public var minimumTechniques: Int
    /// Score with the shipped parameters instead of nested fits.
    public var fixed: Bool

    public init(releases: [String], minimumTechniques: Int = 5, fixed: Bool = false) {
        self.releases = releases
        self.minimumTechniques = minimumTechniques
        self.fixed = fixed
    }

    public struct Result: Sendable {
        public var evaluation: AttributionEvaluation
        /// The nested protocol's fits, one per evaluated release (empty when fixed).
        public var folds: [NestedEvaluation.Fold]
        public var releaseNames: [String]
        public var cases: Int
        public var loadSeconds: Double
        public var seconds: Double
    }

    public func run() throws(VigilError) -> Result {
        guard releases.count >= (fixed ? 2 : 3) else {
            throw .input(
                path: releases.first ?? "-",
                reason: "give at least \(fixed ? "two" : "three") releases, oldest first (each case needs the release before it\(fixed ? "" : ", and the fit needs cases of an earlier release"))")
        }
        let started = Date()
        let loaded = try Self.load(releases)
        let loadSeconds = Date().timeIntervalSince(started)
        let builder = EvaluationCases(minimumTechniques: minimumTechniques)
        let evaluation: AttributionEvaluation
        var folds: [NestedEvaluation.Fold] = []
        if fixed {
            var cases = builder.campaigns(loaded) + builder.reports(loaded)
            if let newest = loaded.last { cases += builder.leaveOneCampaignOut(newest) }
            evaluation = AttributionEvaluation(cases: cases, model: AttributionModel())
        } else {
            let nested = NestedEvaluation(releases: loaded, builder: builder)
            guard !nested.folds.isEmpty else {
                throw .input(path: releases[0], reason: "no release after the second introduces cases to evaluate")
            }
            evaluation = nested.evaluation
            folds = nested.folds
        }
        return Result(
            evaluation: evaluation, folds: folds, releaseNames: loaded.map(\.name), cases: evaluation.verdicts.count, loadSeconds: loadSeconds,
            seconds: Date().timeIntervalSince(started))
    }

    /// Every parameter fitted on all the cases the releases introduce (the shipped defaults
    /// come from this on the development releases), with the number of cases.
    public func fit() throws(VigilError) -> (model: AttributionModel, cases: Int) {
        guard releases.count >= 2 else { throw .input(path: releases.first ?? "-", reason: "give at least two releases, oldest first") }
        let loaded = try Self.load(releases)
        let builder = EvaluationCases(minimumTechniques: minimumTechniques)
        let cases = loaded.indices.flatMap { builder.introduced(in: $0, of: loaded) }
        return (AttributionFit.fit(cases), cases.count)
    }

    /// Each file as a release named after the file, read in parallel.
    static func load(_ paths: [String]) throws(VigilError) -> [KnowledgeRelease] {
        let results = paths.concurrentMap(minimumChunk: 1) { path -> Swift.Result<KnowledgeRelease, VigilError> in
            do throws(VigilError) {
                let bytes = try InputFiles.read(path)
                let content: BundleContent
                do {
                    content = try STIXBundleReader.content(bytes)
                } catch {
                    throw .input(path: path, reason: "not a STIX bundle: \(error)")
                }
                let name = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
                    .replacingOccurrences(of: ".stix20", with: "").replacingOccurrences(of: ".stix21", with: "")
                return .success(KnowledgeRelease(name: name, knowledge: AttackKnowledge(objects: content.candidates.map(\.object))))
            } catch {
                return .failure(error)
            }
        }
        var releases: [KnowledgeRelease] = []
        for result in results {
            switch result {
            case .success(let release): releases.append(release)
            case .failure(let error): throw error
            }
        }
        return releases
    }
}
