import ArgumentParser
import Attribution
import EventLog
import Foundation
import Hunt
import IntelStore
import Reports
import STIX

/// `vigil investigate EVIDENCE...`: the main job — hunt into a case, attribute, write the report.
struct InvestigateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "investigate",
        abstract: "Hunt the evidence into a case, attribute it, and write the timeline and a STIX report.",
        discussion: """
            Uses the rules and ATT&CK installed by `vigil update` (or --rules). When nothing is \
            installed it runs the update itself if the official sources can be reached, and \
            otherwise says what to run. Outputs in -o DIR: timeline.csv, timeline.jsonl, \
            attribution.txt (with explanations) and attribution.stix.json (STIX 2.1, marked with \
            the case's TLP).
            """
    )

    @OptionGroup var evidence: EvidenceArguments
    @OptionGroup var ruleOptions: RuleOptions
    @OptionGroup var store: StoreOptions
    @OptionGroup var threads: ThreadsOption

    @Option(name: .customLong("case"), help: ArgumentHelp("The case (created if new; default case-<date>-<time>).", valueName: "NAME"))
    var caseName: String?
    @Option(help: "TLP of a new case.") var tlp: TLPLevel = .amber
    @Option(help: ArgumentHelp("The victim's sector or country (repeatable).", valueName: "WORD")) var victim: [String] = []
    @Option(name: .shortAndLong, help: ArgumentHelp("Output folder (default vigil-<case>).", valueName: "DIR")) var output: String?
    @Option(help: "Groups listed in the summary.") var top = 5

    func run() async throws {
        do {
            try await investigate()
        } catch let error as IntelStoreError {
            Console.error(error.description)
            throw ExitStatus.badInput
        } catch let failure as Updater.Failure {
            Console.error(failure.description)
            throw ExitStatus.badInput
        }
    }

    func investigate() async throws {
        let database = try store.openSQLite()
        try await ensureInstalled(database)
        let name = caseName ?? "case-" + String(CaseRecording.now().prefix(19)).replacingOccurrences(of: ":", with: "").replacingOccurrences(of: "T", with: "-")
        if try await database.caseInfo(named: name) == nil {
            try await database.createCase(CaseInfo(name: name, created: CaseRecording.now(), tlp: tlp, description: "created by vigil investigate"))
        }
        let rules = try ruleOptions.load(quiet: true, installed: store.installedRules)
        let (hunt, findings) = try HuntExecution.run(
            evidence: evidence, rules: rules, options: HuntOptions(threads: threads.count), format: nil, output: nil,
            keepFindings: true, quiet: false, printSummary: false)
        try await CaseRecording.record(hunt.summary, findings: findings, inCase: name, store: database)
        let attribution = try await CaseAttribution.run(case: name, store: database, victim: victim)

        let folder = output ?? "vigil-\(name)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let caseFindings = try await database.findings(ofCase: name)
        let outputs: [(String, String)] = [
            ("timeline.csv", TimelineFormat.csv.render(caseFindings)),
            ("timeline.jsonl", TimelineFormat.jsonl.render(caseFindings)),
            ("attribution.txt", try attribution.render(.text, top: 10, explain: true)),
            ("attribution.stix.json", try attribution.render(.stix, top: 3, explain: false)),
        ]
        for (file, text) in outputs { try Data(text.utf8).write(to: URL(fileURLWithPath: folder + "/" + file)) }

        let summary = hunt.summary
        let skipped = summary.files.reduce(0) { $0 + $1.skipped.count }
        Console.out("Case \(name)")
        Console.out("Evidence: \(summary.files.count) file\(summary.files.count == 1 ? "" : "s"), \(grouped(summary.events)) events read" + (skipped > 0 ? ", \(grouped(skipped)) records unreadable" : "")
            + (hunt.refused > 0 ? ", \(hunt.refused) paths refused" : "") + String(format: " (%.1f s)", summary.seconds))
        Console.out("Rules: \(grouped(rules.engine.rules.count)) loaded, \(rules.problems.count) not loaded")
        let case_ = attribution.summary
        Console.out("Findings: \(grouped(case_.findingCount))" + (case_.byLevel.isEmpty ? "" : " — " + ["critical", "high", "medium", "low", "informational"].compactMap { level in
            case_.byLevel[level].map { "\(level) \(grouped($0))" } }.joined(separator: ", ")))
        if !case_.byTactic.isEmpty {
            Console.out("By tactic: " + case_.byTactic.sorted { ($1.value, $0.key) < ($0.value, $1.key) }.map { "\($0.key) \(grouped($0.value))" }.joined(separator: ", "))
        }
        Console.out("Techniques observed: \(case_.techniques.count)")
        Console.out(AttributionText.verdictLine(attribution.result))
        for (index, group) in attribution.result.ranking.prefix(top).enumerated() {
            let confidence = Int((group.probability * 100).rounded())
            Console.out("  \(index + 1). \(group.group.name)\(group.group.attackID.map { " (\($0))" } ?? "") — \(confidence)/100, \(ConfidenceWords(confidence: confidence).rawValue)")
        }
        Console.out("Outputs: " + outputs.map { folder + "/" + $0.0 }.joined(separator: ", "))
        if hunt.refused > 0 || summary.files.contains(where: { $0.failure != nil }) { throw ExitStatus.badInput }
    }

    /// Makes sure ATT&CK and rules are installed: updates from the official sources when they
    /// are missing, or says what to run.
    func ensureInstalled(_ database: some IntelStore) async throws {
        let groups = try await database.statistics().objectsByType["intrusion-set"] ?? 0
        let rulesMissing = ruleOptions.paths.isEmpty && store.installedRules == nil
        guard groups == 0 || rulesMissing else { return }
        Console.message("ATT&CK or Sigma rules are not installed; trying `vigil update` from the official sources")
        do {
            try await Updater(store: store, quiet: false).update(from: nil, allReleases: false)
        } catch let failure as Updater.Failure {
            throw Updater.Failure(description: "\(failure.description)\nnothing to attribute with: run `vigil update --from DIR` with an offline mirror (DIR/attack/enterprise-attack*.json, DIR/sigma/rules*), or give --rules and import ATT&CK with `vigil intel import`")
        }
    }
}
