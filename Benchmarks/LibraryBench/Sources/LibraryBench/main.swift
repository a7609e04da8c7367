import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Hunt
import IntelStore
import IntelStoreSQLite
import STIX
import VigilKit

// usage: LibraryBench hunt-twice RULES EVIDENCE...
//        LibraryBench read-during-import PRELOAD.json IMPORT.json
//
// hunt-twice: loads the rules and hunts the evidence through VigilKit three times in one
// process, resetting the peak resident memory before each run (/proc/self/clear_refs), and
// prints each run's peak and the memory left after it: a run that kept what the one before
// allocated would show it.
//
// read-during-import: a SQLite store holding PRELOAD; pages through 10,000 of its objects
// (limit 100) alone, then again while IMPORT is imported, and prints the page times and
// whether the read finished before the import did (WAL: readers do not wait for writers).

func status(_ key: String) -> Int {
    let text = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
    for line in text.split(separator: "\n") where line.hasPrefix(key + ":") {
        return Int(line.split(separator: " ").dropFirst().first { !$0.isEmpty }.map { $0.trimmingCharacters(in: .whitespaces) } ?? "0") ?? 0
    }
    return 0
}

/// Gives free heap memory back to the system (glibc's malloc_trim), then resets the peak
/// resident memory to what is resident now: the next peak is the next run's own.
func resetPeak() {
    if let symbol = dlsym(dlopen(nil, RTLD_NOW), "malloc_trim") {
        _ = unsafeBitCast(symbol, to: (@convention(c) (Int) -> Int32).self)(0)
    }
    try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)
}

/// glibc's malloc_stats(): the heap in use, on standard error (`in use bytes`).
func printHeap(_ label: String) {
    FileHandle.standardError.write(Data("heap after \(label):\n".utf8))
    guard let symbol = dlsym(dlopen(nil, RTLD_NOW), "malloc_stats") else { return }
    unsafeBitCast(symbol, to: (@convention(c) () -> Void).self)()
}

func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

func huntTwice(rules: String, evidence: [String]) throws {
    let runs = Int(ProcessInfo.processInfo.environment["RUNS"] ?? "") ?? 3
    for run in 1...runs {
        resetPeak()
        let before = Double(status("VmRSS")) / 1024
        let started = now()
        var findings = 0
        do {
            // Everything the run allocates is released at the end of this scope.
            let loaded = try RuleSelection(paths: [rules]).load()
            let session = HuntSession(evidence: EvidenceSelection(paths: evidence), rules: loaded, options: HuntOptions(threads: 2))
            _ = try session.run { _ in findings += 1 }
        }
        print(String(
            format: "run %d: %d findings in %.2f s; %.1f MB resident before, peak %.1f MB during the run, %.1f MB resident after it",
            run, findings, now() - started, before, Double(status("VmHWM")) / 1024, Double(status("VmRSS")) / 1024))
        printHeap("run \(run)")
        if ProcessInfo.processInfo.environment["SETTLE"] != nil {
            usleep(1_000_000)
            printHeap("run \(run), a second later")
        }
    }
}

func readDuringImport(preload: String, importing: String) async throws {
    let folder = NSTemporaryDirectory() + "vigil-librarybench-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let store = try SQLiteIntelStore(path: folder + "/store.sqlite")
    let (loaded, _) = try await IntelImport.importFiles([preload], into: store, strict: false)
    print("preloaded \(loaded.first?.report?.totals.new ?? 0) objects")

    /// Pages through 10,000 objects; each page's time.
    func read() async throws -> [Double] {
        var query = ObjectQuery(versions: .all, limit: 100, clearance: .everything)
        var times: [Double] = []
        var seen = 0
        while seen < 10_000 {
            let started = now()
            let page = try await store.page(query)
            times.append(now() - started)
            seen += page.items.count
            guard let next = page.next else { break }
            query.after = next
        }
        return times
    }
    func report(_ label: String, _ times: [Double]) {
        let sorted = times.sorted()
        let p50 = sorted[sorted.count / 2] * 1000
        let p99 = sorted[min(sorted.count - 1, Int(Double(sorted.count) * 0.99))] * 1000
        print(String(
            format: "%@: %d pages in %.3f s, p50 %.2f ms, p99 %.2f ms, slowest %.2f ms", label, times.count, times.reduce(0, +), p50, p99,
            (sorted.last ?? 0) * 1000))
    }
    report("read alone", try await read())

    let bytes = try InputFiles.read(importing)
    let importStarted = now()
    let importer = Task { () throws -> Double in
        _ = try await BundleImporter(store: store).importContent(bytes, source: importing, strict: false)
        return now()
    }
    // Let the import parse the file and get into its transaction.
    try await Task.sleep(for: .milliseconds(Int(ProcessInfo.processInfo.environment["READ_AFTER_MS"] ?? "") ?? 600))
    let readStarted = now()
    let times = try await read()
    let readEnded = now()
    let importEnded = try await importer.value
    report("read during the import", times)
    print(String(
        format: "import %.2f s (from %.2f s to %.2f s); read from %.2f s to %.2f s: %@", importEnded - importStarted, 0.0,
        importEnded - importStarted, readStarted - importStarted, readEnded - importStarted,
        readEnded < importEnded ? "the read finished while the import was still running" : "the read finished after the import"))
}

let arguments = CommandLine.arguments
switch arguments.count > 1 ? arguments[1] : "" {
case "hunt-twice" where arguments.count >= 4:
    try huntTwice(rules: arguments[2], evidence: Array(arguments[3...]))
case "read-during-import" where arguments.count == 4:
    try await readDuringImport(preload: arguments[2], importing: arguments[3])
default:
    FileHandle.standardError.write(Data("usage: LibraryBench hunt-twice RULES EVIDENCE... | read-during-import PRELOAD.json IMPORT.json\n".utf8))
    exit(2)
}
