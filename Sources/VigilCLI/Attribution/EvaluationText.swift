import Attribution
import Foundation
import Reports
import STIX

/// How an attribution evaluation reads on the terminal.
enum EvaluationText {
    static func print(_ evaluation: AttributionEvaluation, releases: [String], folds: [NestedEvaluation.Fold]) {
        Console.out("Attribution evaluation over \(releases.joined(separator: ", "))")
        if !folds.isEmpty {
            Console.out("Nested: each release's cases scored with parameters fitted on earlier releases' cases")
            var table = TextTable([.init("release"), .init("fit on", .right), .init("scored", .right), .init("parameters")], indent: 2)
            for fold in folds { table.add([fold.release, "\(fold.fitCases)", "\(fold.cases)", parameters(fold.model)]) }
            Console.out(table.render())
        }
        for result in evaluation.protocols {
            Console.out()
            Console.out("\(title(result.evaluationProtocol)): \(result.closedCount) closed-set cases, \(result.openCount) open-set")
            var table = TextTable([
                .init("scorer"), .init("n", .right), .init("top-1", .right), .init("top-5", .right), .init("top-10", .right),
                .init("MRR", .right),
            ], indent: 2)
            for scorer in result.scorers {
                let m = scorer.metrics
                table.add([
                    scorer.scorer, "\(m.n)", format(m.top1), format(m.top5), format(m.top10),
                    String(format: "%.2f [%.2f–%.2f]", m.mrr, m.mrrInterval.lowerBound, m.mrrInterval.upperBound),
                ])
            }
            Console.out(table.render())
            if let n = result.scorers.first?.metrics.n, n < 30 {
                Console.out("  n = \(n): too few cases to conclude; read the intervals, not the point values")
            }
            if let vigil = result.scorers.first {
                Console.out("  vigil's rank of the true group: " + vigil.ranks.map { "\($0.outcome.rank)" }.joined(separator: " "))
            }
            var openSet: [String] = []
            if let rate = result.unknownRateOpen { openSet.append(String(format: "answers \"unknown\" for %.0f%% of open-set cases", rate * 100)) }
            if let rate = result.unknownRateClosed {
                openSet.append(String(format: openSet.isEmpty ? "answers \"unknown\" for %.0f%% of closed-set cases" : "%.0f%% of closed-set cases", rate * 100))
            }
            if let auroc = result.openSetAUROC { openSet.append(String(format: "AUROC of top confidence (closed vs open) %.2f", auroc)) }
            if !openSet.isEmpty { Console.out("  " + openSet.joined(separator: ", ")) }
        }
        let pooled = evaluation.pooledOpenSet
        let open = evaluation.verdicts.filter { !$0.closedSet }.count
        Console.out()
        Console.out("Open set, all protocols (\(open) open-set cases, \(evaluation.verdicts.count - open) closed-set): "
            + String(format: "\"unknown\" for %.0f%% of open-set and %.0f%% of closed-set cases; AUROC of top confidence %.2f",
                (pooled.unknownRateOpen ?? 0) * 100, (pooled.unknownRateClosed ?? 0) * 100, pooled.auroc ?? .nan))
        Console.out()
        Console.out("Calibration: the confidence Vigil states (of its verdict, \"unknown actor\" included) vs how often the verdict is right (all \(evaluation.verdicts.count) cases)")
        var table = TextTable([
            .init("confidence"), .init("n", .right), .init("mean confidence", .right), .init("accuracy", .right),
            .init("95% interval", .right),
        ], indent: 2)
        for bin in evaluation.reliability + evaluation.wordBands {
            table.add([
                bin.label, "\(bin.n)", bin.n == 0 ? "-" : String(format: "%.0f", bin.meanConfidence),
                bin.n == 0 ? "-" : String(format: "%.2f", bin.accuracy.value),
                bin.n == 0 ? "-" : String(format: "%.2f–%.2f", bin.accuracy.lower, bin.accuracy.upper),
            ])
        }
        Console.out(table.render())
    }

    /// The parameters on one line.
    static func parameters(_ model: AttributionModel) -> String {
        String(
            format: "coverage %.2f, software weight %.1f, absence weight %.1f, smoothing %.2f, dormancy weight %.2f, report weight %.2f, repertoire weight %.2f, temperature %.2f, size exponent %.2f, unknown prior %.2f",
            model.coverage, model.softwareWeight, model.absenceWeight, model.smoothing, model.dormancyWeight, model.reportWeight, model.repertoireWeight, model.temperature, model.sizeExponent,
            model.unknownPrior)
    }

    static func foldJSON(_ fold: NestedEvaluation.Fold) -> JSONValue {
        var object = JSONObject()
        object["release"] = .string(fold.release)
        object["fit_cases"] = .int(Int64(fold.fitCases))
        object["cases"] = .int(Int64(fold.cases))
        object["model"] = fold.model.parametersJSON
        return .object(object)
    }

    static func title(_ evaluationProtocol: EvaluationProtocol) -> String {
        switch evaluationProtocol {
        case .campaigns: return "Campaigns (against the release before, leakage-controlled)"
        case .reports: return "Report cases (against the release before, leakage-controlled)"
        case .loco: return "Leave one campaign out"
        }
    }

    static func format(_ proportion: Proportion) -> String {
        String(format: "%.2f [%.2f–%.2f]", proportion.value, proportion.lower, proportion.upper)
    }
}
