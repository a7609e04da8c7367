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

/// The honest protocol on the ATT&CK development releases: each release's cases scored with
/// parameters fitted on earlier releases' cases only, the calibration of the stated confidence.
@Suite("Attribution on ATT&CK 10.1–15.1, nested", .enabled(if: SharedData.isUsable, SharedData.skipReason))
struct DevelopmentReleaseTests {
    static let names = ["10.1", "11.3", "12.1", "13.1", "14.1", "15.1"]

    static let releases: [KnowledgeRelease]? = {
        var releases: [KnowledgeRelease] = []
        for name in names {
            guard let bytes = try? SharedData.bytes("attack/enterprise-attack-\(name).stix20.json"),
                  let content = try? STIXBundleReader.content(bytes) else { return nil }
            releases.append(KnowledgeRelease(name: name, knowledge: AttackKnowledge(objects: content.candidates.map(\.object))))
        }
        return releases
    }()

    static let nested: NestedEvaluation? = releases.map { NestedEvaluation(releases: $0) }

    @Test func noCaseIsScoredByAFitThatSawItNorReadsNewerKnowledge() throws {
        let releases = try #require(Self.releases, "the releases could not be read")
        let nested = try #require(Self.nested)
        let builder = EvaluationCases()
        #expect(nested.folds.map(\.release) == ["12.1", "13.1", "14.1", "15.1"])
        for fold in nested.folds {
            let index = try #require(releases.firstIndex { $0.name == fold.release })
            let scored = builder.introduced(in: index, of: releases)
            let fitted = (0..<index).flatMap { builder.introduced(in: $0, of: releases) }
            #expect(fold.cases == scored.count && fold.fitCases == fitted.count)
            let key = { (c: EvaluationCase) in "\(c.evaluationProtocol.rawValue) \(c.name)" }
            #expect(Set(scored.map(key)).isDisjoint(with: fitted.map(key)), "\(fold.release)")
            // Each case reads its own release (loco) or the one before, never a newer one.
            #expect(scored.allSatisfy { [releases[index].name, releases[index - 1].name].contains($0.profileRelease) })
        }
    }

    /// The figures as measured on 2026-12-08 (`vigil attribution evaluate` over the six
    /// releases), kept here so that a change cannot make them worse unnoticed. All three meet
    /// the goals (.45, .65, .60).
    @Test(arguments: [
        (EvaluationProtocol.campaigns, 10, 0.665),
        (EvaluationProtocol.reports, 14, 0.68),
        (EvaluationProtocol.loco, 11, 0.61),
    ])
    func nestedFigures(evaluationProtocol: EvaluationProtocol, closed: Int, measured: Double) throws {
        let evaluation = try #require(Self.nested).evaluation
        let result = try #require(evaluation.protocols.first { $0.evaluationProtocol == evaluationProtocol })
        #expect(result.closedCount == closed)
        let vigil = try #require(result.scorers.first { $0.scorer == "vigil" })
        #expect(vigil.metrics.mrr >= measured - 0.005, "MRR \(vigil.metrics.mrr)")
        #expect(vigil.metrics.mrrInterval.contains(vigil.metrics.mrr))
        #expect(result.scorers.map(\.scorer) == ["vigil", "vigil:techniques", "vigil:software", "vigil:untimed", "vigil:no-past-reports", "vigil:no-repertoire", "shared", "jaccard", "tfidf", "naive-bayes"])
    }

    @Test func statedConfidenceMatchesMeasuredAccuracy() throws {
        let evaluation = try #require(Self.nested).evaluation
        // The confidence Vigil states ("unknown actor" included), per ICD 203 band: each band's
        // measured accuracy interval holds the band's mean stated confidence.
        #expect(evaluation.wordBands.map(\.n).reduce(0, +) == evaluation.verdicts.count)
        for band in evaluation.wordBands where band.n > 0 {
            let stated = band.meanConfidence / 100
            #expect(band.accuracy.lower <= stated && stated <= band.accuracy.upper, "\(band.label): stated \(stated), measured \(band.accuracy)")
        }
    }
}
