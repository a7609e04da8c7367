import ArgumentParser
import EVTX
import Foundation
import Hunt

/// `vigil dump FILE... [--format jsonl|xml] [--carve] [--threads N]`
struct Dump: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the records of EVTX files as JSON lines (shaped like the evtx crate's) or XML.",
        discussion: """
            Files may be gzip-compressed. Damaged records and chunks are skipped and counted; \
            --carve also recovers records from slack space and unallocated chunks. The summary \
            goes to standard error.
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable { case jsonl, xml }

    @Argument(help: ArgumentHelp("EVTX files.", valueName: "FILE"))
    var files: [String]

    @Option(help: "Output format.")
    var format: Format = .jsonl

    @Flag(help: "Recover records from slack space and unallocated chunks.")
    var carve = false

    @OptionGroup var threads: ThreadsOption

    @Option(name: .shortAndLong, help: ArgumentHelp("Output file; standard output when absent.", valueName: "FILE"))
    var output: String?

    @Flag(name: .shortAndLong, help: "No summary on standard error.")
    var quiet = false

    func run() throws {
        let sink = try OutputSink(path: output)
        let dump = RecordDump(
            format: format == .xml ? .xml : .jsonl, options: EVTXStreamReader.Options(threads: threads.count, carve: carve))
        var streams: [any ByteStream] = []
        var failed = 0
        for path in files {
            let file: EvidenceFile
            do {
                file = try EvidenceFile(path: path)
            } catch {
                Console.error(error.description)
                failed += 1
                continue
            }
            guard file.format == .evtx else {
                Console.error("\(path): not an EVTX file (its content looks like \(file.format.rawValue))")
                failed += 1
                continue
            }
            streams.append(file.stream)
        }
        let started = Date()
        var records = 0
        var recovered = 0
        var skipped = 0
        try dump.run(streams) { bytes in
            try sink.write(bytes)
        } finished: { summary in
            if let failure = summary.failure {
                Console.error(failure.description)
                failed += 1
                return
            }
            records += summary.records
            recovered += summary.recovered
            skipped += summary.skipped.count
            if !quiet { DumpSummary.print(summary) }
        }
        try sink.close()
        if !quiet && streams.count > 1 {
            Console.message(
                "all \(streams.count) files: \(grouped(records)) records, \(grouped(recovered)) recovered, \(grouped(skipped)) skipped in "
                    + String(format: "%.2f", Date().timeIntervalSince(started)) + " s")
        }
        if failed > 0 { throw ExitStatus.badInput }
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
