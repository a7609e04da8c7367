import ArgumentParser
import Foundation
import Hunt
import Reports
import Attribution
import STIX
import VigilKit

/// `vigil investigate EVIDENCE...`: the main job — hunt into a case, attribute, write the report.
struct InvestigateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "investigate",
        abstract: "Hunt the evidence into a case, attribute it, and write the timeline, the report and a STIX report.",
        discussion: """
            Uses the rules and ATT&CK installed by `vigil update` (or --rules). When nothing is \
            installed it runs the update itself if the official sources can be reached, and \
            otherwise says what to run. Outputs in -o DIR: timeline.csv, timeline.jsonl, \
            attribution.txt (with explanations), attribution.stix.json (STIX 2.1, marked with \
            the case's TLP), and the report as report.html (one self-contained file) and report.md.
            """
    )

    @OptionGroup var evidence: EvidenceArguments
    @OptionGroup var ruleOptions: RuleOptions
    @OptionGroup var store: StoreOptions
    @OptionGroup var threads: ThreadsOption
    @OptionGroup var indicatorOptions: IndicatorOptions

    @Option(name: .customLong("case"), help: ArgumentHelp("The case (created if new; default case-<date>-<time>).", valueName: "NAME"))
    var caseName: String?
    @Option(help: "TLP of a new case.") var tlp: TLPLevel = .amber
    @OptionGroup var victim: VictimOptions
    @Option(name: .shortAndLong, help: ArgumentHelp("Output folder (default vigil-<case>).", valueName: "DIR")) var output: String?
    @Option(help: "Groups listed in the summary.") var top = 5

    func run() async throws {
        var hunt = HuntOptions(threads: threads.count)
        hunt.indicators = try await indicatorOptions.load(store: store, quiet: false)
        hunt.showSuppressed = indicatorOptions.showSuppressed
        var investigation = Investigation(
            location: store.location, store: try store.open(), evidence: try evidence.allPaths(), rules: ruleOptions.selection,
            caseName: caseName, tlp: tlp, victim: try victim.victim(), hunt: hunt)
        // The options above loaded the indicators (or were told not to).
        investigation.matchIndicators = false
        let result = try await Failure.report {
            try await investigation.run { event in
                if case .note(let text) = event { Console.message(text) }
            }
        }
        for refused in result.hunt.refused { Console.error(refused) }
        for error in result.hunt.fileErrors { Console.error(error) }

        let folder = output ?? "vigil-\(result.caseName)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        for (file, text) in result.outputs { try Data(text.utf8).write(to: URL(fileURLWithPath: folder + "/" + file)) }

        let summary = result.hunt.summary
        let skipped = summary.files.reduce(0) { $0 + $1.skipped.count }
        let refused = result.hunt.refused.count
        Console.out("Case \(result.caseName)")
        Console.out("Evidence: \(summary.files.count) file\(summary.files.count == 1 ? "" : "s"), \(grouped(summary.events)) events read" + (skipped > 0 ? ", \(grouped(skipped)) records unreadable" : "")
            + (refused > 0 ? ", \(refused) paths refused" : "") + String(format: " (%.1f s)", summary.seconds))
        Console.out("Rules: \(grouped(result.rulesLoaded)) loaded, \(result.ruleProblems) not loaded")
        let case_ = result.attribution.summary
        Console.out("Findings: \(grouped(case_.findingCount))" + (case_.byLevel.isEmpty ? "" : " — " + ["critical", "high", "medium", "low", "informational"].compactMap { level in
            case_.byLevel[level].map { "\(level) \(grouped($0))" } }.joined(separator: ", ")))
        if !case_.byTactic.isEmpty {
            Console.out("By tactic: " + case_.byTactic.sorted { ($1.value, $0.key) < ($0.value, $1.key) }.map { "\($0.key) \(grouped($0.value))" }.joined(separator: ", "))
        }
        Console.out("Techniques observed: \(case_.techniques.count)")
        Console.out(AttributionText.verdictLine(result.attribution.result))
        for (index, group) in result.attribution.result.ranking.prefix(top).enumerated() {
            let confidence = Int((group.probability * 100).rounded())
            Console.out("  \(index + 1). \(group.group.name)\(group.group.attackID.map { " (\($0))" } ?? "") — \(confidence)/100, \(ConfidenceWords(confidence: confidence).rawValue)")
        }
        Console.out("Outputs: " + result.outputs.map { folder + "/" + $0.name }.joined(separator: ", "))
        if result.hunt.hasErrors { throw ExitStatus.badInput }
    }
}
