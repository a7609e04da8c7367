import EVTX
import EventLog
import Foundation
@testable import Hunt
import Sigma
import TestSupport
import Testing

/// Matching a record through its field reader finds what matching its built event finds:
/// the same rules in the same order, and findings with the same JSON, for every record of the
/// shared EVTX samples against every SigmaHQ Windows rule. `vigil hunt` reads records this way.
@Suite("Matching through field readers", .enabled(if: SharedData.isUsable, SharedData.skipReason))
struct FieldReaderMatchingTests {
    @Test("readers and events give the same matches and findings", .timeLimit(.minutes(5)))
    func sameMatches() throws {
        let ruleFiles = RuleSetLoader.ruleFiles([try SharedData.file("sigma/rules/windows").path]).files
        let engine = RuleSetLoader.load(files: ruleFiles).engine
        let root = try SharedData.file("evtx")
        var paths: [String] = []
        let walker = FileManager.default.enumerator(atPath: root.path)
        while let relative = walker?.nextObject() as? String {
            if relative.hasSuffix(".evtx") { paths.append(root.appendingPathComponent(relative).path) }
        }
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

        for path in paths.sorted() {
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            EVTXRecords.forEach(in: data, scratch: scratch) { record in
                let event = record.event(names: names)
                context.load(event)
                let expected = match { Finding(rule: $0, event: event) }
                record.withFieldReader(names: names) { reader in
                    guard let reader else { return }
                    read += 1
                    context.load(reader)
                    let found = match { Finding(rule: $0, context: context) }
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
}
