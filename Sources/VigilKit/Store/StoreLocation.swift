import Foundation
import IntelStore
import IntelStorePostgres
import IntelStoreSQLite

/// Where Vigil's data lives, and the one place stores are opened.
///
/// The location is a SQLite file path or a `postgres://` URL (PostgreSQL, for a team). Rules
/// and warninglists installed by `vigil update` sit beside the database file, or in the
/// user's data folder when the database is on a server.
public struct StoreLocation: Sendable, Hashable, CustomStringConvertible {
    public var path: String
    /// The folder for installed rules and warninglists.
    public var dataFolder: String

    public init(path: String, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.path = path
        dataFolder = Self.isPostgres(path) ? Self.userDataFolder(environment) : (path as NSString).deletingLastPathComponent
    }

    /// `$XDG_DATA_HOME/vigil`, else `~/.local/share/vigil`.
    static func userDataFolder(_ environment: [String: String]) -> String {
        if let data = environment["XDG_DATA_HOME"], !data.isEmpty { return data + "/vigil" }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return home + "/.local/share/vigil"
    }

    /// `explicit` (the `--db` option), else `$VIGIL_DB`, else `$XDG_DATA_HOME/vigil/vigil.sqlite`,
    /// else `~/.local/share/vigil/vigil.sqlite`.
    public static func resolve(_ explicit: String?, environment: [String: String] = ProcessInfo.processInfo.environment) -> StoreLocation {
        if let explicit, !explicit.isEmpty { return StoreLocation(path: explicit, environment: environment) }
        if let path = environment["VIGIL_DB"], !path.isEmpty { return StoreLocation(path: path, environment: environment) }
        return StoreLocation(path: userDataFolder(environment) + "/vigil.sqlite", environment: environment)
    }

    /// The path, or the URL without its password.
    public var description: String { isPostgres ? PostgresIntelStore.redacting(path) : path }

    public var isPostgres: Bool { Self.isPostgres(path) }

    static func isPostgres(_ path: String) -> Bool { path.hasPrefix("postgres://") || path.hasPrefix("postgresql://") }

    /// The folder beside the database where `vigil update` installs Sigma rules.
    public var rulesFolder: String { dataFolder + "/rules" }

    /// The folder beside the database whose MISP warninglists every hunt applies.
    public var warninglistsFolder: String { dataFolder + "/warninglists" }

    /// The warninglists every hunt applies: the folder beside the database, if there is one.
    public var installedWarninglists: [String] { InputFiles.isFolder(warninglistsFolder) ? [warninglistsFolder] : [] }

    /// Whether the database exists yet (a hunt without one matches no indicators).
    public var exists: Bool { isPostgres || FileManager.default.fileExists(atPath: path) }

    /// The installed rules folder, if `vigil update` has filled it.
    public var installedRules: String? {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: rulesFolder)) ?? []
        return entries.isEmpty ? nil : rulesFolder
    }

    /// Opens the store (creating and migrating it if needed).
    public func open() throws(VigilError) -> any VigilStore {
        do {
            if isPostgres { return try PostgresIntelStore(url: path) }
            return try SQLiteIntelStore(path: path)
        } catch let error as IntelStoreError {
            throw .store(error)
        } catch {
            throw .input(path: path, reason: String(describing: error))
        }
    }
}
