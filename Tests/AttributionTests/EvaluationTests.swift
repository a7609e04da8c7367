import Attribution
import Foundation
import STIX
import TestSupport
import Testing

@Suite struct EvaluationProtocolTests {
    /// Two releases: the second adds a campaign of an existing group, a report of an existing
    /// group, a report of a new group, and a campaign of a new group.
    static func releases() -> [KnowledgeRelease] {
        var first = ToyKnowledge()
        let old = first.group("Old", "G0001", citations: ["Old 2019"])
        first.uses(old, ["T1001", "T1002", "T1003", "T1004", "T1005", "T1006"], citations: ["Old 2019"])
        let other = first.group("Other", "G0002")
        first.uses(other, ["T1001", "T1010", "T1011"], citations: ["Other 2019"])

        var second = first
        // A campaign of Old, cited by its report; Old's profile also gets a relationship that
        // only that report cites (which must not leak into the case's profiles).
        let campaign = second.campaign("Operation Test", "C0001", citations: ["Campaign Report 2021"])
        second.relate(campaign, "attributed-to", old, citations: ["Campaign Report 2021"])
        second.uses(campaign, ["T1001", "T1002", "T1003", "T1004", "T1007"], citations: ["Campaign Report 2021"])
        second.uses(old, ["T1008"], citations: ["Campaign Report 2021"])
        // A report cited only by Old's uses: a report case, closed set.
        second.uses(old, ["T1002", "T1003", "T1004", "T1005", "T1006"], citations: ["Old Report 2021"])
        // A report of a group new in this release: open set.
        let new = second.group("New", "G0003", citations: ["New Report 2021"])
        second.uses(new, ["T1020", "T1021", "T1022", "T1023", "T1024"], citations: ["New Report 2021"])
        // A report cited by two groups is nobody's case.
        second.uses(other, ["T1030", "T1031", "T1032", "T1033", "T1034"], citations: ["Shared Report 2021"])
        second.uses(old, ["T1035"], citations: ["Shared Report 2021"])
        return [
            KnowledgeRelease(name: "r1", knowledge: first.knowledge), KnowledgeRelease(name: "r2", knowledge: second.knowledge),
        ]
    }

    @Test func campaignsAreScoredAgainstTheReleaseBeforeTheirFirstAppearance() throws {
        let cases = EvaluationCases().campaigns(Self.releases())
        let only = try #require(cases.first)
        #expect(cases.count == 1)
        #expect(only.name == "Operation Test" && only.truth.name == "Old" && only.profileRelease == "r1")
        #expect(only.isClosedSet)
        #expect(only.profiles.profile(of: only.truth.id)?.featureSet.contains(.technique("T1008")) == false)
    }

    @Test func reportCasesAreNewCitationsOfOneGroupOnly() {
        let cases = EvaluationCases().reports(Self.releases())
        #expect(cases.map(\.name) == ["New Report 2021", "Old Report 2021"])
        #expect(cases.map(\.isClosedSet) == [false, true])
        #expect(cases.allSatisfy { $0.profileRelease == "r1" })
    }

    @Test func leaveOneCampaignOutDropsTheCampaignAndWhatOnlyItsReportCites() throws {
        let releases = Self.releases()
        let cases = EvaluationCases().leaveOneCampaignOut(try #require(releases.last))
        let only = try #require(cases.first)
        let profile = try #require(only.profiles.profile(of: only.truth.id))
        #expect(!profile.featureSet.contains(.technique("T1007")))
        #expect(!profile.featureSet.contains(.technique("T1008")))
        #expect(profile.featureSet.contains(.technique("T1035")))
    }

    @Test func theEvaluationReportsEveryScorerAndTheOpenSet() throws {
        let releases = Self.releases()
        let builder = EvaluationCases()
        let cases = builder.campaigns(releases) + builder.reports(releases) + builder.leaveOneCampaignOut(try #require(releases.last))
        let evaluation = AttributionEvaluation(cases: cases, model: AttributionModel())
        #expect(evaluation.protocols.map(\.evaluationProtocol) == [.campaigns, .reports, .loco])
        let reports = try #require(evaluation.protocols.first { $0.evaluationProtocol == .reports })
        #expect(reports.closedCount == 1 && reports.openCount == 1)
        #expect(reports.scorers.map(\.scorer) == ["vigil", "shared", "jaccard", "tfidf", "naive-bayes"])
        #expect(reports.scorers[0].ranks.first?.outcome.rank == 1)
        let json = JSONWriter().string(evaluation.json)
        for key in ["\"campaigns\"", "\"reports\"", "\"loco\"", "\"top1\"", "\"top5\"", "\"top10\"", "\"mrr\"", "\"ranks\"", "\"n\""] {
            #expect(json.contains(key), "missing \(key)")
        }
    }
}

/// The acceptance figures on the ATT&CK development releases.
@Suite("Attribution on ATT&CK 12.1–15.1", .enabled(if: SharedData.isUsable, SharedData.skipReason))
struct DevelopmentReleaseTests {
    static let evaluation: AttributionEvaluation? = {
        let names = ["12.1", "13.1", "14.1", "15.1"]
        var releases: [KnowledgeRelease] = []
        for name in names {
            guard let bytes = try? SharedData.bytes("attack/enterprise-attack-\(name).stix20.json"),
                  let content = try? STIXBundleReader.content(bytes) else { return nil }
            releases.append(KnowledgeRelease(name: name, knowledge: AttackKnowledge(objects: content.candidates.map(\.object))))
        }
        let builder = EvaluationCases()
        let cases = builder.campaigns(releases) + builder.reports(releases) + builder.leaveOneCampaignOut(releases[3])
        return AttributionEvaluation(cases: cases, model: AttributionModel())
    }()

    @Test(arguments: [
        // protocol, closed-set cases, Vigil's minimum MRR (the goals; loco: its best baseline outside, .43)
        (EvaluationProtocol.campaigns, 9, 0.40),
        (EvaluationProtocol.reports, 11, 0.60),
        (EvaluationProtocol.loco, 11, 0.43),
    ])
    func vigilBeatsEveryBaseline(evaluationProtocol: EvaluationProtocol, closed: Int, goal: Double) throws {
        let evaluation = try #require(Self.evaluation, "the four releases could not be read")
        let result = try #require(evaluation.protocols.first { $0.evaluationProtocol == evaluationProtocol })
        #expect(result.closedCount == closed)
        let vigil = try #require(result.scorers.first { $0.scorer == "vigil" })
        #expect(vigil.metrics.mrr >= goal, "MRR \(vigil.metrics.mrr)")
        for baseline in result.scorers where baseline.scorer != "vigil" {
            #expect(vigil.metrics.mrr > baseline.metrics.mrr, "\(baseline.scorer) MRR \(baseline.metrics.mrr) ≥ vigil \(vigil.metrics.mrr)")
        }
    }

    @Test func statedConfidenceMatchesMeasuredAccuracy() throws {
        let evaluation = try #require(Self.evaluation)
        // Each word band's measured accuracy interval holds the band's mean stated confidence,
        // and the bands are ordered.
        let bands = evaluation.wordBands.filter { $0.n > 0 }
        #expect(bands.count == 3)
        for band in bands {
            let stated = band.meanConfidence / 100
            #expect(band.accuracy.lower <= stated && stated <= band.accuracy.upper, "\(band.label): stated \(stated), measured \(band.accuracy)")
        }
        #expect(zip(bands, bands.dropFirst()).allSatisfy { $0.accuracy.value <= $1.accuracy.value })
    }
}
