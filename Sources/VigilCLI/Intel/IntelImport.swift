import ArgumentParser
import Foundation
import IntelStore
import Reports
import STIX
import VigilKit

/// `vigil intel import FILE|DIR...`
struct IntelImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import STIX 2.0/2.1 bundles and MISP events, feeds and galaxies; a folder is walked for .json files.",
        discussion: """
            Each file is one transaction. Invalid objects are reported and skipped (the rest is \
            imported); with --strict any invalid object refuses the whole file. Importing the same \
            content again changes nothing; an older version of an object is kept as history.

            MISP events (both wrappers) become a report, indicators (attributes flagged to_ids), \
            observed data (the others) and `indicates` relationships to the actors their galaxy \
            clusters name, marked with their TLP tag. A threat-actor galaxy becomes threat actors \
            linked to the ATT&CK groups they name: import ATT&CK first (vigil update).
            """
    )

    @OptionGroup var store: StoreOptions

    @Argument(help: ArgumentHelp("STIX files or folders.", valueName: "FILE|DIR"))
    var paths: [String]

    @Flag(help: "Refuse a whole file if any object in it is invalid.")
    var strict = false

    @Option(help: "How many problems to list per file (0 lists none).")
    var showIssues = 20

    @Option(help: ArgumentHelp("Refuse files larger than this many megabytes (files are read whole).", valueName: "MB"))
    var maxFileSize = IntelImport.defaultFileLimit >> 20

    @Option(help: ArgumentHelp("Also add the objects to this collection (one holding members), to share them.", valueName: "ALIAS"))
    var collection: String?

    func run() async throws {
        let store = try self.store.open()
        let (results, emptyFolders) = try await Failure.report { try await IntelImport.importFiles(paths, into: store, strict: strict, collection: collection, fileLimit: maxFileSize << 20) }
        for folder in emptyFolders { Console.warning("\(folder): no .json files in this folder") }
        var totals = ImportReport.Counts()
        var failed = 0
        for result in results {
            if let misp = result.misp { MISPSummaryText.print(misp, path: result.path, showIssues: showIssues) }
            if let report = result.report {
                ImportSummary.print(report, seconds: result.seconds, showIssues: showIssues)
                totals = totals + report.totals
            } else if let failure = result.failure {
                Console.error(failure)
                failed += 1
            }
        }
        if results.count > 1 {
            Console.message(
                "all \(results.count) files: \(grouped(totals.total)) objects, \(grouped(totals.new)) new, "
                    + "\(grouped(totals.updated)) updated, \(grouped(totals.unchanged)) unchanged, "
                    + "\(grouped(totals.older)) older, \(grouped(totals.rejected)) rejected"
                    + (failed > 0 ? "; \(failed) file(s) not imported" : ""))
        }
        if failed > 0 { throw ExitStatus.badInput }
    }
}

/// How an import report reads on the terminal.
enum ImportSummary {
    static func print(_ report: ImportReport, seconds: Double, showIssues: Int) {
        let totals = report.totals
        var kind = report.bundleID == nil ? "STIX objects" : "STIX \(report.declaredSpecVersion ?? "2.1") bundle"
        if report.upgradedCount > 0 { kind += ", \(grouped(report.upgradedCount)) objects upgraded to 2.1" }
        Console.message("\(report.source): \(kind): \(grouped(totals.total)) objects in \(String(format: "%.2f", seconds)) s")
        var table = TextTable(
            [
                .init("type"), .init("objects", .right), .init("new", .right), .init("updated", .right),
                .init("unchanged", .right), .init("older", .right), .init("rejected", .right),
            ], indent: 2)
        func row(_ name: String, _ counts: ImportReport.Counts) -> [String] {
            [name] + [counts.total, counts.new, counts.updated, counts.unchanged, counts.older, counts.rejected].map(grouped)
        }
        for type in report.countsByType.keys.sorted() { table.add(row(type, report.countsByType[type]!)) }
        table.add(row("all", totals))
        Console.message(table.render())
        list("rejected", report.errors, limit: showIssues)
        list("warning", report.warnings, limit: showIssues)
    }

    private static func list(_ label: String, _ issues: [ValidationIssue], limit: Int) {
        guard !issues.isEmpty else { return }
        Console.message("  \(grouped(issues.count)) \(label == "rejected" ? "problem(s) in rejected objects" : "warning(s)"):")
        for issue in issues.prefix(limit) { Console.message("    \(label): \(issue)") }
        if issues.count > limit { Console.message("    ... \(grouped(issues.count - limit)) more (--show-issues N)") }
    }
}

/// How a MISP file's conversion reads on the terminal: its attributes imported, mapped and
/// skipped with the reasons.
enum MISPSummaryText {
    static func print(_ summary: MISPImport.Summary, path: String, showIssues: Int) {
        var line = "\(path): \(summary.kind)"
        if summary.actorTypes > 0 {
            line += ": \(grouped(summary.actorTypes)) DISARM actor types"
        } else if summary.kind.hasPrefix("MISP galaxy") {
            line += ": \(grouped(summary.actors)) threat actors, \(grouped(summary.linkedActors)) linked to ATT&CK groups"
        } else if summary.kind != "MISP feed manifest" {
            let counts = summary.counts
            line += (summary.events > 1 ? " (\(summary.events) events)" : "")
                + ": \(grouped(counts.attributes)) attributes, \(grouped(counts.indicators + counts.observed)) mapped "
                + "(\(grouped(counts.indicators)) indicators, \(grouped(counts.observed)) observed data), \(grouped(counts.skippedCount)) skipped"
        }
        Console.message(line)
        for (reason, count) in summary.counts.skipped.sorted(by: { ($1.value, $0.key) < ($0.value, $1.key) }) {
            Console.message("  skipped \(grouped(count)): \(reason)")
        }
        for note in summary.notes.prefix(showIssues) { Console.message("  note: \(note)") }
        if summary.notes.count > showIssues { Console.message("  ... \(summary.notes.count - showIssues) more notes (--show-issues N)") }
    }
}
