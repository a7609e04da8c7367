import ArgumentParser
import Foundation
import Hunt

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

    /// Every evidence file with its format, in order; files that cannot be opened or are not
    /// evidence are reported (those met in folders only counted) and counted in `refused`.
    func probe(quiet: Bool) throws -> (sources: [(path: String, format: EvidenceFile.Format)], refused: Int) {
        let files = ArgumentRuns.expand(paths) + (try listed())
        let expanded = files.flatMap { InputFiles.isFolder($0) ? InputFiles.walk($0).map { ($0, true) } : [($0, false)] }
        var sources: [(String, EvidenceFile.Format)] = []
        var refused = 0
        var notEvidence = 0
        // Formats are sniffed up front (on all cores); files are opened again when read.
        for ((path, inFolder), probed) in zip(expanded, EvidenceFile.probe(expanded.map(\.0))) {
            switch probed {
            case .failure(let error):
                Console.error(error.description)
                refused += 1
            case .success(.unknown) where inFolder:
                // A folder of evidence holds notes and reports too: they are counted, not refused.
                notEvidence += 1
            case .success(.unknown):
                Console.error("\(path): not a format Vigil reads (EVTX, JSON lines, Zeek, CSV, audit log)")
                refused += 1
            case .success(let format):
                sources.append((path, format))
            }
        }
        if notEvidence > 0 && !quiet {
            Console.message("skipped \(grouped(notEvidence)) \(notEvidence == 1 ? "file" : "files") in folders that \(notEvidence == 1 ? "is" : "are") not evidence Vigil reads")
        }
        return (sources, refused)
    }

    private func listed() throws -> [String] {
        guard let list else { return [] }
        let bytes: [UInt8]
        if list == "-" {
            bytes = Array(FileHandle.standardInput.readDataToEndOfFile())
        } else {
            do {
                bytes = try InputFiles.read(list)
            } catch {
                Console.error(error.description)
                throw ExitStatus.badInput
            }
        }
        return String(decoding: bytes, as: UTF8.self).split(whereSeparator: \.isNewline).map(String.init)
    }
}
