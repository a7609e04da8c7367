import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Attribution
import Hunt
import IntelStore
import Reports
import STIX

/// Installs what hunting and attribution need: MITRE ATT&CK (Enterprise, STIX), Vigil's
/// curated state attributions, the DISARM framework (influence operations, kept apart from
/// ATT&CK) and MISP's threat-actor galaxy into the store, SigmaHQ's rules into the rules folder beside it and
/// MISP's warninglists into `warninglists/misp` beside it (the user's own lists in
/// `warninglists/` stay), from the official sources or from an offline mirror laid out like
/// Vigil's shared data (`attack/enterprise-attack*.json`, `sigma/rules*`,
/// `disarm/DISARM.json`, `misp/galaxy/threat-actor.json`, `misp/warninglists/lists`; a mirror
/// without `disarm/` or `misp/` skips that part, saying so).
public struct Updater: Sendable {
    /// The official sources.
    public enum Sources {
        public static let attack = "https://raw.githubusercontent.com/mitre-attack/attack-stix-data/master/enterprise-attack/enterprise-attack.json"
        public static let sigma = "https://github.com/SigmaHQ/sigma/archive/refs/heads/master.tar.gz"
        public static let galaxy = "https://raw.githubusercontent.com/MISP/misp-galaxy/main/clusters/threat-actor.json"
        public static let actorTypes = "https://raw.githubusercontent.com/MISP/misp-galaxy/main/clusters/disarm-actortypes.json"
        public static let disarm = "https://raw.githubusercontent.com/DISARMFoundation/DISARMframeworks/main/generated_files/DISARM_STIX/DISARM.json"
        public static let warninglists = "https://github.com/MISP/misp-warninglists/archive/refs/heads/main.tar.gz"
    }

    public var location: StoreLocation
    public var store: any VigilStore
    public var progress: ProgressHandler

    public init(location: StoreLocation, store: any VigilStore, progress: @escaping ProgressHandler = { _ in }) {
        self.location = location
        self.store = store
        self.progress = progress
    }

    /// Installs from `mirror` (a folder), else downloads; `allReleases` imports every
    /// Enterprise release of the mirror, oldest first.
    public func update(from mirror: String?, allReleases: Bool) async throws(VigilError) {
        if let mirror {
            try await importBundles(files: try releases(in: mirror + "/attack", all: allReleases))
            try await importStateAttributions()
            try installRules(folders: try ruleFolders(in: mirror + "/sigma"))
            let disarm = mirror + "/disarm/DISARM.json"
            if FileManager.default.fileExists(atPath: disarm) { try await importBundles(files: [disarm]) } else { progress(.note("\(disarm): not in the mirror; the DISARM framework not installed")) }
            let galaxy = mirror + "/misp/galaxy/threat-actor.json"
            let lists = mirror + "/misp/warninglists/lists"
            if FileManager.default.fileExists(atPath: galaxy) { try await importGalaxy(galaxy) } else { progress(.note("\(galaxy): not in the mirror; MISP's threat actors not installed")) }
            let actorTypes = mirror + "/misp/galaxy/disarm-actortypes.json"
            if FileManager.default.fileExists(atPath: actorTypes) { try await importGalaxy(actorTypes) } else { progress(.note("\(actorTypes): not in the mirror; DISARM's actor types not installed")) }
            if InputFiles.isFolder(lists) { try installWarninglists(from: lists) } else { progress(.note("\(lists): not in the mirror; MISP's warninglists not installed")) }
            return
        }
        let work = NSTemporaryDirectory() + "vigil-update-\(UUID().uuidString)"
        do {
            try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        } catch {
            throw .update("\(work): cannot be created: \(error.localizedDescription)")
        }
        defer { try? FileManager.default.removeItem(atPath: work) }
        let attack = work + "/enterprise-attack.json"
        try await download(Sources.attack, to: attack)
        try await importBundles(files: [attack])
        try await importStateAttributions()
        let disarm = work + "/DISARM.json"
        try await download(Sources.disarm, to: disarm)
        try await importBundles(files: [disarm])
        let archive = work + "/sigma.tar.gz"
        try await download(Sources.sigma, to: archive)
        try run("/usr/bin/env", ["tar", "-xzf", archive, "-C", work])
        let extracted = (try? FileManager.default.contentsOfDirectory(atPath: work))?.first { $0.hasPrefix("sigma-") }
        guard let extracted else { throw .update("the SigmaHQ archive did not contain a sigma-* folder") }
        try installRules(folders: try ruleFolders(in: work + "/" + extracted))
        let galaxy = work + "/threat-actor.json"
        try await download(Sources.galaxy, to: galaxy)
        try await importGalaxy(galaxy)
        let actorTypes = work + "/disarm-actortypes.json"
        try await download(Sources.actorTypes, to: actorTypes)
        try await importGalaxy(actorTypes)
        let listsArchive = work + "/warninglists.tar.gz"
        try await download(Sources.warninglists, to: listsArchive)
        try run("/usr/bin/env", ["tar", "-xzf", listsArchive, "-C", work])
        let lists = (try? FileManager.default.contentsOfDirectory(atPath: work))?.first { $0.hasPrefix("misp-warninglists-") }
        guard let lists else { throw .update("the MISP warninglists archive did not contain a misp-warninglists-* folder") }
        try installWarninglists(from: work + "/" + lists + "/lists")
    }

    /// The curated public attributions of groups to states (compiled into Vigil).
    public func importStateAttributions() async throws(VigilError) {
        let curated: StateAttributions
        do {
            curated = try StateAttributions.bundled()
        } catch {
            throw .update("the curated state attributions are broken: \(error.description)")
        }
        let bytes = Array(JSONWriter().string(.object(curated.bundle())).utf8)
        let report = try await VigilError.wrapping { try await BundleImporter(store: store).importContent(bytes, source: "vigil state attributions \(curated.version)", strict: true) }
        progress(.note("state attributions \(curated.version): \(curated.attributions.count) public attributions of \(Set(curated.attributions.map(\.group)).count) groups (\(grouped(report.totals.new)) new objects)"))
    }

    /// MISP's threat actors into the store, linked to the ATT&CK groups they name.
    func importGalaxy(_ file: String) async throws(VigilError) {
        let (results, _) = try await IntelImport.importFiles([file], into: store, strict: false)
        guard let result = results.first, let summary = result.misp, result.report != nil else {
            throw .update(results.first?.failure ?? "\(file): not imported")
        }
        if summary.actorTypes > 0 {
            progress(.note("\(file): \(grouped(summary.actorTypes)) DISARM actor types"))
        } else {
            progress(.note("\(file): \(grouped(summary.actors)) threat actors, \(grouped(summary.linkedActors)) linked to ATT&CK groups"))
        }
    }

    /// Fills a staging folder beside `target` and puts it in the target's place, so a failed
    /// copy leaves what was installed.
    private func replaceFolder(_ target: String, what: String, fill: (_ staging: String) throws -> Void) throws(VigilError) {
        let manager = FileManager.default
        let staging = target + ".new"
        do {
            try? manager.removeItem(atPath: staging)
            try manager.createDirectory(atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try fill(staging)
            try? manager.removeItem(atPath: target)
            try manager.moveItem(atPath: staging, toPath: target)
        } catch {
            throw .update("\(target): \(what) cannot be installed: \(error.localizedDescription)")
        }
    }

    /// A mirror may link its folders: what the link points to is copied.
    private static func resolved(_ path: String) -> String { URL(fileURLWithPath: path).resolvingSymlinksInPath().path }

    /// Replaces `warninglists/misp` beside the database by a copy of a `lists` folder.
    func installWarninglists(from folder: String) throws(VigilError) {
        let target = location.warninglistsFolder + "/misp"
        try replaceFolder(target, what: "the warninglists") { staging in
            try FileManager.default.copyItem(atPath: Self.resolved(folder), toPath: staging)
        }
        let count = ((try? FileManager.default.contentsOfDirectory(atPath: target)) ?? []).count
        progress(.note("\(grouped(count)) MISP warninglists installed in \(target)"))
    }

    /// The Enterprise bundles of a folder, oldest release first (the newest alone unless `all`).
    public func releases(in folder: String, all: Bool) throws(VigilError) -> [String] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [])
            .filter { $0.hasPrefix("enterprise-attack") && $0.hasSuffix(".json") }
        guard !names.isEmpty else { throw .update("\(folder): no enterprise-attack*.json bundle") }
        func version(_ name: String) -> [Int] {
            name.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
        }
        let sorted = names.sorted { version($0).lexicographicallyPrecedes(version($1)) }
        return (all ? sorted : [sorted[sorted.count - 1]]).map { folder + "/" + $0 }
    }

    func ruleFolders(in folder: String) throws(VigilError) -> [String] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.hasPrefix("rules") }.sorted()
        guard !names.isEmpty else { throw .update("\(folder): no rules* folders of Sigma rules") }
        return names.map { folder + "/" + $0 }
    }

    func importBundles(files: [String]) async throws(VigilError) {
        let importer = BundleImporter(store: store)
        for file in files {
            let started = Date()
            let bytes = try InputFiles.read(file)
            let report = try await VigilError.wrapping { try await importer.importContent(bytes, source: file, strict: false) }
            progress(.note(
                "\(file): \(grouped(report.totals.total)) objects (\(grouped(report.totals.new)) new, \(grouped(report.totals.updated)) updated) in "
                    + String(format: "%.1f", Date().timeIntervalSince(started)) + " s"))
        }
    }

    /// Replaces the installed rules by copies of `folders`.
    func installRules(folders: [String]) throws(VigilError) {
        let target = location.rulesFolder
        try replaceFolder(target, what: "the rules") { staging in
            try FileManager.default.createDirectory(atPath: staging, withIntermediateDirectories: true)
            for folder in folders {
                try FileManager.default.copyItem(atPath: Self.resolved(folder), toPath: staging + "/" + (folder as NSString).lastPathComponent)
            }
        }
        // The files a hunt loads (`.yml` and `.yaml`, hidden ones left out).
        let count = RuleSetLoader.ruleFiles([target]).files.count
        progress(.note("\(grouped(count)) Sigma rule files installed in \(target)"))
    }

    func download(_ url: String, to path: String) async throws(VigilError) {
        guard let address = URL(string: url) else { throw .update("bad URL \(url)") }
        progress(.note("downloading \(url)"))
        var request = URLRequest(url: address)
        request.timeoutInterval = 30
        let data: Data
        let response: URLResponse
        do {
            (data, response) = try await URLSession.shared.data(for: request)
        } catch {
            throw .update("\(url) cannot be reached (\(error.localizedDescription)); on an offline network copy a mirror and run `vigil update --from DIR`")
        }
        if let http = response as? HTTPURLResponse, http.statusCode != 200 { throw .update("\(url): HTTP \(http.statusCode)") }
        do {
            try data.write(to: URL(fileURLWithPath: path))
        } catch {
            throw .update("\(path): cannot be written: \(error.localizedDescription)")
        }
    }

    func run(_ tool: String, _ arguments: [String]) throws(VigilError) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        do {
            try process.run()
        } catch {
            throw .update("\(arguments.joined(separator: " ")) cannot be run: \(error.localizedDescription)")
        }
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw .update("\(arguments.joined(separator: " ")) failed with status \(process.terminationStatus)")
        }
    }
}
