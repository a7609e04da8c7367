import Foundation
import Sigma
import TestSupport
import Testing

@testable import Hunt

/// A rule runs only on events of its product and service. The shared APT29 Zeek logs hunted
/// with SigmaHQ's `rules/network`: the Cisco, Fortigate, Juniper, Huawei, DNS and firewall
/// rules name products the mapping does not know, and ran on every Zeek event (119 false
/// findings); now they are reported and left out, and the Zeek rules meet Zeek events of their
/// own service.
@Suite("Log source scope", .enabled(if: SharedData.isUsable, SharedData.skipReason))
struct LogSourceScopeTests {
    static func zeekLogs() throws -> [HuntRunner.Source] {
        try ["day1", "day2"].map {
            HuntRunner.Source(
                path: try SharedData.file("logs/otrf/datasets/compound/apt29/\($0)/zeek/combined_zeek.log").path, format: .text(.jsonLines))
        }
    }

    static func networkRules(_ unmapped: UnmappedRules) throws -> LoadedRuleSet {
        let (files, missing) = RuleSetLoader.ruleFiles([try SharedData.file("sigma/rules/network").path])
        #expect(missing.isEmpty)
        return RuleSetLoader.load(files: files, options: .init(unmapped: unmapped))
    }

    static func hunt(_ rules: LoadedRuleSet) throws -> (findings: [Finding], summary: HuntSummary) {
        var findings: [Finding] = []
        let summary = try HuntRunner(rules: rules, options: HuntOptions(threads: 2)).run(try zeekLogs()) { findings.append($0) }
        return (findings, summary)
    }

    @Test("rules/network over the APT29 Zeek logs: no rule of another product fires; the unmapped ones are named")
    func networkRulesOnZeek() throws {
        let rules = try Self.networkRules(.skip)
        let products = Set(rules.unmapped.compactMap { $0.logSource.product ?? $0.logSource.category })
        #expect(products == ["cisco", "dns", "fortigate", "firewall", "huawei", "juniper"])
        #expect(rules.unmapped.count == 32)
        let (findings, summary) = try Self.hunt(rules)
        #expect(summary.events > 7_000)
        let zeekRules = Set(rules.engine.rules.filter { $0.rule.logSource.product == "zeek" }.map(\.rule.title))
        #expect(zeekRules.count == 21)
        #expect(findings.allSatisfy { zeekRules.contains($0.ruleTitle) }, "\(Set(findings.map(\.ruleTitle)).subtracting(zeekRules))")
        // What they found before: every Cisco rule on every Zeek event it could match.
        let (everywhere, _) = try Self.hunt(try Self.networkRules(.run))
        #expect(everywhere.count == 119)
        #expect(everywhere.allSatisfy { $0.ruleTitle.hasPrefix("Cisco ") })
    }

    /// A Zeek rule of a service; SigmaHQ's WebDAV PUT rule without its filter of private
    /// destinations (the APT29 uploads went to 192.168.0.4).
    static func webDAVRule(service: String) -> String {
        """
        title: WebDAV PUT to anywhere
        id: 7f8a5c1e-1b2c-4d3e-9f40-5a6b7c8d9e0f
        logsource:
            product: zeek
            service: \(service)
        detection:
            selection:
                user_agent|contains: 'WebDAV'
                method: 'PUT'
            condition: selection
        level: low
        """
    }

    @Test("a Zeek rule meets the events of its service (OTRF's @stream) and no other", arguments: [("http", 6), ("dns", 0), ("conn", 0)])
    func zeekServices(service: String, expected: Int) throws {
        let folder = try TemporaryFolder()
        try Self.webDAVRule(service: service).write(toFile: folder.path("rule.yml"), atomically: true, encoding: .utf8)
        let rules = RuleSetLoader.load(files: [folder.path("rule.yml")])
        #expect(rules.problems.isEmpty && rules.unmapped.isEmpty)
        let (findings, _) = try Self.hunt(rules)
        #expect(findings.count == expected)
    }
}
