import EVTX
import EventLog
import Foundation
import Sigma

// usage: MatchBench RULES_DIR FILE.evtx [PASSES | reading | matching]
//
// Reads FILE into memory, then makes PASSES passes over its records as a hunt's worker does
// (field readers, else events from trees, loaded into an `EventContext`), each pass once
// without matching (the reading) and once with every rule of RULES_DIR. Prints the fastest
// of each, their difference (matching) and matching over reading. Taking the fastest pass
// of a process that reads nothing from disk and writes nothing keeps this machine's noise
// (up to 40% between whole runs) out of comparisons between two versions of the engine.
// `reading` or `matching` makes one pass of that kind only, to count its instructions
// (Benchmarks/matching-instructions.sh).
let arguments = CommandLine.arguments
guard arguments.count >= 3 else {
    FileHandle.standardError.write(Data("usage: MatchBench RULES_DIR FILE.evtx [PASSES | reading | matching]\n".utf8))
    exit(2)
}
let single = arguments.count > 3 && ["reading", "matching"].contains(arguments[3]) ? arguments[3] : nil
let passes = arguments.count > 3 ? max(1, Int(arguments[3]) ?? 5) : 5
var rules: [SigmaRule] = []
var unreadable = 0
if let files = FileManager.default.enumerator(atPath: arguments[1]) {
    for case let path as String in files where path.hasSuffix(".yml") {
        let full = arguments[1] + "/" + path
        guard let text = try? String(contentsOfFile: full, encoding: .utf8) else {
            unreadable += 1
            continue
        }
        rules += RuleLoader.load(text, path: full).rules
    }
}
let (engine, problems) = RuleEngine.compile(rules)
let data = try Data(contentsOf: URL(fileURLWithPath: arguments[2]))

/// The file's chunks, cut once before the passes.
let chunks: [[UInt8]] = stride(from: 4096, to: data.count - 65535, by: 65536).map { Array(data[$0..<($0 + 65536)]) }

/// One pass over the file's chunks; the time it took and the matches it found.
func pass(matching: Bool) -> (seconds: Double, matches: Int) {
    let scratch = EVTXChunkScratch()
    let names = FieldNameCache()
    let context = EventContext()
    var matches = 0
    let start = DispatchTime.now().uptimeNanoseconds
    for (index, chunk) in chunks.enumerated() {
        _ = EVTXChunk.read(chunk, index: index, fileOffset: 4096 + index * 65536, scratch: scratch) { record in
            record.withFieldReader(names: names) { reader in
                if let reader { context.load(reader) } else { context.load(record.event(names: names)) }
                if matching { engine.match(context) { _ in matches += 1 } }
            }
        }
    }
    return (Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9, matches)
}

if let single {
    let (seconds, found) = pass(matching: single == "matching")
    print(String(format: "%@ %.3f s matches %d", single, seconds, found))
    exit(0)
}
var reading: [Double] = []
var hunting: [Double] = []
var matches = 0
for _ in 0..<passes {
    reading.append(pass(matching: false).seconds)
    let (seconds, found) = pass(matching: true)
    hunting.append(seconds)
    matches = found
}
let read = reading.min()!
let hunt = hunting.min()!
print(
    String(
        format: "rules %d (%d not loaded) matches %d reading %.3f s reading and matching %.3f s matching %.3f s matching/reading %.2f",
        rules.count, problems.count + unreadable, matches, read, hunt, hunt - read, (hunt - read) / read))
