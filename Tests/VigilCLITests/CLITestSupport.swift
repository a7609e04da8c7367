import Foundation
import TestSupport
import Testing

/// Runs the built `vigil` executable against a temporary database, and compares its output
/// with golden files under Tests/Fixtures/golden (VIGIL_UPDATE_GOLDEN=1 rewrites them).
struct VigilRun {
    let folder: TemporaryFolder
    /// A SQLite file in the folder, or a PostgreSQL URL with a schema of its own.
    let database: String

    init(postgres: Bool = false) throws {
        folder = try TemporaryFolder()
        database = postgres ? try TestPostgres.freshURL() : folder.path("vigil.sqlite")
    }

    /// The database kinds a command test runs on: SQLite, and PostgreSQL when a test server is given.
    static let databases: [Bool] = TestPostgres.isIncluded ? [false, true] : [false]

    /// The `vigil` executable built beside this test bundle.
    static var executable: String {
        let besideTests = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("vigil")
        if FileManager.default.isExecutableFile(atPath: besideTests.path) { return besideTests.path }
        return SharedData.repositoryRoot.appendingPathComponent(".build/debug/vigil").path
    }

    /// Runs `vigil ARGS --db <temporary database>` from the fixtures folder.
    func callAsFunction(_ arguments: [String], database: Bool = true) throws -> ProcessResult {
        var environment = ProcessInfo.processInfo.environment
        environment["VIGIL_DB"] = nil
        environment["VIGIL_UNMARKED_TLP"] = nil
        // Rules and warninglists of a server database go to the user's data folder: the test's own.
        environment["XDG_DATA_HOME"] = folder.path("data")
        let command = arguments + (database ? ["--db", self.database] : [])
        var result = try runProcess(VigilRun.executable, command, environment: environment)
        result.stdout = normalise(result.stdout)
        result.stderr = normalise(result.stderr)
        return result
    }

    /// Replaces what changes from run to run: the temporary folder, timings, random bundle ids.
    func normalise(_ text: String) -> String {
        var text = text.replacingOccurrences(of: folder.url.path, with: "$TMP")
        text = text.replacingOccurrences(of: Fixtures.root.path + "/", with: "")
        text = text.replacingOccurrences(of: #"in \d+\.\d\d s"#, with: "in <t> s", options: .regularExpression)
        text = text.replacingOccurrences(
            of: #"bundle--[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"#, with: "bundle--<random>",
            options: .regularExpression)
        return text
    }
}

/// The path of a STIX fixture, as the command line gets it.
func fixture(_ name: String) -> String { Fixtures.url("stix/\(name)").path }
