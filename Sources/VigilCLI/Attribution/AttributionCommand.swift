import ArgumentParser
import Attribution
import Foundation
import STIX

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
        guard releases.count >= 2 else {
            Console.error("give at least two releases, oldest first (the rolling protocols need a release before each case)")
            throw ExitStatus.badInput
        }
        let started = Date()
        let loaded = try KnowledgeLoader.releases(releases)
        let loadSeconds = Date().timeIntervalSince(started)
        let builder = EvaluationCases(minimumTechniques: minimumTechniques)
        var cases = builder.campaigns(loaded) + builder.reports(loaded)
        if let newest = loaded.last { cases += builder.leaveOneCampaignOut(newest) }
        var model = AttributionModel()
        if fit {
            model = AttributionEvaluation.fitCalibration(cases, model: model)
        }
        let evaluation = AttributionEvaluation(cases: cases, model: model)
        let seconds = Date().timeIntervalSince(started)
        if json {
            Console.out(JSONWriter(pretty: true).string(evaluation.json))
        } else {
            EvaluationText.print(evaluation, releases: loaded.map(\.name))
        }
        Console.message(String(
            format: "%d releases read in %.1f s; %d cases evaluated; %.1f s in all%@", loaded.count, loadSeconds, cases.count,
            seconds, fit ? String(format: "; fitted temperature %.2f, size exponent %.2f, unknown prior %.2f", model.temperature, model.sizeExponent, model.unknownPrior) : ""))
    }
}

/// Reads STIX bundles into attribution knowledge.
enum KnowledgeLoader {
    /// Each file as a release named after the file, read in parallel.
    static func releases(_ paths: [String]) throws -> [KnowledgeRelease] {
        let results = paths.concurrentMap(minimumChunk: 1) { path -> Result<KnowledgeRelease, InputFiles.Failure> in
            do {
                let bytes = try InputFiles.read(path)
                let content = try STIXBundleReader.content(bytes)
                let name = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
                    .replacingOccurrences(of: ".stix20", with: "").replacingOccurrences(of: ".stix21", with: "")
                return .success(KnowledgeRelease(name: name, knowledge: AttackKnowledge(objects: content.candidates.map(\.object))))
            } catch let failure as InputFiles.Failure {
                return .failure(failure)
            } catch {
                return .failure(InputFiles.Failure(path: path, reason: "not a STIX bundle: \(error)"))
            }
        }
        var releases: [KnowledgeRelease] = []
        for result in results {
            switch result {
            case .success(let release): releases.append(release)
            case .failure(let failure):
                Console.error(failure.description)
                throw ExitStatus.badInput
            }
        }
        return releases
    }
}
