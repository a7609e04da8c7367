import Foundation

/// How likely a group's repertoire makes the techniques a case lists, as naive Bayes reads it:
/// each listed technique (as the rules or ATT&CK name it, parents not added) is drawn from the
/// group's repertoire, where a technique the group is known to use is twice as likely as one it
/// is not, and a larger repertoire spreads that chance thinner. The model's own log ratio
/// rewards a rare match whatever the group's size; this view asks how much of its repertoire a
/// group needed to explain the case, so a group known for everything does not win by breadth.
public struct RepertoireFit: Sendable, Hashable {
    /// Listed techniques of the case the group is known to use, of `listed`.
    public var shared: Int
    public var listed: Int
    /// Techniques the group is known to use (as listed, parents not added).
    public var repertoire: Int
    /// Naive Bayes log likelihood of the listed techniques under the group (uniform prior,
    /// Laplace smoothing over every technique the groups or the case name).
    public var logLikelihood: Double

    /// Every group's fit to the techniques `evidence` lists, in profile order.
    public static func fits(_ evidence: CaseEvidence, profiles: GroupProfiles) -> [RepertoireFit] {
        let listed = Set(evidence.observed.keys.filter { $0.kind == .technique })
        var vocabulary = listed
        let repertoires = profiles.profiles.map { $0.listed.filter { $0.kind == .technique } }
        for repertoire in repertoires { vocabulary.formUnion(repertoire) }
        return repertoires.map { repertoire in
            let denominator = log(Double(repertoire.count + vocabulary.count))
            let shared = listed.intersection(repertoire).count
            return RepertoireFit(
                shared: shared, listed: listed.count, repertoire: repertoire.count,
                logLikelihood: Double(shared) * log(2) - Double(listed.count) * denominator)
        }
    }

    /// The explanation line for a score moved by `delta`.
    func contribution(delta: Double, mean: Double) -> Contribution {
        let reason = String(
            format: "holds %d of the case's %d listed techniques in a repertoire of %d (naive Bayes log likelihood %.2f; all groups' mean %.2f)",
            shared, listed, repertoire, logLikelihood, mean)
        return Contribution(kind: .repertoire, feature: nil, name: nil, delta: delta, reason: reason, sources: [])
    }
}
