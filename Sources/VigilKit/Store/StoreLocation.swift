import Foundation
import IntelStore
import IntelStoreSQLite

/// Where Vigil's data lives, and the one place stores are opened.
///
/// The location is a SQLite file path (a `postgres://` URL will select PostgreSQL). Rules
/// installed by `vigil update` sit in a `rules` folder beside the database file.
public struct StoreLocation: Sendable, Hashable, CustomStringConvertible {
    public var path: String

    public init(path: String) { self.path = path }

    /// `explicit` (the `--db` option), else `$VIGIL_DB`, else `$XDG_DATA_HOME/vigil/vigil.sqlite`,
    /// else `~/.local/share/vigil/vigil.sqlite`.
    public static func resolve(_ explicit: String?, environment: [String: String] = ProcessInfo.processInfo.environment) -> StoreLocation {
        if let explicit, !explicit.isEmpty { return StoreLocation(path: explicit) }
        if let path = environment["VIGIL_DB"], !path.isEmpty { return StoreLocation(path: path) }
        if let data = environment["XDG_DATA_HOME"], !data.isEmpty { return StoreLocation(path: data + "/vigil/vigil.sqlite") }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return StoreLocation(path: home + "/.local/share/vigil/vigil.sqlite")
    }

    public var description: String { path }

    public var isPostgres: Bool { path.hasPrefix("postgres://") || path.hasPrefix("postgresql://") }

    /// The folder beside the database where `vigil update` installs Sigma rules.
    public var rulesFolder: String { (path as NSString).deletingLastPathComponent + "/rules" }

    /// The folder beside the database whose MISP warninglists every hunt applies.
    public var warninglistsFolder: String { (path as NSString).deletingLastPathComponent + "/warninglists" }

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
        guard !isPostgres else { throw .unsupportedStore(path) }
        do {
            return try SQLiteIntelStore(path: path)
        } catch let error as IntelStoreError {
            throw .store(error)
        } catch {
            throw .input(path: path, reason: String(describing: error))
        }
    }
}
