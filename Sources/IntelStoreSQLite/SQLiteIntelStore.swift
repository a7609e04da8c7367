import Foundation
import GRDB
import IntelStore
import STIX

/// The intel store in one SQLite file (GRDB), the default for a single analyst.
///
/// Every version of every object is kept as JSON text in `object_version`; the latest version of
/// each id is indexed in `object` (with relationship endpoints), `object_label` (names and
/// aliases) and `external_id`. Each `ingest` is one transaction. The file is in WAL mode
/// with a pool of readers: a reader (a TAXII page, a case page) reads the last committed
/// state and never waits for an import, and an import never waits for readers.
public final class SQLiteIntelStore: IntelStore, CustomStringConvertible {
    let database: DatabasePool
    private let quickReaders: QuickReaders
    /// The database file, for messages.
    public let path: String
    public var description: String { path }

    /// Opens (creating if needed) the database at `path` and brings its schema up to date.
    public init(path: String) throws {
        self.path = path
        do {
            let directory = (path as NSString).deletingLastPathComponent
            if !directory.isEmpty {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            }
            var configuration = Configuration()
            configuration.prepareDatabase { db in
                if db.configuration.readonly {
                    // Readers (up to five) map the file and share the system's page cache
                    // instead of each copying pages into a cache of its own.
                    try db.execute(sql: "PRAGMA cache_size = -8192; PRAGMA mmap_size = 1073741824")
                } else {
                    // A large import is one transaction: keep its pages in memory instead of spilling.
                    try db.execute(sql: "PRAGMA cache_size = -65536")
                }
                // In WAL mode NORMAL keeps the database consistent through a crash (a power cut
                // may lose the last transactions, never half of one) and saves a sync per commit.
                try db.execute(sql: "PRAGMA synchronous = NORMAL")
            }
            database = try DatabasePool(path: path, configuration: configuration)
            try SQLiteIntelStore.migrator.migrate(database)
            // As many as threads run tasks, so that a task always finds one.
            quickReaders = QuickReaders(path: path, configuration: configuration, most: ProcessInfo.processInfo.activeProcessorCount)
        } catch {
            throw IntelStoreError.database(location: path, operation: "open", reason: SQLiteIntelStore.describe(error))
        }
    }

    /// Runs a read, turning database errors into `IntelStoreError`.
    func reading<T: Sendable>(_ operation: String, _ body: @Sendable @escaping (Database) throws -> T) async throws -> T {
        do {
            return try await database.read(body)
        } catch let error as IntelStoreError {
            throw error
        } catch {
            throw IntelStoreError.database(location: path, operation: operation, reason: SQLiteIntelStore.describe(error))
        }
    }

    /// Runs a read outside a transaction: for reads of one statement, or of statements that
    /// need no common snapshot (a collection's definition, then its page), on the paths every
    /// request takes. BEGIN and COMMIT cost as much as the statement there.
    ///
    /// The read runs on this thread (`QuickReaders`) after a yield: the tasks queued before
    /// this one run first, as they did while a pooled read hopped away, so under load no
    /// request runs far ahead of the others (without it a manifest page's p99 at 64
    /// connections doubled), and a task looping on reads never keeps others from running.
    func readingWithoutSnapshot<T: Sendable>(_ operation: String, _ body: @Sendable @escaping (Database) throws -> T) async throws -> T {
        do {
            await Task.yield()
            if let value = try quickReaders.read(body) { return value }
            return try await database.unsafeRead(body)
        } catch let error as IntelStoreError {
            throw error
        } catch {
            throw IntelStoreError.database(location: path, operation: operation, reason: SQLiteIntelStore.describe(error))
        }
    }

    /// Runs a write transaction, turning database errors into `IntelStoreError`.
    func writing<T: Sendable>(_ operation: String, _ body: @Sendable @escaping (Database) throws -> T) async throws -> T {
        do {
            return try await database.write(body)
        } catch let error as IntelStoreError {
            throw error
        } catch {
            throw IntelStoreError.database(location: path, operation: operation, reason: SQLiteIntelStore.describe(error))
        }
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? DatabaseError { return error.message ?? error.description }
        return String(describing: error)
    }

    /// Reads a stored row (`json`, `tlp`) back into a `StoredObject`.
    static func decode(_ row: Row) throws -> StoredObject {
        let tlp: Int? = row["tlp"]
        let json: String = row["json"]
        return try StoredObject(json: Array(json.utf8), id: row["id"], tlp: tlp.flatMap(TLPLevel.init(rawValue:)))
    }
}
