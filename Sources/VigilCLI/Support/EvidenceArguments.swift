import ArgumentParser
import Foundation
import Reports
import VigilKit

/// The evidence a command reads: files and folders as arguments (thousands of them parse in
/// linear time, see `ArgumentRuns`), and `--from-list FILE` with paths one per line.
struct EvidenceArguments: ParsableArguments {
    @Argument(help: ArgumentHelp("Evidence files, or folders to read every evidence file below.", valueName: "EVIDENCE"))
    var paths: [String] = []

    @Option(
        name: .customLong("from-list"),
        help: ArgumentHelp("Also read the evidence paths listed in FILE, one per line ('-' for standard input).", valueName: "FILE"))
    var list: String?

    func validate() throws {
        if paths.isEmpty && list == nil { throw ValidationError("Name evidence files or folders, or --from-list FILE.") }
    }

    /// Every path given, in order.
    func allPaths() throws -> [String] {
        var listed: [String] = []
        if let list {
            let bytes = list == "-" ? Array(FileHandle.standardInput.readDataToEndOfFile()) : try Failure.report { try InputFiles.read(list) }
            listed = String(decoding: bytes, as: UTF8.self).split(whereSeparator: \.isNewline).map(String.init)
        }
        return ArgumentRuns.expand(paths) + listed
    }

    /// The evidence files with their formats; what was refused is printed.
    func select(quiet: Bool) throws -> EvidenceSelection {
        let selection = EvidenceSelection(paths: try allPaths())
        for refused in selection.refused { Console.error(refused) }
        if selection.notEvidence > 0 && !quiet {
            let count = selection.notEvidence
            Console.message("skipped \(grouped(count)) \(count == 1 ? "file" : "files") in folders that \(count == 1 ? "is" : "are") not evidence Vigil reads")
        }
        return selection
    }
}
