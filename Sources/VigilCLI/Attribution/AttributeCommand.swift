import ArgumentParser
import Attribution
import Foundation
import IntelStore
import IntelStoreSQLite
import Reports
import STIX

/// `vigil attribute CASE [--top N] [--explain] [--format text|json|stix]`
struct AttributeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attribute",
        abstract: "Rank the known intrusion sets against a case's techniques, software and indicator hits, and explain why.",
        discussion: """
            Knowledge comes from the intel store (vigil update or vigil intel import an ATT&CK \
            bundle). Scores are log likelihood ratios against an unknown actor; the confidence \
            (0-100) is the posterior probability, in the words of ICD 203 (low < 50, moderate \
            50-79, high >= 80). The verdict is "unknown actor" when no profile explains the \
            evidence better than an unknown group would.
            """
    )

    @OptionGroup var store: StoreOptions
    @Argument(help: "The case's name.") var name: String
    @Option(help: "How many groups to list.") var top = 10
    @Flag(help: "List every piece of evidence that moved each listed group's score.") var explain = false
    @Option(help: "text, json (the ranking) or stix (a STIX 2.1 bundle).") var format: AttributionFormat = .text
    @Option(help: ArgumentHelp("The victim's sector or country (repeatable); groups whose description names it gain a little.", valueName: "WORD"))
    var victim: [String] = []
    @Option(name: .shortAndLong, help: ArgumentHelp("Output file; standard output when absent.", valueName: "FILE"))
    var output: String?

    func run() async throws {
        try await CaseAccess.run {
            let store = try store.openSQLite()
            let attribution = try await CaseAttribution.run(case: name, store: store, victim: victim)
            let sink = try OutputSink(path: output)
            try sink.write(Array(try attribution.render(format, top: top, explain: explain).utf8))
            try sink.close()
        }
    }
}

enum AttributionFormat: String, CaseIterable, ExpressibleByArgument {
    case text, json, stix
}

/// A case attributed against the store's knowledge, ready to print or export.
struct CaseAttribution {
    var info: CaseInfo
    var summary: CaseSummary
    var result: AttributionResult
    var knowledge: AttackKnowledge
    var attackPatterns: [String: STIXObject]
    var intrusionSets: [String: STIXObject]

    /// Types attribution reads from the store (retired ones too, to follow `revoked-by`).
    static let types = ["intrusion-set", "campaign", "attack-pattern", "malware", "tool", "relationship"]

    static func run(case name: String, store: SQLiteIntelStore, victim: [String]) async throws -> CaseAttribution {
        guard let info = try await store.caseInfo(named: name) else { throw IntelStoreError.noSuchCase(name) }
        let findings = try await store.findings(ofCase: name)
        let notes = try await store.notes(ofCase: name)
        let objects = try await store.objects(types: types, includeRetired: true).map(\.object)
        let knowledge = AttackKnowledge(objects: objects)
        guard !knowledge.groups.isEmpty else {
            Console.error("the intel store (\(store.path)) has no intrusion sets: run `vigil update` (or `vigil update --from DIR` offline, or `vigil intel import enterprise-attack.json`)")
            throw ExitStatus.badInput
        }
        let evidence = CaseSummary.evidence(findings: findings, notes: notes, victim: victim)
        let result = AttributionModel().attribute(evidence, profiles: GroupProfiles(knowledge: knowledge), names: knowledge.featureNames)
        var attackPatterns: [String: STIXObject] = [:]
        var intrusionSets: [String: STIXObject] = [:]
        for object in objects where !object.isRetired {
            if object.type == "attack-pattern", let id = object.attackID { attackPatterns[id] = object }
            if object.type == "intrusion-set" { intrusionSets[object.id.rawValue] = object }
        }
        return CaseAttribution(
            info: info, summary: CaseSummary(findings: findings, notes: notes), result: result, knowledge: knowledge,
            attackPatterns: attackPatterns, intrusionSets: intrusionSets)
    }

    func render(_ format: AttributionFormat, top: Int, explain: Bool) throws -> String {
        switch format {
        case .text: return AttributionText.render(self, top: top, explain: explain)
        case .json: return JSONWriter(pretty: true).string(AttributionText.json(self, top: top)) + "\n"
        case .stix: return String(decoding: try stixBundle(top: min(top, 3)), as: UTF8.self)
        }
    }

    func stixBundle(top: Int) throws -> [UInt8] {
        let now = STIXTimestamp(secondsSinceEpoch: Int64(Date().timeIntervalSince1970))
        let bundle = AttributionBundle(
            info: info, summary: summary, result: result, attackPatterns: attackPatterns, intrusionSets: intrusionSets, top: top, now: now)
        do {
            return STIXBundleWriter(pretty: true).bundle(try bundle.objects())
        } catch {
            Console.error("could not build the STIX bundle: \(error)")
            throw ExitStatus.badInput
        }
    }
}
