import ArgumentParser
import Attribution
import Foundation
import STIX
import VigilKit

/// `vigil attribution`: how well attribution works, measured on ATT&CK releases.
struct AttributionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attribution",
        abstract: "Measure the attribution model on ATT&CK releases.",
        subcommands: [AttributionEvaluate.self, AttributionFitCommand.self]
    )
}

/// `vigil attribution evaluate RELEASE...`
struct AttributionEvaluate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Evaluate attribution on ATT&CK Enterprise bundles given in release order (oldest first).",
        discussion: """
            Nested (the default): for each release from the third on, every parameter of the model \
            is fitted on the cases earlier releases introduced, and the cases this release \
            introduces are scored with it; no case is scored by a fit that saw it. A release \
            introduces its new campaigns (against the release before; and left out of itself, \
            loco) and its report cases (a citation first seen in it and cited only by one group's \
            uses relationships, at least 5 techniques, against the release before). Relationships \
            whose citations all belong to the case are dropped from the profiles. Vigil's model, \
            its ablations (techniques only, software only, without the case's date, without the \
            past reports, without the repertoire) and four baselines (shared, jaccard, \
            tfidf, naive-bayes) score the same cases; top-k are expected values under random \
            tie-breaking with 95% Wilson intervals, MRR with a 95% bootstrap interval. The \
            calibration table bins the confidence Vigil states, "unknown actor" included. \
            --fixed scores the rolling protocols of the newest release with the shipped parameters.
            """
    )

    @Argument(help: ArgumentHelp("ATT&CK Enterprise STIX bundles, oldest release first.", valueName: "RELEASE"))
    var releases: [String]

    @Flag(help: "Print everything as one JSON document.")
    var json = false

    @Flag(help: "Score with the shipped parameters instead of nested fits (the parameters were fitted on these releases: optimistic).")
    var fixed = false

    @Option(help: "Cases with fewer techniques (parents included) are left out.")
    var minimumTechniques = 5

    func run() async throws {
        let run = AttributionEvaluationRun(releases: releases, minimumTechniques: minimumTechniques, fixed: fixed)
        let result = try Failure.report { try run.run() }
        if json {
            var document = result.evaluation.json
            if case .object(var members) = document {
                members["folds"] = .array(result.folds.map(EvaluationText.foldJSON))
                document = .object(members)
            }
            Console.out(JSONWriter(pretty: true).string(document))
        } else {
            EvaluationText.print(result.evaluation, releases: result.releaseNames, folds: result.folds)
        }
        Console.message(String(
            format: "%d releases read in %.1f s; %d cases evaluated; %.1f s in all", result.releaseNames.count, result.loadSeconds, result.cases,
            result.seconds))
    }
}

/// `vigil attribution fit RELEASE...`
struct AttributionFitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fit",
        abstract: "Fit every parameter of the model on the cases ATT&CK releases introduce (oldest first).",
        discussion: """
            Ranking parameters (coverage, software weight, absence weight, smoothing, dormancy \
            weight, report weight, repertoire weight) by mean reciprocal rank, then calibration (temperature, size \
            exponent, unknown prior) by log loss, each on a grid. The shipped defaults are this command's answer on the development \
            releases 10.1 to 15.1; `vigil attribution evaluate` measures them only on cases a fit \
            never saw.
            """
    )

    @Argument(help: ArgumentHelp("ATT&CK Enterprise STIX bundles, oldest release first.", valueName: "RELEASE"))
    var releases: [String]

    @Flag(help: "Print the parameters as JSON.")
    var json = false

    func run() async throws {
        let (model, cases) = try Failure.report { try AttributionEvaluationRun(releases: releases).fit() }
        if json {
            Console.out(JSONWriter(pretty: true).string(model.parametersJSON))
        } else {
            Console.out(EvaluationText.parameters(model))
        }
        Console.message("fitted on \(cases) cases")
    }
}
