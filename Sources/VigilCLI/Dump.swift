import ArgumentParser
import EVTX
import Foundation
import EventLog
import Hunt
import Reports
import VigilKit

/// `vigil dump FILE... [--format jsonl|xml|events] [--carve] [--threads N]`
struct Dump: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the records of evidence files: EVTX as JSON lines (shaped like the evtx crate's) or XML; any evidence as events.",
        discussion: """
            The format of each file is read from its content: EVTX, JSON lines (evtx-crate, \
            flat, Winlogbeat/ECS, Zeek), Zeek TSV, CSV with a header row, Linux audit logs. \
            Files may be gzip-compressed. Folders are walked; files in them that are not \
            evidence are counted and skipped. --format events prints what Vigil reads from each \
            record: its time and its fields under the names Sigma rules use; text evidence is \
            always printed that way. Damaged records and chunks are skipped and counted; \
            --carve also recovers EVTX records from slack space and unallocated chunks. The \
            summary goes to standard error.
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable { case jsonl, xml, events }

    @OptionGroup var evidence: EvidenceArguments

    @Option(help: "Output format.")
    var format: Format = .jsonl

    @Flag(help: "Recover EVTX records from slack space and unallocated chunks.")
    var carve = false

    @OptionGroup var threads: ThreadsOption

    @OptionGroup var fieldMap: FieldMapOption

    @Option(name: .shortAndLong, help: ArgumentHelp("Output file; standard output when absent.", valueName: "FILE"))
    var output: String?

    @Flag(name: .shortAndLong, help: "No summary on standard error.")
    var quiet = false

    func run() throws {
        let mappings = try fieldMap.load()
        let sink = try OutputSink(path: output)
        let selection = try evidence.select(quiet: quiet)
        let dump = EvidenceDump(
            evidence: selection, format: EvidenceDump.Format(rawValue: format.rawValue) ?? .jsonl, carve: carve, threads: threads.count,
            mappings: mappings)
        var failed = selection.refused.count + dump.unrenderable.count
        for refused in dump.unrenderable { Console.error(refused) }
        let started = Date()
        var totals = (files: 0, records: 0, recovered: 0, skipped: 0)
        try dump.run { bytes in
            try sink.write(bytes)
        } finished: { summary in
            totals.files += 1
            let (failure, records, recovered, skipped): (EvidenceError?, Int, Int, Int)
            switch summary {
            case .evtx(let file): (failure, records, recovered, skipped) = (file.failure, file.records, file.recovered, file.skipped.count)
            case .text(let file): (failure, records, recovered, skipped) = (file.failure, file.records, 0, file.skipped.count)
            }
            if let failure {
                Console.error(failure.description)
                failed += 1
                return
            }
            (totals.records, totals.recovered, totals.skipped) = (totals.records + records, totals.recovered + recovered, totals.skipped + skipped)
            guard !quiet else { return }
            switch summary {
            case .evtx(let file): DumpSummary.print(file)
            case .text(let file): DumpSummary.print(file)
            }
        }
        try sink.close()
        if !quiet && totals.files > 1 {
            Console.message(
                "all \(totals.files) files: \(grouped(totals.records)) records, \(grouped(totals.recovered)) recovered, "
                    + "\(grouped(totals.skipped)) skipped in " + String(format: "%.2f", Date().timeIntervalSince(started)) + " s")
        }
        if failed > 0 { throw ExitStatus.badInput }
    }
}

/// The `--field-map FILE` option of commands that read evidence.
struct FieldMapOption: ParsableArguments {
    @Option(
        name: .customLong("field-map"),
        help: ArgumentHelp("A field mapping (JSON) replacing the built-in one; see docs/field-mapping.md.", valueName: "FILE"))
    var path: String?

    func load() throws -> FieldMappings {
        try Failure.report { try EvidenceDump.fieldMappings(path) }
    }
}

/// The `--threads N` option of commands that read evidence.
struct ThreadsOption: ParsableArguments {
    @Option(name: .customLong("threads"), help: ArgumentHelp("Worker threads (default: all cores).", valueName: "N"))
    var value: Int?

    var count: Int { max(1, value ?? ProcessInfo.processInfo.activeProcessorCount) }
}

/// How a dump summary reads on the terminal.
enum DumpSummary {
    static func print(_ summary: TextFileSummary) {
        Console.message("\(summary.path): \(grouped(summary.records)) \(summary.format.rawValue) records, \(grouped(summary.skipped.count)) skipped")
        for issue in summary.skipped.prefix(20) { Console.message("  skipped: \(issue)") }
        if summary.skipped.count > 20 { Console.message("  ... \(summary.skipped.count - 20) more skipped") }
    }

    static func print(_ summary: EVTXFileSummary) {
        var line = "\(summary.path): \(grouped(summary.records)) records"
        if summary.recovered > 0 { line += ", \(grouped(summary.recovered)) recovered" }
        line += ", \(grouped(summary.skipped.count)) skipped, \(summary.chunks) chunks"
        Console.message(line)
        for issue in summary.skipped.prefix(20) { Console.message("  skipped: \(issue)") }
        if summary.skipped.count > 20 { Console.message("  ... \(summary.skipped.count - 20) more skipped") }
        for warning in summary.warnings.prefix(10) { Console.message("  warning: \(warning)") }
        if summary.warnings.count > 10 { Console.message("  ... \(summary.warnings.count - 10) more warnings") }
    }
}
