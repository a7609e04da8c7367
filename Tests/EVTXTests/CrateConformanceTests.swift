import Foundation
import Hunt
import STIX
import TestSupport
import Testing

/// EVTX files of the shared data, read by Vigil and by the `evtx` crate (the parser of
/// Chainsaw and Hayabusa, through `../shared/tools/evtx2jsonl.py`), record by record. JSON is
/// compared in a canonical form (object keys sorted, repeated keys kept), the only
/// normalisation.
///
/// The attack samples, DeepBlueCLI and SigmaHQ's regression files must be equal record for
/// record. The crate's own regression samples (`evtx-crate-samples/`, damaged and unusual
/// files) are held to exact per-file figures: where the two differ, the reason is given here
/// and in `docs/evtx-conformance.md`, and any change of a figure fails.
@Suite("EVTX against the evtx crate", .enabled(if: SharedData.isUsable && Peers.isUsable, "needs ../shared/data and the Python peers"))
struct CrateConformanceTests {
    static let crateSamples = "evtx/evtx-crate-samples"

    /// Every EVTX file of the shared data, the crate's samples included.
    static func sharedEVTXFiles() throws -> [String] {
        try evtxFiles(under: ["evtx", "sigma/regression_data"])
    }

    static func evtxFiles(under folders: [String], excluding excluded: String? = nil) throws -> [String] {
        var files: [String] = []
        for folder in folders {
            let root = try SharedData.file(folder)
            let walker = FileManager.default.enumerator(atPath: root.path)
            while let relative = walker?.nextObject() as? String {
                let path = root.appendingPathComponent(relative).path
                if relative.hasSuffix(".evtx"), excluded.map({ !path.contains($0) }) ?? true { files.append(path) }
            }
        }
        return files.sorted()
    }

    /// Our JSON lines for one file, and its summary.
    static func ours(_ path: String, carve: Bool = false) throws -> (lines: [String], summary: EVTXFileSummary?) {
        var output: [UInt8] = []
        var summary: EVTXFileSummary?
        try RecordDump(format: .jsonl, options: .init(threads: 2, carve: carve)).run([try FileByteStream(path: path)]) { bytes in
            output.append(contentsOf: bytes)
        } finished: { summary = $0 }
        return (String(decoding: output, as: UTF8.self).split(separator: "\n").map(String.init), summary)
    }

    /// The crate's JSON lines, by file.
    static func crate(_ files: [String]) throws -> [String: [Substring]] {
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
        return byFile
    }

    static func canonical<S: StringProtocol>(_ line: S) throws -> String {
        JSONCanonical.text(try JSONParser.parse(String(line), duplicateKeys: .keepAll))
    }

    /// How many of the crate's records Vigil gives exactly (as a multiset of records).
    static func equalRecords(_ mine: [String], _ theirs: [Substring]) throws -> Int {
        var counts: [String: Int] = [:]
        for line in mine { counts[try canonical(line), default: 0] += 1 }
        var equal = 0
        for line in theirs {
            let key = try canonical(line)
            if let count = counts[key], count > 0 {
                counts[key] = count - 1
                equal += 1
            }
        }
        return equal
    }

    @Test("record counts and JSON equal the crate's for every shared EVTX file", .timeLimit(.minutes(10)))
    func conformance() throws {
        let files = try Self.evtxFiles(under: ["evtx", "sigma/regression_data"], excluding: Self.crateSamples)
        #expect(files.count >= 490)
        let byFile = try Self.crate(files)
        var records = 0
        var countMismatches: [String] = []
        var recordMismatches: [String] = []
        for file in files {
            let mine = try Self.ours(file).lines
            let theirs = byFile[file] ?? []
            if mine.count != theirs.count { countMismatches.append("\(file): \(mine.count) vs \(theirs.count)") }
            for (position, (a, b)) in zip(mine, theirs).enumerated() {
                records += 1
                if try Self.canonical(a) != Self.canonical(b) { recordMismatches.append("\(file) record #\(position)") }
            }
        }
        #expect(records >= 15_000)
        #expect(countMismatches.isEmpty, "\(countMismatches.prefix(10))")
        #expect(recordMismatches.isEmpty, "\(recordMismatches.count) records differ: \(recordMismatches.prefix(10))")
    }

    /// Per crate sample: the crate's records, ours, how many of the crate's we give exactly,
    /// and the records `--carve` recovers; with the reason wherever the first three differ.
    struct Expectation {
        var crate: Int
        var vigil: Int
        var equal: Int
        var recovered: Int
        var why: String?

        init(_ crate: Int, _ vigil: Int, _ equal: Int, recovered: Int = 0, why: String? = nil) {
            (self.crate, self.vigil, self.equal, self.recovered, self.why) = (crate, vigil, equal, recovered, why)
        }

        var counts: [Int] { [crate, vigil, equal, recovered] }
    }

    static let noSizeCopy = "a record whose trailing size copy is 0 is corrupt (libyal: \"Corrupt event record\"); its body is zeros, which the crate renders as a record of zeros and nulls"

    static let expectations: [String: Expectation] = [
        "2-system-Microsoft-Windows-LiveId%4Operational.evtx": Expectation(399, 399, 399),
        "2-vss_0-Microsoft-Windows-RemoteDesktopServices-RdpCoreTS%4Operational.evtx": Expectation(1910, 1910, 1910, recovered: 63),
        "2-vss_0-Microsoft-Windows-TerminalServices-RemoteConnectionManager%4Operational.evtx": Expectation(1774, 1774, 1774, recovered: 267),
        "2-vss_7-System.evtx": Expectation(1160, 1160, 1160, recovered: 25),
        "Application_no_crc32.evtx": Expectation(17, 17, 17),
        "E_ShadowCopy6_windows_system32_winevt_logs_Microsoft-Windows-CAPI2%4Operational.evtx": Expectation(459, 459, 459),
        "E_Windows_system32_winevt_logs_Microsoft-Windows-CAPI2%4Operational.evtx": Expectation(340, 340, 340),
        "E_Windows_system32_winevt_logs_Microsoft-Windows-Shell-Core%4Operational.evtx": Expectation(
            1146, 1146, 1144,
            why: "records 161 and 968 hold a BinXML value with a second template instance (RenderingInfo) before its end token; the crate stops after the first, Vigil renders both"),
        "MSExchange_Management_wec.evtx": Expectation(1, 1, 1),
        "Microsoft-Windows-HelloForBusiness%4Operational.evtx": Expectation(6, 5, 5, why: noSizeCopy),
        "Microsoft-Windows-LanguagePackSetup%4Operational.evtx": Expectation(17, 16, 16, why: noSizeCopy),
        "Security_short_selected.evtx": Expectation(7, 7, 7),
        "Security_with_size_t.evtx": Expectation(636, 636, 636),
        "issue_201.evtx": Expectation(1, 1, 1),
        "new-user-security.evtx": Expectation(4, 4, 4),
        "post-Security.evtx": Expectation(126, 126, 126),
        "sample-with-irregular-bool-values.evtx": Expectation(3028, 3028, 3028),
        "sample-with-zero-data-size-event.evtx": Expectation(335, 335, 335, recovered: 114),
        "sample_with_a_bad_chunk_magic.evtx": Expectation(270, 267, 267, recovered: 81, why: noSizeCopy + " (three records, two with truncated strings)"),
        "security.evtx": Expectation(2261, 2261, 2261),
        "security_bad_string_cache.evtx": Expectation(2261, 2261, 2261),
        "sysmon.evtx": Expectation(358, 358, 358),
        "system.evtx": Expectation(1881, 1881, 1881),
    ]

    @Test("the evtx crate's own samples: exact per-file figures, ≥ 99.9% of the crate's records equal", .timeLimit(.minutes(5)))
    func crateSamples() throws {
        let files = try Self.evtxFiles(under: [Self.crateSamples])
        #expect(files.count == Self.expectations.count)
        let byFile = try Self.crate(files)
        var totals = (crate: 0, equal: 0)
        for file in files {
            let name = URL(fileURLWithPath: file).lastPathComponent
            let expected = try #require(Self.expectations[name], "no expectation for \(name)")
            let theirs = byFile[file] ?? []
            let (mine, summary) = try Self.ours(file)
            let equal = try Self.equalRecords(mine, theirs)
            let carved = try Self.ours(file, carve: true).summary
            let figures = Expectation(theirs.count, mine.count, equal, recovered: carved?.recovered ?? -1, why: expected.why)
            #expect(
                figures.counts == expected.counts,
                "\(name): crate \(figures.crate), vigil \(figures.vigil), equal \(figures.equal), recovered \(figures.recovered)")
            #expect((expected.why != nil) == (expected.crate != expected.equal || expected.vigil != expected.equal), "\(name): a difference needs its reason")
            #expect(summary?.failure == nil)
            // No file loses every record the crate reads.
            #expect(theirs.isEmpty || !mine.isEmpty, "\(name): no record")
            totals.crate += theirs.count
            totals.equal += equal
        }
        #expect(Double(totals.equal) >= 0.999 * Double(totals.crate), "\(totals.equal) of \(totals.crate)")
    }
}
