import Foundation
import IntelStore
import STIX
import VigilKit

// usage: StoreBench ATTACK.json OBJECTS FINDINGS STORE...
//
// For each STORE (a SQLite path or a postgres:// URL, empty): imports ATT&CK, then OBJECTS
// generated indicators with an `indicates` relationship each to an intrusion set (half and
// half: OBJECTS objects in all), then a case of FINDINGS generated findings; prints the
// throughput of both, then p50 and p99 over 200 runs of the team's operations: `intel show
// APT31` (resolve and profile), a relationship walk (from a group to the software it uses and
// on to the other groups using it), a TAXII page (100 objects after a random point) and
// case-timeline pages of 100 findings: from a random hour, the next page from its cursor, of
// one host, of a common technique (a parent of a ninth of all findings) and of a rare one (one
// in 10,000). Beside them, the bulk read of every relationship of a group with the objects at
// their other ends (about OBJECTS / 280 indicators each), which no page does at once.

func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

func percentiles(_ samples: [Double]) -> (p50: Double, p99: Double) {
    let sorted = samples.sorted()
    func at(_ q: Double) -> Double { sorted[min(sorted.count - 1, Int((Double(sorted.count) * q).rounded(.down)))] }
    return (at(0.5) * 1000, at(0.99) * 1000)
}

/// An indicator and its `indicates` relationship to one of the groups, deterministic by number.
func generated(_ number: Int, groups: [String]) throws -> [StoredObject] {
    let indicator = String(format: "indicator--00000000-0000-4000-8000-%012d", number)
    let relationship = String(format: "relationship--00000000-0000-4000-9000-%012d", number)
    let stamp = "2026-01-01T00:00:00.000Z"
    let octets = "\(number >> 16 & 255).\(number >> 8 & 255).\(number & 255)"
    let indicatorJSON = """
        {"type":"indicator","spec_version":"2.1","id":"\(indicator)","created":"\(stamp)","modified":"\(stamp)","name":"C2 \(octets)",\
        "pattern":"[ipv4-addr:value = '10.\(octets)']","pattern_type":"stix","valid_from":"\(stamp)","indicator_types":["malicious-activity"],\
        "object_marking_refs":["marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"]}
        """
    let relationshipJSON = """
        {"type":"relationship","spec_version":"2.1","id":"\(relationship)","created":"\(stamp)","modified":"\(stamp)",\
        "relationship_type":"indicates","source_ref":"\(indicator)","target_ref":"\(groups[number % groups.count])"}
        """
    return [
        try StoredObject(json: Array(indicatorJSON.utf8), id: indicator, tlp: .green),
        try StoredObject(json: Array(relationshipJSON.utf8), id: relationship, tlp: nil),
    ]
}

func finding(_ number: Int) -> CaseFinding {
    let second = number % 86_400
    return CaseFinding(
        timestamp: String(format: "2026-11-%02dT%02d:%02d:%02d.000Z", 1 + number / 86_400 % 28, second / 3600, second / 60 % 60, second % 60),
        computer: "ws\(number % 500).mfa.example", channel: "Microsoft-Windows-Sysmon/Operational", eventID: "1", recordID: Int64(number),
        ruleID: "rule-\(number % 700)", ruleTitle: "Rule \(number % 700)", level: ["low", "medium", "high", "critical"][number % 4],
        techniques: number % 10_000 == 0 ? ["T1003.001"] : ["T1059.00\(number % 9)"], tactics: ["TA0002"], software: [],
        fields: ["Image": "C:\\Windows\\System32\\cmd.exe", "CommandLine": "cmd /c whoami \(number)"], evidence: "host\(number % 500).evtx",
        evidenceSHA256: "0000")
}

func run(store location: String, attack: String, objects: Int, findings: Int) async throws {
    print("== \(StoreLocation(path: location))")
    let store = try StoreLocation(path: location).open()
    var started = now()
    _ = try await IntelImport.importFiles([attack], into: store, strict: false)
    print(String(format: "ATT&CK imported in %.1f s", now() - started))
    let groups = try await store.objects(types: ["intrusion-set"], includeRetired: false).map(\.id)

    let pairs = objects / 2
    let perBatch = 5_000
    started = now()
    _ = try await store.ingest(IngestBatches(count: (pairs + perBatch - 1) / perBatch) { batch in
        try (batch * perBatch..<min(pairs, (batch + 1) * perBatch)).flatMap { try generated($0, groups: groups) }
    })
    var seconds = now() - started
    print(String(format: "objects: %d in %.1f s, %.0f objects/s", pairs * 2, seconds, Double(pairs * 2) / seconds))

    try await store.createCase(CaseInfo(name: "scale", created: "2026-12-07T00:00:00.000Z", tlp: .amber))
    started = now()
    let chunk = 100_000
    var written = 0
    while written < findings {
        let count = min(chunk, findings - written)
        try await store.addToCase("scale", evidence: [], findings: (written..<written + count).map(finding))
        written += count
    }
    seconds = now() - started
    print(String(format: "findings: %d in %.1f s, %.0f findings/s", findings, seconds, Double(findings) / seconds))

    var generator = SystemRandomNumberGenerator()
    let repetitions = 200
    var timings: [String: [Double]] = [:]
    func timed<T>(_ name: String, _ operation: () async throws -> T) async rethrows -> T {
        let started = now()
        let result = try await operation()
        timings[name, default: []].append(now() - started)
        return result
    }
    let first = try await store.page(ObjectQuery(limit: 1, clearance: .everything)).items.first?.dateAdded.microseconds ?? 0
    var bulkObjects = 0
    for _ in 0..<repetitions {
        try await timed("intel show APT31") {
            let apt31 = try await store.resolve("APT31")[0]
            _ = try await store.profile(of: apt31)
        }
        let group = groups.randomElement(using: &generator)!
        try await timed("relationship walk") {
            for software in try await store.related(to: group, through: "uses", direction: .outgoing, types: ["malware", "tool"]) {
                _ = try await store.related(to: software.object.id, through: "uses", direction: .incoming, types: ["intrusion-set"])
            }
        }
        bulkObjects += try await timed("all relationships of a group") {
            let relationships = try await store.relationships(of: group, direction: .both, type: nil)
            let others = try await store.latest(ids: relationships.compactMap { $0.object.sourceRef == group ? $0.object.targetRef : $0.object.sourceRef })
            return relationships.count + others.count
        }
        let after = DateAdded(microseconds: first + Int64.random(in: 0..<max(1, Int64(objects) * 10), using: &generator))
        _ = try await timed("TAXII page (100)") { try await store.page(ObjectQuery(addedAfter: after, limit: 100, clearance: ReaderClearance(maximum: .green))) }

        let hour = String(format: "2026-11-%02dT%02d:00:00.000Z", Int.random(in: 1...28, using: &generator), Int.random(in: 0...23, using: &generator))
        let page = try await timed("timeline page (100)") {
            try await store.findings(ofCase: "scale", filter: FindingFilter(from: hour), after: nil, limit: 100)
        }
        _ = try await timed("timeline next page (100)") {
            try await store.findings(ofCase: "scale", filter: FindingFilter(from: hour), after: page.next, limit: 100)
        }
        _ = try await timed("timeline of a host (100)") {
            try await store.findings(ofCase: "scale", filter: FindingFilter(host: "ws\(Int.random(in: 0..<500, using: &generator)).mfa.example"), after: nil, limit: 100)
        }
        _ = try await timed("timeline, common technique") {
            try await store.findings(ofCase: "scale", filter: FindingFilter(technique: "T1059", from: hour), after: nil, limit: 100)
        }
        _ = try await timed("timeline, rare technique") {
            try await store.findings(ofCase: "scale", filter: FindingFilter(technique: "T1003"), after: nil, limit: 100)
        }
    }
    for name in [
        "intel show APT31", "relationship walk", "TAXII page (100)", "timeline page (100)", "timeline next page (100)", "timeline of a host (100)",
        "timeline, common technique", "timeline, rare technique", "all relationships of a group",
    ] {
        let (p50, p99) = percentiles(timings[name] ?? [0])
        print(String(format: "%-30@ p50 %7.1f ms   p99 %7.1f ms", name as NSString, p50, p99))
    }
    let bulkSeconds = (timings["all relationships of a group"] ?? []).reduce(0, +)
    print(String(format: "bulk read: %.0f objects per group on average, %.0f objects/s", Double(bulkObjects) / Double(repetitions), Double(bulkObjects) / bulkSeconds))
}

let arguments = CommandLine.arguments
guard arguments.count >= 5, let objects = Int(arguments[2]), let findings = Int(arguments[3]) else {
    FileHandle.standardError.write(Data("usage: StoreBench ATTACK.json OBJECTS FINDINGS STORE...\n".utf8))
    exit(2)
}
for location in arguments[4...] {
    try await run(store: location, attack: arguments[1], objects: objects, findings: findings)
}
