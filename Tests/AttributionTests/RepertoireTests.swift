import Attribution
import Foundation
import Testing

@Suite struct RepertoireTests {
    /// "Small" knows two techniques, "Large" those two and eight more, "Other" one of its own:
    /// eleven techniques in all.
    static func groups() -> (ToyKnowledge, small: String, large: String) {
        var toy = ToyKnowledge()
        let small = toy.group("Small", "G0001")
        toy.uses(small, ["T1001", "T1002"], citations: ["Small 2022"])
        let large = toy.group("Large", "G0002")
        toy.uses(large, (1...10).map { "T10\(String(format: "%02d", $0))" }, citations: ["Large 2022"])
        toy.uses(toy.group("Other", "G0003"), ["T1020"], citations: ["Other 2022"])
        return (toy, small, large)
    }

    @Test(arguments: [
        // listed, then per group (Small, Large, Other): shared techniques and log likelihood
        (["T1001", "T1002"], [2, 2, 0], [2 * log(2.0) - 2 * log(13.0), 2 * log(2.0) - 2 * log(21.0), -2 * log(12.0)]),
        // A technique no group names widens the vocabulary to 12.
        (["T1001", "T1099"], [1, 1, 0], [log(2.0) - 2 * log(14.0), log(2.0) - 2 * log(22.0), -2 * log(13.0)]),
        // As listed: a sub-technique does not stand for its parent.
        (["T1001.001"], [0, 0, 0], [-log(14.0), -log(22.0), -log(13.0)]),
        // Software is not part of the repertoire.
        (["S0001", "T1001"], [1, 1, 0], [log(2.0) - log(13.0), log(2.0) - log(21.0), -log(12.0)]),
    ])
    func fitsAreNaiveBayesOverTheListedTechniques(listed: [String], shared: [Int], logLikelihoods: [Double]) {
        let profiles = GroupProfiles(knowledge: Self.groups().0.knowledge)
        let fits = RepertoireFit.fits(.of(listed), profiles: profiles)
        let byName = Dictionary(uniqueKeysWithValues: zip(profiles.profiles.map(\.group.name), fits))
        for (index, name) in ["Small", "Large", "Other"].enumerated() {
            let fit = byName[name]
            #expect(fit?.shared == shared[index], "\(name)")
            #expect(fit.map { abs($0.logLikelihood - logLikelihoods[index]) < 1e-12 } == true, "\(name): \(String(describing: fit))")
        }
        #expect(Baseline.naiveBayes.scores(.of(listed), profiles: profiles) == fits.map(\.logLikelihood))
    }

    @Test func aSmallerRepertoireExplainingTheSameTechniquesGoesFirst() throws {
        let (toy, small, large) = Self.groups()
        let profiles = GroupProfiles(knowledge: toy.knowledge)
        let evidence = CaseEvidence.of(["T1001", "T1002"])
        var without = AttributionModel()
        without.reportWeight = 0
        without.repertoireWeight = 0
        let tied = without.attribute(evidence, profiles: profiles).ranking.filter { [small, large].contains($0.group.id) }.map(\.score)
        #expect(tied.count == 2 && abs(tied[0] - tied[1]) < 1e-12, "the log ratios alone cannot tell them apart: \(tied)")

        var model = without
        model.repertoireWeight = AttributionModel().repertoireWeight
        let result = model.attribute(evidence, profiles: profiles)
        let first = try #require(result.ranking.first)
        #expect(first.group.id == small)
        let line = try #require(first.contributions.first { $0.kind == .repertoire })
        #expect(line.delta > 0 && line.reason.hasPrefix("holds 2 of the case's 2 listed techniques in a repertoire of 2"), "\(line.reason)")
        #expect(abs(first.contributions.reduce(0) { $0 + $1.delta } - first.score) < 1e-9)
        let largeLine = try #require(result.ranking.first { $0.group.id == large }?.contributions.first { $0.kind == .repertoire })
        #expect(largeLine.delta < line.delta)
        // The evaluation's scores are the ranking's.
        let scores = model.scores(evidence, profiles: profiles)
        for ranked in result.ranking {
            let index = try #require(profiles.profiles.firstIndex { $0.group.id == ranked.group.id })
            #expect(abs(scores[index] - ranked.score) < 1e-9)
        }
    }
}
