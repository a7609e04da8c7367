import Foundation

/// Anything that scores every profile against a case's features (higher is better), in
/// profile order: Vigil's model and the baselines it is measured against.
public protocol ProfileScorer: Sendable {
    /// Short name used in reports and JSON (`vigil`, `shared`, ...).
    var name: String { get }
    func scores(_ evidence: CaseEvidence, profiles: GroupProfiles) -> [Double]
}

extension AttributionModel: ProfileScorer {
    public var name: String { "vigil" }
    public func scores(_ evidence: CaseEvidence, profiles: GroupProfiles) -> [Double] {
        Self.combined(scoreParts(evidence, profiles: profiles), reportWeight: reportWeight, repertoireWeight: repertoireWeight)
    }
}

/// The baselines of the attribution literature, on techniques as ATT&CK lists them (no parents
/// added); TF-IDF also uses software.
public enum Baseline: String, Sendable, CaseIterable, ProfileScorer {
    /// Number of techniques the case and the profile share.
    case shared
    /// Jaccard similarity of the technique sets.
    case jaccard
    /// Cosine of TF-IDF vectors (binary term frequency, idf = ln(N/df)) over techniques and software.
    case tfidf
    /// Multinomial naive Bayes over techniques, Laplace smoothing, uniform prior.
    case naiveBayes = "naive-bayes"

    public var name: String { rawValue }

    public func scores(_ evidence: CaseEvidence, profiles: GroupProfiles) -> [Double] {
        let listed = Set(evidence.observed.keys)
        let techniques = listed.filter { $0.kind == .technique }
        switch self {
        case .shared:
            return profiles.profiles.map { Double($0.listed.intersection(techniques).count) }
        case .jaccard:
            return profiles.profiles.map { profile in
                let own = profile.listed.filter { $0.kind == .technique }
                let union = own.union(techniques).count
                return union == 0 ? 0 : Double(own.intersection(techniques).count) / Double(union)
            }
        case .tfidf:
            var documentFrequency: [Feature: Int] = [:]
            for profile in profiles.profiles { for feature in profile.listed { documentFrequency[feature, default: 0] += 1 } }
            let count = Double(profiles.count)
            func idf(_ feature: Feature) -> Double { log(count / Double(max(documentFrequency[feature] ?? 0, 1))) }
            let queryNorm = sqrt(listed.reduce(0) { $0 + idf($1) * idf($1) })
            return profiles.profiles.map { profile in
                let norm = sqrt(profile.listed.reduce(0) { $0 + idf($1) * idf($1) })
                guard norm > 0, queryNorm > 0 else { return 0 }
                let dot = listed.intersection(profile.listed).reduce(0) { $0 + idf($1) * idf($1) }
                return dot / (norm * queryNorm)
            }
        case .naiveBayes:
            return RepertoireFit.fits(evidence, profiles: profiles).map(\.logLikelihood)
        }
    }
}
