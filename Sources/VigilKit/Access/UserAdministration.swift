import Foundation
import IntelStore
import STIX

/// `vigil users`: adding, changing and removing users and their tokens, each change written
/// to the audit log under the name of whoever made it.
public struct UserAdministration: Sendable {
    public let store: any VigilStore
    public let hasher: PasswordHasher
    /// Who is making the changes, for the audit log (`local:<login name>` on the CLI).
    public let actor: String

    public init(store: any VigilStore, hasher: PasswordHasher = PasswordHasher(), actor: String = UserAdministration.localActor) {
        self.store = store
        self.hasher = hasher
        self.actor = actor
    }

    /// `local:` and the login name of the process's user.
    public static var localActor: String { "local:" + (ProcessInfo.processInfo.environment["USER"] ?? NSUserName()) }

    /// The rights and clearance a user is given.
    public struct Grant: Sendable, Hashable {
        public var clearance: TLPLevel
        public var organisation: String?
        /// Collections (alias or id; `*` for all) the user may read and write.
        public var read: [String]
        public var write: [String]

        public init(clearance: TLPLevel, organisation: String? = nil, read: [String] = [], write: [String] = []) {
            self.clearance = clearance
            self.organisation = organisation
            self.read = read
            self.write = write
        }
    }

    /// Adds a user with a password (nil: tokens only).
    public func add(_ name: String, password: String?, grant: Grant) async throws(VigilError) -> VigilUser {
        if let problem = PasswordRules.problem(withUserName: name) { throw .invalid(problem) }
        if let password, let problem = PasswordRules.problem(with: password) { throw .invalid(problem) }
        let hash: String? = if let password { await hasher.hash(password) } else { nil }
        let user = VigilUser(
            name: name, passwordHash: hash, clearance: grant.clearance, organisation: grant.organisation, read: grant.read,
            write: grant.write, created: AuditTrail.now())
        try await VigilError.wrapping { try await store.addUser(user) }
        try await log("user add", detail: "\(name): clearance \(grant.clearance.name), read \(grant.read), write \(grant.write)")
        return user
    }

    /// Sets a user's password.
    public func setPassword(of name: String, to password: String) async throws(VigilError) {
        if let problem = PasswordRules.problem(with: password) { throw .invalid(problem) }
        var user = try await existing(name)
        user.passwordHash = await hasher.hash(password)
        let changed = user
        try await VigilError.wrapping { try await store.updateUser(changed) }
        try await log("user passwd", detail: name)
    }

    /// Changes a user's clearance, organisation or rights (nil leaves a value as it is).
    public func change(
        _ name: String, clearance: TLPLevel?, organisation: String??, read: [String]?, write: [String]?
    ) async throws(VigilError) -> VigilUser {
        var user = try await existing(name)
        if let clearance { user.clearance = clearance }
        if let organisation { user.organisation = organisation }
        if let read { user.read = read }
        if let write { user.write = write }
        let changed = user
        try await VigilError.wrapping { try await store.updateUser(changed) }
        try await log("user change", detail: "\(name): clearance \(user.clearance.name), read \(user.read), write \(user.write)")
        return user
    }

    /// Makes a new API token for a user; the returned text is the only copy of its secret.
    public func newToken(for name: String) async throws(VigilError) -> (token: APIToken, text: String) {
        _ = try await existing(name)
        let secret = TokenText.random()
        let token = APIToken(id: secret.id, user: name, secretHash: secret.secretHash, created: AuditTrail.now())
        try await VigilError.wrapping { try await store.addToken(token) }
        try await log("token add", detail: "\(name): token \(secret.id)")
        return (token, secret.text)
    }

    /// Revokes a token by its id; false when there was no such working token.
    public func revokeToken(_ id: String) async throws(VigilError) -> Bool {
        let revoked = try await VigilError.wrapping { try await store.revokeToken(id: id, at: AuditTrail.now()) }
        if revoked { try await log("token revoke", detail: id) }
        return revoked
    }

    /// Removes a user; its tokens stop working.
    public func remove(_ name: String) async throws(VigilError) {
        try await VigilError.wrapping { try await store.removeUser(named: name, at: AuditTrail.now()) }
        try await log("user remove", detail: name)
    }

    /// Every user with its tokens.
    public func list() async throws(VigilError) -> [(user: VigilUser, tokens: [APIToken])] {
        try await VigilError.wrapping {
            var result: [(VigilUser, [APIToken])] = []
            for user in try await store.users() { result.append((user, try await store.tokens(of: user.name))) }
            return result
        }
    }

    private func existing(_ name: String) async throws(VigilError) -> VigilUser {
        guard let user = try await VigilError.wrapping({ try await store.user(named: name) }) else {
            throw .store(.noSuchUser(name))
        }
        return user
    }

    private func log(_ action: String, detail: String) async throws(VigilError) {
        let entry = AuditEntry(time: AuditTrail.now(), user: actor, address: nil, action: action, decision: .allowed, detail: detail)
        try await VigilError.wrapping { try await store.appendAudit([entry]) }
    }
}
