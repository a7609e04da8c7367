import Foundation
import Synchronization
import IntelStore
import IntelStoreSQLite
import STIX
import TestSupport
import Testing

/// What sharing needs of every store backend: collections, versions dated when added and
/// paged in that order, TAXII's filters, and a reader's clearance applied before paging.
@Suite("Store conformance: sharing")
struct SharingConformanceTests {
    /// An indicator with a given number, TLP marking and `modified`.
    static func indicator(_ number: Int, tlp: TLPLevel? = nil, modified: String = "2024-01-01T00:00:00.000Z") throws -> StoredObject {
        let id = String(format: "indicator--00000000-0000-4000-8000-%012d", number)
        let marking = tlp.flatMap { level in TLPMarkings.wellKnown.first { $0.value == level }?.key }
        let markings = marking.map { ",\"object_marking_refs\":[\"\($0)\"]" } ?? ""
        let object = try STIXObject(json: """
            {"type":"indicator","spec_version":"2.1","id":"\(id)","created":"2024-01-01T00:00:00.000Z","modified":"\(modified)",
             "name":"indicator \(number)","pattern":"[ipv4-addr:value = '198.51.100.\(number % 250)']","pattern_type":"stix",
             "valid_from":"2024-01-01T00:00:00Z"\(markings)}
            """)
        return StoredObject(object, tlp: tlp)
    }

    static func everything(_ query: ObjectQuery = ObjectQuery(clearance: .everything)) -> ObjectQuery { query }

    /// Every page of a query, following `next`.
    static func pages(_ store: any VigilStore, _ query: ObjectQuery) async throws -> [ObjectPage] {
        var query = query
        var pages: [ObjectPage] = []
        while true {
            let page = try await store.page(query)
            pages.append(page)
            guard let next = page.next else { return pages }
            query.after = next
        }
    }

    @Test("indicator records: the latest version's pattern and provenance, retired ones left out; relationships by type", arguments: StoreKind.allCases)
    func indicatorRecords(_ kind: StoreKind) async throws {
        let (store, folder) = try kind.make()
        defer { _ = folder }
        let revoked = try STIXObject(json: """
            {"type":"indicator","spec_version":"2.1","id":"indicator--00000000-0000-4000-8000-000000000099","created":"2024-01-01T00:00:00.000Z",
             "modified":"2024-01-01T00:00:00.000Z","pattern":"[ipv4-addr:value = '192.0.2.1']","pattern_type":"stix","valid_from":"2024-01-01T00:00:00Z","revoked":true}
            """)
        let relationship = try STIXObject(json: """
            {"type":"relationship","spec_version":"2.1","id":"relationship--00000000-0000-4000-8000-000000000001","created":"2024-01-01T00:00:00.000Z",
             "modified":"2024-01-01T00:00:00.000Z","relationship_type":"indicates","source_ref":"indicator--00000000-0000-4000-8000-000000000001",
             "target_ref":"intrusion-set--00000000-0000-4000-8000-000000000001"}
            """)
        _ = try await store.ingest([
            try Self.indicator(1, tlp: .green), try Self.indicator(1, tlp: .amber, modified: "2024-02-01T00:00:00.000Z"), try Self.indicator(2),
            StoredObject(revoked, tlp: nil), StoredObject(relationship, tlp: nil),
        ])
        let records = try await store.indicatorRecords().sorted { $0.id < $1.id }
        #expect(records.map(\.id) == ["indicator--00000000-0000-4000-8000-000000000001", "indicator--00000000-0000-4000-8000-000000000002"])
        #expect(records[0] == IndicatorRecord(
            id: "indicator--00000000-0000-4000-8000-000000000001", name: "indicator 1", pattern: "[ipv4-addr:value = '198.51.100.1']",
            patternType: "stix", createdBy: nil, validFrom: "2024-01-01T00:00:00Z", validUntil: nil, tlp: .amber))
        #expect(try await store.relationships(ofType: "indicates").map(\.id) == ["relationship--00000000-0000-4000-8000-000000000001"])
        #expect(try await store.relationships(ofType: "uses").isEmpty)
    }

    @Test("collections: created once by id and alias, members added with their versions, taken out again", arguments: StoreKind.allCases)
    func collections(_ kind: StoreKind) async throws {
        let (store, folder) = try kind.make()
        _ = folder
        let all = IntelCollection(id: "9cfa669c-ee94-4ece-afd2-f8edac37d8fd", alias: "default", title: "Everything", content: .everything)
        let partner = IntelCollection(
            id: "365fed99-08fa-fdcd-a1b3-fb247eb41d01", alias: "partner", title: "Partner feed", content: .members, maximumTLP: .green)
        try await store.createCollection(partner)
        try await store.createCollection(all)
        await #expect(throws: IntelStoreError.self) { try await store.createCollection(all) }
        await #expect(throws: IntelStoreError.self) {
            try await store.createCollection(IntelCollection(id: UUID().uuidString, alias: "partner", title: "again", content: .members))
        }
        #expect(try await store.collections().map(\.title) == ["Everything", "Partner feed"])
        #expect(try await store.collection("partner") == partner)
        #expect(try await store.collection(partner.id) == partner)
        #expect(try await store.collection("nothing") == nil)

        let first = try Self.indicator(1, tlp: .green)
        let updated = try Self.indicator(1, tlp: .green, modified: "2024-02-01T00:00:00.000Z")
        let other = try Self.indicator(2, tlp: .green)
        #expect(try await store.ingest(IngestBatches([first, other]), into: "partner") == [.new, .new])
        // A version the store holds already still joins the collection.
        #expect(try await store.ingest(IngestBatches([first, updated]), into: partner.id) == [.unchanged, .updated])
        await #expect(throws: IntelStoreError.self) { _ = try await store.ingest(IngestBatches([other]), into: "default") }
        await #expect(throws: IntelStoreError.self) { _ = try await store.ingest(IngestBatches([other]), into: "nothing") }

        let versions = ObjectQuery(collection: "partner", versions: .all, clearance: .everything)
        #expect(try await store.page(versions).items.map(\.id) == [first.id, other.id, first.id])
        #expect(try await store.count(versions) == 3)
        // Pages carry each version as stored, with the version it states.
        let served = try await store.page(versions).items
        #expect(served.map { Array($0.json) } == [first, other, updated].map { Array($0.object.jsonText.utf8) })
        #expect(served.map(\.version) == ["2024-01-01T00:00:00.000Z", "2024-01-01T00:00:00.000Z", "2024-02-01T00:00:00.000Z"])
        var withoutContent = versions
        withoutContent.withContent = false
        let manifest = try await store.page(withoutContent).items
        #expect(manifest.map(\.versionKey) == served.map(\.versionKey))
        #expect(manifest.filter { !$0.json.isEmpty }.isEmpty)
        #expect(try await store.removeFromCollection("partner", id: first.id, versions: .last) == 1)
        #expect(try await store.page(versions).items.map { try $0.stored() } == [first, other])
        #expect(try await store.removeFromCollection("partner", id: first.id, versions: .all) == 1)
        #expect(try await store.page(versions).items.map { try $0.stored() } == [other])
        await #expect(throws: IntelStoreError.self) { _ = try await store.removeFromCollection("default", id: other.id, versions: .all) }
        // The store keeps what left the collection.
        #expect(try await store.versions(id: first.id).count == 2)
        #expect(try await store.page(ObjectQuery(collection: "default", versions: .all, clearance: .everything)).items.count == 3)
    }

    @Test("deleting versions: the newest remaining becomes the latest, the last one takes the object, collections follow", arguments: StoreKind.allCases)
    func deleting(_ kind: StoreKind) async throws {
        let (store, folder) = try kind.make()
        _ = folder
        try await store.createCollection(IntelCollection(id: "0b7c4f4e-43b2-4a6c-9d55-111111111111", alias: "feed", title: "Feed", content: .members))
        let january = try Self.indicator(1)
        let february = try Self.indicator(1, modified: "2024-02-01T00:00:00.000Z")
        let other = try Self.indicator(2)
        _ = try await store.ingest(IngestBatches([january, february, other]), into: "feed")
        #expect(try await store.deleteVersions(id: january.id, keys: [february.versionKey, "no such key"]) == 1)
        #expect(try await store.latest(id: january.id) == january)
        #expect(try await store.search("indicator 1", types: [], limit: 10).map(\.id).contains(january.id))
        let feed = ObjectQuery(collection: "feed", versions: .all, clearance: .everything)
        #expect(try await store.page(feed).items.map { try $0.stored() } == [january, other])
        // The remaining version is the latest one a page serves, in the store and in the collection.
        for collection in ["feed", nil] {
            let latest = ObjectQuery(collection: collection, ids: [january.id], clearance: .everything)
            #expect(try await store.page(latest).items.map(\.versionKey) == [january.versionKey])
        }
        #expect(try await store.deleteVersions(id: january.id, keys: [january.versionKey]) == 1)
        #expect(try await store.latest(id: january.id) == nil)
        #expect(try await store.versions(id: january.id).isEmpty)
        #expect(try await store.existing(ids: [january.id, other.id]) == [other.id])
        #expect(try await store.objects(named: "indicator 1").isEmpty)
        #expect(try await store.page(feed).items.map { try $0.stored() } == [other])
        #expect(try await store.statistics().versionCount == 1)
        #expect(try await store.deleteVersions(id: january.id, keys: [january.versionKey]) == 0)
        // The id can come back.
        #expect(try await store.ingest([february]) == [.new])
    }

    @Test("a collection's definition is updated in place; its alias stays unique", arguments: StoreKind.allCases)
    func updatingCollections(_ kind: StoreKind) async throws {
        let (store, folder) = try kind.make()
        _ = folder
        var feed = IntelCollection(id: "0b7c4f4e-43b2-4a6c-9d55-222222222222", alias: "feed", title: "Feed", content: .members)
        let other = IntelCollection(id: "0b7c4f4e-43b2-4a6c-9d55-333333333333", alias: "other", title: "Other", content: .everything)
        try await store.createCollection(feed)
        try await store.createCollection(other)
        feed.title = "Partner feed"
        feed.maximumTLP = .green
        feed.types = ["indicator", "malware"]
        try await store.updateCollection(feed)
        #expect(try await store.collection("feed") == feed)
        feed.alias = "other"
        await #expect(throws: IntelStoreError.self) { try await store.updateCollection(feed) }
        await #expect(throws: IntelStoreError.self) {
            try await store.updateCollection(IntelCollection(id: "0b7c4f4e-43b2-4a6c-9d55-444444444444", title: "none", content: .members))
        }
    }

    @Test("pages follow the date added: every version once, in order, with `more` and `next` right", arguments: StoreKind.allCases)
    func paging(_ kind: StoreKind) async throws {
        let (store, folder) = try kind.make()
        _ = folder
        let objects = try (0..<53).map { try Self.indicator($0) }
        for start in stride(from: 0, to: objects.count, by: 10) {
            _ = try await store.ingest(Array(objects[start..<min(start + 10, objects.count)]))
        }
        let pages = try await Self.pages(store, ObjectQuery(limit: 7, clearance: .everything))
        #expect(pages.map(\.items.count) == [7, 7, 7, 7, 7, 7, 7, 4])
        #expect(pages.dropLast().allSatisfy { $0.more && $0.next != nil })
        #expect(pages.last?.more == false && pages.last?.next == nil)
        let items = pages.flatMap(\.items)
        #expect(items.map(\.id) == objects.map(\.id))
        #expect(zip(items, items.dropFirst()).allSatisfy { $0.dateAdded < $1.dateAdded })
        // `added_after`: strictly after; the date as TAXII writes it reads back the same.
        let cut = items[19].dateAdded
        let written = cut.timestamp.text
        #expect(written.count == 27 && written.hasSuffix("Z"))
        #expect(DateAdded(try STIXTimestamp(written)) == cut)
        let after = try await store.page(ObjectQuery(addedAfter: cut, limit: 100, clearance: .everything))
        #expect(after.items.map(\.id) == objects.dropFirst(20).map(\.id))
        #expect(try await store.count(ObjectQuery(addedAfter: cut, clearance: .everything)) == 33)
        // A cursor that was never given reads as nothing it does not know.
        #expect(PageCursor("not-a-cursor") == nil)
    }

    @Test("filters: ids, types, versions first/last/all/at, spec_version", arguments: StoreKind.allCases)
    func filters(_ kind: StoreKind) async throws {
        let (store, folder) = try kind.make()
        _ = folder
        let january = try Self.indicator(1)
        let february = try Self.indicator(1, modified: "2024-02-01T00:00:00.000Z")
        let march = try Self.indicator(1, modified: "2024-03-01T00:00:00.000Z")
        let group = StoredObject(try STIXObject(json: """
            {"type":"intrusion-set","spec_version":"2.1","id":"intrusion-set--4283ae19-69c7-4347-a35e-b56f08eb660b",
             "created":"2021-03-24T00:00:00.000Z","modified":"2024-01-08T22:16:18.643Z","name":"ZIRCONIUM"}
            """), tlp: .clear)
        _ = try await store.ingest([february, group, march, january])
        func ids(_ query: ObjectQuery) async throws -> [String] {
            try await store.page(query).items.map { "\($0.type) \($0.version ?? "")" }
        }
        #expect(try await ids(ObjectQuery(clearance: .everything)) == ["intrusion-set 2024-01-08T22:16:18.643Z", "indicator 2024-03-01T00:00:00.000Z"])
        #expect(try await ids(ObjectQuery(versions: .first, clearance: .everything)) == ["intrusion-set 2024-01-08T22:16:18.643Z", "indicator 2024-01-01T00:00:00.000Z"])
        #expect(try await store.count(ObjectQuery(versions: .all, clearance: .everything)) == 4)
        #expect(try await ids(ObjectQuery(types: ["indicator"], versions: .all, clearance: .everything)) == [
            "indicator 2024-02-01T00:00:00.000Z", "indicator 2024-03-01T00:00:00.000Z", "indicator 2024-01-01T00:00:00.000Z",
        ])
        #expect(try await ids(ObjectQuery(ids: [group.id], versions: .all, clearance: .everything)) == ["intrusion-set 2024-01-08T22:16:18.643Z"])
        let instants = [try STIXTimestamp("2024-02-01T00:00:00Z"), try STIXTimestamp("2024-01-08T22:16:18.643Z")]
        #expect(try await ids(ObjectQuery(versions: .at(instants), clearance: .everything)) == [
            "indicator 2024-02-01T00:00:00.000Z", "intrusion-set 2024-01-08T22:16:18.643Z",
        ])
        // first,last together; `all` among others chooses everything.
        #expect(try await ids(ObjectQuery(ids: [january.id], versions: .anyOf([.first, .last]), clearance: .everything)) == [
            "indicator 2024-03-01T00:00:00.000Z", "indicator 2024-01-01T00:00:00.000Z",
        ])
        #expect(try await store.count(ObjectQuery(versions: .anyOf([.last, .all]), clearance: .everything)) == 4)
        #expect(try await ids(ObjectQuery(versions: .anyOf([.at(instants), .first]), clearance: .everything)) == [
            "indicator 2024-02-01T00:00:00.000Z", "intrusion-set 2024-01-08T22:16:18.643Z", "indicator 2024-01-01T00:00:00.000Z",
        ])
        #expect(try await store.count(ObjectQuery(specVersions: ["2.0"], clearance: .everything)) == 0)
        #expect(try await store.count(ObjectQuery(specVersions: ["2.0", "2.1"], clearance: .everything)) == 2)
    }

    @Test("a GREEN reader's pages, counts and `more` never reflect AMBER or RED objects", arguments: StoreKind.allCases)
    func clearance(_ kind: StoreKind) async throws {
        let (store, folder) = try kind.make()
        _ = folder
        // Visible and hidden objects interleaved, hidden ones last too.
        let levels: [TLPLevel?] = [.clear, .red, .green, .amber, nil, .amberStrict, .green, .red, .clear, .amber, .red, .amberStrict]
        let objects = try levels.enumerated().map { try Self.indicator($0.offset, tlp: $0.element) }
        _ = try await store.ingest(objects)
        let green = ReaderClearance(maximum: .green)
        let visible = objects.filter { green.allows($0.tlp) }.map(\.id)
        #expect(visible.count == 4)
        for limit in 1...5 {
            let pages = try await Self.pages(store, ObjectQuery(limit: limit, clearance: green))
            #expect(pages.flatMap(\.items).map(\.id) == visible, "limit \(limit)")
            #expect(pages.flatMap(\.items).allSatisfy { ($0.tlp ?? .amber) <= .green })
            // The last page says there is no more, though hidden objects follow.
            #expect(pages.last?.more == false)
            #expect(pages.count == (visible.count + limit - 1) / limit, "limit \(limit)")
        }
        #expect(try await store.count(ObjectQuery(clearance: green)) == 4)
        // An unmarked object counts as the reader's rule for unmarked says.
        #expect(try await store.count(ObjectQuery(clearance: ReaderClearance(maximum: .green, unmarked: .green))) == 5)
        // AMBER+STRICT and RED need to be granted, whatever the maximum.
        #expect(try await store.count(ObjectQuery(clearance: ReaderClearance(maximum: .red))) == 7)
        #expect(try await store.count(ObjectQuery(clearance: ReaderClearance(maximum: .red, amberStrict: true))) == 9)
        #expect(try await store.count(ObjectQuery(clearance: .everything)) == 12)
        // A collection's ceiling holds for every reader.
        try await store.createCollection(IntelCollection(id: UUID().uuidString, alias: "clear", title: "clear", content: .everything, maximumTLP: .clear))
        #expect(try await store.count(ObjectQuery(collection: "clear", clearance: .everything)) == 2)
        // The newest version a reader may see is the one served: a RED update hides nothing
        // of the GREEN version the reader had.
        _ = try await store.ingest([try Self.indicator(2, tlp: .red, modified: "2024-06-01T00:00:00.000Z")])
        let served = try await store.page(ObjectQuery(ids: [objects[2].id], clearance: green)).items.map { try $0.stored() }
        #expect(served == [objects[2]])
    }

    @Test("a reader is not kept waiting by an import in progress", arguments: StoreKind.allCases)
    func readersDoNotWait(_ kind: StoreKind) async throws {
        let (store, folder) = try kind.make()
        _ = folder
        _ = try await store.ingest(try (0..<20).map { try Self.indicator($0) })
        // An import whose second batch cannot be produced until the reader is done: were the
        // reader to wait for the import, neither would ever finish.
        let readerDone = DispatchSemaphore(value: 0)
        let importing = Task {
            try await store.ingest(
                IngestBatches(count: 2) { index in
                    if index == 1 { readerDone.wait() }
                    return try (0..<10).map { try Self.indicator(1_000 + index * 10 + $0) }
                }, into: nil)
        }
        try await Task.sleep(for: .milliseconds(200))
        let pages = try await Self.pages(store, ObjectQuery(limit: 6, clearance: .everything))
        readerDone.signal()
        #expect(pages.flatMap(\.items).count == 20)
        #expect(try await importing.value.count == 20)
        #expect(try await store.count(ObjectQuery(clearance: .everything)) == 40)
    }

    @Test("8 writers add objects while a reader pages: no version skipped or repeated", arguments: StoreKind.allCases)
    func concurrentWriters(_ kind: StoreKind) async throws {
        let (store, folder) = try kind.make()
        _ = folder
        let writers = 8
        let perWriter = 150
        let finished = Counter()
        let reader = Task { () throws -> [PagedObject] in
            var seen: [PagedObject] = []
            var query = ObjectQuery(limit: 17, clearance: .everything)
            while true {
                // A memory store answers without suspending: let the writers run.
                await Task.yield()
                let done = finished.value == writers
                let page = try await store.page(query)
                seen += page.items
                if let next = page.next {
                    query.after = next
                } else if let last = page.items.last {
                    query.after = PageCursor(after: last.dateAdded)
                } else if done {
                    return seen
                }
            }
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for writer in 0..<writers {
                group.addTask {
                    for batch in 0..<(perWriter / 10) {
                        let numbers = (0..<10).map { 100_000 * (writer + 1) + batch * 10 + $0 }
                        _ = try await store.ingest(try numbers.map { try Self.indicator($0) })
                    }
                    finished.increment()
                }
            }
            try await group.waitForAll()
        }
        let seen = try await reader.value
        let ids = seen.map(\.id)
        #expect(ids.count == writers * perWriter)
        #expect(Set(ids).count == ids.count)
        #expect(zip(seen, seen.dropFirst()).allSatisfy { $0.dateAdded < $1.dateAdded })
    }
}

/// A counter shared by tasks.
final class Counter: Sendable {
    private let count = Mutex(0)
    var value: Int { count.withLock { $0 } }
    func increment() { count.withLock { $0 += 1 } }
}
