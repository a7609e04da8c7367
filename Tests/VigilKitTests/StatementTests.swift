import Attribution
import Foundation
import IntelStore
import Reports
import STIX
import TestSupport
import Testing
import VigilKit

/// The chain from group to state, DISARM beside ATT&CK, and the statement, on a store holding
/// ATT&CK 15.1, Vigil's state attributions, DISARM and MISP's threat-actor galaxy.
@Suite("Statement, sponsors and DISARM", .enabled(if: SharedData.isUsable, SharedData.skipReason))
struct StatementTests {
    static let apt31 = "intrusion-set--4283ae19-69c7-4347-a35e-b56f08eb660b"

    /// One store for the suite (ATT&CK takes seconds to import in a debug build).
    static let shared = Task<MemoryIntelStore, any Error> {
        let store = MemoryIntelStore()
        let files = ["attack/enterprise-attack-15.1.stix20.json", "disarm/DISARM.json", "misp/galaxy/threat-actor.json", "misp/galaxy/disarm-actortypes.json"]
        _ = try await IntelImport.importFiles(try files.map { try SharedData.file($0).path }, into: store, strict: false)
        try await Updater(location: StoreLocation(path: "/nonexistent/vigil.sqlite"), store: store).importStateAttributions()
        return store
    }

    static func store() async throws -> MemoryIntelStore { try await shared.value }

    /// A case asserting every technique and software ATT&CK lists for campaign `campaign`.
    static func campaignCase(_ name: String, campaign attackID: String, extra: [String] = [], findings: [CaseFinding] = []) async throws -> MemoryIntelStore {
        let store = try await store()
        let knowledge = AttackKnowledge(objects: try await store.objects(types: ["intrusion-set", "campaign", "attack-pattern", "malware", "tool", "relationship"], includeRetired: true).map(\.object))
        let campaign = try #require(knowledge.campaigns.values.first { $0.attackID == attackID })
        let ids = knowledge.evidence(ofCampaign: campaign.id).observed.keys.map(\.id).sorted() + extra
        try await store.createCase(CaseInfo(name: name, created: "2026-12-07T00:00:00Z", tlp: .amber, description: "ATT&CK \(attackID) as evidence"))
        if !findings.isEmpty { try await store.addToCase(name, evidence: [], findings: findings) }
        for id in ids {
            try await store.addNote(try CaseNote.assertion(id, comment: "ATT&CK \(attackID)", author: "test", at: "2026-12-07T00:00:00Z"), toCase: name)
        }
        return store
    }

    @Test("APT31's chain: the Czech statement first, the US and UK with the Hubei department, MISP's suspicion last")
    func apt31() async throws {
        let store = try await Self.store()
        let links = try await StateSponsors.links(of: [Self.apt31], store: store)
        #expect(links.count == 5)
        #expect(links.first?.by == "Government of the Czech Republic" && links.first?.date == "2025-05-28")
        #expect(links.first?.sponsor == "China's Ministry of State Security (MSS)")
        #expect(links.filter { $0.sponsor.contains("Hubei State Security Department") }.count == 2)
        #expect(links.last?.basis == .suspected && links.last?.state?.code == "CN")
        #expect(SponsorChains.headline(group: "APT31 (G0128)", links: links)?.hasPrefix(
            "APT31 (G0128) — attributed by Government of the Czech Republic (2025-05-28) to China's Ministry of State Security (MSS)") == true)
    }

    @Test("DISARM is its own framework: 391 techniques and 16 tactics under the disarm kill chain, none read as ATT&CK")
    func disarm() async throws {
        let store = try await Self.store()
        let patterns = try await store.objects(types: ["attack-pattern"], includeRetired: true).map(\.object)
        let disarm = patterns.filter { $0.disarmID != nil }
        #expect(disarm.count == 391)
        #expect(disarm.allSatisfy { $0.attackID == nil && $0.tactics.isEmpty && !$0.disarmTactics.isEmpty })
        let tactics = try await store.objects(types: ["x-mitre-tactic"], includeRetired: true).map(\.object)
        #expect(tactics.filter { $0.disarmID != nil }.count == 16)
        #expect(tactics.filter { $0.attackID != nil }.count == 14, "ATT&CK's Enterprise tactics, and no more")
        // ATT&CK's techniques are exactly those of the ATT&CK bundle.
        let attack = try STIXBundleReader.read(try SharedData.bytes("attack/enterprise-attack-15.1.stix20.json"))
        #expect(Set(patterns.compactMap(\.attackID)) == Set(attack.objects.filter { $0.type == "attack-pattern" }.compactMap(\.attackID)))
        #expect(Set(disarm.compactMap(\.disarmID)).isDisjoint(with: patterns.compactMap(\.attackID)))
        // DISARM's actor types, from MISP's galaxy: classes of actors, not actors.
        let actorTypes = try await store.objects(types: ["identity"], includeRetired: false).map(\.object).filter { $0.disarmID != nil }
        #expect(actorTypes.count == 33 && actorTypes.allSatisfy { $0["identity_class"]?.stringValue == "class" })
    }

    @Test("assertions tell DISARM's ids from ATT&CK's", arguments: [
        ("T0049", CaseNote.Kind.influence), ("t0097.101", .influence), ("T1566", .technique), ("T1566.002", .technique),
        ("T0800", .technique), ("S0154", .software), ("a003", .influenceActor),
    ])
    func assertion(id: String, kind: CaseNote.Kind) throws {
        #expect(try CaseNote.assertion(id, comment: "", author: "a", at: "t").kind == kind)
    }

    @Test("the statement of a case built from C0024: APT29, its sponsor with the source, DISARM, nothing withheld")
    func c0024() async throws {
        let store = try await Self.campaignCase("c0024", campaign: "C0024", extra: ["T0049", "T0097.101", "A003"])
        let statement = try await CaseReporting.render(case: "c0024", store: store, format: .statement)
        #expect(statement.hasPrefix("TLP:AMBER — statement on case c0024"))
        let flat = statement.replacingOccurrences(of: "\n", with: " ")
        // ATT&CK's own list for the campaign, against profiles that hold it (the campaign is one
        // of APT29's past reports): a clear first, stated short of certainty.
        #expect(flat.contains("We assess with high confidence (80–100 on a scale of 100) that it is almost certain"))
        #expect(flat.contains("was the work of APT29 (G0016)"))
        #expect(!flat.contains("(100%)"), "ICD 203 stops at 99%")
        #expect(flat.contains("publicly attributed to Russia's Foreign Intelligence Service (SVR) by United States (The White House) on 2021-04-15"))
        #expect(flat.contains("T0049 Flood Information Space"))
        #expect(flat.contains("DISARM actor types among those involved: A003 trusted authority"))
        #expect(flat.contains("Nothing was withheld"))
        // The attribution keeps DISARM out of the evidence it scores.
        let attribution = try await CaseAttribution.attribute(case: "c0024", store: store)
        #expect(!attribution.result.evidence.observed.keys.contains { $0.id.hasPrefix("T0") })
        // The STIX report carries the sponsor chain and the DISARM techniques.
        let bundle = try STIXBundleReader.read(Array(try attribution.render(.stix, top: 3, explain: false).utf8))
        #expect(bundle.errors.isEmpty)
        #expect(bundle.objects.contains { $0.type == "identity" && $0.name == "Foreign Intelligence Service" })
        #expect(bundle.objects.contains { $0.type == "location" && $0["country"]?.stringValue == "RU" })
        #expect(bundle.objects.filter { $0.disarmID != nil }.count == 3)
        #expect(bundle.objects.contains { $0.type == "identity" && $0.disarmID == "A003" && $0["identity_class"]?.stringValue == "class" })
        #expect(bundle.objects.allSatisfy { $0.type != "attack-pattern" || $0.disarmID != nil || !$0.tactics.isEmpty })
    }

    @Test("thin evidence: low confidence, no group and no state named")
    func thin() async throws {
        let store = try await Self.store()
        try await store.createCase(CaseInfo(name: "thin", created: "2026-12-07T00:00:00Z", tlp: .green))
        for id in ["T1598.003", "T1583.006", "T1567.002"] {
            try await store.addNote(try CaseNote.assertion(id, comment: "", author: "test", at: "2026-12-07T00:00:00Z"), toCase: "thin")
        }
        let statement = try await CaseReporting.render(case: "thin", store: store, format: .statement).replacingOccurrences(of: "\n", with: " ")
        #expect(statement.contains("does not support an attribution") || statement.contains("We do not attribute"))
        #expect(!statement.contains("We assess with"))
        #expect(!statement.contains("publicly attributed"))
        #expect(statement.hasPrefix("TLP:GREEN"))
    }

    @Test("contradictory evidence: an indicator pointing at APT31 in a case that reads as APT29 caps the confidence and says so")
    func contradictory() async throws {
        // Two partners' indicators: one names APT29, which the techniques and software point
        // to as well; the other names APT31.
        let apt29 = try #require(try await Self.store().objects(externalID: "G0016").first { $0.type == "intrusion-set" }).id
        let hits = [(Self.apt31, "203.0.113.9", 1), (apt29, "198.51.100.7", 2)].map { indicates, observable, n in
            CaseFinding(
                timestamp: "2024-03-05T10:1\(n):00.000Z", computer: "ws1", channel: "Sysmon", eventID: "3", recordID: Int64(n),
                ruleID: "indicator--00000000-0000-4000-8000-00000000003\(n)", ruleTitle: "Indicator: partner's C2", level: "high",
                techniques: [], tactics: [], software: [],
                fields: [
                    "indicator.source": "partner \(n)", "indicator.observable": observable, "indicator.tlp": "amber",
                    "indicator.indicates": indicates, "indicator.validity": "valid",
                ],
                evidence: "/cases/x.evtx", evidenceSHA256: String(repeating: "a", count: 64))
        }
        let store = try await Self.campaignCase("mixed", campaign: "C0024", findings: hits)
        let drafted = try await CaseReporting.draft(case: "mixed", store: store)
        let assessment = try #require(drafted.report.assessment)
        #expect(assessment.group == "APT29 (G0016)")
        #expect(assessment.contradictions.contains { $0.contains("point to ZIRCONIUM") })
        #expect(AttributionStatement.confidence(assessment) == .moderate)
        let statement = AttributionStatement.render(drafted.report).replacingOccurrences(of: "\n", with: " ")
        #expect(statement.contains("We assess with moderate confidence (50–79"))
        #expect(statement.contains("The model's own confidence was high"))
        #expect(statement.contains("indicators sighted in the case point to ZIRCONIUM, not to APT29"))
    }

    @Test("indicators of a malware family are software evidence: ATT&CK's by id, a partner's by name; the galaxy's victims count")
    func indicatedSoftwareAndVictims() async throws {
        let store = try await Self.store()
        let plugX = try #require(try await store.objects(externalID: "S0013").first { $0.type == "malware" })
        let partner = try STIXObject(json: #"{"type": "malware", "spec_version": "2.1", "id": "malware--00000000-0000-4000-8000-0000000000a1", "created": "2026-01-01T00:00:00Z", "modified": "2026-01-01T00:00:00Z", "name": "Korplug", "is_family": true}"#)
        _ = try await store.ingest([StoredObject(partner, tlp: .amber)])
        func hit(_ n: Int, indicates: String) -> CaseFinding {
            CaseFinding(
                timestamp: "2024-03-05T10:1\(n):00.000Z", computer: "ws1", channel: "Sysmon", eventID: "3", recordID: Int64(n),
                ruleID: "indicator--00000000-0000-4000-8000-00000000003\(n)", ruleTitle: "Indicator \(n)", level: "high", techniques: [], tactics: [],
                software: [], fields: ["indicator.source": "partner", "indicator.observable": "203.0.113.\(n)", "indicator.indicates": indicates],
                evidence: "/cases/x.evtx", evidenceSHA256: String(repeating: "a", count: 64))
        }
        try await store.createCase(CaseInfo(name: "plugx", created: "2026-12-07T00:00:00Z", tlp: .amber))
        try await store.addToCase("plugx", evidence: [], findings: [hit(1, indicates: plugX.id), hit(2, indicates: partner.id.rawValue)])
        let victim = try Victim(countries: ["DE"], sectors: ["government"])
        let attribution = try await CaseAttribution.attribute(case: "plugx", store: store, victim: victim)
        let sources = attribution.result.evidence.observed[.software("S0013")] ?? []
        #expect(sources.count == 2, "\(sources)")
        #expect(sources.allSatisfy { $0.hasSuffix("which indicates it") })
        // APT28's MISP entry lists Germany among its victims and government among its targets.
        let apt28 = try #require(attribution.result.ranking.first { $0.group.attackID == "G0007" })
        #expect(apt28.contributions.filter { $0.kind == .victim }.map(\.reason) == [
            "the MISP galaxy lists Germany among the group's suspected victims", "the MISP galaxy lists Government among the group's targets",
        ])
    }

    @Test("an indicator of a campaign is evidence for the group the campaign is attributed to")
    func indicatedCampaign() async throws {
        let store = try await Self.store()
        let solarWinds = try #require(try await store.objects(externalID: "C0024").first { $0.type == "campaign" })
        let hit = CaseFinding(
            timestamp: "2024-03-05T10:10:00.000Z", computer: "ws1", channel: "Sysmon", eventID: "3", recordID: 1,
            ruleID: "indicator--00000000-0000-4000-8000-000000000041", ruleTitle: "Indicator C2", level: "high", techniques: [], tactics: [],
            software: [], fields: ["indicator.source": "partner", "indicator.observable": "203.0.113.9", "indicator.indicates": solarWinds.id],
            evidence: "/cases/x.evtx", evidenceSHA256: String(repeating: "a", count: 64))
        try await store.createCase(CaseInfo(name: "campaign-hit", created: "2026-12-07T00:00:00Z", tlp: .amber))
        try await store.addToCase("campaign-hit", evidence: [], findings: [hit])
        let result = try await CaseAttribution.attribute(case: "campaign-hit", store: store).result
        let apt29 = try #require(result.ranking.first { $0.group.attackID == "G0016" })
        #expect(result.evidence.indicatedGroups[apt29.group.id]?.count == 1)
        let indicator = try #require(apt29.contributions.first { $0.kind == .indicator })
        #expect(indicator.sources.count == 1 && indicator.sources[0].hasSuffix("which indicates the campaign SolarWinds Compromise (C0024), attributed to it"), "\(indicator.sources)")
        #expect(result.ranking.first?.group.attackID == "G0016")
    }

    @Test("an indicator of a partner's intrusion set named like ATT&CK's group counts for that group")
    func indicatedPartnerGroup() async throws {
        let store = try await Self.store()
        let partner = try STIXObject(json: #"{"type": "intrusion-set", "spec_version": "2.1", "id": "intrusion-set--00000000-0000-4000-8000-0000000000b1", "created": "2026-01-01T00:00:00Z", "modified": "2026-01-01T00:00:00Z", "name": "Violet Typhoon"}"#)
        _ = try await store.ingest([StoredObject(partner, tlp: .amber)])
        let hit = CaseFinding(
            timestamp: "2024-03-05T10:10:00.000Z", computer: "ws1", channel: "Sysmon", eventID: "3", recordID: 1,
            ruleID: "indicator--00000000-0000-4000-8000-000000000042", ruleTitle: "Indicator C2", level: "high", techniques: [], tactics: [],
            software: [], fields: ["indicator.source": "partner", "indicator.observable": "203.0.113.7", "indicator.indicates": partner.id.rawValue],
            evidence: "/cases/x.evtx", evidenceSHA256: String(repeating: "a", count: 64))
        try await store.createCase(CaseInfo(name: "partner-group", created: "2026-12-07T00:00:00Z", tlp: .amber))
        try await store.addToCase("partner-group", evidence: [], findings: [hit])
        let result = try await CaseAttribution.attribute(case: "partner-group", store: store).result
        #expect(result.evidence.indicatedGroups.keys.sorted() == [Self.apt31])
        #expect(result.ranking.first?.group.attackID == "G0128")
    }

    @Test("programs and files findings name are software evidence, with the rule and field; Windows's own are not")
    func softwareNamedByFindings() async throws {
        let store = try await Self.store()
        func finding(_ n: Int, rule: String, _ fields: [String: String]) -> CaseFinding {
            CaseFinding(
                timestamp: "2024-03-05T10:1\(n):00.000Z", computer: "ws1", channel: "Sysmon", eventID: "1", recordID: Int64(n),
                ruleID: "r-\(n)", ruleTitle: rule, level: "high", techniques: ["T1087.002"], tactics: ["TA0007"], software: [], fields: fields,
                evidence: "/cases/x.evtx", evidenceSHA256: String(repeating: "a", count: 64))
        }
        try await store.createCase(CaseInfo(name: "named", created: "2026-12-07T00:00:00Z", tlp: .amber))
        try await store.addToCase("named", evidence: [], findings: [
            finding(1, rule: "AdFind recon", ["Image": #"C:\ProgramData\AdFind.exe"#, "CommandLine": #"AdFind.exe -f objectcategory=computer"#]),
            finding(2, rule: "AdFind recon", ["Image": #"C:\ProgramData\AdFind.exe"#, "CommandLine": #"AdFind.exe -sc trustdmp"#]),
            finding(3, rule: "Exfiltration", ["Image": #"C:\Windows\System32\cmd.exe"#, "CommandLine": #"cmd /c C:\Users\Public\rclone.exe copy C:\data remote: & net use"#]),
        ])
        let attribution = try await CaseAttribution.attribute(case: "named", store: store)
        let observed = attribution.result.evidence.observed
        #expect(observed[.software("S0552")] == ["AdFind.exe in CommandLine, rule AdFind recon (2 findings)", "AdFind.exe in Image, rule AdFind recon (2 findings)"])
        #expect(observed[.software("S1040")] == ["rclone.exe in CommandLine, rule Exfiltration (1 finding)"])
        #expect(Set(observed.keys.filter { $0.kind == .software }) == [.software("S0552"), .software("S1040")])
        // `vigil case show` lists them too, from the same reading.
        let summary = try await CaseSummary.reading(case: "named", store: store)
        #expect(summary.softwareInFiles == [.software("S0552"): observed[.software("S0552")] ?? [], .software("S1040"): observed[.software("S1040")] ?? []])
        #expect(summary.text().contains("""

            Software named by programs and files (2)
              S0552      AdFind.exe in CommandLine, rule AdFind recon (2 findings); AdFind.exe in Image, rule AdFind recon (2 findings)
              S1040      rclone.exe in CommandLine, rule Exfiltration (1 finding)
            """), "\(summary.text())")
        // The STIX report says the intrusion used them, and where they were seen.
        let bundle = try STIXBundleReader.read(try attribution.stixBundle(top: 3))
        let campaign = try #require(bundle.objects.first { $0.type == "campaign" })
        let adFind = try #require(bundle.objects.first { $0.type == "tool" && $0.attackID == "S0552" })
        let uses = try #require(bundle.objects.first { $0.relationshipType == "uses" && $0.sourceRef == campaign.id.rawValue && $0.targetRef == adFind.id.rawValue })
        #expect(uses.objectDescription == "Observed: AdFind.exe in CommandLine, rule AdFind recon (2 findings); AdFind.exe in Image, rule AdFind recon (2 findings)")
        #expect(bundle.objects.contains { $0.type == "tool" && $0.attackID == "S1040" })
    }

    @Test("what a ceiling withholds is named, and the statement says it")
    func withheld() async throws {
        let store = try await Self.campaignCase("red", campaign: "C0024")
        try await store.createCase(CaseInfo(name: "red-case", created: "2026-12-07T00:00:00Z", tlp: .red))
        let statement = try await CaseReporting.render(case: "red-case", store: store, format: .statement, options: CaseReport.Options(maxTLP: .green))
        #expect(statement.contains("Withheld from this statement, which holds only what is marked TLP:GREEN or lower"))
        #expect(statement.contains("(TLP:RED)"))
    }
}
