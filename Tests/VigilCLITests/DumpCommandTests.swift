import Foundation
import TestSupport
import Testing

#if canImport(FoundationXML)
import FoundationXML
#endif

@Suite("vigil dump")
struct DumpCommandTests {
    func evidence(_ name: String) -> String { Fixtures.url("evidence/\(name)").path }

    @Test("text evidence prints its events: JSON lines, Zeek, CSV, audit log (golden)")
    func textEvents() throws {
        let vigil = try VigilRun()
        let files = ["winlogbeat-process.jsonl", "conn.log", "process.csv", "audit.log"].map(evidence)
        let result = try vigil(["dump", "--format", "events", "--threads", "2"] + files, database: false)
        #expect(result.status == 0, "\(result.stderr)")
        try expectGolden(result.stdout, "dump-events.jsonl")
        try expectGolden(result.stderr, "dump-events-summary.txt")
        // Text evidence is printed as events whatever the format asked.
        let plain = try vigil(["dump"] + files, database: false)
        #expect(plain.stdout == result.stdout)
    }

    @Test("what cannot be dumped is refused with a reason and status 2; the rest is still dumped")
    func refusals() throws {
        let vigil = try VigilRun()
        try "just some words\n".write(toFile: vigil.folder.path("notes.txt"), atomically: true, encoding: .utf8)
        let result = try vigil(
            ["dump", vigil.folder.path("notes.txt"), vigil.folder.path("missing.evtx"), evidence("audit.log")], database: false)
        #expect(result.status == 2)
        #expect(result.stdout.split(separator: "\n").count == 3)
        try expectGolden(result.stderr, "dump-refusals.txt")
        let xml = try vigil(["dump", "--format", "xml", evidence("conn.log")], database: false)
        #expect(xml.status == 2)
        #expect(xml.stderr.contains("--format xml is for EVTX files"))
    }

    @Test("thousands of paths as arguments read as the same paths listed in a file, options before, between and after them")
    func manyArguments() throws {
        let vigil = try VigilRun()
        let files = (0..<3000).map { [evidence("conn.log"), evidence("audit.log"), evidence("process.csv")][$0 % 3] }
        try files.joined(separator: "\n").write(toFile: vigil.folder.path("list.txt"), atomically: true, encoding: .utf8)
        let listed = try vigil(["dump", "-q", "--threads", "2", "--from-list", vigil.folder.path("list.txt")], database: false)
        #expect(listed.status == 0, "\(listed.stderr)")
        // An option's value right before the paths, an option between them, and paths after `--`.
        let half = files.count / 2
        let given = try vigil(
            ["dump", "--threads", "2"] + files[..<half] + ["-q"] + files[half..<(files.count - 20)] + ["--"] + files.suffix(20),
            database: false)
        #expect(given.status == 0, "\(given.stderr)")
        #expect(given.stdout == listed.stdout)
        #expect(given.stdout.split(separator: "\n").count >= files.count)
    }

    @Test("a folder is walked; files in it that are not evidence are counted, not refused")
    func folder() throws {
        let vigil = try VigilRun()
        let folder = vigil.folder.url.appendingPathComponent("triage/host1")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for name in ["conn.log", "audit.log"] {
            try FileManager.default.copyItem(atPath: evidence(name), toPath: folder.appendingPathComponent(name).path)
        }
        try "collected by J. Novak\n".write(to: folder.appendingPathComponent("README.txt"), atomically: true, encoding: .utf8)
        let result = try vigil(["dump", vigil.folder.path("triage")], database: false)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.split(separator: "\n").count == 7)
        #expect(result.stderr.hasPrefix("skipped 1 file in folders that is not evidence Vigil reads\n$TMP/triage/host1/audit.log: 3 auditd records"), "\(result.stderr)")
        // The same files named in a list.
        try [folder.appendingPathComponent("audit.log").path, "", folder.appendingPathComponent("conn.log").path].joined(separator: "\n")
            .write(toFile: vigil.folder.path("list.txt"), atomically: true, encoding: .utf8)
        let listed = try vigil(["dump", "--from-list", vigil.folder.path("list.txt")], database: false)
        #expect(listed.status == 0)
        #expect(listed.stdout == result.stdout)
        let nothing = try vigil(["dump"], database: false)
        #expect(nothing.status != 0)
    }

    @Test("an EVTX log: one JSON line per record, well-formed XML, events, and a summary", .enabled(if: SharedData.isUsable, SharedData.skipReason))
    func evtx() throws {
        let vigil = try VigilRun()
        let path = try SharedData.file("evtx/deepbluecli/smb-password-guessing-security.evtx").path
        let json = try vigil(["dump", path], database: false)
        #expect(json.status == 0)
        #expect(json.stdout.split(separator: "\n").count == 3561)
        #expect(json.stderr.hasSuffix("smb-password-guessing-security.evtx: 3,561 records, 0 skipped, 34 chunks\n"), "\(json.stderr)")
        let events = try vigil(["dump", "--format", "events", "--threads", "1", path], database: false)
        #expect(events.stdout.split(separator: "\n").count == 3561)
        #expect(events.stdout.hasPrefix(#"{"time":"#))
        let xml = try vigil(["dump", "--format", "xml", path], database: false)
        #expect(xml.status == 0)
        // One document per record: wrap them to check the whole output at once.
        let wrapped = "<records>" + xml.stdout + "</records>"
        let parser = XMLParser(data: Data(wrapped.utf8))
        #expect(parser.parse(), "\(parser.parserError.map { "\($0)" } ?? "")")
        #expect(xml.stdout.components(separatedBy: "<Event ").count - 1 == 3561)
    }

    @Test("a damaged EVTX log: what was lost is named on standard error", .enabled(if: SharedData.isUsable, SharedData.skipReason))
    func damaged() throws {
        let vigil = try VigilRun()
        var bytes = try SharedData.bytes("evtx/deepbluecli/smb-password-guessing-security.evtx")
        let base = 4096 + 65536
        for index in base..<(base + 65536) { bytes[index] = 0 }
        bytes = Array(bytes[..<(4096 + 3 * 65536 + 1000)])
        try Data(bytes).write(to: vigil.folder.url.appendingPathComponent("damaged.evtx"))
        let result = try vigil(["dump", "--threads", "2", vigil.folder.path("damaged.evtx")], database: false)
        #expect(result.status == 0)
        try expectGolden(result.stderr, "dump-damaged.txt")
    }
}

@Suite("vigil dump --field-map")
struct FieldMapOptionTests {
    @Test("a mapping file replaces the built-in names; a broken one is refused with status 2")
    func fieldMap() throws {
        let vigil = try VigilRun()
        let mapping = #"{"forms": {"flat": {"naming": "path", "rename": {"EventID": "event_id", "Secret": ""}, "time": ["When"]}}}"#
        try mapping.write(toFile: vigil.folder.path("map.json"), atomically: true, encoding: .utf8)
        try #"{"EventID": 7, "Secret": "x", "When": "2024-03-12T09:15:02Z"}"#.write(
            toFile: vigil.folder.path("e.jsonl"), atomically: true, encoding: .utf8)
        let result = try vigil(["dump", "--field-map", vigil.folder.path("map.json"), vigil.folder.path("e.jsonl")], database: false)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(
            result.stdout
                == #"{"time":"2024-03-12T09:15:02.0000000Z","origin":{"format":"jsonl-flat","position":1},"fields":{"event_id":7,"When":"2024-03-12T09:15:02Z"}}"#
                + "\n")
        try #"{"forms": {"flat": {"naming": "first"}}}"#.write(toFile: vigil.folder.path("bad.json"), atomically: true, encoding: .utf8)
        let bad = try vigil(["dump", "--field-map", vigil.folder.path("bad.json"), vigil.folder.path("e.jsonl")], database: false)
        #expect(bad.status == 2)
        #expect(bad.stderr.contains(#"naming must be "last" or "path", not "first""#), "\(bad.stderr)")
    }
}
