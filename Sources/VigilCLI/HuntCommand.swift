import ArgumentParser
import EventLog
import Foundation
import Hunt
import Indicators
import Reports
import Sigma
import VigilKit

/// `vigil hunt EVIDENCE... --rules DIR... [--min-level L] [--from T --to T] [--format F]`
struct HuntCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hunt",
        abstract: "Run Sigma rules over evidence and report each hit with its rule, ATT&CK techniques and evidence file.",
        discussion: """
            Evidence is read as `vigil dump` reads it (EVTX, JSON lines, Zeek, CSV, audit logs, \
            gzip; folders walked). Rules are Sigma v2.1 YAML files (folders walked for .yml); \
            rules that do not load are summarised (see `vigil rules lint`) and the hunt goes on. \
            Correlation rules run over all evidence after the single-event rules. Findings go \
            to standard output (or -o); a progress line and a summary go to standard error.
            """
    )

    @OptionGroup var evidence: EvidenceArguments
    @OptionGroup var ruleOptions: RuleOptions

    @Option(name: .customLong("min-level"), help: "Report findings of this level and above (informational, low, medium, high, critical).")
    var minimumLevel: SigmaLevel?

    @Option(help: ArgumentHelp("Only events at or after this time (RFC 3339; UTC when no zone).", valueName: "TIME"))
    var from: String?

    @Option(help: ArgumentHelp("Only events at or before this time.", valueName: "TIME"))
    var to: String?

    @Option(help: "Output format.")
    var format: FindingFormat = .table

    @OptionGroup var threads: ThreadsOption
    @OptionGroup var fieldMap: FieldMapOption

    @Option(name: .shortAndLong, help: ArgumentHelp("Output file; standard output when absent.", valueName: "FILE"))
    var output: String?

    @Flag(name: .shortAndLong, help: "No progress and no summary on standard error.")
    var quiet = false

    @Option(name: .customLong("case"), help: ArgumentHelp("Also store the evidence (hashed) and findings in this case (see vigil case new).", valueName: "NAME"))
    var caseName: String?

    @OptionGroup var store: StoreOptions
    @OptionGroup var indicatorOptions: IndicatorOptions

    func run() async throws {
        let location = store.location
        let caseStore = try caseName.map { _ in try store.open() }
        if let caseName, let caseStore, try await caseStore.caseInfo(named: caseName) == nil {
            Console.error("no case named '\(caseName)' (create it with: vigil case new \(caseName))")
            throw ExitStatus.badInput
        }
        let fromTime = try from.map { text throws -> EventTime in
            guard let time = EventTime(parsing: text) else { throw ValidationError("--from \(text) is not a time") }
            return time
        }
        let toTime = try to.map { text throws -> EventTime in
            guard let time = EventTime(parsing: text) else { throw ValidationError("--to \(text) is not a time") }
            return time
        }
        let rules = try ruleOptions.load(installed: location.installedRules)
        var options = HuntOptions(threads: threads.count, minimumLevel: minimumLevel, from: fromTime, to: toTime, fieldMappings: try fieldMap.load())
        options.indicators = try await indicatorOptions.load(store: store, quiet: quiet)
        options.showSuppressed = indicatorOptions.showSuppressed
        let (outcome, kept) = try HuntPrinting.run(
            HuntSession(evidence: try evidence.select(quiet: quiet), rules: rules, options: options), format: format, output: output,
            keepFindings: caseName != nil, quiet: quiet)
        if let caseName, let caseStore {
            try await Failure.report { try await CaseRecorder.record(outcome.summary, findings: kept, inCase: caseName, store: caseStore) }
            if !quiet { Console.message("stored \(grouped(kept.count)) findings and the evidence in case '\(caseName)'") }
        }
        if outcome.hasErrors { throw ExitStatus.badInput }
    }
}

/// A hunt with the CLI's output: findings in a format to a file or standard output, a
/// progress line on a terminal, the summary and the files' errors on standard error.
enum HuntPrinting {
    static func run(
        _ session: HuntSession, format: FindingFormat?, output: String?, keepFindings: Bool, quiet: Bool, printSummary: Bool = true
    ) throws -> (outcome: HuntSession.Outcome, findings: [Finding]) {
        let sink = try format.map { _ in try OutputSink(path: output) }
        if let header = format?.header { try sink?.write(Array(header.utf8)) }
        let showProgress = !quiet && Console.messagesAreInteractive
        var kept: [Finding] = []
        let outcome = try session.run { finding in
            if keepFindings { kept.append(finding) }
            if let format { try sink?.write(format.bytes(finding)) }
        } progress: { progress in
            guard showProgress else { return }
            let rate = progress.seconds > 0 ? Double(progress.events) / progress.seconds : 0
            FileHandle.standardError.write(
                Data(
                    "\r\u{1B}[Kfiles \(progress.filesDone)/\(progress.files) · \(grouped(progress.events)) events · \(grouped(progress.findings)) findings · \(grouped(Int(rate))) events/s"
                        .utf8))
        }
        if showProgress { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        try sink?.close()
        if !quiet && printSummary { HuntReport.print(outcome.summary, rules: session.rules) }
        for error in outcome.fileErrors { Console.error(error) }
        return (outcome, kept)
    }
}

extension SigmaLevel: ExpressibleByArgument {}
extension UnmappedRules: ExpressibleByArgument {}

extension LoadedRuleSet {
    /// One line on the rules whose log source the mapping does not name, by product; nil
    /// when there are none.
    var unmappedSummary: String? {
        guard !unmapped.isEmpty else { return nil }
        var byProduct: [String: Int] = [:]
        for rule in unmapped { byProduct[rule.logSource.product ?? rule.logSource.category ?? rule.logSource.service ?? "?", default: 0] += 1 }
        let products = byProduct.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        let what = unmappedPolicy == .run
            ? "were run on every event that is not a Windows event log record (--unmapped run)"
            : "were not run (--unmapped run runs them on every event that is not a Windows event log record; --logsource-map maps them)"
        return "\(grouped(unmapped.count)) rules have a log source the mapping does not name (\(products)); they \(what)"
    }
}
extension FindingFormat: ExpressibleByArgument {}

/// The options that choose and configure rules, shared by `hunt`, `investigate` and `rules`.
struct RuleOptions: ParsableArguments {
    @Option(name: .customLong("rules"), help: ArgumentHelp("Sigma rule files or folders (repeatable).", valueName: "PATH"))
    var paths: [String] = []

    @Option(
        name: .customLong("logsource-map"),
        help: ArgumentHelp("A log source mapping (YAML) replacing the built-in one; see docs/logsource-mapping.md.", valueName: "FILE"))
    var logSourceMap: String?

    @Option(help: ArgumentHelp("Values of %placeholders% for rules with |expand (YAML: name: [values]).", valueName: "FILE"))
    var placeholders: String?

    @Flag(help: "Also run rules whose status is deprecated or unsupported.")
    var allStatuses = false

    @Option(
        help: ArgumentHelp(
            "Rules whose log source the mapping does not name: skip (report them) or run (on every event that is not a Windows event log record).",
            valueName: "skip|run"))
    var unmapped: UnmappedRules = .skip

    var selection: RuleSelection {
        RuleSelection(paths: paths, logSourceMap: logSourceMap, placeholders: placeholders, allStatuses: allStatuses, unmapped: unmapped)
    }

    /// The rules, kept until the process ends (see `ProcessLifetime`).
    func load(installed: String?, adding extra: [String] = [], requireRules: Bool = true) throws -> LoadedRuleSet {
        var selection = self.selection
        selection.paths = extra + selection.paths
        let rules = try Failure.report { try selection.load(installed: installed, requireRules: requireRules) }
        ProcessLifetime.keep(rules)
        return rules
    }
}

/// The hunt summary on standard error.
enum HuntReport {
    static func print(_ summary: HuntSummary, rules: LoadedRuleSet) {
        let skipped = summary.files.reduce(0) { $0 + $1.skipped.count }
        Console.message(
            "\(grouped(summary.findings)) findings in \(grouped(summary.events)) events of \(summary.files.count) files in "
                + String(format: "%.2f", summary.seconds) + " s"
                + (summary.seconds > 0 ? " (\(grouped(Int(Double(summary.events) / summary.seconds))) events/s)" : ""))
        if skipped > 0 { Console.message("  \(grouped(skipped)) records could not be read (see vigil dump FILE for each file's reasons)") }
        if summary.outsideTimeRange > 0 { Console.message("  \(grouped(summary.outsideTimeRange)) events outside --from/--to") }
        if summary.indicatorHits > 0 || summary.suppressedHits > 0 {
            Console.message(
                "  \(grouped(summary.indicatorHits)) indicator findings"
                    + (summary.suppressedHits > 0 ? "; \(grouped(summary.suppressedHits)) hits on warninglisted values suppressed (--show-suppressed shows them)" : ""))
        }
        let loaded = rules.engine.rules.count
        Console.message(
            "rules: \(grouped(loaded)) loaded from \(grouped(rules.files)) files, \(rules.correlations.correlations.count) correlations, "
                + "\(rules.problems.count) not loaded, in " + String(format: "%.2f", rules.seconds) + " s")
        for problem in rules.problems.prefix(5) { Console.message("  not loaded: \(problem)") }
        if rules.problems.count > 5 { Console.message("  ... \(rules.problems.count - 5) more (vigil rules lint lists them all)") }
        if let line = rules.unmappedSummary { Console.message("  " + line) }
        guard summary.findings > 0 else { return }
        let levels = SigmaLevel.allCases.reversed().map(\.rawValue) + ["none"]
        Console.message(
            "by level: " + levels.compactMap { level in summary.byLevel[level].map { "\(level) \(grouped($0))" } }.joined(separator: ", "))
        if !summary.byTactic.isEmpty { Console.message("by tactic: " + summary.byTactic.sorted { $0.value > $1.value }.map { "\($0.key) \(grouped($0.value))" }.joined(separator: ", ")) }
        Console.message("by rule:")
        for (title, count) in summary.byRule.sorted(by: { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }).prefix(15) {
            Console.message("  " + grouped(count).padding(toLength: 9, withPad: " ", startingAt: 0) + title)
        }
        if summary.byRule.count > 15 { Console.message("  ... \(summary.byRule.count - 15) more rules") }
    }
}

/// Which indicators a hunt matches: all of the store's by default, those of some sources, or
/// none; and the warninglists that suppress hits on benign values.
struct IndicatorOptions: ParsableArguments {
    @Flag(help: "Match no indicators, only Sigma rules.")
    var noIndicators = false

    @Option(
        name: .customLong("indicators"),
        help: ArgumentHelp("Only indicators of this source: the name or id of their creator or of a report (MISP event) holding them (repeatable).", valueName: "SOURCE"))
    var sources: [String] = []

    @Option(help: ArgumentHelp("MISP warninglist files or folders (repeatable); the folder 'warninglists' beside the database is always read.", valueName: "PATH"))
    var warninglists: [String] = []

    @Flag(help: "Report hits on warninglisted values too, saying which list holds the value.")
    var showSuppressed = false

    /// The indicators to match, read from the store; nil when there are none or none are wanted.
    func load(store: StoreOptions, quiet: Bool) async throws -> EventIndicatorMatcher? {
        let location = store.location
        guard !noIndicators, location.exists else { return nil }
        let lists = location.installedWarninglists + warninglists
        let loaded = try await Failure.report { try await HuntIndicators.load(from: try store.open(), sources: sources, warninglists: lists) }
        for problem in loaded.warninglistProblems { Console.warning(problem) }
        let report = loaded.report
        if !quiet, report.indexed + report.general + report.refused.count > 0 {
            Console.message(
                "indicators: \(grouped(report.indexed + report.general)) loaded (\(grouped(report.indexed)) indexed, \(grouped(report.general)) patterns), "
                    + "\(grouped(report.refused.count)) refused, \(loaded.matcher.warninglists.lists.count) warninglists, in "
                    + String(format: "%.2f", loaded.seconds) + " s"
                    + (loaded.otherSources > 0 ? "; \(grouped(loaded.otherSources)) of other sources left out" : ""))
            for refused in report.refused.prefix(5) { Console.message("  refused: \(refused.indicatorID): \(refused.reason)") }
            if report.refused.count > 5 { Console.message("  ... \(report.refused.count - 5) more refused") }
        }
        if !sources.isEmpty, report.indexed + report.general == 0 {
            Console.warning("no indicators of \(sources.joined(separator: ", ")) in the store")
        }
        return report.indexed + report.general > 0 ? loaded.matcher : nil
    }
}
