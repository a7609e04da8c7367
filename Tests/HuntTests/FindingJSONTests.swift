import EventLog
import Foundation
import STIX
import TestSupport
import Testing

@testable import Hunt

/// The JSON-lines writer of findings writes exactly what the JSON tree of a finding gives
/// (same keys, same order, same values), for rule findings and correlation alerts.
@Suite("Finding JSON lines", .enabled(if: SharedData.isUsable, SharedData.skipReason))
struct FindingJSONTests {
    @Test("direct writer equals the JSON tree, rule findings and correlation alerts")
    func writerEqualsTree() throws {
        let security = try SharedData.file("sigma/rules/windows/builtin/security")
        let ruleFiles = try FileManager.default.subpathsOfDirectory(atPath: security.path).filter { $0.hasSuffix(".yml") }.sorted()
            .map { security.appendingPathComponent($0).path }
        let rules = RuleSetLoader.load(files: ruleFiles + [
            SharedData.repositoryRoot.appendingPathComponent("Tests/Fixtures/correlation/correlation-types.yml").path
        ])
        var findings: [Finding] = []
        let sources = try ["evtx/deepbluecli/password-spray.evtx", "evtx/deepbluecli/smb-password-guessing-security.evtx"].map {
            HuntRunner.Source(path: try SharedData.file($0).path, format: .evtx)
        }
        _ = try HuntRunner(rules: rules, options: HuntOptions(threads: 2)).run(sources) { findings.append($0) }
        let alerts = findings.filter { if case .correlation = $0.kind { return true } else { return false } }
        #expect(alerts.count > 100)
        #expect(findings.count > alerts.count + 100)
        // Escapes, and repeated field names (first place, last value), in both kinds.
        for var finding in [findings[0], alerts[0]] {
            finding.computer = "HOST\\\"x\u{1}"
            finding.fields = [("A", "C:\\Windows\\x.exe \"-c\"\n\t\r\u{8}\u{c}\u{1f}é"), ("B", "b"), ("A", "last"), ("C", ""), ("B", "b2")]
            findings.append(finding)
        }
        for finding in findings {
            let expected = JSONWriter().string(FindingFormat.jsonl.json(finding)) + "\n"
            #expect(FindingFormat.jsonl.line(finding) == expected)
        }
        let written = FindingFormat.jsonl.line(findings[findings.count - 2])
        #expect(written.contains(#""fields":{"A":"last","B":"b2","C":""}"#))
        #expect(written.contains(#""computer":"HOST\\\"x\u0001""#))
    }
}
