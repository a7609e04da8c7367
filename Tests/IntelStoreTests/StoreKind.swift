import IntelStore
import IntelStorePostgres
import IntelStoreSQLite
import TestSupport

/// The store backends the conformance suite runs against: PostgreSQL when a test server is
/// given (`VIGIL_POSTGRES_URL`, see `TestPostgres`).
enum StoreKind: String, CaseIterable, Sendable, CustomStringConvertible {
    case memory
    case sqlite
    case postgres

    static var allCases: [StoreKind] { TestPostgres.isIncluded ? [.memory, .sqlite, .postgres] : [.memory, .sqlite] }

    var description: String { rawValue }

    /// A new, empty store; the folder keeps a SQLite file alive for the test's duration.
    func make() throws -> (store: any VigilStore, folder: TemporaryFolder) {
        let folder = try TemporaryFolder()
        switch self {
        case .memory: return (MemoryIntelStore(), folder)
        case .sqlite: return (try SQLiteIntelStore(path: folder.path("intel.sqlite")), folder)
        case .postgres: return (try PostgresIntelStore(url: try TestPostgres.freshURL()), folder)
        }
    }
}
