import ArgumentParser
import Attribution
import Foundation
import IntelStore
import Reports
import STIX
import VigilKit

/// `vigil attribute CASE [--top N] [--explain] [--format text|json|stix|statement]`
struct AttributeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attribute",
        abstract: "Rank the known intrusion sets against a case's techniques, software and indicator hits, and explain why.",
        discussion: """
            Knowledge comes from the intel store (vigil update or vigil intel import an ATT&CK \
            bundle). A score adds, for the techniques and for the software, the mean log \
            likelihood ratio of their items under the group's profile (each kind counts as one \
            witness), and the log ratios of indicator hits and the victim; the confidence \
            (0-100) is the posterior probability, in the words of ICD 203 (low < 50, moderate \
            50-79, high >= 80). The verdict names a group only when it is more likely than not \
            (and than an unknown actor, taken to explain the evidence as well as the average known \
            group); otherwise it is "unknown actor". --format statement writes the \
            paragraphs a government could publish: the assessment with its confidence band \
            (capped when the evidence is thin or contested), the public attributions of the \
            group to a state with their sources, and what --max-tlp withheld.
            """
    )

    /// The forms of the answer: the attribution's own, or the statement drawn from the report.
    enum Format: String, ExpressibleByArgument, CaseIterable { case text, json, stix, statement }

    @OptionGroup var store: StoreOptions
    @Argument(help: "The case's name.") var name: String
    @Option(help: "How many groups to list.") var top = 10
    @Flag(help: "List every piece of evidence that moved each listed group's score.") var explain = false
    @Option(help: "text, json (the ranking), stix (a STIX 2.1 bundle) or statement (for publication).") var format: Format = .text
    @Option(name: .customLong("max-tlp"), help: ArgumentHelp("With --format statement: leave out what is marked above this.", valueName: "LEVEL"))
    var maxTLP: TLPLevel = .red
    @OptionGroup var victim: VictimOptions
    @Option(name: .shortAndLong, help: ArgumentHelp("Output file; standard output when absent.", valueName: "FILE"))
    var output: String?
    @Option(help: ArgumentHelp("With --format stix: also store the report in the intel store and this collection, for `vigil serve` to share.", valueName: "ALIAS"))
    var collection: String?

    func run() async throws {
        if collection != nil && format != .stix {
            Console.error("--collection shares the STIX report: add --format stix")
            throw ExitStatus.badInput
        }
        let store = try self.store.open()
        let victim = try self.victim.victim()
        let text: String
        if format == .statement {
            let options = CaseReport.Options(maxTLP: maxTLP, top: max(top, 1))
            text = try await Failure.report { try await CaseReporting.render(case: name, store: store, format: .statement, options: options, victim: victim) }
        } else {
            let attribution = try await Failure.report { try await CaseAttribution.attribute(case: name, store: store, victim: victim) }
            let form: AttributionFormat = format == .json ? .json : format == .stix ? .stix : .text
            text = try Failure.report {
                do {
                    return try attribution.render(form, top: top, explain: explain)
                } catch {
                    throw VigilError.report("could not build the STIX bundle: \(error)")
                }
            }
        }
        let sink = try OutputSink(path: output)
        try sink.write(Array(text.utf8))
        try sink.close()
        if let collection {
            let report = try await Failure.report {
                try await IntelImport.importBytes(Array(text.utf8), source: "case \(name)", into: store, collection: collection)
            }
            Console.message("stored the report of case \(name) in collection \(collection): \(report.totals.new) new object(s), \(report.totals.unchanged) unchanged")
        }
    }
}

