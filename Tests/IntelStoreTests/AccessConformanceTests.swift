import IntelStore
import STIX
import TestSupport
import Testing

/// Users, tokens, the audit log and sync state, on every store backend.
@Suite("Store conformance: access")
struct AccessConformanceTests {
    static func alice() -> VigilUser {
        VigilUser(
            name: "alice", passwordHash: "$2b$12$abcdefghijklmnopqrstuuv7QWmG7Lr2o3xYh1n6xK0mO9b1sJqJq", clearance: .amber, organisation: "CERT-CZ",
            read: ["default", "partner"], write: ["inbox"], created: "2026-12-06T08:00:00.000Z")
    }

    @Test("users: added once, updated, listed, removed with their tokens revoked", arguments: StoreKind.allCases)
    func users(_ kind: StoreKind) async throws {
        let (store, folder) = try kind.make()
        _ = folder
        let alice = Self.alice()
        try await store.addUser(alice)
        await #expect(throws: IntelStoreError.self) { try await store.addUser(alice) }
        #expect(try await store.user(named: "alice") == alice)
        var changed = alice
        changed.clearance = .green
        changed.read = []
        try await store.updateUser(changed)
        #expect(try await store.user(named: "alice") == changed)
        await #expect(throws: IntelStoreError.self) {
            try await store.updateUser(VigilUser(name: "bob", passwordHash: nil, clearance: .clear, created: "t"))
        }
        try await store.addUser(VigilUser(name: "bob", passwordHash: nil, clearance: .clear, created: "t"))
        #expect(try await store.users().map(\.name) == ["alice", "bob"])

        try await store.addToken(APIToken(id: "t1", user: "alice", secretHash: "aa", created: "t1"))
        try await store.addToken(APIToken(id: "t2", user: "alice", secretHash: "bb", created: "t2"))
        #expect(try await store.revokeToken(id: "t1", at: "r1"))
        #expect(try await store.revokeToken(id: "t1", at: "r2") == false)
        #expect(try await store.revokeToken(id: "none", at: "r2") == false)
        #expect(try await store.token(id: "t1")?.revoked == "r1")
        try await store.removeUser(named: "alice", at: "gone")
        await #expect(throws: IntelStoreError.self) { try await store.removeUser(named: "alice", at: "gone") }
        #expect(try await store.user(named: "alice") == nil)
        #expect(try await store.tokens(of: "alice").map(\.revoked) == ["r1", "gone"])
    }

    @Test("the audit log keeps entries in order, filtered by time and user, the newest `limit`", arguments: StoreKind.allCases)
    func audit(_ kind: StoreKind) async throws {
        let (store, folder) = try kind.make()
        _ = folder
        let entries = (0..<10).map { index in
            AuditEntry(
                time: "2026-12-06T08:00:0\(index).000Z", user: index % 2 == 0 ? "alice" : nil, address: "127.0.0.1",
                action: index % 3 == 0 ? "write" : "read", collection: "default", objectIDs: index == 3 ? ["a--1", "b--2"] : [],
                decision: index % 2 == 0 ? .allowed : .denied, detail: "entry \(index)")
        }
        try await store.appendAudit(Array(entries.prefix(4)))
        try await store.appendAudit(Array(entries.dropFirst(4)))
        #expect(try await store.audit(since: nil, user: nil, limit: 100) == entries)
        #expect(try await store.audit(since: nil, user: nil, limit: 3) == Array(entries.suffix(3)))
        #expect(try await store.audit(since: "2026-12-06T08:00:05.000Z", user: "alice", limit: 100).map(\.detail) == ["entry 6", "entry 8"])
    }

    @Test("sync state is kept per key and replaced", arguments: StoreKind.allCases)
    func sync(_ kind: StoreKind) async throws {
        let (store, folder) = try kind.make()
        _ = folder
        #expect(try await store.syncState("https://partner/api/collections/x/") == nil)
        try await store.setSyncState("https://partner/api/collections/x/", value: "2026-12-06T08:00:00.000000Z")
        try await store.setSyncState("https://partner/api/collections/x/", value: "2026-12-06T09:00:00.000000Z")
        #expect(try await store.syncState("https://partner/api/collections/x/") == "2026-12-06T09:00:00.000000Z")
        try await store.setSyncState("https://other/api/collections/y/", value: "2026-12-06T10:00:00.000000Z")
        #expect(
            try await store.syncStates() == [
                "https://partner/api/collections/x/": "2026-12-06T09:00:00.000000Z",
                "https://other/api/collections/y/": "2026-12-06T10:00:00.000000Z",
            ])
    }
}
