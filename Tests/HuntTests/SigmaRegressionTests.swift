import EVTX
import EventLog
import Foundation
import Hunt
import Sigma
import STIX
import TestSupport
import Testing

/// SigmaHQ's regression tests: every rule of `REGRESSION_ORACLE.jsonl` matches its own test
/// EVTX at least `match_count` times (at least once when absent), with the built-in log
/// source mapping, as SigmaHQ's CI does with its THOR configuration.
@Suite("Sigma regression oracle", .enabled(if: SharedData.isUsable, SharedData.skipReason))
struct SigmaRegressionTests {
    struct Case {
        let rulePath: String
        let ruleID: String
        let evtx: String
        let minimum: Int
    }

    static func cases() throws -> [Case] {
        let text = try String(contentsOf: try SharedData.file("sigma/REGRESSION_ORACLE.jsonl"), encoding: .utf8)
        var cases: [Case] = []
        for line in text.split(separator: "\n") {
            let object = try #require(try JSONParser.parse(String(line)).objectValue)
            for test in object["tests"]?.arrayValue ?? [] {
                guard let test = test.objectValue, test["type"]?.stringValue == "evtx", let path = test["path"]?.stringValue else { continue }
                cases.append(
                    Case(
                        rulePath: try #require(object["rule_path"]?.stringValue), ruleID: try #require(object["rule_id"]?.stringValue),
                        evtx: path, minimum: test["match_count"]?.intValue.map(Int.init) ?? 1))
            }
        }
        return cases
    }

    /// Events of an EVTX file, read as `vigil hunt` reads them.
    static func events(_ path: String) throws -> [Event] {
        var events: [Event] = []
        try EVTXStreamReader(options: .init(threads: 1)).read([try FileByteStream(path: path)]) { input in
            let names = FieldNameCache()
            var found: [Event] = []
            let summary = EVTXChunk.read(input.bytes, index: input.index, fileOffset: input.fileOffset, scratch: input.scratch) { record in
                found.append(record.event(names: names))
            }
            return (EventBox(found), summary)
        } deliver: { _, box, _ in
            events += box.events
        } finish: { _, _ in }
        return events
    }

    final class EventBox: @unchecked Sendable {
        let events: [Event]
        init(_ events: [Event]) { self.events = events }
    }

    @Test("202 of 202 rules match their regression EVTX", .timeLimit(.minutes(5)))
    func regression() throws {
        let cases = try Self.cases()
        #expect(cases.count == 202)
        var failures: [String] = []
        var passed = 0
        for test in cases {
            let rulePath = try SharedData.file("sigma/" + test.rulePath).path
            let loaded = RuleLoader.load(try String(contentsOfFile: rulePath, encoding: .utf8), path: test.rulePath)
            guard loaded.problems.isEmpty else {
                failures.append("\(test.rulePath): \(loaded.problems)")
                continue
            }
            let (engine, problems) = RuleEngine.compile(loaded.rules)
            guard problems.isEmpty else {
                failures.append("\(test.rulePath): \(problems)")
                continue
            }
            let context = EventContext()
            var matches = 0
            for event in try Self.events(try SharedData.file("sigma/" + test.evtx).path) {
                context.load(event)
                engine.match(context) { index in
                    if engine.rules[index].rule.id == test.ruleID { matches += 1 }
                }
            }
            if matches >= test.minimum {
                passed += 1
            } else {
                failures.append("\(test.rulePath): \(matches) matches, expected at least \(test.minimum)")
            }
        }
        #expect(passed == 202)
        #expect(failures.isEmpty, "\(failures.count) failures:\n\(failures.joined(separator: "\n"))")
    }
}
