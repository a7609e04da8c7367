import GRDB
import IntelStore
import STIX

extension SQLiteIntelStore: AccessStore {
    static func user(_ row: Row) -> VigilUser {
        func list(_ column: String) -> [String] {
            let text: String = row[column]
            return text.isEmpty ? [] : text.split(separator: ",").map(String.init)
        }
        return VigilUser(
            name: row["name"], passwordHash: row["password_hash"], clearance: TLPLevel(rawValue: row["clearance"]) ?? .clear,
            organisation: row["organisation"], read: list("read"), write: list("write"), created: row["created"])
    }

    static func token(_ row: Row) -> APIToken {
        APIToken(id: row["id"], user: row["user"], secretHash: row["secret_hash"], created: row["created"], revoked: row["revoked"])
    }

    static func userArguments(_ user: VigilUser) -> StatementArguments {
        [user.name, user.passwordHash, user.clearance.rawValue, user.organisation, user.read.joined(separator: ","),
         user.write.joined(separator: ","), user.created]
    }

    public func addUser(_ user: VigilUser) async throws {
        try await writing("add user") { db in
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM app_user WHERE name = ?", arguments: [user.name]) != nil {
                throw IntelStoreError.userExists(user.name)
            }
            try db.execute(
                sql: "INSERT INTO app_user (name, password_hash, clearance, organisation, read, write, created) VALUES (?, ?, ?, ?, ?, ?, ?)",
                arguments: SQLiteIntelStore.userArguments(user))
        }
    }

    public func updateUser(_ user: VigilUser) async throws {
        try await writing("update user") { db in
            try db.execute(sql: "DELETE FROM app_user WHERE name = ?", arguments: [user.name])
            guard db.changesCount > 0 else { throw IntelStoreError.noSuchUser(user.name) }
            try db.execute(
                sql: "INSERT INTO app_user (name, password_hash, clearance, organisation, read, write, created) VALUES (?, ?, ?, ?, ?, ?, ?)",
                arguments: SQLiteIntelStore.userArguments(user))
        }
    }

    public func user(named name: String) async throws -> VigilUser? {
        try await readingWithoutSnapshot("read user") { db in
            try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM app_user WHERE name = ?"), arguments: [name]).map(SQLiteIntelStore.user)
        }
    }

    public func users() async throws -> [VigilUser] {
        try await reading("list users") { db in
            try Row.fetchAll(db, sql: "SELECT * FROM app_user ORDER BY name").map(SQLiteIntelStore.user)
        }
    }

    public func removeUser(named name: String, at time: String) async throws {
        try await writing("remove user") { db in
            try db.execute(sql: "DELETE FROM app_user WHERE name = ?", arguments: [name])
            guard db.changesCount > 0 else { throw IntelStoreError.noSuchUser(name) }
            try db.execute(sql: "UPDATE api_token SET revoked = ? WHERE user = ? AND revoked IS NULL", arguments: [time, name])
        }
    }

    public func addToken(_ token: APIToken) async throws {
        try await writing("add token") { db in
            try db.execute(
                sql: "INSERT OR REPLACE INTO api_token (id, user, secret_hash, created, revoked) VALUES (?, ?, ?, ?, ?)",
                arguments: [token.id, token.user, token.secretHash, token.created, token.revoked])
        }
    }

    public func token(id: String) async throws -> APIToken? {
        try await readingWithoutSnapshot("read token") { db in
            try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM api_token WHERE id = ?"), arguments: [id]).map(SQLiteIntelStore.token)
        }
    }

    public func tokens(of user: String) async throws -> [APIToken] {
        try await reading("list tokens") { db in
            try Row.fetchAll(db, sql: "SELECT * FROM api_token WHERE user = ? ORDER BY rowid", arguments: [user]).map(SQLiteIntelStore.token)
        }
    }

    public func revokeToken(id: String, at time: String) async throws -> Bool {
        try await writing("revoke token") { db in
            try db.execute(sql: "UPDATE api_token SET revoked = ? WHERE id = ? AND revoked IS NULL", arguments: [time, id])
            return db.changesCount > 0
        }
    }

    public func appendAudit(_ entries: [AuditEntry]) async throws {
        guard !entries.isEmpty else { return }
        try await writing("append audit") { db in
            let statement = try db.makeStatement(sql: """
                INSERT INTO audit (time, user, address, action, collection, object_ids, decision, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """)
            for entry in entries {
                try statement.execute(arguments: [
                    entry.time, entry.user, entry.address, entry.action, entry.collection, entry.objectIDs.joined(separator: ","),
                    entry.decision.rawValue, entry.detail,
                ])
            }
        }
    }

    public func audit(since: String?, user: String?, limit: Int) async throws -> [AuditEntry] {
        var clauses: [String] = []
        var texts: [String] = []
        if let since {
            clauses.append("time >= ?")
            texts.append(since)
        }
        if let user {
            clauses.append("user = ?")
            texts.append(user)
        }
        let whereClause = clauses.isEmpty ? "" : " WHERE " + clauses.joined(separator: " AND ")
        let sql = "SELECT * FROM (SELECT rowid AS position, * FROM audit\(whereClause) ORDER BY rowid DESC LIMIT \(max(0, limit))) ORDER BY position"
        let bound = texts
        return try await reading("read audit") { db in
            try Row.fetchAll(db, sql: sql, arguments: StatementArguments(bound)).map { row in
                let ids: String = row["object_ids"]
                return AuditEntry(
                    time: row["time"], user: row["user"], address: row["address"], action: row["action"], collection: row["collection"],
                    objectIDs: ids.isEmpty ? [] : ids.split(separator: ",").map(String.init),
                    decision: AuditEntry.Decision(rawValue: row["decision"]) ?? .denied, detail: row["detail"])
            }
        }
    }

    public func syncState(_ key: String) async throws -> String? {
        try await reading("read sync state") { db in try String.fetchOne(db, sql: "SELECT value FROM sync_state WHERE key = ?", arguments: [key]) }
    }

    public func syncStates() async throws -> [String: String] {
        try await reading("read sync state") { db in
            Dictionary(try Row.fetchAll(db, sql: "SELECT key, value FROM sync_state").map { ($0["key"], $0["value"]) }) { first, _ in first }
        }
    }

    public func setSyncState(_ key: String, value: String) async throws {
        try await writing("write sync state") { db in
            try db.execute(sql: "INSERT OR REPLACE INTO sync_state (key, value) VALUES (?, ?)", arguments: [key, value])
        }
    }
}
