import ArgumentParser
import Foundation
import Reports
import STIX
import VigilKit

/// `vigil report CASE --format html|md|navigator|stix [-o FILE] [--max-tlp LEVEL]`
struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write a case's report: HTML (one self-contained file), Markdown, ATT&CK Navigator layers or STIX.",
        discussion: """
            The HTML and Markdown reports hold the assessment in the words of ICD 203, the actor \
            and who the intel says is behind it, a timeline, the ATT&CK heat map, the findings \
            by tactic, the attribution with every contribution, the indicators sighted, the \
            evidence with SHA-256 and the analysts' notes. --max-tlp leaves out whatever is \
            marked above it and says what was withheld; the report carries the highest \
            marking of what it holds. --format navigator writes a list of Navigator 4.5 \
            layers: the case's techniques scored by findings, then the case against each of \
            the top three groups.
            """
    )

    @OptionGroup var store: StoreOptions
    @Argument(help: "The case's name.") var name: String
    @Option(help: "html, md, navigator or stix.") var format: ReportFormat = .html
    @Option(name: .shortAndLong, help: ArgumentHelp("Output file; standard output when absent.", valueName: "FILE"))
    var output: String?
    @Option(name: .customLong("max-tlp"), help: ArgumentHelp("Leave out what is marked above this (clear, green, amber, amber+strict, red).", valueName: "LEVEL"))
    var maxTLP: TLPLevel = .red
    @Option(help: "Groups in the ranking.") var top = 5
    @OptionGroup var victim: VictimOptions

    func run() async throws {
        let store = try self.store.open()
        let options = CaseReport.Options(maxTLP: maxTLP, top: max(top, 1))
        let text = try await Failure.report { try await CaseReporting.render(case: name, store: store, format: format, options: options, victim: try victim.victim()) }
        let sink = try OutputSink(path: output)
        try sink.write(Array(text.utf8))
        try sink.close()
    }
}

extension ReportFormat: ExpressibleByArgument {}
