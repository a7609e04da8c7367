import ArgumentParser
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Hunt
import IntelStore
import IntelStoreSQLite
import STIX

/// `vigil update [--from DIR]`: ATT&CK into the intel store and SigmaHQ rules beside it.
struct UpdateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "update",
        abstract: "Install MITRE ATT&CK (Enterprise, STIX) and the SigmaHQ rules, online or from an offline mirror.",
        discussion: """
            Online: downloads \(Sources.attack) and the SigmaHQ rules (\(Sources.sigma)). \
            Offline (--from DIR): DIR is laid out like Vigil's shared data: attack/enterprise-attack*.json \
            (the newest release is imported; --all-releases imports each in release order) and \
            sigma/rules* folders. ATT&CK goes into the intel store; rules are copied to the \
            rules folder beside the database, which hunt and investigate use when --rules is not given.
            """
    )

    enum Sources {
        static let attack = "https://raw.githubusercontent.com/mitre-attack/attack-stix-data/master/enterprise-attack/enterprise-attack.json"
        static let sigma = "https://github.com/SigmaHQ/sigma/archive/refs/heads/master.tar.gz"
    }

    @OptionGroup var store: StoreOptions
    @Option(help: ArgumentHelp("An offline mirror laid out like Vigil's shared data (attack/, sigma/).", valueName: "DIR"))
    var from: String?
    @Flag(help: "Import every Enterprise release of the mirror, oldest first (the store keeps each version).")
    var allReleases = false

    func run() async throws {
        do {
            try await Updater(store: store, quiet: false).update(from: from, allReleases: allReleases)
        } catch let failure as Updater.Failure {
            Console.error(failure.description)
            throw ExitStatus.badInput
        }
    }
}

/// Installs intel and rules; shared by `update` and `investigate`.
struct Updater {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    var store: StoreOptions
    var quiet: Bool

    func say(_ text: String) { if !quiet { Console.message(text) } }

    func update(from mirror: String?, allReleases: Bool) async throws {
        if let mirror {
            try await importATTACK(files: try releases(in: mirror + "/attack", all: allReleases))
            try installRules(folders: try ruleFolders(in: mirror + "/sigma"))
        } else {
            let work = NSTemporaryDirectory() + "vigil-update-\(UUID().uuidString)"
            try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: work) }
            let attack = work + "/enterprise-attack.json"
            try await download(UpdateCommand.Sources.attack, to: attack)
            try await importATTACK(files: [attack])
            let archive = work + "/sigma.tar.gz"
            try await download(UpdateCommand.Sources.sigma, to: archive)
            try run("/usr/bin/env", ["tar", "-xzf", archive, "-C", work])
            let extracted = (try? FileManager.default.contentsOfDirectory(atPath: work))?.first { $0.hasPrefix("sigma-") }
            guard let extracted else { throw Failure(description: "the SigmaHQ archive did not contain a sigma-* folder") }
            try installRules(folders: try ruleFolders(in: work + "/" + extracted))
        }
    }

    /// The Enterprise bundles of a folder, oldest release first (the newest alone unless `all`).
    func releases(in folder: String, all: Bool) throws -> [String] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [])
            .filter { $0.hasPrefix("enterprise-attack") && $0.hasSuffix(".json") }
        guard !names.isEmpty else { throw Failure(description: "\(folder): no enterprise-attack*.json bundle") }
        func version(_ name: String) -> [Int] {
            name.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
        }
        let sorted = names.sorted { version($0).lexicographicallyPrecedes(version($1)) }
        return (all ? sorted : [sorted[sorted.count - 1]]).map { folder + "/" + $0 }
    }

    func ruleFolders(in folder: String) throws -> [String] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.hasPrefix("rules") }.sorted()
        guard !names.isEmpty else { throw Failure(description: "\(folder): no rules* folders of Sigma rules") }
        return names.map { folder + "/" + $0 }
    }

    func importATTACK(files: [String]) async throws {
        let store = try self.store.openSQLite()
        let importer = BundleImporter(store: store)
        for file in files {
            let started = Date()
            let report = try await importer.importContent(try InputFiles.read(file), source: file, strict: false)
            say("\(file): \(grouped(report.totals.total)) objects (\(grouped(report.totals.new)) new, \(grouped(report.totals.updated)) updated) in "
                + String(format: "%.1f", Date().timeIntervalSince(started)) + " s")
        }
    }

    /// Replaces the installed rules by copies of `folders`.
    func installRules(folders: [String]) throws {
        let target = store.rulesFolder
        let manager = FileManager.default
        let staging = target + ".new"
        try? manager.removeItem(atPath: staging)
        try manager.createDirectory(atPath: staging, withIntermediateDirectories: true)
        for folder in folders {
            // A mirror may link its folders: copy what the link points to.
            let source = URL(fileURLWithPath: folder).resolvingSymlinksInPath().path
            try manager.copyItem(atPath: source, toPath: staging + "/" + (folder as NSString).lastPathComponent)
        }
        try? manager.removeItem(atPath: target)
        try manager.moveItem(atPath: staging, toPath: target)
        // The files a hunt loads (`.yml` and `.yaml`, hidden ones left out).
        let count = RuleSetLoader.ruleFiles([target]).files.count
        say("\(grouped(count)) Sigma rule files installed in \(target)")
    }

    func download(_ url: String, to path: String) async throws {
        guard let address = URL(string: url) else { throw Failure(description: "bad URL \(url)") }
        say("downloading \(url)")
        var request = URLRequest(url: address)
        request.timeoutInterval = 30
        do {
            let (data, response) = try await URLSession.shared.data(for: request)
            if let http = response as? HTTPURLResponse, http.statusCode != 200 {
                throw Failure(description: "\(url): HTTP \(http.statusCode)")
            }
            try data.write(to: URL(fileURLWithPath: path))
        } catch let failure as Failure {
            throw failure
        } catch {
            throw Failure(description: "\(url) cannot be reached (\(error.localizedDescription)); on an offline network copy a mirror and run `vigil update --from DIR`")
        }
    }

    func run(_ tool: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failure(description: "\(arguments.joined(separator: " ")) failed with status \(process.terminationStatus)")
        }
    }
}
