import Attribution
import Testing

@Suite struct ResemblanceTests {
    /// Two groups with the same profile: "Playbook" reported its six techniques in two reports
    /// of three, "Scattered" in six reports of one. Fillers make the techniques rare.
    static func twins() -> (ToyKnowledge, playbook: String, scattered: String) {
        var toy = ToyKnowledge()
        for index in 0..<6 { toy.uses(toy.group("Filler \(index)", "G09\(index)"), ["T1059", "T10\(70 + index)"], citations: ["Filler report \(index)"]) }
        let playbook = toy.group("Playbook", "G0001")
        toy.uses(playbook, ["T1001", "T1002", "T1003"], citations: ["Playbook 2021"])
        toy.uses(playbook, ["T1004", "T1005", "T1006"], citations: ["Playbook 2023"])
        let scattered = toy.group("Scattered", "G0002")
        for (index, technique) in ["T1001", "T1002", "T1003", "T1004", "T1005", "T1006"].enumerated() {
            toy.uses(scattered, [technique], citations: ["Scattered note \(index)"])
        }
        return (toy, playbook, scattered)
    }

    @Test func aCaseLikeOnePastReportFavoursItsGroup() throws {
        let (toy, playbook, scattered) = Self.twins()
        let profiles = GroupProfiles(knowledge: toy.knowledge)
        let evidence = CaseEvidence.of(["T1001", "T1002", "T1003"])
        var without = AttributionModel()
        without.reportWeight = 0
        let plain = without.attribute(evidence, profiles: profiles)
        let tied = plain.ranking.filter { [playbook, scattered].contains($0.group.id) }.map(\.score)
        #expect(tied.count == 2 && abs(tied[0] - tied[1]) < 1e-12, "the profiles alone cannot tell them apart: \(tied)")

        let result = AttributionModel().attribute(evidence, profiles: profiles)
        #expect(result.ranking.first?.group.id == playbook)
        let group = try #require(result.ranking.first)
        let line = try #require(group.contributions.first { $0.kind == .pastReport })
        #expect(line.name == "Playbook 2021" && line.delta > 0)
        #expect(line.reason.contains("3 of its 3 features"), "\(line.reason)")
        #expect(abs(group.contributions.reduce(0) { $0 + $1.delta } - group.score) < 1e-9)
        // The evaluation's scores are the ranking's.
        let scores = AttributionModel().scores(evidence, profiles: profiles)
        for ranked in result.ranking {
            let index = try #require(profiles.profiles.firstIndex { $0.group.id == ranked.group.id })
            #expect(abs(scores[index] - ranked.score) < 1e-9)
        }
    }

    @Test(arguments: [
        // scores, resemblances, weight, shifts
        ([0.0, 2.0], [0.0, 1.0], 1.0, [-1.0, 1.0]),
        ([0.0, 2.0], [0.0, 1.0], 0.5, [-0.5, 0.5]),
        ([0.0, 4.0, 2.0], [3.0, 3.0, 3.0], 1.0, [0.0, 0.0, 0.0]),
        ([1.0, 2.0], [0.0, 1.0], 0.0, [0.0, 0.0]),
        ([5.0], [2.0], 1.0, [0.0]),
    ])
    func theShiftIsTheResemblancesStandardScoreInScoreDeviations(scores: [Double], resemblances: [Double], weight: Double, shifts: [Double]) {
        let measured = AttributionModel.standardShifts(scores: scores, values: resemblances, weight: weight)
        #expect(zip(measured, shifts).allSatisfy { abs($0 - $1) < 1e-12 } && measured.count == shifts.count, "\(measured)")
    }
}
