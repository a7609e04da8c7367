import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import IntelStore
import NIOCore
import STIX
import TestSupport
import Testing
import VigilKit

/// Who may read and write what, through every endpoint, on every store backend.
@Suite("TAXII server: rights and TLP clearance")
struct TAXIIRightsTests {
    static let levels: [TLPLevel?] = [.clear, .green, .amber, .amberStrict, .red, nil]

    static var configuration: SharingConfiguration {
        var configuration = SharingConfiguration(apiRoots: [
            .init(
                path: "api", title: "Test",
                collections: [
                    .init(alias: "open", title: "Open", content: .everything, everyoneReads: true),
                    .init(alias: "red-room", title: "Red room", content: .everything, redReaders: ["rita"]),
                    .init(alias: "green-feed", title: "Green feed", content: .members, maximumTLP: .green),
                    .init(alias: "inbox", title: "Inbox", content: .members),
                ])
        ])
        configuration.organisation = "CERT-A"
        return configuration
    }

    /// A store with 60 indicators, ten at each level and ten unmarked, in every collection.
    static func fixture(_ kind: StoreKind, configuration: SharingConfiguration = configuration) async throws -> (SharingFixture, [String: TLPLevel?]) {
        var fixture = try await SharingFixture(kind, configuration: configuration)
        try await fixture.addUser("greta", clearance: .green, write: ["inbox"])
        try await fixture.addUser("olga", clearance: .amberStrict, organisation: "OTHER", read: ["*"])
        try await fixture.addUser("amy", clearance: .amberStrict, organisation: "CERT-A", read: ["*"], write: ["*"])
        try await fixture.addUser("rita", clearance: .red, organisation: "CERT-A", read: ["*"])
        try await fixture.addUser("ned", clearance: .red, organisation: "CERT-A", read: ["*"])
        var levels: [String: TLPLevel?] = [:]
        var objects: [STIXObject] = []
        for number in 0..<60 {
            let level = Self.level(number)
            let object = try SharingFixture.indicator(number, tlp: level)
            objects.append(object)
            levels[object.id.rawValue] = level
        }
        if configuration.apiRoots.flatMap(\.collections).contains(where: { $0.alias == "green-feed" }) {
            try await fixture.ingest(objects, into: "green-feed")
        } else {
            try await fixture.ingest(objects)
        }
        return (fixture, levels)
    }

    static func level(_ number: Int) -> TLPLevel? { levels[number % levels.count] }

    /// Everything a user reads of a collection, page by page, through objects and manifest,
    /// checking each page on the way.
    static func readAll(
        _ client: any TestClientProtocol, _ fixture: SharingFixture, user: String, collection: String, limit: Int, endpoint: String
    ) async throws -> [String] {
        var ids: [String] = []
        var next: String?
        repeat {
            var uri = "/api/collections/\(collection)/\(endpoint)/?limit=\(limit)"
            if let next { uri += "&next=\(next)" }
            let response = try await client.execute(uri: uri, method: .get, headers: fixture.basic(user))
            #expect(response.status == .ok, "\(user) \(uri)")
            let page = response.objectIDs
            #expect(page.count <= limit)
            let more = response.object["more"]?.boolValue ?? false
            next = response.object["next"]?.stringValue
            // A page is empty only when nothing is visible at all; `more` promises a non-empty page.
            #expect(!page.isEmpty || ids.isEmpty, "\(user) \(uri): an empty page after others")
            #expect(more == (next != nil))
            if !page.isEmpty {
                #expect(response.headers[HTTPField.Name("X-TAXII-Date-Added-First")!] != nil)
                #expect(response.headers[HTTPField.Name("X-TAXII-Date-Added-Last")!] != nil)
            }
            ids += page
        } while next != nil
        return ids
    }

    @Test(
        "each user sees exactly what their clearance, organisation and the collection allow, at every page size",
        arguments: StoreKind.allCases)
    func clearance(_ kind: StoreKind) async throws {
        let (fixture, levels) = try await Self.fixture(kind)
        let expected: [(user: String, collection: String, allowed: Set<TLPLevel?>)] = [
            ("greta", "open", [.clear, .green]),
            ("olga", "open", [.clear, .green, .amber, nil]),
            ("amy", "open", [.clear, .green, .amber, .amberStrict, nil]),
            ("ned", "open", [.clear, .green, .amber, .amberStrict, nil]),
            ("rita", "open", [.clear, .green, .amber, .amberStrict, nil]),
            ("ned", "red-room", [.clear, .green, .amber, .amberStrict, nil]),
            ("rita", "red-room", [.clear, .green, .amber, .amberStrict, .red, nil]),
            ("olga", "red-room", [.clear, .green, .amber, nil]),
            ("rita", "green-feed", [.clear, .green]),
            ("amy", "green-feed", [.clear, .green]),
        ]
        try await fixture.requests { client in
            for (user, collection, allowed) in expected {
                let visible = Set(levels.filter { allowed.contains($0.value) }.keys)
                for endpoint in ["objects", "manifest"] {
                    for limit in [1, 7, 13, 60, 100] {
                        let ids = try await Self.readAll(client, fixture, user: user, collection: collection, limit: limit, endpoint: endpoint)
                        #expect(ids.count == Set(ids).count, "\(user) \(collection) \(endpoint) limit \(limit): repeated objects")
                        #expect(Set(ids) == visible, "\(user) \(collection) \(endpoint) limit \(limit)")
                    }
                }
                // Hidden objects are not found by id, by version list, or by filter.
                for (id, _) in levels where !visible.contains(id) {
                    let single = try await client.execute(uri: "/api/collections/\(collection)/objects/\(id)/", method: .get, headers: fixture.basic(user))
                    #expect(single.status == .notFound, "\(user) sees \(id) in \(collection)")
                    let versions = try await client.execute(
                        uri: "/api/collections/\(collection)/objects/\(id)/versions/", method: .get, headers: fixture.basic(user))
                    #expect(versions.status == .notFound)
                    let filtered = try await client.execute(
                        uri: "/api/collections/\(collection)/objects/?match[id]=\(id)", method: .get, headers: fixture.basic(user))
                    #expect(filtered.objectIDs.isEmpty && filtered.object["more"]?.boolValue == false)
                }
                for id in visible.prefix(3) {
                    let single = try await client.execute(uri: "/api/collections/\(collection)/objects/\(id)/", method: .get, headers: fixture.basic(user))
                    #expect(single.objectIDs == [id])
                    let versions = try await client.execute(
                        uri: "/api/collections/\(collection)/objects/\(id)/versions/", method: .get, headers: fixture.basic(user))
                    #expect(versions.object["versions"]?.arrayValue == [.string("2024-01-01T00:00:00.000Z")])
                }
            }
        }
    }

    @Test("without read rights: 404 where the collection is not the user's, 403 where they may only write; both audited", arguments: StoreKind.allCases)
    func readRights(_ kind: StoreKind) async throws {
        let (fixture, levels) = try await Self.fixture(kind)
        let id = try #require(levels.first { $0.value == .clear }?.key)
        try await fixture.requests { client in
            let listed = try await client.execute(uri: "/api/collections/", method: .get, headers: fixture.basic("greta"))
            let aliases = (listed.object["collections"]?.arrayValue ?? []).compactMap { $0.objectValue?["alias"]?.stringValue }
            #expect(aliases.sorted() == ["inbox", "open"])
            let inbox = (listed.object["collections"]?.arrayValue ?? []).first { $0.objectValue?["alias"]?.stringValue == "inbox" }
            #expect(inbox?.objectValue?["can_read"]?.boolValue == false && inbox?.objectValue?["can_write"]?.boolValue == true)
            for (collection, status) in [("red-room", HTTPResponse.Status.notFound), ("green-feed", .notFound), ("inbox", .forbidden)] {
                for path in ["objects/", "manifest/", "objects/\(id)/", "objects/\(id)/versions/"] {
                    let response = try await client.execute(uri: "/api/collections/\(collection)/\(path)", method: .get, headers: fixture.basic("greta"))
                    #expect(response.status == status, "\(collection)/\(path)")
                    #expect(response.headers[.contentType] == "application/taxii+json;version=2.1")
                    #expect(response.object["http_status"]?.stringValue == String(status.code))
                }
            }
            let collection = try await client.execute(uri: "/api/collections/red-room/", method: .get, headers: fixture.basic("greta"))
            #expect(collection.status == .notFound)
            let write = try await client.execute(
                uri: "/api/collections/open/objects/", method: .post,
                headers: fixture.basic("olga") + [.contentType: "application/taxii+json;version=2.1"],
                body: ByteBuffer(string: #"{"objects":[]}"#))
            #expect(write.status == .forbidden)
        }
        await fixture.audit.flush()
        let denied = try await fixture.store.audit(since: nil, user: "greta", limit: 100).filter { $0.decision == .denied }
        #expect(denied.count == 13)
        #expect(Set(denied.compactMap(\.collection)) == ["red-room", "green-feed", "inbox"])
        #expect(try await fixture.store.audit(since: nil, user: "olga", limit: 10).map(\.action) == ["write"])
    }

    @Test("RED never leaves by default: without a configuration, a RED-cleared user reads everything but RED", arguments: StoreKind.allCases)
    func redByDefault(_ kind: StoreKind) async throws {
        let (fixture, levels) = try await Self.fixture(kind, configuration: .standard)
        try await fixture.requests { client in
            for user in ["rita", "ned"] {
                let ids = try await Self.readAll(client, fixture, user: user, collection: "default", limit: 25, endpoint: "objects")
                #expect(Set(ids) == Set(levels.filter { $0.value != .red && $0.value != .amberStrict }.keys), "no organisation configured: AMBER+STRICT stays too")
            }
        }
    }

    @Test("a token works until it is revoked, then at once no more; a removed user's token neither", arguments: StoreKind.allCases)
    func revocation(_ kind: StoreKind) async throws {
        let (fixture, _) = try await Self.fixture(kind)
        let administration = UserAdministration(store: fixture.store, hasher: SharingFixture.hasher, actor: "test")
        try await fixture.requests { client in
            #expect(try await client.execute(uri: "/api/collections/", method: .get, headers: fixture.bearer("amy")).status == .ok)
            let text = try #require(fixture.tokens["amy"])
            let id = try #require(TokenText(text)?.id)
            #expect(try await administration.revokeToken(id))
            let after = try await client.execute(uri: "/api/collections/", method: .get, headers: fixture.bearer("amy"))
            #expect(after.status == .unauthorized)
            #expect(after.headers[.wwwAuthenticate]?.contains("Basic") == true)
            #expect(try await client.execute(uri: "/api/collections/", method: .get, headers: fixture.basic("amy")).status == .ok)
            #expect(try await client.execute(uri: "/api/collections/", method: .get, headers: fixture.bearer("ned")).status == .ok)
            try await administration.remove("ned")
            #expect(try await client.execute(uri: "/api/collections/", method: .get, headers: fixture.bearer("ned")).status == .unauthorized)
            #expect(try await client.execute(uri: "/api/collections/", method: .get, headers: fixture.basic("ned")).status == .unauthorized)
        }
    }

    @Test("adding: a status per object, refusals above the ceiling, read back, versions, then delete", arguments: StoreKind.allCases)
    func addAndDelete(_ kind: StoreKind) async throws {
        let (fixture, _) = try await Self.fixture(kind)
        let green = try SharingFixture.indicator(100, tlp: .green)
        let newer = try SharingFixture.indicator(100, tlp: .green, modified: "2024-06-01T00:00:00.000Z")
        let amber = try SharingFixture.indicator(101, tlp: .amber)
        let envelope = "{\"objects\":[\(green.jsonText),\(newer.jsonText),\(amber.jsonText),{\"type\":\"indicator\",\"id\":\"bad\"}]}"
        try await fixture.requests { client in
            let posted = try await client.execute(
                uri: "/api/collections/green-feed/objects/", method: .post,
                headers: fixture.basic("amy") + [.contentType: "application/taxii+json;version=2.1"], body: ByteBuffer(string: envelope))
            #expect(posted.status == .accepted)
            let status = posted.object
            #expect(status["status"]?.stringValue == "complete")
            #expect(status["total_count"]?.intValue == 4 && status["success_count"]?.intValue == 2 && status["failure_count"]?.intValue == 2)
            let failures = (status["failures"]?.arrayValue ?? []).compactMap(\.objectValue)
            #expect(failures.contains { $0["id"]?.stringValue == amber.id.rawValue && $0["message"]?.stringValue?.contains("ceiling") == true })
            let statusID = try #require(status["id"]?.stringValue)
            let polled = try await client.execute(uri: "/api/status/\(statusID)/", method: .get, headers: fixture.basic("amy"))
            #expect(polled.object["success_count"]?.intValue == 2)
            // Only the user who added may read the status.
            #expect(try await client.execute(uri: "/api/status/\(statusID)/", method: .get, headers: fixture.basic("rita")).status == .notFound)

            let id = green.id.rawValue
            let versions = try await client.execute(uri: "/api/collections/green-feed/objects/\(id)/versions/", method: .get, headers: fixture.basic("amy"))
            #expect(versions.object["versions"]?.arrayValue == [.string("2024-01-01T00:00:00.000Z"), .string("2024-06-01T00:00:00.000Z")])
            let all = try await client.execute(
                uri: "/api/collections/green-feed/objects/\(id)/?match[version]=all", method: .get, headers: fixture.basic("amy"))
            #expect(all.objectIDs == [id, id])
            let deleted = try await client.execute(
                uri: "/api/collections/green-feed/objects/\(id)/?match[version]=first", method: .delete, headers: fixture.basic("amy"))
            #expect(deleted.status == .ok)
            let left = try await client.execute(uri: "/api/collections/green-feed/objects/\(id)/versions/", method: .get, headers: fixture.basic("amy"))
            #expect(left.object["versions"]?.arrayValue == [.string("2024-06-01T00:00:00.000Z")])
            // The store keeps what left a members collection.
            #expect(try await fixture.store.versions(id: id).count == 2)
            // Deleting from a collection of everything deletes from the store.
            let fromStore = try await client.execute(
                uri: "/api/collections/open/objects/\(id)/?match[version]=all", method: .delete, headers: fixture.basic("amy"))
            #expect(fromStore.status == .ok)
            #expect(try await fixture.store.versions(id: id).isEmpty)
            let again = try await client.execute(uri: "/api/collections/open/objects/\(id)/", method: .delete, headers: fixture.basic("amy"))
            #expect(again.status == .notFound)
            // A reader may not delete.
            let reader = try await client.execute(uri: "/api/collections/open/objects/\(amber.id.rawValue)/", method: .delete, headers: fixture.basic("rita"))
            #expect(reader.status == .forbidden)
        }
        await fixture.audit.flush()
        let actions = try await fixture.store.audit(since: nil, user: "amy", limit: 10).map { "\($0.action) \($0.decision.rawValue)" }
        #expect(actions == ["write allowed", "delete allowed", "delete allowed"])
    }
}
