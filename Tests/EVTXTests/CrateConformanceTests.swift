import Foundation
import Hunt
import STIX
import TestSupport
import Testing

/// Every EVTX file of the shared data, read by Vigil and by the `evtx` crate (the parser of
/// Chainsaw and Hayabusa, through `../shared/tools/evtx2jsonl.py`): the same number of records
/// per file, and the same JSON per record once both are parsed (the only normalisation is the
/// order of object keys, which JSON does not define).
@Suite("EVTX against the evtx crate", .enabled(if: SharedData.isUsable && Peers.isUsable, "needs ../shared/data and the Python peers"))
struct CrateConformanceTests {
    static func sharedEVTXFiles() throws -> [String] {
        var files: [String] = []
        for folder in ["evtx", "sigma/regression_data"] {
            let root = try SharedData.file(folder)
            let walker = FileManager.default.enumerator(atPath: root.path)
            while let relative = walker?.nextObject() as? String {
                if relative.hasSuffix(".evtx") { files.append(root.appendingPathComponent(relative).path) }
            }
        }
        return files.sorted()
    }

    /// Our JSON lines for one file.
    static func ours(_ path: String) throws -> [String] {
        var output: [UInt8] = []
        try RecordDump(format: .jsonl, options: .init(threads: 2)).run([try FileByteStream(path: path)]) { bytes in
            output.append(contentsOf: bytes)
        } finished: { _ in }
        return String(decoding: output, as: UTF8.self).split(separator: "\n").map(String.init)
    }

    @Test("record counts and JSON equal the crate's for every shared EVTX file", .timeLimit(.minutes(10)))
    func conformance() throws {
        let files = try Self.sharedEVTXFiles()
        #expect(files.count >= 490)
        let folder = try TemporaryFolder()
        try files.joined(separator: "\n").write(toFile: folder.path("files.txt"), atomically: true, encoding: .utf8)
        let tools = try #require(Peers.tools)
        let python = Peers.venv.appendingPathComponent("bin/python").path
        let oracle = try runProcess(python, [
            tools.appendingPathComponent("evtx2jsonl.py").path, "-q", "--from-list", folder.path("files.txt"),
            "-o", folder.path("crate.jsonl"), "--index", folder.path("crate.tsv"),
        ])
        try #require(oracle.status == 0, "\(oracle.stderr)")
        let reference = try String(contentsOfFile: folder.path("crate.jsonl"), encoding: .utf8).split(separator: "\n")
        let index = try String(contentsOfFile: folder.path("crate.tsv"), encoding: .utf8).split(separator: "\n")
        try #require(reference.count == index.count)
        var byFile: [String: [Substring]] = [:]
        for (line, entry) in zip(reference, index) {
            let columns = entry.split(separator: "\t", omittingEmptySubsequences: false)
            byFile[String(columns[1]), default: []].append(line)
        }

        var records = 0
        var countMismatches: [String] = []
        var recordMismatches: [String] = []
        for file in files {
            let mine = try Self.ours(file)
            let theirs = byFile[file] ?? []
            if mine.count != theirs.count { countMismatches.append("\(file): \(mine.count) vs \(theirs.count)") }
            for (position, (a, b)) in zip(mine, theirs).enumerated() {
                records += 1
                let left = try JSONParser.parse(a)
                let right = try JSONParser.parse(String(b))
                if left != right { recordMismatches.append("\(file) record #\(position)") }
            }
        }
        #expect(records >= 15_000)
        #expect(countMismatches.isEmpty, "\(countMismatches.prefix(10))")
        #expect(recordMismatches.isEmpty, "\(recordMismatches.count) records differ: \(recordMismatches.prefix(10))")
    }
}
