import IntelStore
import PostgresNIO
import STIX

extension PostgresIntelStore: AccessStore {
    static let userColumns = "name, password_hash, clearance, organisation, read, write, created"

    static func users(_ rows: PostgresRowSequence) async throws -> [VigilUser] {
        func list(_ text: String) -> [String] { text.isEmpty ? [] : text.split(separator: ",").map(String.init) }
        var result: [VigilUser] = []
        for try await (name, hash, clearance, organisation, read, write, created) in rows.decode(
            (String, String?, Int, String?, String, String, String).self)
        {
            result.append(
                VigilUser(
                    name: name, passwordHash: hash, clearance: TLPLevel(rawValue: clearance) ?? .clear, organisation: organisation,
                    read: list(read), write: list(write), created: created))
        }
        return result
    }

    static func tokens(_ rows: PostgresRowSequence) async throws -> [APIToken] {
        var result: [APIToken] = []
        for try await (id, user, hash, created, revoked) in rows.decode((String, String, String, String, String?).self) {
            result.append(APIToken(id: id, user: user, secretHash: hash, created: created, revoked: revoked))
        }
        return result
    }

    private func insertUser(_ user: VigilUser, _ connection: PostgresConnection) async throws -> Bool {
        var inserted = false
        for try await _ in try await connection.checkedQuery(
            """
            INSERT INTO app_user (name, password_hash, clearance, organisation, read, write, created)
            VALUES (\(user.name), \(user.passwordHash), \(user.clearance.rawValue), \(user.organisation), \(user.read.joined(separator: ",")),
                    \(user.write.joined(separator: ",")), \(user.created))
            ON CONFLICT (name) DO NOTHING RETURNING 1
            """, logger: logger)
        {
            inserted = true
        }
        return inserted
    }

    public func addUser(_ user: VigilUser) async throws {
        try await writing("add user") { connection in
            guard try await insertUser(user, connection) else { throw IntelStoreError.userExists(user.name) }
        }
    }

    public func updateUser(_ user: VigilUser) async throws {
        try await writing("update user") { connection in
            guard try await deleteUser(user.name, connection) else { throw IntelStoreError.noSuchUser(user.name) }
            _ = try await insertUser(user, connection)
        }
    }

    private func deleteUser(_ name: String, _ connection: PostgresConnection) async throws -> Bool {
        var deleted = false
        for try await _ in try await connection.checkedQuery("DELETE FROM app_user WHERE name = \(name) RETURNING 1", logger: logger) { deleted = true }
        return deleted
    }

    public func user(named name: String) async throws -> VigilUser? {
        try await reading("read user") { connection in
            try await Self.users(
                try await connection.checkedQuery(PostgresQuery(unsafeSQL: "SELECT \(Self.userColumns) FROM app_user WHERE name = $1", binds: {
                    var binds = PostgresBindings()
                    binds.append(name)
                    return binds
                }()), logger: logger)
            ).first
        }
    }

    public func users() async throws -> [VigilUser] {
        try await reading("list users") { connection in
            try await Self.users(
                try await connection.checkedQuery(PostgresQuery(unsafeSQL: "SELECT \(Self.userColumns) FROM app_user ORDER BY name"), logger: logger))
        }
    }

    public func removeUser(named name: String, at time: String) async throws {
        try await writing("remove user") { connection in
            guard try await deleteUser(name, connection) else { throw IntelStoreError.noSuchUser(name) }
            try await connection.checkedQuery("UPDATE api_token SET revoked = \(time) WHERE user_name = \(name) AND revoked IS NULL", logger: logger)
        }
    }

    public func addToken(_ token: APIToken) async throws {
        try await writing("add token") { connection in
            try await connection.checkedQuery(
                """
                INSERT INTO api_token (id, user_name, secret_hash, created, revoked)
                VALUES (\(token.id), \(token.user), \(token.secretHash), \(token.created), \(token.revoked))
                ON CONFLICT (id) DO UPDATE SET user_name = excluded.user_name, secret_hash = excluded.secret_hash,
                    created = excluded.created, revoked = excluded.revoked
                """, logger: logger)
        }
    }

    public func token(id: String) async throws -> APIToken? {
        try await reading("read token") { connection in
            try await Self.tokens(
                try await connection.checkedQuery("SELECT id, user_name, secret_hash, created, revoked FROM api_token WHERE id = \(id)", logger: logger)
            ).first
        }
    }

    public func tokens(of user: String) async throws -> [APIToken] {
        try await reading("list tokens") { connection in
            try await Self.tokens(
                try await connection.checkedQuery(
                    "SELECT id, user_name, secret_hash, created, revoked FROM api_token WHERE user_name = \(user) ORDER BY seq", logger: logger))
        }
    }

    public func revokeToken(id: String, at time: String) async throws -> Bool {
        try await writing("revoke token") { connection in
            var revoked = false
            for try await _ in try await connection.checkedQuery(
                "UPDATE api_token SET revoked = \(time) WHERE id = \(id) AND revoked IS NULL RETURNING 1", logger: logger)
            {
                revoked = true
            }
            return revoked
        }
    }

    public func appendAudit(_ entries: [AuditEntry]) async throws {
        guard !entries.isEmpty else { return }
        try await writing("append audit") { connection in
            var sql = SQLBuilder()
            let columns = [
                sql.bind(entries.map(\.time)), sql.bind(NullableTextArray(entries.map(\.user))), sql.bind(NullableTextArray(entries.map(\.address))),
                sql.bind(entries.map(\.action)), sql.bind(NullableTextArray(entries.map(\.collection))),
                sql.bind(entries.map { $0.objectIDs.joined(separator: ",") }), sql.bind(entries.map(\.decision.rawValue)),
                sql.bind(entries.map(\.detail)),
            ]
            try await connection.run(
                """
                INSERT INTO audit (time, user_name, address, action, collection, object_ids, decision, detail)
                SELECT a.time, a.u, a.address, a.action, a.collection, a.ids, a.decision, a.detail
                FROM unnest(\(columns.map { "\($0)::text[]" }.joined(separator: ", "))) WITH ORDINALITY
                    AS a(time, u, address, action, collection, ids, decision, detail, n)
                ORDER BY a.n
                """, sql, logger: logger)
        }
    }

    public func audit(since: String?, user: String?, limit: Int) async throws -> [AuditEntry] {
        try await reading("read audit") { connection in
            var sql = SQLBuilder()
            var clauses: [String] = []
            if let since { clauses.append("time >= \(sql.bind(since))") }
            if let user { clauses.append("user_name = \(sql.bind(user))") }
            let filter = clauses.isEmpty ? "" : " WHERE " + clauses.joined(separator: " AND ")
            let statement = """
                SELECT time, user_name, address, action, collection, object_ids, decision, detail FROM (
                    SELECT * FROM audit\(filter) ORDER BY seq DESC LIMIT \(max(0, limit))) last ORDER BY seq
                """
            var entries: [AuditEntry] = []
            for try await (time, user, address, action, collection, ids, decision, detail) in try await connection.checkedQuery(
                sql.query(statement), logger: logger
            ).decode((String, String?, String?, String, String?, String, String, String).self) {
                entries.append(
                    AuditEntry(
                        time: time, user: user, address: address, action: action, collection: collection,
                        objectIDs: ids.isEmpty ? [] : ids.split(separator: ",").map(String.init),
                        decision: AuditEntry.Decision(rawValue: decision) ?? .denied, detail: detail))
            }
            return entries
        }
    }

    public func syncState(_ key: String) async throws -> String? {
        try await reading("read sync state") { connection in
            for try await value in try await connection.checkedQuery("SELECT value FROM sync_state WHERE key = \(key)", logger: logger).decode(String.self) {
                return value
            }
            return nil
        }
    }

    public func syncStates() async throws -> [String: String] {
        try await reading("read sync state") { connection in
            var states: [String: String] = [:]
            for try await (key, value) in try await connection.checkedQuery("SELECT key, value FROM sync_state", logger: logger).decode((String, String).self) {
                states[key] = value
            }
            return states
        }
    }

    public func setSyncState(_ key: String, value: String) async throws {
        try await writing("write sync state") { connection in
            try await connection.checkedQuery(
                "INSERT INTO sync_state (key, value) VALUES (\(key), \(value)) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                logger: logger)
        }
    }
}
