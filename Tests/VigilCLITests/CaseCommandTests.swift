import Foundation
import STIX
import TestSupport
import Testing

/// The case workflow end to end: a case, `update --from` a mirror, a hunt into the case,
/// assertions and notes, `case show`, `attribute` (text and STIX), and `investigate`.
@Suite("vigil case, attribute, update, investigate", .enabled(if: SharedData.isUsable, SharedData.skipReason))
struct CaseCommandTests {

    /// What changes between runs: the times Vigil stamps (milliseconds), durations, the data folder.
    static func stable(_ text: String) -> String {
        var text = text.replacingOccurrences(
            of: #"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"#, with: "<now>", options: .regularExpression)
        text = text.replacingOccurrences(of: #"\(\d+\.\d s\)"#, with: "(<t> s)", options: .regularExpression)
        text = text.replacingOccurrences(of: #"in \d+\.\d s"#, with: "in <t> s", options: .regularExpression)
        if let root = SharedData.root?.path { text = text.replacingOccurrences(of: root, with: "$DATA") }
        return text
    }

    @Test(.timeLimit(.minutes(10)))
    func caseWorkflow() throws {
        let vigil = try VigilRun()
        let evidence = try SharedData.file("evtx/evtx-attack-samples/Execution").path

        var result = try vigil(["case", "new", "mfa", "--tlp", "red", "--description", "ministry of foreign affairs"])
        #expect(result.status == 0 && result.stdout == "created case 'mfa' (TLP:RED)\n", "\(result.stderr)")
        result = try vigil(["case", "new", "mfa"])
        #expect(result.status == 2 && result.stderr.contains("exists already"))

        // Nothing installed: attribution says what to run.
        result = try vigil(["attribute", "mfa"])
        #expect(result.status == 2 && result.stderr.contains("vigil update"), "\(result.stderr)")

        let mirror = try SharedData.mirror(in: vigil.folder)
        // A folder of the organisation's own rules, one written as `.yaml`; it matches nothing.
        try FileManager.default.createDirectory(atPath: mirror + "/sigma/rules-local", withIntermediateDirectories: true)
        let own = "title: Local Never\nlogsource:\n  product: windows\n  service: security\ndetection:\n  selection:\n    EventID: 999999\n  condition: selection\nlevel: low\n"
        try own.write(toFile: mirror + "/sigma/rules-local/never.yaml", atomically: true, encoding: .utf8)
        result = try vigil(["update", "--from", mirror])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("enterprise-attack-15.1.stix20.json: 19,981 objects"), "\(result.stderr)")
        #expect(!result.stderr.contains("enterprise-attack-14.1"), "only the newest release is imported by default")
        // The process creation rules and the local `.yaml` one.
        let shared = try FileManager.default.contentsOfDirectory(atPath: try SharedData.file("sigma/rules/windows/process_creation").path)
        let installed = String(shared.filter { $0.hasSuffix(".yml") }.count + 1)
        let shown = installed.count > 3 ? installed.dropLast(3) + "," + installed.suffix(3) : Substring(installed)
        #expect(result.stderr.contains("\(shown) Sigma rule files installed"), "\(result.stderr)")
        #expect(result.stderr.contains("threat-actor.json: 1,041 threat actors, 157 linked to ATT&CK groups"), "\(result.stderr)")
        #expect(result.stderr.contains("136 MISP warninglists installed in"), "\(result.stderr)")

        result = try vigil(["hunt", evidence, "--case", "mfa", "-q", "--format", "jsonl"])
        #expect(result.status == 0, "\(result.stderr)")
        let hunted = result.stdout.split(separator: "\n").count
        #expect(hunted > 20)

        result = try vigil(["case", "assert", "mfa", "T1566.002", "s0002", "--author", "alice", "--comment", "mail gateway logs"])
        #expect(result.status == 0 && result.stdout == "asserted T1566.002, S0002 in case 'mfa'\n")
        result = try vigil(["case", "assert", "mfa", "phishing"])
        #expect(result.status == 2 && result.stderr.contains("neither an ATT&CK technique id"))
        result = try vigil(["case", "note", "mfa", "victim confirmed by the ministry", "--author", "bob"])
        #expect(result.status == 0)

        result = try vigil(["case", "show", "mfa"])
        #expect(result.status == 0)
        try expectGolden(Self.stable(result.stdout), "case-show.txt")

        result = try vigil(["case", "timeline", "mfa", "--format", "csv"])
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.count == hunted + 1)
        #expect(lines.first?.hasPrefix("timestamp,computer,channel,event_id,record_id,level,rule_title") == true)

        // The filters select what the hunt's own findings say they should.
        let hits = try Self.levelsAndTactics(try vigil(["hunt", evidence, "-q", "--format", "jsonl"]).stdout)
        let expected = hits.filter { $0.level == "high" && $0.tactics.contains("TA0002") }.count
        #expect(expected > 0)
        result = try vigil(["case", "timeline", "mfa", "--format", "csv", "--level", "high", "--tactic", "ta0002"])
        let selected = result.stdout.split(separator: "\n").dropFirst()
        #expect(selected.count == expected && selected.allSatisfy { $0.split(separator: ",")[5] == "high" }, "\(result.stderr)")
        result = try vigil(["case", "timeline", "mfa", "--format", "csv", "--limit", "3"])
        #expect(result.stdout.split(separator: "\n").count == 4)

        result = try vigil(["attribute", "mfa", "--explain", "--top", "3"])
        #expect(result.status == 0, "\(result.stderr)")
        try expectGolden(Self.stable(result.stdout), "attribute-explain.txt")

        let bundlePath = vigil.folder.path("mfa.stix.json")
        result = try vigil(["attribute", "mfa", "--format", "stix", "-o", bundlePath])
        #expect(result.status == 0, "\(result.stderr)")
        try Self.checkBundle(bundlePath, tlp: .red)

        result = try vigil(["case", "list"])
        #expect(result.stdout.contains("mfa") && result.stdout.contains("TLP:RED"))
        result = try vigil(["case", "show", "nothere"])
        #expect(result.status == 2 && result.stderr.contains("no case named 'nothere'"))
    }

    @Test(.timeLimit(.minutes(10)), arguments: VigilRun.databases)
    func investigateWritesTheTimelineAndTheReport(onPostgres: Bool) throws {
        let vigil = try VigilRun(postgres: onPostgres)
        let evidence = try SharedData.file("evtx/evtx-attack-samples/Execution/exec_sysmon_1_lolbin_pcalua.evtx").path
        // Nothing installed and no network: it says exactly what to run.
        var result = try vigil(["investigate", evidence, "--case", "one", "-o", vigil.folder.path("out")])
        #expect(result.status == 2)
        #expect(result.stderr.contains("vigil update --from DIR"), "\(result.stderr)")

        result = try vigil(["update", "--from", try SharedData.mirror(in: vigil.folder)])
        #expect(result.status == 0, "\(result.stderr)")
        result = try vigil(["investigate", evidence, "--case", "one", "-o", vigil.folder.path("out")])
        #expect(result.status == 0, "\(result.stderr)")
        try expectGolden(Self.stable(result.stdout), "investigate.txt")
        for file in ["timeline.csv", "timeline.jsonl", "attribution.txt", "attribution.stix.json", "report.html", "report.md"] {
            #expect(FileManager.default.fileExists(atPath: vigil.folder.path("out/\(file)")), "missing \(file)")
        }
        try Self.checkBundle(vigil.folder.path("out/attribution.stix.json"), tlp: .amber)
    }

    /// Each JSON line of `vigil hunt`'s output as its level and tactics.
    static func levelsAndTactics(_ jsonl: String) throws -> [(level: String, tactics: [String])] {
        try jsonl.split(separator: "\n").map { line in
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            return ((object["level"] as? String) ?? "none", (object["tactics"] as? [String]) ?? [])
        }
    }

    /// The bundle reads back as STIX 2.1 with the case's marking on every object Vigil made,
    /// and stix2-validator accepts it when the peers are installed.
    static func checkBundle(_ path: String, tlp: TLPLevel) throws {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let bundle = try STIXBundleReader.read(bytes)
        #expect(bundle.errors.isEmpty, "\(bundle.errors.prefix(5))")
        let types = Set(bundle.objects.map(\.type))
        #expect(types.isSuperset(of: ["report", "campaign", "relationship", "marking-definition", "intrusion-set"]))
        let marking = TLPMarkings.tlp2ID(tlp)
        // Vigil's own objects: the report, the campaign and the relationships from it (the
        // groups' public sponsor chains are copied from the store with their own marking).
        let campaign = try #require(bundle.objects.first { $0.type == "campaign" }).id.rawValue
        for object in bundle.objects where ["report", "campaign"].contains(object.type) || object.sourceRef == campaign {
            #expect(object.objectMarkingRefs == [marking], "\(object.id)")
        }
        let attributed = bundle.objects.filter { $0.relationshipType == "attributed-to" && $0.sourceRef == campaign }
        #expect(!attributed.isEmpty && attributed.allSatisfy { $0.confidence != nil })
        guard Peers.isUsable, let tools = Peers.tools else { return }
        let check = try runProcess("/bin/bash", [tools.appendingPathComponent("stix_check.sh").path, path])
        let verdict = check.stderr.split(separator: "\n").last { $0.hasPrefix("STIX_CHECK") } ?? ""
        #expect(check.status == 0 && verdict.contains(" VALID "), "\(verdict)")
    }
}
