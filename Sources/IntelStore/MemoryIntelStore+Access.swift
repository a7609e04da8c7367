extension MemoryIntelStore {
    /// Users, tokens, the audit log and sync state of a memory store.
    struct AccessState {
        var users: [String: VigilUser] = [:]
        var tokens: [String: APIToken] = [:]
        /// Token ids in the order they were made.
        var tokenOrder: [String] = []
        var audit: [AuditEntry] = []
        var sync: [String: String] = [:]
    }
}

extension MemoryIntelStore: AccessStore {
    public func addUser(_ user: VigilUser) async throws {
        try state.withLock { (state: inout State) throws(IntelStoreError) in
            guard state.access.users[user.name] == nil else { throw .userExists(user.name) }
            state.access.users[user.name] = user
        }
    }

    public func updateUser(_ user: VigilUser) async throws {
        try state.withLock { (state: inout State) throws(IntelStoreError) in
            guard state.access.users[user.name] != nil else { throw .noSuchUser(user.name) }
            state.access.users[user.name] = user
        }
    }

    public func user(named name: String) async throws -> VigilUser? {
        state.withLock { $0.access.users[name] }
    }

    public func users() async throws -> [VigilUser] {
        state.withLock { $0.access.users.values.sorted { $0.name < $1.name } }
    }

    public func removeUser(named name: String, at time: String) async throws {
        try state.withLock { (state: inout State) throws(IntelStoreError) in
            guard state.access.users.removeValue(forKey: name) != nil else { throw .noSuchUser(name) }
            for id in state.access.tokenOrder where state.access.tokens[id]?.user == name && state.access.tokens[id]?.revoked == nil {
                state.access.tokens[id]?.revoked = time
            }
        }
    }

    public func addToken(_ token: APIToken) async throws {
        state.withLock { state in
            if state.access.tokens[token.id] == nil { state.access.tokenOrder.append(token.id) }
            state.access.tokens[token.id] = token
        }
    }

    public func token(id: String) async throws -> APIToken? {
        state.withLock { $0.access.tokens[id] }
    }

    public func tokens(of user: String) async throws -> [APIToken] {
        state.withLock { state in state.access.tokenOrder.compactMap { state.access.tokens[$0] }.filter { $0.user == user } }
    }

    public func revokeToken(id: String, at time: String) async throws -> Bool {
        state.withLock { state in
            guard state.access.tokens[id] != nil, state.access.tokens[id]?.revoked == nil else { return false }
            state.access.tokens[id]?.revoked = time
            return true
        }
    }

    public func appendAudit(_ entries: [AuditEntry]) async throws {
        state.withLock { $0.access.audit += entries }
    }

    public func audit(since: String?, user: String?, limit: Int) async throws -> [AuditEntry] {
        state.withLock { state in
            let chosen = state.access.audit.filter { entry in
                (since.map { entry.time >= $0 } ?? true) && (user.map { entry.user == $0 } ?? true)
            }
            return Array(chosen.suffix(max(0, limit)))
        }
    }

    public func syncState(_ key: String) async throws -> String? {
        state.withLock { $0.access.sync[key] }
    }

    public func setSyncState(_ key: String, value: String) async throws {
        state.withLock { $0.access.sync[key] = value }
    }

    public func syncStates() async throws -> [String: String] {
        state.withLock { $0.access.sync }
    }
}
