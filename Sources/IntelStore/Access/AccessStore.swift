import STIX

/// Someone allowed to use a server: a person with a password, or a system with tokens.
///
/// Rights are per collection (alias or id; `*` names every collection); `clearance` is the
/// most sensitive TLP level the user may receive; AMBER+STRICT reaches only users of the
/// server's own organisation, RED only users named on a collection configured for it.
public struct VigilUser: Sendable, Hashable {
    public var name: String
    /// The password's bcrypt hash; nil when the user has no password (tokens only).
    public var passwordHash: String?
    public var clearance: TLPLevel
    public var organisation: String?
    public var read: [String]
    public var write: [String]
    public var created: String

    public init(
        name: String, passwordHash: String?, clearance: TLPLevel, organisation: String? = nil, read: [String] = [], write: [String] = [],
        created: String
    ) {
        self.name = name
        self.passwordHash = passwordHash
        self.clearance = clearance
        self.organisation = organisation
        self.read = read
        self.write = write
        self.created = created
    }
}

/// An API token: its public id (shown in lists, used to revoke it) and the SHA-256 of its
/// secret; the secret itself is shown once, when the token is made, and never stored.
public struct APIToken: Sendable, Hashable {
    public var id: String
    public var user: String
    /// Lower-case hex SHA-256 of the secret.
    public var secretHash: String
    public var created: String
    /// When it was revoked; nil while it works.
    public var revoked: String?

    public init(id: String, user: String, secretHash: String, created: String, revoked: String? = nil) {
        self.id = id
        self.user = user
        self.secretHash = secretHash
        self.created = created
        self.revoked = revoked
    }
}

/// One line of the audit log: every write, every denied read and every failed login.
public struct AuditEntry: Sendable, Hashable {
    public enum Decision: String, Sendable, Hashable, CaseIterable {
        case allowed, denied, failed
    }

    public var time: String
    public var user: String?
    /// The client's address.
    public var address: String?
    /// What was asked: `read`, `write`, `delete`, `login`, ...
    public var action: String
    public var collection: String?
    public var objectIDs: [String]
    public var decision: Decision
    public var detail: String

    public init(
        time: String, user: String?, address: String?, action: String, collection: String? = nil, objectIDs: [String] = [],
        decision: Decision, detail: String = ""
    ) {
        self.time = time
        self.user = user
        self.address = address
        self.action = action
        self.collection = collection
        self.objectIDs = objectIDs
        self.decision = decision
        self.detail = detail
    }
}

/// Users, their tokens, the audit log, and what a TAXII client remembers of its sources.
///
/// User names are unique and compared exactly. Removing a user revokes its tokens. The audit
/// log is append-only. Each call is one transaction.
public protocol AccessStore: Sendable {
    /// Adds a user; throws `userExists` when the name is taken.
    func addUser(_ user: VigilUser) async throws
    /// Replaces a user's record (password, clearance, rights); throws `noSuchUser`.
    func updateUser(_ user: VigilUser) async throws
    func user(named name: String) async throws -> VigilUser?
    /// Every user, by name.
    func users() async throws -> [VigilUser]
    /// Removes a user and revokes its tokens; throws `noSuchUser`.
    func removeUser(named name: String, at time: String) async throws

    func addToken(_ token: APIToken) async throws
    func token(id: String) async throws -> APIToken?
    /// A user's tokens, revoked ones included, oldest first.
    func tokens(of user: String) async throws -> [APIToken]
    /// Revokes a token; false when there is no such token or it was revoked already.
    func revokeToken(id: String, at time: String) async throws -> Bool

    func appendAudit(_ entries: [AuditEntry]) async throws
    /// Audit entries at or after `since` (RFC 3339), of one user if given, oldest first, at
    /// most `limit` (the newest ones).
    func audit(since: String?, user: String?, limit: Int) async throws -> [AuditEntry]

    /// A value a TAXII client keeps per source (the last `date_added` it pulled).
    func syncState(_ key: String) async throws -> String?
    func setSyncState(_ key: String, value: String) async throws
    /// Every kept value by key (a migration copies them).
    func syncStates() async throws -> [String: String]
}
