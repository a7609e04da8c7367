import EVTX
import EventLog
import Foundation
@testable import Hunt
@testable import Sigma
import TestSupport
import Testing

/// Matching a record through its field reader finds what matching its built event finds:
/// the same rules in the same order, and findings with the same JSON, for every record of the
/// shared EVTX samples against every SigmaHQ Windows rule. `vigil hunt` reads records this way.
@Suite("Matching through field readers", .enabled(if: SharedData.isUsable, SharedData.skipReason))
struct FieldReaderMatchingTests {
    /// Every SigmaHQ Windows rule, and the shared EVTX samples in path order.
    static func windowsRulesAndSamples() throws -> (RuleEngine, [String]) {
        let ruleFiles = RuleSetLoader.ruleFiles([try SharedData.file("sigma/rules/windows").path]).files
        let root = try SharedData.file("evtx")
        var paths: [String] = []
        let walker = FileManager.default.enumerator(atPath: root.path)
        while let relative = walker?.nextObject() as? String {
            if relative.hasSuffix(".evtx") { paths.append(root.appendingPathComponent(relative).path) }
        }
        return (RuleSetLoader.load(files: ruleFiles).engine, paths.sorted())
    }

    @Test("readers and events give the same matches and findings", .timeLimit(.minutes(5)))
    func sameMatches() throws {
        let (engine, paths) = try Self.windowsRulesAndSamples()
        let scratch = EVTXChunkScratch()
        let names = FieldNameCache()
        let context = EventContext()
        var read = 0
        var findings = 0
        var differences: [String] = []

        /// The matched rules and their findings' JSON for the context's event.
        func match(_ finding: (RuleEngine.Rule) -> Finding) -> ([Int], [UInt8]) {
            var rules: [Int] = []
            var json: [UInt8] = []
            engine.match(context) { index in
                rules.append(index)
                FindingJSONWriter.write(finding(engine.rules[index]), into: &json)
            }
            return (rules, json)
        }

        for path in paths {
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            EVTXRecords.forEach(in: data, scratch: scratch) { record in
                let event = record.event(names: names)
                context.load(event)
                let expected = match { Finding(rule: $0, event: event) }
                record.withFieldReader(names: names) { reader in
                    guard let reader else { return }
                    read += 1
                    context.load(reader)
                    let found = match { Finding(rule: FindingRule($0), context: context) }
                    findings += found.0.count
                    if found.0 != expected.0 || found.1 != expected.1 {
                        differences.append("\(path) record \(record.recordID): rules \(found.0) vs \(expected.0)")
                    }
                    if !found.0.isEmpty && context.event != event { differences.append("\(path) record \(record.recordID): event differs") }
                }
            }
        }
        #expect(read > 10_000)
        #expect(findings > 1_000)
        #expect(differences.isEmpty, "\(differences.count) records differ: \(differences.prefix(3))")
    }

    /// Matches every record of the shared samples twice, as `vigil hunt` reads it (through its
    /// field reader when the record has a plan): `first` and `second` each load it into a
    /// context with the function they are given and list the rules they find. Returns the
    /// records read, the rules `second` found, and the records where the two differ.
    static func compareMatchings(
        _ paths: [String], first: (_ load: (EventContext) -> Void) -> [Int], second: (_ load: (EventContext) -> Void) -> [Int]
    ) throws -> (records: Int, matches: Int, differences: [String]) {
        let scratch = EVTXChunkScratch()
        let names = FieldNameCache()
        var records = 0
        var matches = 0
        var differences: [String] = []
        for path in paths {
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            EVTXRecords.forEach(in: data, scratch: scratch) { record in
                record.withFieldReader(names: names) { reader in
                    records += 1
                    let event = reader == nil ? record.event(names: names) : nil
                    func load(_ context: EventContext) {
                        if let reader { context.load(reader) } else if let event { context.load(event) }
                    }
                    let one = first(load)
                    let other = second(load)
                    matches += other.count
                    if one != other { differences.append("\(path) record \(record.recordID): rules \(one) vs \(other)") }
                }
            }
        }
        return (records, matches, differences)
    }

    /// Anchors only leave rules out: matching finds what evaluating every variant of the
    /// event's lists finds, in the same order, for every shared record. A rule woken too
    /// seldom (a necessary condition that is not one, a second anchor group required wrongly)
    /// shows here.
    @Test("anchored matching finds what evaluating every variant finds", .timeLimit(.minutes(5)))
    func anchorsOnlyLeaveOut() throws {
        let (engine, paths) = try Self.windowsRulesAndSamples()
        let context = EventContext()
        let (records, matches, differences) = try Self.compareMatchings(paths) { load in
            var rules: [Int] = []
            load(context)
            engine.match(context) { rules.append($0) }
            return rules
        } second: { load in
            var rules: [Int] = []
            load(context)
            engine.matchEvaluatingEveryVariant(context) { rules.append($0) }
            return rules
        }
        #expect(records > 10_000)
        #expect(matches > 1_000)
        #expect(differences.isEmpty, "\(differences.count) records differ: \(differences.prefix(3))")
    }

    /// A context remembers what its scanners found in recent field texts (`ScanMemo`); one
    /// context that matched every earlier record must match each record as a new context,
    /// which remembers nothing, does.
    @Test("remembered scans match as fresh scans do", .timeLimit(.minutes(5)))
    func rememberedScans() throws {
        let (engine, paths) = try Self.windowsRulesAndSamples()
        let reused = EventContext()
        func rules(_ context: EventContext, _ load: (EventContext) -> Void) -> [Int] {
            var rules: [Int] = []
            load(context)
            engine.match(context) { rules.append($0) }
            return rules
        }
        let (records, matches, differences) = try Self.compareMatchings(paths) { rules(reused, $0) } second: { rules(EventContext(), $0) }
        #expect(records > 10_000)
        #expect(matches > 1_000)
        #expect(differences.isEmpty, "\(differences.count) records differ: \(differences.prefix(3))")
    }
}
