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
        abstract: "Import STIX 2.0/2.1 bundles; a folder is walked for .json files.",
        discussion: """
            Each file is one transaction. Invalid objects are reported and skipped (the rest is \
            imported); with --strict any invalid object refuses the whole file. Importing the same \
            content again changes nothing; an older version of an object is kept as history.
            """
    )

    @OptionGroup var store: StoreOptions

    @Argument(help: ArgumentHelp("STIX files or folders.", valueName: "FILE|DIR"))
    var paths: [String]

    @Flag(help: "Refuse a whole file if any object in it is invalid.")
    var strict = false

    @Option(help: "How many problems to list per file (0 lists none).")
    var showIssues = 20

    @Option(help: ArgumentHelp("Also add the objects to this collection (one holding members), to share them.", valueName: "ALIAS"))
    var collection: String?

    func run() async throws {
        let store = try self.store.open()
        let (results, emptyFolders) = try await Failure.report { try await IntelImport.importFiles(paths, into: store, strict: strict, collection: collection) }
        for folder in emptyFolders { Console.warning("\(folder): no .json files in this folder") }
        var totals = ImportReport.Counts()
        var failed = 0
        for result in results {
            if let report = result.report {
                ImportSummary.print(report, seconds: result.seconds, showIssues: showIssues)
                totals = totals + report.totals
            } else {
                Console.error(result.failure ?? result.path)
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
