import Foundation
import Hunt
import STIX
import TestSupport
import Testing

/// Every SigmaHQ Windows rule over every EVTX record of `../shared/data/evtx`, by Vigil and by
/// the pySigma + SQLite oracle (`../shared/tools/sigma_oracle.py`, with the evtx crate's JSON):
/// per rule, the same records, both the ones that match and the ones that stay quiet. The
/// differences that are by design are listed, with their counts and reasons, in
/// `Tests/Fixtures/sigma-agreement-differences.tsv`; a new difference, or a listed one that
/// changes, fails.
@Suite("Sigma agreement with pySigma", .enabled(if: SharedData.isUsable && Peers.isUsable, "needs ../shared/data and the Python peers"))
struct SigmaAgreementTests {
    /// A record: its file and its record id as the crate renders it ("" when it has none).
    struct Record: Hashable, Comparable {
        var file: String
        var id: String
        static func < (a: Record, b: Record) -> Bool { (a.file, a.id) < (b.file, b.id) }
    }

    /// A listed difference of one rule.
    struct Difference: Equatable {
        var oracleOnly: Int
        var vigilOnly: Int
    }

    static func allowed() throws -> [String: (difference: Difference, title: String, reason: String)] {
        let text = try String(contentsOf: Fixtures.url("sigma-agreement-differences.tsv"), encoding: .utf8)
        var result: [String: (Difference, String, String)] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let columns = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard columns.count == 5, let oracle = Int(columns[2]), let vigil = Int(columns[3]) else {
                Issue.record("sigma-agreement-differences.tsv: malformed line: \(line)")
                continue
            }
            result[columns[0]] = (Difference(oracleOnly: oracle, vigilOnly: vigil), columns[1], columns[4])
        }
        return result
    }

    @Test("every Windows rule matches the records the oracle matches, and no other, but for the listed differences", .timeLimit(.minutes(15)))
    func agreement() throws {
        let folder = try TemporaryFolder()
        let evtx = try SharedData.file("evtx").path
        let rulesFolder = try SharedData.file("sigma/rules/windows").path
        let python = Peers.venv.appendingPathComponent("bin/python").path
        let tools = try #require(Peers.tools)

        // The oracle: the crate's JSON of every record, then pySigma's SQL over it.
        let export = try runProcess(python, [
            tools.appendingPathComponent("evtx2jsonl.py").path, "-q", "--from-dir", evtx,
            "-o", folder.path("events.jsonl"), "--index", folder.path("index.tsv"),
        ])
        try #require(export.status == 0, "\(export.stderr)")
        let oracle = try runProcess(python, [
            tools.appendingPathComponent("sigma_oracle.py").path, "--rules", rulesFolder, "--events", folder.path("events.jsonl"),
            "-o", folder.path("oracle.jsonl"),
        ])
        try #require(oracle.status == 0, "\(oracle.stderr.suffix(2000))")
        let index = try String(contentsOfFile: folder.path("index.tsv"), encoding: .utf8).split(separator: "\n").map { line in
            let columns = line.split(separator: "\t", omittingEmptySubsequences: false)
            return Record(file: URL(fileURLWithPath: String(columns[1])).standardizedFileURL.path, id: String(columns[2]))
        }
        var theirs: [String: Set<Record>] = [:]
        var converted = 0
        var titles: [String: String] = [:]
        for line in try String(contentsOfFile: folder.path("oracle.jsonl"), encoding: .utf8).split(separator: "\n") {
            let rule = try #require(try JSONParser.parse(String(line)).objectValue)
            let id = rule["rule_id"]?.stringValue ?? ""
            titles[id] = rule["title"]?.stringValue
            guard rule["status"]?.stringValue == "ok" else { continue }
            converted += 1
            theirs[id] = Set((rule["event_indexes"]?.arrayValue ?? []).compactMap { $0.intValue.map { index[Int($0)] } })
        }
        #expect(converted >= 2_390)

        // Vigil: the same files, the same rules.
        let (files, _) = RuleSetLoader.ruleFiles([rulesFolder])
        let rules = RuleSetLoader.load(files: files)
        let sources = try CrateConformanceFiles.evtx(under: evtx).map { HuntRunner.Source(path: $0, format: .evtx) }
        var ours: [String: Set<Record>] = [:]
        _ = try HuntRunner(rules: rules, options: HuntOptions(threads: 2)).run(sources) { finding in
            guard let id = finding.ruleID, let record = finding.recordID else { return }
            ours[id, default: []].insert(Record(file: URL(fileURLWithPath: finding.evidence).standardizedFileURL.path, id: String(record)))
        }

        // Per converted rule: equal, or listed with the same counts.
        let allowed = try Self.allowed()
        var unexpected: [String] = []
        for (id, matched) in theirs {
            let mine = ours[id] ?? []
            let difference = Difference(oracleOnly: matched.subtracting(mine).count, vigilOnly: mine.subtracting(matched).count)
            let listed = allowed[id]
            if difference == Difference(oracleOnly: 0, vigilOnly: 0) {
                if listed != nil { unexpected.append("\(id)\t\(titles[id] ?? "")\tlisted, but now agrees") }
            } else if listed?.difference != difference {
                let example = (matched.subtracting(mine).sorted().first ?? mine.subtracting(matched).sorted().first).map { "\($0.file) record \($0.id)" } ?? ""
                unexpected.append("\(id)\t\(titles[id] ?? "")\t\(difference.oracleOnly)\t\(difference.vigilOnly)\te.g. \(example)")
            }
        }
        for id in allowed.keys where theirs[id] == nil { unexpected.append("\(id)\tlisted, but the oracle did not convert it") }
        #expect(unexpected.isEmpty, "\(unexpected.count) rules differ from the list (rule id, title, oracle only, vigil only):\n\(unexpected.sorted().joined(separator: "\n"))")
    }
}

/// The EVTX files under a folder, sorted (the order the crate's `--from-dir` reads them in).
enum CrateConformanceFiles {
    static func evtx(under folder: String) throws -> [String] {
        var files: [String] = []
        let walker = FileManager.default.enumerator(atPath: folder)
        while let relative = walker?.nextObject() as? String {
            if relative.hasSuffix(".evtx") { files.append(URL(fileURLWithPath: folder).appendingPathComponent(relative).path) }
        }
        return files.sorted()
    }
}
