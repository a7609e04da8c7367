import Attribution
import Foundation
import Testing

@Suite struct BaselineTests {
    /// Group A uses T1, T2; group B uses T2, T3, T4 and software S1.
    static func profiles() -> (GroupProfiles, a: Int, b: Int) {
        var toy = ToyKnowledge()
        toy.uses(toy.group("A", "G0001"), ["T1001", "T1002"])
        toy.uses(toy.group("B", "G0002"), ["T1002", "T1003", "T1004", "S0001"])
        let profiles = GroupProfiles(knowledge: toy.knowledge)
        let a = profiles.profiles.firstIndex { $0.group.name == "A" }!
        let b = profiles.profiles.firstIndex { $0.group.name == "B" }!
        return (profiles, a, b)
    }

    @Test(arguments: [
        // baseline, evidence, score of A, score of B
        (Baseline.shared, ["T1001", "T1002"], 2.0, 1.0),
        (Baseline.jaccard, ["T1001", "T1002"], 1.0, 0.25),
        (Baseline.jaccard, ["T1002", "T1003"], 1.0 / 3, 2.0 / 3),
        // naive Bayes: vocabulary {T1001..T1004} = 4; A: log(2/6)+log(2/6); B: log(1/7)+log(2/7).
        (Baseline.naiveBayes, ["T1001", "T1002"], 2 * log(2.0 / 6), log(1.0 / 7) + log(2.0 / 7)),
        // TF-IDF over techniques and software: idf(T1002) = ln(2/2) = 0, others ln 2.
        (Baseline.tfidf, ["T1001"], 1.0, 0.0),
        (Baseline.tfidf, ["S0001", "T1003"], 0.0, sqrt(2.0 / 3)),
    ])
    func baselineScores(baseline: Baseline, evidence: [String], a: Double, b: Double) {
        let (profiles, indexA, indexB) = Self.profiles()
        let scores = baseline.scores(.of(evidence), profiles: profiles)
        #expect(abs(scores[indexA] - a) < 1e-9, "\(baseline) A: \(scores[indexA]) vs \(a)")
        #expect(abs(scores[indexB] - b) < 1e-9, "\(baseline) B: \(scores[indexB]) vs \(b)")
    }

    @Test func baselinesSeeTechniquesAsListedWithoutParents() {
        var toy = ToyKnowledge()
        toy.uses(toy.group("Parent", "G0001"), ["T1566"])
        for index in 0..<4 { toy.uses(toy.group("Filler \(index)", "G009\(index)"), ["T1082"]) }
        let profiles = GroupProfiles(knowledge: toy.knowledge)
        #expect(profiles.profiles[0].group.name == "Parent")
        // The sub-technique is a different listed technique: no overlap for the baselines...
        #expect(Baseline.shared.scores(.of(["T1566.002"]), profiles: profiles)[0] == 0)
        // ...while Vigil's model rolls it up to the parent, which the fillers do not use.
        let vigil = AttributionModel().scores(.of(["T1566.002"]), profiles: profiles)
        #expect(vigil.dropFirst().allSatisfy { vigil[0] > $0 }, "\(vigil)")
    }
}
