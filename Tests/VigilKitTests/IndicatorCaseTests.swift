import Foundation
import Hunt
import IntelStore
import Reports
import STIX
import TestSupport
import Testing
import VigilKit

/// MISP and STIX indicators from import to attribution: the shared MISP data imported, the
/// threat-actor galaxy joined with ATT&CK, and a case of the APT29 evaluation hunted with
/// indicators written for its C2 address and its exfiltrated archive.
@Suite("Indicators in the store, the hunt and the case", .enabled(if: SharedData.isUsable, SharedData.skipReason))
struct IndicatorCaseTests {
    @Test("every shared MISP file imports or is refused with its reason; the STIX made of them is valid", .timeLimit(.minutes(5)))
    func sharedMISP() async throws {
        let store = MemoryIntelStore()
        let stixTests = try FileManager.default.contentsOfDirectory(atPath: try SharedData.file("misp/misp-stix-tests").path)
            .filter { $0.hasSuffix("_1.json") || $0.hasSuffix("_2.json") }.sorted()
            .map { try! SharedData.file("misp/misp-stix-tests/\($0)").path }
        let (results, _) = try await IntelImport.importFiles([try SharedData.file("misp/events").path] + stixTests, into: store, strict: false)
        #expect(results.count == 40 + stixTests.count)
        var totals = (attributes: 0, indicators: 0, observed: 0, skipped: 0)
        for result in results {
            let name = (result.path as NSString).lastPathComponent
            if name == "malicious_pypi_packages.misp-event.json" {
                #expect(result.failure?.contains("not valid JSON at line 37374") == true, "\(result.failure ?? "imported")")
                continue
            }
            let misp = try #require(result.misp, "\(name) is read as MISP")
            let report = try #require(result.report, "\(name): \(result.failure ?? "")")
            #expect(report.totals.rejected == 0, "\(name): \(report.errors.prefix(3))")
            let counts = misp.counts
            #expect(counts.attributes == counts.indicators + counts.observed + counts.skippedCount, "\(name)")
            totals = (totals.attributes + counts.attributes, totals.indicators + counts.indicators, totals.observed + counts.observed, totals.skipped + counts.skippedCount)
            print("MISP \(name): \(counts.attributes) attributes, \(counts.indicators) indicators, \(counts.observed) observed, skipped \(counts.skipped)")
        }
        print("MISP all: \(totals)")
        #expect(totals == (3_430, 1_209, 1_408, 813))

        // What the store now holds is valid STIX 2.1 for the OASIS validator too.
        guard Peers.isUsable, let tools = Peers.tools else { return }
        let objects = try await store.objects(types: [], includeRetired: true).map(\.object)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-misp-\(UUID().uuidString).json").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(STIXBundleWriter(pretty: false).bundle(objects)).write(to: URL(fileURLWithPath: path))
        let check = try runProcess("/bin/bash", [tools.appendingPathComponent("stix_check.sh").path, path])
        let verdict = check.stderr.split(separator: "\n").last { $0.hasPrefix("STIX_CHECK") } ?? ""
        #expect(check.status == 0 && verdict.contains(" VALID "), "\(verdict)")
    }

    /// ATT&CK 15.1 and MISP's threat-actor galaxy.
    static func knowledge() async throws -> MemoryIntelStore {
        let store = try await InvestigationTests.store()
        let (results, _) = try await IntelImport.importFiles([try SharedData.file("misp/galaxy/threat-actor.json").path], into: store, strict: false)
        let galaxy = try #require(results.first?.misp)
        #expect(galaxy.actors == 1_041)
        #expect(galaxy.linkedActors > 100)
        return store
    }

    @Test("APT31 of the MISP galaxy and ATT&CK's G0128 are one actor", .timeLimit(.minutes(5)))
    func galaxyJoinsATTACK() async throws {
        let store = try await Self.knowledge()
        let matches = try await store.resolve("APT31")
        #expect(Set(matches.map(\.type)) == ["intrusion-set", "threat-actor"])
        let group = try #require(matches.first { $0.type == "intrusion-set" })
        #expect(group.object.attackID == "G0128")
        let profile = try await store.profile(of: group)
        let actor = try #require(profile.attributedTo.first { $0.object.type == "threat-actor" })
        #expect(actor.object.object.name == "APT31")
        #expect(actor.object.object["x_misp_country"]?.stringValue == "CN")
        #expect(!profile.techniques.isEmpty)
        let reverse = try await store.profile(of: actor.object)
        #expect(reverse.intrusionSets.map(\.object.id) == [group.id])
        // Importing the galaxy again changes nothing.
        let (again, _) = try await IntelImport.importFiles([try SharedData.file("misp/galaxy/threat-actor.json").path], into: store, strict: false)
        #expect(again.first?.report?.changedStore == false)
    }

    @Test("end to end: the APT29 C2 and archive indicators hit, suppressed by a warninglist where listed, sighted in the case and attributed", .timeLimit(.minutes(5)))
    func endToEnd() async throws {
        let store = try await Self.knowledge()
        let fixtures = ["indicators/apt29-c2.stix.json", "indicators/apt29-exfil.misp.json"].map { Fixtures.url($0).path }
        let (imported, _) = try await IntelImport.importFiles(fixtures, into: store, strict: false)
        #expect(imported.allSatisfy { $0.report?.totals.rejected == 0 })
        let misp = try #require(imported[1].misp)
        #expect(misp.counts.skipped == ["unknown attribute type 'x-unheard-of'": 1, "type 'text' names no observable": 1])
        #expect(misp.notes.contains { $0.contains("'192.168.0.4/24' has host bits set: read as 192.168.0.0/24") })

        let warninglist = Fixtures.url("indicators/own-infrastructure.warninglist.json").path
        let loaded = try await HuntIndicators.load(from: store, warninglists: [warninglist])
        #expect(loaded.report.indexed == 4 && loaded.report.refused.isEmpty, "\(loaded.report.indexed) indexed, \(loaded.report.general) general, \(loaded.report.refused)")
        let evidence = EvidenceSelection(paths: [try SharedData.file("logs/otrf/datasets/compound/apt29/day1/zeek/combined_zeek.log").path])
        let rules = try RuleSelection(paths: [try SharedData.file("sigma/rules/network/zeek").path]).load()

        var options = HuntOptions(threads: 2, indicators: loaded.matcher)
        let (outcome, findings) = try HuntSession(evidence: evidence, rules: rules, options: options).collect()
        let hits = findings.filter { if case .indicator = $0.kind { true } else { false } }
        #expect(outcome.summary.indicatorHits == hits.count)
        let byIndicator = Dictionary(grouping: hits, by: { $0.ruleID ?? "" }).mapValues(\.count)
        #expect(byIndicator["indicator--6a5b8e6d-6f53-4bb4-94c0-0c2a2b1e0d01"] == 831, "the C2 address, from the STIX feed")
        #expect(byIndicator["indicator--5c7a1f0e-3b2d-4e6f-8a9b-0c1d2e3f4a01"] == 2, "the archive's MD5, from the MISP event")
        let c2 = try #require(hits.first { $0.ruleID == "indicator--6a5b8e6d-6f53-4bb4-94c0-0c2a2b1e0d01" })
        let fields = Dictionary(c2.fields.map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a })
        #expect(fields[IndicatorFields.source] == "Partner CERT")
        #expect(fields[IndicatorFields.indicates] == "intrusion-set--899ce53f-13a0-479b-a0e4-67d46e241542")
        #expect(fields[IndicatorFields.tlp] == "TLP:GREEN")
        // The MISP event names APT29 by its galaxy cluster: the hunt follows it to ATT&CK's group.
        let archive = try #require(hits.first { $0.ruleID == "indicator--5c7a1f0e-3b2d-4e6f-8a9b-0c1d2e3f4a01" })
        #expect(archive.fields.contains { $0.name == IndicatorFields.indicates && $0.value.contains("intrusion-set--899ce53f-13a0-479b-a0e4-67d46e241542") })
        // The domain controller's address is on the warninglist: counted, not reported...
        #expect(byIndicator["indicator--5c7a1f0e-3b2d-4e6f-8a9b-0c1d2e3f4a02"] == nil)
        #expect(outcome.summary.suppressedHits > 0)
        // ... unless asked, and then it says which list holds it.
        options.showSuppressed = true
        let (_, shown) = try HuntSession(evidence: evidence, rules: rules, options: options).collect()
        let suppressed = try #require(shown.first { $0.ruleID == "indicator--5c7a1f0e-3b2d-4e6f-8a9b-0c1d2e3f4a02" })
        #expect(suppressed.level == .informational)
        #expect(suppressed.fields.contains { $0.name == IndicatorFields.suppressedBy && $0.value == "The victim's own servers" })

        // The case holds the sightings; attribution explains the indicators' contribution.
        try await store.createCase(CaseInfo(name: "apt29", created: CaseRecorder.now(), tlp: .amber))
        try await CaseRecorder.record(outcome.summary, findings: findings, inCase: "apt29", store: store)
        let attribution = try await CaseAttribution.attribute(case: "apt29", store: store)
        let sightings = attribution.summary.sightings
        #expect(Set(sightings.map(\.indicatorID)).isSuperset(of: ["indicator--6a5b8e6d-6f53-4bb4-94c0-0c2a2b1e0d01", "indicator--5c7a1f0e-3b2d-4e6f-8a9b-0c1d2e3f4a01"]))
        let top = try #require(attribution.result.ranking.first)
        #expect(top.group.attackID == "G0016")
        let explained = try attribution.render(.text, top: 3, explain: true)
        #expect(explained.contains("indicator APT29 C2 server (Partner CERT) hit address 192.168.0.4 (831 events)"))
        let bundle = try STIXBundleReader.read(try attribution.stixBundle(top: 3))
        #expect(bundle.errors.isEmpty)
        let sightingObjects = bundle.objects.filter { $0.type == "sighting" }
        #expect(sightingObjects.count == sightings.count)
        #expect(sightingObjects.contains { $0["sighting_of_ref"]?.stringValue == "indicator--6a5b8e6d-6f53-4bb4-94c0-0c2a2b1e0d01" && $0["count"]?.intValue == 831 })
        #expect(bundle.objects.contains { $0.id.rawValue == "indicator--6a5b8e6d-6f53-4bb4-94c0-0c2a2b1e0d01" })

        // The report names the actor with what the galaxy says is behind it, and the sightings.
        let report = try await CaseReporting.draft(case: "apt29", store: store).report
        let actor = try #require(report.actor)
        #expect(actor.name == "APT29" && actor.countries == ["RU"] && actor.sponsors == ["Russian Federation"])
        #expect(actor.sources.count > 3 && actor.sources.allSatisfy { $0.url?.hasPrefix("http") ?? true })
        #expect(report.sightings.map(\.indicatorID) == sightings.map(\.indicatorID))
        #expect(report.marking == .amber)
        #expect(HTMLAudit.problems(ReportHTML.render(report)) == [])
    }

    @Test("bad input: a file over the size limit is refused before it is read, the rest imports")
    func oversizedFile() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-feed-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        // A sparse gigabyte: no disk used, and not read.
        let big = folder.appendingPathComponent("huge-feed.json")
        #expect(FileManager.default.createFile(atPath: big.path, contents: nil))
        let handle = try FileHandle(forWritingTo: big)
        try handle.truncate(atOffset: 1 << 30)
        try handle.close()
        try Fixtures.bytes("indicators/apt29-c2.stix.json").withUnsafeBytes { try Data($0).write(to: folder.appendingPathComponent("small.json")) }
        let (results, _) = try await IntelImport.importFiles([folder.path], into: MemoryIntelStore(), strict: false)
        #expect(results.count == 2)
        #expect(results[0].failure?.contains("is 1 GB, larger than the 512 MB one file may have") == true, "\(results[0].failure ?? "")")
        #expect(results[1].report?.totals.new == 3)
    }
}
