import Foundation
import Testing

/// Finds the shared test data (`../shared/data`, or `$VIGIL_DATA`) and the Python peers.
///
/// Tests that need the data use `.enabled(if: SharedData.isUsable, SharedData.skipReason)`:
/// they are skipped, with that reason shown, when the data is absent, unless
/// `VIGIL_REQUIRE_DATA=1` (set by `.ci/run`), in which case they run and fail.
public enum SharedData {
    static let environment = ProcessInfo.processInfo.environment

    /// The repository's root folder (the one with Package.swift).
    public static let repositoryRoot: URL = {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }()

    /// The data folder, when it exists.
    public static let root: URL? = {
        let candidates: [String?] = [environment["VIGIL_DATA"], repositoryRoot.appendingPathComponent("../shared/data").path]
        for case let path? in candidates where !path.isEmpty {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
                return URL(fileURLWithPath: path).standardizedFileURL
            }
        }
        return nil
    }()

    /// Whether CI asked for data-dependent tests to fail rather than be skipped.
    public static var isRequired: Bool { environment["VIGIL_REQUIRE_DATA"] == "1" }

    /// Whether data-dependent tests should run.
    public static var isUsable: Bool { root != nil || isRequired }

    public static let skipReason: Comment =
        "needs the shared test data at ../shared/data or $VIGIL_DATA (VIGIL_REQUIRE_DATA=1 makes its absence a failure)"

    /// A file under the data folder; throws when it is missing.
    public static func file(_ relativePath: String) throws -> URL {
        guard let root else { throw Missing(what: "shared data folder (../shared/data or $VIGIL_DATA)") }
        let url = root.appendingPathComponent(relativePath)
        guard FileManager.default.fileExists(atPath: url.path) else { throw Missing(what: url.path) }
        return url
    }

    /// The bytes of a file under the data folder.
    public static func bytes(_ relativePath: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: file(relativePath)))
    }

    public struct Missing: Error, CustomStringConvertible {
        public var what: String
        public var description: String { "missing: \(what)" }
    }
}

/// The Python peers of `../shared/tools` (stix2-validator, ...), installed by its `setup.sh`.
public enum Peers {
    /// The tools folder beside the data.
    public static var tools: URL? {
        SharedData.root?.deletingLastPathComponent().appendingPathComponent("tools")
    }

    /// The peers' virtual environment, when installed.
    public static var venv: URL {
        let path = SharedData.environment["VIGIL_PEERS"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (NSHomeDirectory() + "/.cache/vigil-peers")
        return URL(fileURLWithPath: path)
    }

    /// Whether peer-dependent tests should run: the peers are installed, or CI requires them.
    public static var isUsable: Bool {
        FileManager.default.isExecutableFile(atPath: venv.appendingPathComponent("bin/stix2_validator").path)
            || SharedData.environment["VIGIL_REQUIRE_PEERS"] == "1"
    }

    public static let skipReason: Comment =
        "needs the Python peers (../shared/tools/setup.sh; VIGIL_REQUIRE_PEERS=1 makes their absence a failure)"
}

extension SharedData {
    /// A mirror laid out like the shared data: the newest Enterprise release and one folder of
    /// rules (process creation, to keep the debug build's hunt short), MISP's galaxies and
    /// warninglists, DISARM.
    public static func mirror(in folder: TemporaryFolder) throws -> String {
        let manager = FileManager.default
        let mirror = folder.path("mirror")
        try manager.createDirectory(atPath: mirror + "/attack", withIntermediateDirectories: true)
        try manager.createDirectory(atPath: mirror + "/sigma", withIntermediateDirectories: true)
        try manager.createSymbolicLink(
            atPath: mirror + "/attack/enterprise-attack-15.1.stix20.json",
            withDestinationPath: try file("attack/enterprise-attack-15.1.stix20.json").path)
        try manager.createSymbolicLink(
            atPath: mirror + "/attack/enterprise-attack-14.1.stix20.json",
            withDestinationPath: try file("attack/enterprise-attack-14.1.stix20.json").path)
        try manager.createSymbolicLink(
            atPath: mirror + "/sigma/rules", withDestinationPath: try file("sigma/rules/windows/process_creation").path)
        try manager.createDirectory(atPath: mirror + "/misp/galaxy", withIntermediateDirectories: true)
        try manager.createDirectory(atPath: mirror + "/misp/warninglists", withIntermediateDirectories: true)
        try manager.createSymbolicLink(
            atPath: mirror + "/misp/galaxy/threat-actor.json", withDestinationPath: try file("misp/galaxy/threat-actor.json").path)
        try manager.createSymbolicLink(
            atPath: mirror + "/misp/galaxy/disarm-actortypes.json", withDestinationPath: try file("misp/galaxy/disarm-actortypes.json").path)
        try manager.createDirectory(atPath: mirror + "/disarm", withIntermediateDirectories: true)
        try manager.createSymbolicLink(atPath: mirror + "/disarm/DISARM.json", withDestinationPath: try file("disarm/DISARM.json").path)
        try manager.createSymbolicLink(
            atPath: mirror + "/misp/warninglists/lists", withDestinationPath: try file("misp/warninglists/lists").path)
        return mirror
    }
}
