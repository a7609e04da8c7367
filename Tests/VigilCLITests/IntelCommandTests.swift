import Foundation
import TestSupport
import Testing

@Suite("vigil intel (golden output)")
struct IntelCommandTests {
    /// A database with the two fixture bundles imported.
    static func loaded() throws -> VigilRun {
        let vigil = try VigilRun()
        let result = try vigil(["intel", "import", fixture("operation-sample.json"), fixture("partner-feed.stix20.json")])
        #expect(result.status == 0, "\(result.stderr)")
        return vigil
    }

    @Test("import prints a summary per file and a total")
    func importSummary() throws {
        let vigil = try VigilRun()
        let result = try vigil(["intel", "import", fixture("operation-sample.json"), fixture("partner-feed.stix20.json")])
        #expect(result.status == 0)
        #expect(result.stdout.isEmpty)
        try expectGolden(result.stderr, "intel-import.txt")
        let again = try vigil(["intel", "import", fixture("operation-sample.json")])
        try expectGolden(again.stderr, "intel-import-again.txt")
    }

    @Test("a folder is walked for .json files")
    func importFolder() throws {
        let vigil = try VigilRun()
        let folder = vigil.folder.url.appendingPathComponent("feeds/nested")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: fixture("operation-sample.json"), toPath: folder.appendingPathComponent("a.json").path)
        try "not json".write(to: folder.appendingPathComponent("notes.txt"), atomically: true, encoding: .utf8)
        let result = try vigil(["intel", "import", vigil.folder.url.appendingPathComponent("feeds").path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.hasPrefix("$TMP/feeds/nested/a.json: STIX 2.1 bundle: 15 objects"))
    }

    @Test("bad input: rejected objects are listed and the good ones imported; unreadable files fail with status 2")
    func badInput() throws {
        let vigil = try VigilRun()
        let bad = try vigil(["intel", "import", fixture("bad-objects.json")])
        #expect(bad.status == 0)
        try expectGolden(bad.stderr, "intel-import-bad.txt")
        let strict = try vigil(["intel", "import", "--strict", fixture("bad-objects.json"), fixture("truncated.json")])
        #expect(strict.status == 2)
        try expectGolden(strict.stderr, "intel-import-strict.txt")
        let missing = try vigil(["intel", "import", "/nonexistent/feed.json"])
        #expect(missing.status == 2)
        #expect(missing.stderr == "vigil: error: /nonexistent/feed.json: no such file or folder\n")
    }

    @Test("show: an intrusion set by alias, as text and as JSON")
    func show() throws {
        let vigil = try Self.loaded()
        let text = try vigil(["intel", "show", "quiet kite"])
        #expect(text.status == 0)
        try expectGolden(text.stdout, "intel-show.txt")
        let json = try vigil(["intel", "show", "G9001", "--format", "json"])
        try expectGolden(json.stdout, "intel-show.json")
        let campaign = try vigil(["intel", "show", "C9001"])
        try expectGolden(campaign.stdout, "intel-show-campaign.txt")
        let unknown = try vigil(["intel", "show", "Sample"])
        #expect(unknown.status == 2)
        #expect(unknown.stderr == "vigil: error: no object matches 'Sample'; did you mean: G9001 Sample Panda, SampleRAT, C9001 Operation Sample?\n")
    }

    @Test("list, search and stats")
    func listing() throws {
        let vigil = try Self.loaded()
        try expectGolden(try vigil(["intel", "list", "--type", "intrusion-set", "--type", "malware"]).stdout, "intel-list.txt")
        try expectGolden(try vigil(["intel", "search", "sample"]).stdout, "intel-search.txt")
        try expectGolden(try vigil(["intel", "stats"]).stdout, "intel-stats.txt")
    }

    @Test("export within a TLP ceiling writes a 2.1 bundle and says what it withheld")
    func export() throws {
        let vigil = try Self.loaded()
        let output = vigil.folder.path("green.json")
        let result = try vigil(["intel", "export", "--max-tlp", "green", "--pretty", "-o", output])
        #expect(result.status == 0)
        try expectGolden(result.stderr, "intel-export-green.txt")
        try expectGolden(vigil.normalise(try String(contentsOfFile: output, encoding: .utf8)), "intel-export-green.json")
        let environment = try vigil(["intel", "export", "--type", "x-sample-sensor", "--max-tlp", "clear", "--unmarked-tlp", "clear"])
        #expect(environment.stdout.contains("\"x-sample-sensor--2e3f4a5b-6c7d-4e8f-9a0b-1c2d3e4f5a67\""))
        let bad = try vigil(["intel", "export", "--max-tlp", "purple"])
        #expect(bad.status == 64 || bad.status == 2, "\(bad.status)")
        #expect(bad.stderr.contains("purple"))
    }

    @Test("the database location follows --db, then VIGIL_DB, then XDG_DATA_HOME")
    func databaseLocation() throws {
        let vigil = try VigilRun()
        var environment = ProcessInfo.processInfo.environment
        environment["VIGIL_DB"] = nil
        environment["XDG_DATA_HOME"] = vigil.folder.path("xdg")
        let xdg = try runProcess(VigilRun.executable, ["intel", "stats"], environment: environment)
        #expect(xdg.stdout.contains("database: \(vigil.folder.path("xdg"))/vigil/vigil.sqlite"))
        environment["VIGIL_DB"] = vigil.folder.path("env.sqlite")
        let variable = try runProcess(VigilRun.executable, ["intel", "stats"], environment: environment)
        #expect(variable.stdout.contains("database: \(vigil.folder.path("env.sqlite"))"))
        let option = try runProcess(VigilRun.executable, ["intel", "stats", "--db", vigil.folder.path("o.sqlite")], environment: environment)
        #expect(option.stdout.contains("database: \(vigil.folder.path("o.sqlite"))"))
        // A PostgreSQL server that is not there: one clear line, at once.
        let started = Date()
        let postgres = try runProcess(VigilRun.executable, ["intel", "stats", "--db", "postgres://vigil:secret@127.0.0.1:1/vigil"], environment: environment)
        #expect(postgres.status == 2 && postgres.stderr.contains("cannot connect to PostgreSQL at 127.0.0.1:1"), "\(postgres.stderr)")
        #expect(!postgres.stderr.contains("secret") && Date().timeIntervalSince(started) < 15)
    }
}
