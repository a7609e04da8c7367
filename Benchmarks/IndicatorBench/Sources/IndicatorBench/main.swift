import Foundation
import Hunt
import Indicators
import STIX

// usage: IndicatorBench COUNT WARNINGLISTS_DIR SAMPLE_OUT_DIR [EVTX_DIR RULES_DIR]
//
// 1. Generates COUNT indicators of mixed kinds as STIX patterns (hashes, addresses, networks,
//    domains and subdomains, URLs, e-mail addresses, file names, mutexes, registry keys, and
//    2% that only the general matcher takes), then times loading them into an IndicatorSet
//    (parsing every pattern included) and reports the resident memory it added.
// 2. Loads every MISP warninglist under WARNINGLISTS_DIR.
// 3. Times 2,000,000 observable look-ups on one thread, half of them hits and one in a hundred
//    hits, each with the warninglists only loaded and consulted on every hit (as a hunt does).
// 4. Writes 1,000 of the patterns and one observation to SAMPLE_OUT_DIR and times matching
//    each against it with PatternMatcher, for the comparison with stix2-matcher
//    (Benchmarks/indicators.sh runs the Python side on the same files).
// 5. With EVTX_DIR and RULES_DIR: hunts every .evtx file below EVTX_DIR with the Sigma rules
//    of RULES_DIR on two threads, without indicators and with the set and warninglists above,
//    in 21 pairs of runs of three passes each; reports the medians and the median of the
//    pairs' ratios, the overhead.
// LOAD_ONLY=1 in the environment stops after step 1: loading alone, for counting its
// instructions (valgrind --tool=callgrind --toggle-collect='*IndicatorSetV4load_8executor*',
// on a copy without debug information, SWIFT_DETERMINISTIC_HASHING=1).
let arguments = CommandLine.arguments
guard arguments.count == 4 || arguments.count == 6, let count = Int(arguments[1]) else {
    FileHandle.standardError.write(Data("usage: IndicatorBench COUNT WARNINGLISTS_DIR SAMPLE_OUT_DIR [EVTX_DIR RULES_DIR]\n".utf8))
    exit(2)
}

/// A line on standard output at once (print buffers when the output is a file).
func report(_ line: String) { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }

func residentMB() -> Double {
    let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
    let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
    return (Double(line.split(separator: " ").dropFirst().first ?? "0") ?? 0) / 1024
}

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

/// A deterministic generator (xorshift), so runs compare.
struct Generator {
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    mutating func next() -> UInt64 {
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        return state
    }
    mutating func hex(_ digits: Int) -> String {
        var text = ""
        while text.count < digits { text += String(next(), radix: 16).leftPadded(16) }
        return String(text.prefix(digits))
    }
    mutating func label() -> String { String(next() % 0xFFFF_FFFF, radix: 36) }
}

extension String {
    func leftPadded(_ width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}

/// The pattern of indicator `index` and an observable it hits.
func indicator(_ index: Int, _ random: inout Generator) -> (pattern: String, hit: Observable?) {
    switch index % 100 {
    case 0..<30:
        let hash = random.hex(64)
        return ("[file:hashes.'SHA-256' = '\(hash)']", Observable(.sha256, hash))
    case 30..<40:
        let hash = random.hex(32)
        return ("[file:hashes.MD5 = '\(hash)']", Observable(.md5, hash))
    case 40..<50:
        let hash = random.hex(40)
        return ("[file:hashes.'SHA-1' = '\(hash)']", Observable(.sha1, hash))
    case 50..<65:
        let value = random.next()
        let address = "\(value >> 24 & 0xFF).\(value >> 16 & 0xFF).\(value >> 8 & 0xFF).\(value & 0xFF)"
        return ("[ipv4-addr:value = '\(address)']", Observable(.address, address))
    case 65..<70:
        let value = random.next()
        return ("[ipv4-addr:value ISSUBSET '\(value >> 24 & 0xFF).\(value >> 16 & 0xFF).\(value >> 8 & 0xFF).0/24']",
                Observable(.address, "\(value >> 24 & 0xFF).\(value >> 16 & 0xFF).\(value >> 8 & 0xFF).77"))
    case 70..<72:
        let address = "2001:db8:\(random.hex(4)):\(random.hex(4))::\(random.hex(3))"
        return ("[ipv6-addr:value = '\(address)']", Observable(.address, address))
    case 72..<87:
        let domain = "\(random.label()).\(random.label()).example"
        return ("[domain-name:value = '\(domain)']", Observable(.domain, domain))
    case 87..<90:
        let domain = "\(random.label()).example"
        return ("[domain-name:value LIKE '%.\(domain)']", Observable(.domain, "cdn.\(domain)"))
    case 90..<95:
        let url = "http://\(random.label()).example/\(random.label())/\(random.label()).php?id=\(index)"
        return ("[url:value = '\(url)']", Observable(.url, url))
    case 95: let value = "\(random.label())@\(random.label()).example"; return ("[email-addr:value = '\(value)']", Observable(.email, value))
    case 96: let value = "\(random.label()).exe"; return ("[file:name = '\(value)']", Observable(.fileName, value))
    case 97:
        let value = "HKEY_LOCAL_MACHINE\\\\Software\\\\\(random.label())"
        return ("[windows-registry-key:key = '\(value)']", Observable(.registryKey, value.replacing("\\\\", with: "\\")))
    default:
        return ("[process:command_line LIKE '%\(random.label())%' AND process:pid > 4]", nil)
    }
}

var random = Generator()
var patterns: [String] = []
var hitObservables: [Observable] = []
patterns.reserveCapacity(count)
for index in 0..<count {
    let (pattern, hit) = indicator(index, &random)
    patterns.append(pattern)
    if let hit, hitObservables.count < 1_000_000 { hitObservables.append(hit) }
}
let sources = patterns.map { pattern in
    (pattern: pattern, provenance: IndicatorProvenance(
        indicatorID: "indicator--\(random.hex(8))-\(random.hex(4))-4\(random.hex(3))-8\(random.hex(3))-\(random.hex(12))", source: "generated feed"))
}
let before = residentMB()
var set = IndicatorSet()
var loadReport = IndicatorSet.LoadReport()
let load = seconds { loadReport = set.load(sources) }
let loaded = residentMB()
report(String(format: "load: %d indicators (%d indexed values, %d general, %d refused) in %.2f s, %.0f indicators/s, resident +%.0f MB (%.0f MB in all)",
             set.count, set.indexedValueCount, set.general.count, loadReport.refused.count, load, Double(set.count) / load, loaded - before, loaded))
if ProcessInfo.processInfo.environment["LOAD_ONLY"] == "1" { exit(0) }

var lists = Warninglists()
var refused: [String] = []
let listFiles = (FileManager.default.enumerator(at: URL(fileURLWithPath: arguments[2]), includingPropertiesForKeys: nil)?.compactMap { $0 as? URL } ?? [])
    .filter { $0.lastPathComponent == "list.json" }
let listLoad = try seconds { refused = lists.add(files: try listFiles.map { ($0.path, [UInt8](try Data(contentsOf: $0))) }) }
report(String(format: "warninglists: %d lists (%d values) in %.2f s, %d refused; resident %.0f MB",
             lists.lists.count, lists.lists.reduce(0) { $0 + $1.count }, listLoad, refused.count, residentMB()))

// Half hits, half misses of the same kinds; and a hunt's mix, one hit in a hundred.
func lookupList(hitEvery: Int, from hitObservables: [Observable]) -> [Observable] {
    var lookups: [Observable] = []
    lookups.reserveCapacity(2_000_000)
    for index in 0..<2_000_000 {
        var observable = hitObservables[index / 2 % hitObservables.count]
        if index % hitEvery != 0 {
            switch observable.kind {
            case .address: observable.value = observable.value.hasPrefix("2001") ? "2001:db9::\(index % 9999)" : "240.\(index % 250).\(index % 199).\(index % 251)"
            case .md5, .sha1, .sha256: observable.value = String(decoding: observable.value.utf8.reversed(), as: UTF8.self)
            default: observable.value = "miss\(index)" + observable.value
            }
        }
        lookups.append(observable)
    }
    return lookups
}
// Local copies: a global read inside a closure is copied at every access.
let indicators = set
let warninglists = lists
func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
/// Seconds (median of five runs) to look up every observable, consulting the warninglists on
/// each hit when `consultLists`, as a hunt does; and the hits and suppressed hits.
func timeLookups(_ lookups: [Observable], consultLists: Bool) -> (seconds: Double, hits: Int, suppressed: Int) {
    var hits: [IndicatorSet.Hit] = []
    hits.reserveCapacity(64)
    var times: [Double] = []
    var counts = (hits: 0, suppressed: 0)
    for _ in 0..<5 {
        counts = (0, 0)
        times.append(seconds {
            for observable in lookups {
                hits.removeAll(keepingCapacity: true)
                indicators.lookup(observable, into: &hits)
                counts.hits += hits.count
                if consultLists { for hit in hits where warninglists.list(containing: hit.observable) != nil { counts.suppressed += 1 } }
            }
        })
    }
    return (median(times), counts.hits, counts.suppressed)
}
for (hitEvery, label) in [(2, "half of them hits"), (100, "one in a hundred a hit")] {
    let lookups = lookupList(hitEvery: hitEvery, from: hitObservables)
    for consultLists in [false, true] {
        let result = timeLookups(lookups, consultLists: consultLists)
        report(String(format: "lookups (%@, %@): %d in %.3f s (median of 5) on one thread: %.2f million/s, %d hits, %d suppressed",
                      label, consultLists ? "warninglists consulted on each hit" : "warninglists loaded", lookups.count, result.seconds,
                      Double(lookups.count) / result.seconds / 1e6, result.hits, result.suppressed))
    }
}

// The comparison sample: 1,000 patterns (of every kind) against one observation.
let sample = stride(from: 0, to: min(count, 100_000), by: max(1, min(count, 100_000) / 1_000)).prefix(1_000).map { patterns[$0] }
let observed = """
    {"type": "bundle", "id": "bundle--00000000-0000-4000-8000-000000000000", "objects": [
    {"type": "observed-data", "spec_version": "2.1", "id": "observed-data--00000000-0000-4000-8000-000000000001", "created": "2024-03-01T10:00:00.000Z", "modified": "2024-03-01T10:00:00.000Z", "first_observed": "2024-03-01T10:00:00Z", "last_observed": "2024-03-01T10:00:00Z", "number_observed": 1, "object_refs": ["file--00000000-0000-4000-8000-000000000002", "ipv4-addr--00000000-0000-4000-8000-000000000003", "domain-name--00000000-0000-4000-8000-000000000004", "process--00000000-0000-4000-8000-000000000005"]},
    {"type": "file", "spec_version": "2.1", "id": "file--00000000-0000-4000-8000-000000000002", "name": "x.exe", "hashes": {"SHA-256": "\(String(repeating: "a", count: 64))", "MD5": "\(String(repeating: "b", count: 32))"}},
    {"type": "ipv4-addr", "spec_version": "2.1", "id": "ipv4-addr--00000000-0000-4000-8000-000000000003", "value": "198.51.100.7"},
    {"type": "domain-name", "spec_version": "2.1", "id": "domain-name--00000000-0000-4000-8000-000000000004", "value": "c2.example"},
    {"type": "process", "spec_version": "2.1", "id": "process--00000000-0000-4000-8000-000000000005", "pid": 4242, "command_line": "powershell -enc AAAA"}
    ]}
    """
try Data(observed.utf8).write(to: URL(fileURLWithPath: arguments[3] + "/observed.json"))
try Data((sample.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: arguments[3] + "/patterns.txt"))
let observations = try Observation.from((try JSONParser.parse(Array(observed.utf8)).objectValue?["objects"]?.arrayValue ?? []).compactMap(\.objectValue))
var matched = 0
let repeats = 20
let sampleTime = try seconds {
    for _ in 0..<repeats {
        for pattern in sample where try PatternMatcher(try STIXPattern(pattern)).match(observations) != nil { matched += 1 }
    }
}
report(String(format: "sample: %d patterns parsed and matched %d times in %.3f s: %.0f evaluations/s (%d matched)",
             sample.count, repeats, sampleTime, Double(sample.count * repeats) / sampleTime, matched / repeats))

if arguments.count == 6 {
    let evtx = (FileManager.default.enumerator(atPath: arguments[4])?.compactMap { $0 as? String } ?? [])
        .filter { $0.lowercased().hasSuffix(".evtx") }.sorted().map { arguments[4] + "/" + $0 }
    let rules = RuleSetLoader.load(files: RuleSetLoader.ruleFiles([arguments[5]]).files)
    let matcher = EventIndicatorMatcher(indicators: indicators, warninglists: warninglists)
    /// Processor seconds of this process (both hunting threads), beside the wall clock: a
    /// noisy neighbour stretches the wall clock, the processor time less so.
    func processorSeconds() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
    func hunt(_ indicators: EventIndicatorMatcher?) throws -> (seconds: Double, processor: Double, events: Int, hits: Int) {
        // Three passes over the corpus per measurement: one pass is a quarter of a second, too
        // short to rise above this machine's noise.
        let runner = HuntRunner(rules: rules, options: HuntOptions(threads: 2, indicators: indicators))
        var result = (events: 0, hits: 0)
        let processorStart = processorSeconds()
        let time = try seconds {
            for _ in 0..<3 {
                let summary = try runner.run(evtx.map { HuntRunner.Source(path: $0, format: .evtx) }, output: { _ in })
                result = (summary.events, summary.indicatorHits + summary.suppressedHits)
            }
        }
        return (time / 3, (processorSeconds() - processorStart) / 3, result.events, result.hits)
    }
    _ = try hunt(nil)
    // Pairs of runs next to each other, which goes first alternating: this machine's speed
    // drifts from one second to the next, so each pair gives its own ratio and the median of
    // the ratios is the figure; the medians of each side are shown beside it.
    let rounds = 21
    var without: [Double] = []
    var with: [Double] = []
    var withoutProcessor: [Double] = []
    var withProcessor: [Double] = []
    var last = (seconds: 0.0, processor: 0.0, events: 0, hits: 0)
    for round in 0..<rounds {
        var plain = (seconds: 0.0, processor: 0.0, events: 0, hits: 0)
        if round % 2 == 0 {
            plain = try hunt(nil)
            last = try hunt(matcher)
        } else {
            last = try hunt(matcher)
            plain = try hunt(nil)
        }
        without.append(plain.seconds)
        withoutProcessor.append(plain.processor)
        with.append(last.seconds)
        withProcessor.append(last.processor)
    }
    func ratios(_ with: [Double], _ without: [Double]) -> (median: Double, low: Double, high: Double) {
        let ratios = zip(with, without).map { ($0 / $1 - 1) * 100 }.sorted()
        return (ratios[ratios.count / 2], ratios[ratios.count / 4], ratios[ratios.count * 3 / 4])
    }
    let wall = ratios(with, without)
    let processor = ratios(withProcessor, withoutProcessor)
    report(String(
        format: "hunt: %d EVTX files, %d events, %d rules: without indicators %.3f s, with %d indicators and %d warninglists %.3f s (per pass, medians of %d pairs of runs of 3 passes): %+.1f%% (median of the pairs' ratios; quartiles %+.1f%%, %+.1f%%; %d hits)",
        evtx.count, last.events, rules.engine.rules.count, median(without), indicators.count, warninglists.lists.count, median(with), rounds,
        wall.median, wall.low, wall.high, last.hits))
    report(String(
        format: "hunt, processor time of both threads per pass: without indicators %.3f s, with %.3f s (medians of the same runs): %+.1f%% (median of the pairs' ratios; quartiles %+.1f%%, %+.1f%%)",
        median(withoutProcessor), median(withProcessor), processor.median, processor.low, processor.high))
}
