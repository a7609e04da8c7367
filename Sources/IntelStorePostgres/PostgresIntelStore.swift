import Foundation
import IntelStore
import PostgresNIO
import STIX

/// The intel store, cases, users and audit on a PostgreSQL server (PostgresNIO), for a team.
///
/// The same tables as the SQLite store: every version as JSON text (and as JSONB for queries
/// inside the server) in `object_version`, the latest version of each id indexed in `object`,
/// `object_label` and `external_id`. Connections come from a pool; every write is one
/// transaction, retried when the server reports a serialisation failure or a deadlock. Writes
/// to intel objects take the row of `added_clock` first: they are serialised, so dates added
/// become visible in increasing order and TAXII pages never skip a version.
public final class PostgresIntelStore: IntelStore, CustomStringConvertible, @unchecked Sendable {
    let client: PostgresClient
    let logger: Logger
    /// The URL without its password, for messages.
    public let location: String
    public var description: String { location }
    private let running: Task<Void, Never>
    /// Migrates the schema once; every operation waits for it.
    private let migrated: Task<Void, any Error>
    let leaseDeadline = LeaseDeadline()

    /// Connects to `url` (`postgres://user:password@host:port/database`, with optional query
    /// items `schema`, `sslmode=disable|prefer|require`, `statement_timeout` in ms and `pool`) and
    /// brings the schema up to date on first use.
    public init(url: String) throws {
        let settings = try PostgresSettings(url: url)
        location = settings.redacted
        var configuration = PostgresClient.Configuration(
            host: settings.host, port: settings.port, username: settings.user, password: settings.password,
            database: settings.database, tls: settings.tls)
        configuration.options.connectTimeout = .seconds(10)
        configuration.options.maximumConnections = settings.maximumConnections
        configuration.options.additionalStartupParameters = settings.startupParameters
        // Quiet unless asked (`VIGIL_POSTGRES_LOG=debug`, to diagnose a connection).
        var logger = Logger(label: "vigil.postgres")
        logger.logLevel = ProcessInfo.processInfo.environment["VIGIL_POSTGRES_LOG"].flatMap(Logger.Level.init(rawValue:)) ?? .critical
        self.logger = logger
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        self.client = client
        running = Task { await client.run() }
        let location = location
        migrated = Task {
            do {
                try await PostgresIntelStore.migrate(settings, logger: logger)
            } catch let error as IntelStoreError {
                throw error
            } catch {
                throw PostgresIntelStore.storeError(error, location: location, operation: "open")
            }
        }
    }

    deinit {
        migrated.cancel()
        running.cancel()
    }

    /// Waits until the schema is migrated (the first use of a new store does it).
    public func ready() async throws { try await migrated.value }

    // MARK: Running statements

    /// Runs statements on one connection, outside a transaction.
    func reading<T: Sendable>(_ operation: String, _ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await ready()
        return try await failing(operation) {
            try await withPooledConnection { connection in try await body(connection) }
        }
    }

    /// Runs reads that must see one state of the database (counts beside their rows).
    func snapshot<T: Sendable>(_ operation: String, _ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await ready()
        return try await failing(operation) {
            try await withPooledConnection { connection in
                try await Self.transaction(on: connection, begin: "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", logger: logger, body)
            }
        }
    }

    /// BEGIN, the body, COMMIT; ROLLBACK when the body throws. PostgresNIO's own
    /// `withTransaction` is not used: its ROLLBACK on a connection the server just closed
    /// never returns.
    static func transaction<T>(
        isolation: isolated (any Actor)? = #isolation, on connection: PostgresConnection, begin: PostgresQuery = "BEGIN", logger: Logger,
        _ body: (PostgresConnection) async throws -> T
    ) async throws -> T {
        try await connection.checkedQuery(begin, logger: logger)
        do {
            let result = try await body(connection)
            try await connection.checkedQuery("COMMIT", logger: logger)
            return result
        } catch {
            _ = try? await connection.checkedQuery("ROLLBACK", logger: logger)
            throw error
        }
    }

    /// Runs a write transaction; retried (up to five attempts) on serialisation failures and
    /// deadlocks, which PostgreSQL resolves by aborting one of the transactions.
    @discardableResult
    func writing<T: Sendable>(_ operation: String, _ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await ready()
        var attempt = 0
        while true {
            attempt += 1
            do {
                return try await withPooledConnection { connection in try await Self.transaction(on: connection, logger: logger, body) }
            } catch let error as IntelStoreError {
                throw error
            } catch {
                if attempt < 5, PostgresIntelStore.isTransient(error) {
                    try await Task.sleep(for: .milliseconds(20 * attempt))
                    continue
                }
                throw PostgresIntelStore.storeError(error, location: location, operation: operation)
            }
        }
    }

    private func failing<T>(_ operation: String, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as IntelStoreError {
            throw error
        } catch {
            throw PostgresIntelStore.storeError(error, location: location, operation: operation)
        }
    }

    /// A URL as it may be shown: its password replaced by `***`.
    public static func redacting(_ url: String) -> String {
        guard var components = URLComponents(string: url), components.password != nil else { return url }
        components.password = "***"
        return components.string ?? "postgres://***"
    }

    /// The error a store operation throws: `unavailable` when the server cannot be reached.
    static func storeError(_ error: any Error, location: String, operation: String) -> IntelStoreError {
        let reason = describe(error)
        return isConnectionFailure(error)
            ? .unavailable(location: location, operation: operation, reason: reason)
            : .database(location: location, operation: operation, reason: reason)
    }

    /// A lost or refused connection, or a pool that has given up connecting for now.
    static func isConnectionFailure(_ error: any Error) -> Bool {
        if error is PostgresConnectionLost || error is PostgresLeaseTimeout { return true }
        if let error = error as? PSQLError {
            return [.serverClosedConnection, .clientClosedConnection, .uncleanShutdown, .connectionError, .poolClosed].contains(error.code)
                || error.serverInfo?[.sqlState].map { $0.hasPrefix("08") || $0 == "57P01" || $0 == "57P03" } == true
        }
        return String(describing: type(of: error)).contains("ConnectionPoolError")
    }

    /// Serialisation failures and deadlocks: the transaction may simply be run again.
    static func isTransient(_ error: any Error) -> Bool {
        guard let error = error as? PSQLError, let state = error.serverInfo?[.sqlState] else { return false }
        return state == "40001" || state == "40P01"
    }

    /// The server's own message where there is one (PSQLError's description hides it).
    static func describe(_ error: any Error) -> String {
        guard let error = error as? PSQLError else { return String(describing: error) }
        if let info = error.serverInfo, let message = info[.message] {
            let detail = info[.detail].map { " (\($0))" } ?? ""
            return message + detail + (info[.sqlState].map { " [SQLSTATE \($0)]" } ?? "")
        }
        switch error.code {
        case .serverClosedConnection, .clientClosedConnection, .uncleanShutdown:
            return PostgresConnectionLost().description
        case .connectionError:
            return "cannot connect to PostgreSQL" + (error.underlying.map { ": \($0)" } ?? "")
        default:
            return "\(error.code)" + (error.underlying.map { ": \($0)" } ?? "")
        }
    }

    /// Reads a stored row (`id`, `json`, `tlp`) back into a `StoredObject`.
    static func decode(id: String, json: String, tlp: Int?) throws -> StoredObject {
        try StoredObject(json: Array(json.utf8), id: id, tlp: tlp.flatMap(TLPLevel.init(rawValue:)))
    }
}

/// What a `postgres://` URL says.
struct PostgresSettings: Sendable {
    var host: String
    var port: Int
    var user: String
    var password: String?
    var database: String
    var schema: String
    var tls: PostgresClient.Configuration.TLS
    var statementTimeout: Int
    var maximumConnections: Int
    var redacted: String
    var requiresTLS = false
    var prefersTLS = false

    var startupParameters: [(String, String)] {
        [("statement_timeout", String(statementTimeout)), ("search_path", schema), ("application_name", "vigil")]
    }

    /// One connection outside the pool (opening a store: it fails at once when the server
    /// cannot be reached, where the pool would keep trying).
    func connect(logger: Logger) async throws -> PostgresConnection {
        let context = prefersTLS ? try NIOSSLContext(configuration: .makeClientConfiguration()) : nil
        var configuration = PostgresConnection.Configuration(
            host: host, port: port, username: user, password: password, database: database,
            tls: context.map { requiresTLS ? .require($0) : .prefer($0) } ?? .disable)
        configuration.options.connectTimeout = .seconds(10)
        configuration.options.additionalStartupParameters = startupParameters
        do {
            return try await PostgresConnection.connect(on: MultiThreadedEventLoopGroup.singleton.next(), configuration: configuration, id: 0, logger: logger)
        } catch {
            throw IntelStoreError.unavailable(
                location: redacted, operation: "open", reason: "cannot connect to PostgreSQL at \(host):\(port): \((error as? PSQLError)?.underlying.map { "\($0)" } ?? PostgresIntelStore.describe(error))")
        }
    }

    init(url text: String) throws {
        guard let components = URLComponents(string: text), ["postgres", "postgresql"].contains(components.scheme ?? ""),
            let host = components.host, !host.isEmpty
        else {
            throw IntelStoreError.database(location: text, operation: "open", reason: "not a postgres://user@host/database URL")
        }
        self.host = host
        port = components.port ?? 5432
        user = components.user.flatMap { $0.removingPercentEncoding } ?? "postgres"
        password = components.password.flatMap { $0.removingPercentEncoding }
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        database = path.isEmpty ? user : path
        var items: [String: String] = [:]
        for item in components.queryItems ?? [] { items[item.name] = item.value ?? "" }
        schema = items["schema"] ?? "public"
        guard schema.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }), !schema.isEmpty else {
            throw IntelStoreError.database(location: text, operation: "open", reason: "schema must be letters, digits and _")
        }
        switch items["sslmode"] ?? "disable" {
        case "disable": tls = .disable
        case "prefer":
            tls = .prefer(.makeClientConfiguration())
            prefersTLS = true
        case "require", "verify-full":
            tls = .require(.makeClientConfiguration())
            (prefersTLS, requiresTLS) = (true, true)
        case let mode: throw IntelStoreError.database(location: text, operation: "open", reason: "unknown sslmode '\(mode)'")
        }
        statementTimeout = Int(items["statement_timeout"] ?? "") ?? 120_000
        maximumConnections = max(2, Int(items["pool"] ?? "") ?? 16)
        redacted = PostgresIntelStore.redacting(text)
    }
}
