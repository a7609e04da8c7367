import ArgumentParser
import EVTX
import Foundation
import EventLog
import Hunt

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
        let (sources, refused) = try evidence.probe(quiet: quiet)
        var failed = refused
        var evtxStreams: [any ByteStream] = []
        var textSources: [TextStreamReader.Source] = []
        for (path, fileFormat) in sources {
            switch fileFormat {
            case .evtx:
                evtxStreams.append(EvidenceFile.deferredStream(path: path))
            case .text(let textFormat):
                guard format != .xml else {
                    Console.error("\(path): --format xml is for EVTX files; this file is \(textFormat.rawValue) (use --format events)")
                    failed += 1
                    continue
                }
                textSources.append(TextStreamReader.Source(stream: EvidenceFile.deferredStream(path: path), format: textFormat, mappings: mappings))
            case .unknown:
                continue
            }
        }
        let started = Date()
        var totals = (files: 0, records: 0, recovered: 0, skipped: 0)
        /// Counts a file's summary; false when the file failed.
        func tally(_ failure: EvidenceError?, records: Int, recovered: Int, skipped: Int) -> Bool {
            totals.files += 1
            if let failure {
                Console.error(failure.description)
                failed += 1
                return false
            }
            totals.records += records
            totals.recovered += recovered
            totals.skipped += skipped
            return !quiet
        }
        let dump = RecordDump(
            format: RecordDump.Format(rawValue: format.rawValue) ?? .jsonl,
            options: EVTXStreamReader.Options(threads: threads.count, carve: carve), mapping: EVTXFieldMapping(mappings))
        try dump.run(evtxStreams) { bytes in
            try sink.write(bytes)
        } finished: { summary in
            if tally(summary.failure, records: summary.records, recovered: summary.recovered, skipped: summary.skipped.count) {
                DumpSummary.print(summary)
            }
        }
        try EventDump(options: TextStreamReader.Options(threads: threads.count)).run(textSources) { bytes in
            try sink.write(bytes)
        } finished: { summary in
            if tally(summary.failure, records: summary.records, recovered: 0, skipped: summary.skipped.count) {
                DumpSummary.print(summary)
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
        guard let path else { return .standard }
        guard let data = FileManager.default.contents(atPath: path) else {
            Console.error("\(path): cannot be read")
            throw ExitStatus.badInput
        }
        do {
            return try FieldMappings(json: Array(data))
        } catch {
            Console.error("\(path): \(error)")
            throw ExitStatus.badInput
        }
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
