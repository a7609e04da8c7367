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
        subcommands: [AttributionEvaluate.self]
    )
}

/// `vigil attribution evaluate RELEASE...`
struct AttributionEvaluate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Evaluate attribution on ATT&CK Enterprise bundles given in release order (oldest first).",
        discussion: """
            Protocols: campaigns (each campaign of the newest release against the group profiles \
            of the release before the one it first appeared in), reports (a citation first seen in \
            a release and cited only by one group's uses relationships, at least 5 techniques, \
            against the release before), loco (leave one campaign out of the newest release). \
            Relationships whose citations all belong to the case are dropped from the profiles. \
            Vigil's model and four baselines (shared, jaccard, tfidf, naive-bayes) score the same \
            cases; top-k are expected values under random tie-breaking, with 95% Wilson intervals.
            """
    )

    @Argument(help: ArgumentHelp("ATT&CK Enterprise STIX bundles, oldest release first.", valueName: "RELEASE"))
    var releases: [String]

    @Flag(help: "Print everything as one JSON document.")
    var json = false

    @Flag(help: "Also fit the temperature and unknown prior on these cases and report them.")
    var fit = false

    @Option(help: "Cases with fewer techniques (parents included) are left out.")
    var minimumTechniques = 5

    func run() async throws {
        let run = AttributionEvaluationRun(releases: releases, minimumTechniques: minimumTechniques, fit: fit)
        let result = try Failure.report { try run.run() }
        if json {
            Console.out(JSONWriter(pretty: true).string(result.evaluation.json))
        } else {
            EvaluationText.print(result.evaluation, releases: result.releaseNames)
        }
        let model = result.model
        Console.message(String(
            format: "%d releases read in %.1f s; %d cases evaluated; %.1f s in all%@", result.releaseNames.count, result.loadSeconds, result.cases,
            result.seconds, fit ? String(format: "; fitted temperature %.2f, size exponent %.2f, unknown prior %.2f", model.temperature, model.sizeExponent, model.unknownPrior) : ""))
    }
}
