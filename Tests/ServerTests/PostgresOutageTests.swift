import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import IntelStore
import IntelStorePostgres
import STIX
import TestSupport
import Testing
import VigilKit

/// PostgreSQL going away under an import and under TAXII paging, and coming back: the
/// connection runs through a relay the test cuts (for the store, the server is stopped) and
/// restores (it is started again). `vigil serve` is not restarted in between.
@Suite(
    "PostgreSQL outages", .enabled(if: TestPostgres.isIncluded, "needs a PostgreSQL server (VIGIL_POSTGRES_URL; .ci/run starts one)"),
    .serialized)
struct PostgresOutageTests {
    /// A store whose connections go through `link`.
    static func store(through link: SeveredLink) throws -> PostgresIntelStore {
        let fresh = try TestPostgres.freshURL()
        var components = try #require(URLComponents(string: fresh))
        components.host = "127.0.0.1"
        components.port = link.port
        let url = try #require(components.string)
        return try PostgresIntelStore(url: url)
    }

    static func link() async throws -> SeveredLink {
        let url = try #require(TestPostgres.url)
        let server = try #require(URLComponents(string: url))
        return try await SeveredLink(to: server.host ?? "127.0.0.1", port: server.port ?? 5432, listeningOn: try freeLoopbackPort())
    }

    static func indicators(_ numbers: Range<Int>) throws -> [StoredObject] {
        try numbers.map { StoredObject(try SharingFixture.indicator($0, tlp: .green), tlp: .green) }
    }

    /// Runs `operation` until it succeeds (the pool reconnects on its own schedule).
    static func eventually<T>(within seconds: Double, _ operation: () async throws -> T) async throws -> (value: T, waited: Double) {
        let start = Date()
        while true {
            do {
                return (try await operation(), Date().timeIntervalSince(start))
            } catch {
                guard Date().timeIntervalSince(start) < seconds else { throw error }
                try await Task.sleep(for: .milliseconds(250))
            }
        }
    }

    static func isUnavailable(_ error: any Error) -> Bool {
        if case .unavailable? = error as? IntelStoreError { return true }
        return false
    }

    @Test func anImportCutOffLeavesNothingAndPagingAndServingResume() async throws {
        let link = try await Self.link()
        defer { link.cut() }
        let store = try Self.store(through: link)
        try await store.ready()
        var setUp = try await SharingFixture(store: store, folder: try TemporaryFolder())
        try await setUp.addUser("analyst", clearance: .amber, read: ["default"])
        let fixture = setUp
        _ = try await store.ingest(try Self.indicators(0..<1_000))
        let everything = ObjectQuery(limit: 300, clearance: .everything)
        let first = try await store.page(everything)
        #expect(first.items.count == 300 && first.next != nil)

        // An import of 40 batches, slowed so that it is under way when the server goes.
        let importing = Task {
            try await store.ingest(IngestBatches(count: 40) { batch in
                Thread.sleep(forTimeInterval: 0.1)
                return try Self.indicators(10_000 + batch * 100..<10_000 + (batch + 1) * 100)
            })
        }
        try await Task.sleep(for: .seconds(1))
        link.cut()
        let result = await importing.result
        #expect(throws: IntelStoreError.self) { try result.get() }
        if case .failure(let error) = result { #expect(Self.isUnavailable(error), "\(error)") }

        // While it is down, requests are refused promptly and clearly, in the store and over HTTP.
        var started = Date()
        await #expect(throws: IntelStoreError.self) { _ = try await store.page(everything) }
        let firstWait = Date().timeIntervalSince(started)
        #expect(firstWait < 15, "the first request waits at most the lease deadline")
        started = Date()
        do {
            _ = try await store.statistics()
            Issue.record("a read succeeded while the server was unreachable")
        } catch {
            #expect(Self.isUnavailable(error), "\(error)")
        }
        let laterWait = Date().timeIntervalSince(started)
        #expect(laterWait < 5, "later requests during the outage are answered at once")
        print(String(format: "PostgreSQL outage: first request refused after %.1f s, the next after %.2f s", firstWait, laterWait))
        try await fixture.requests { client in
            let response = try await client.execute(uri: "/api/collections/default/objects/?limit=10", method: .get, headers: fixture.basic("analyst"))
            #expect(response.status == .serviceUnavailable)
            #expect(response.headers[.retryAfter] != nil)
        }

        // Back: the same store (and server) resumes, nothing of the cut import is there, and
        // paging goes on from its cursor without a gap or a repeat.
        try await link.restore()
        let (statistics, waited) = try await Self.eventually(within: 90) { try await store.statistics() }
        #expect(statistics.versionCount == 1_000, "no partial import")
        print("PostgreSQL outage: service resumed \(String(format: "%.1f", waited)) s after the server came back")
        var seen = first.items.map(\.id)
        var cursor = first.next
        while let current = cursor {
            var query = everything
            query.after = current
            let page = try await store.page(query)
            seen += page.items.map(\.id)
            cursor = page.next
        }
        #expect(seen.count == 1_000 && Set(seen).count == 1_000)
        #expect(try await store.ingest(try Self.indicators(20_000..<20_100)).allSatisfy { $0 == .new })
        try await fixture.requests { client in
            let response = try await client.execute(uri: "/api/collections/default/objects/?limit=10", method: .get, headers: fixture.basic("analyst"))
            #expect(response.status == .ok)
            #expect(response.objectIDs.count == 10)
        }
    }
}
