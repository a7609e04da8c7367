import Attribution
import Foundation
import STIX

/// Measures the attribution model on ATT&CK releases given oldest first: the campaign,
/// report and leave-one-campaign-out protocols, Vigil's model and the baselines on the same
/// cases (see `EvaluationCases`).
public struct AttributionEvaluationRun: Sendable {
    public var releases: [String]
    public var minimumTechniques: Int
    /// Also fit the temperature and unknown prior on these cases.
    public var fit: Bool

    public init(releases: [String], minimumTechniques: Int = 5, fit: Bool = false) {
        self.releases = releases
        self.minimumTechniques = minimumTechniques
        self.fit = fit
    }

    public struct Result: Sendable {
        public var evaluation: AttributionEvaluation
        public var model: AttributionModel
        public var releaseNames: [String]
        public var cases: Int
        public var loadSeconds: Double
        public var seconds: Double
    }

    public func run() throws(VigilError) -> Result {
        guard releases.count >= 2 else {
            throw .input(path: releases.first ?? "-", reason: "give at least two releases, oldest first (the rolling protocols need a release before each case)")
        }
        let started = Date()
        let loaded = try Self.load(releases)
        let loadSeconds = Date().timeIntervalSince(started)
        let builder = EvaluationCases(minimumTechniques: minimumTechniques)
        var cases = builder.campaigns(loaded) + builder.reports(loaded)
        if let newest = loaded.last { cases += builder.leaveOneCampaignOut(newest) }
        var model = AttributionModel()
        if fit { model = AttributionEvaluation.fitCalibration(cases, model: model) }
        let evaluation = AttributionEvaluation(cases: cases, model: model)
        return Result(
            evaluation: evaluation, model: model, releaseNames: loaded.map(\.name), cases: cases.count, loadSeconds: loadSeconds,
            seconds: Date().timeIntervalSince(started))
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
