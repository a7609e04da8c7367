import ArgumentParser
import Foundation
import IntelStore
import IntelStoreSQLite
import STIX

/// The `--db` option every command that uses the store takes, and where the data file is.
struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The Vigil database: a SQLite file path.", valueName: "PATH"))
    var db: String?

    /// `--db`, else `$VIGIL_DB`, else `$XDG_DATA_HOME/vigil/vigil.sqlite`, else
    /// `~/.local/share/vigil/vigil.sqlite`.
    var location: String {
        let environment = ProcessInfo.processInfo.environment
        if let db, !db.isEmpty { return db }
        if let path = environment["VIGIL_DB"], !path.isEmpty { return path }
        if let data = environment["XDG_DATA_HOME"], !data.isEmpty { return data + "/vigil/vigil.sqlite" }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return home + "/.local/share/vigil/vigil.sqlite"
    }

    /// The folder beside the database where `vigil update` installs Sigma rules.
    var rulesFolder: String { (location as NSString).deletingLastPathComponent + "/rules" }

    /// The installed rules folder, if `vigil update` has filled it.
    var installedRules: String? {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: rulesFolder)) ?? []
        return entries.isEmpty ? nil : rulesFolder
    }

    /// Opens the store, or explains why not and exits with status 2.
    func open() throws -> any IntelStore { try openSQLite() }

    /// Opens the store with its cases.
    func openSQLite() throws -> SQLiteIntelStore {
        let location = self.location
        if location.hasPrefix("postgres://") || location.hasPrefix("postgresql://") {
            Console.error("PostgreSQL stores are not supported by this build yet; use a SQLite file path for --db")
            throw ExitStatus.badInput
        }
        do {
            return try SQLiteIntelStore(path: location)
        } catch {
            Console.error("\(error)")
            throw ExitStatus.badInput
        }
    }
}

extension TLPLevel: ExpressibleByArgument {
    public init?(argument: String) { self.init(name: argument) }
    public static var allValueStrings: [String] { allCases.map(\.name) }
}
