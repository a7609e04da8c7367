import IntelStore
import STIX
import TestSupport
import Testing

/// Behaviour every store backend must share; each test runs once per backend.
@Suite("Store conformance")
struct StoreConformanceTests {
    static func object(_ json: String) throws -> STIXObject { try STIXObject(json: json) }

    static func group(modified: String, name: String = "ZIRCONIUM", aliases: [String] = ["APT31", "Violet Typhoon"]) throws -> StoredObject {
        let aliasList = aliases.map { "\"\($0)\"" }.joined(separator: ",")
        return StoredObject(try object("""
            {"type":"intrusion-set","spec_version":"2.1","id":"intrusion-set--4283ae19-69c7-4347-a35e-b56f08eb660b",
             "created":"2021-03-24T00:00:00.000Z","modified":"\(modified)","name":"\(name)","aliases":[\(aliasList)],
             "description":"Operating out of China since at least 2017.",
             "external_references":[{"source_name":"mitre-attack","external_id":"G0128"}]}
            """), tlp: .clear)
    }

    static let technique = """
        {"type":"attack-pattern","spec_version":"2.1","id":"attack-pattern--2a3b4c5d-6e7f-4a8b-9c0d-1e2f3a4b5c6d",
         "created":"2020-03-02T18:45:07.892Z","modified":"2023-10-01T02:28:45.147Z","name":"Spearphishing Link",
         "external_references":[{"source_name":"mitre-attack","external_id":"T1566.002"}],
         "kill_chain_phases":[{"kill_chain_name":"mitre-attack","phase_name":"initial-access"}]}
        """

    static func uses(_ id: String, revoked: Bool = false) throws -> StoredObject {
        StoredObject(try object("""
            {"type":"relationship","spec_version":"2.1","id":"relationship--\(id)","created":"2024-01-01T00:00:00Z",
             "modified":"2024-01-01T00:00:00Z","relationship_type":"uses","revoked":\(revoked),
             "source_ref":"intrusion-set--4283ae19-69c7-4347-a35e-b56f08eb660b",
             "target_ref":"attack-pattern--2a3b4c5d-6e7f-4a8b-9c0d-1e2f3a4b5c6d"}
            """), tlp: nil)
    }

    @Test("versions: new, unchanged, updated, older; the latest by modified", arguments: StoreKind.allCases)
    func versions(_ kind: StoreKind) async throws {
        let (store, folder) = try kind.make()
        _ = folder
        let middle = try Self.group(modified: "2023-01-01T00:00:00.000Z")
        let newer = try Self.group(modified: "2024-01-08T22:16:18.643Z", aliases: ["APT31", "Violet Typhoon", "Judgment Panda"])
        let older = try Self.group(modified: "2021-03-24T00:00:00Z")
        #expect(try await store.ingest([middle]) == [.new])
        #expect(try await store.ingest([middle]) == [.unchanged])
        // Same instant written with another precision is the same version.
        #expect(try await store.ingest([try Self.group(modified: "2023-01-01T00:00:00Z")]) == [.unchanged])
        #expect(try await store.ingest([newer, older]) == [.updated, .older])
        let latest = try #require(try await store.latest(id: newer.id))
        #expect(latest == newer)
        #expect(try await store.versions(id: newer.id).map(\.object.modified?.text) == [
            "2021-03-24T00:00:00Z", "2023-01-01T00:00:00.000Z", "2024-01-08T22:16:18.643Z",
        ])
        // Lookups see the latest version only.
        #expect(try await store.objects(named: "judgment panda").map(\.id) == [newer.id])
        let statistics = try await store.statistics()
        #expect(statistics.versionCount == 3)
        #expect(statistics.objectsByType == ["intrusion-set": 1])
        #expect(statistics.objectsByTLP == [.clear: 1])
    }

    @Test("lookups by name, alias and external id ignore case; relationships both ways", arguments: StoreKind.allCases)
    func lookups(_ kind: StoreKind) async throws {
        let (store, folder) = try kind.make()
        _ = folder
        let group = try Self.group(modified: "2024-01-08T22:16:18.643Z")
        let technique = StoredObject(try Self.object(Self.technique), tlp: nil)
        let link = try Self.uses("11111111-2222-4333-8444-555555555555")
        let retiredLink = try Self.uses("22222222-2222-4333-8444-555555555555", revoked: true)
        _ = try await store.ingest([group, technique, link, retiredLink])

        for name in ["ZIRCONIUM", "apt31", " Violet typhoon "] {
            #expect(try await store.objects(named: name).map(\.id) == [group.id], "\(name)")
        }
        #expect(try await store.objects(named: "APT3").isEmpty)
        #expect(try await store.objects(externalID: "g0128").map(\.id) == [group.id])
        #expect(try await store.objects(externalID: "T1566.002").map(\.id) == [technique.id])
        #expect(try await store.relationships(of: group.id, direction: .outgoing, type: "uses").map(\.id) == [link.id, retiredLink.id])
        #expect(try await store.relationships(of: technique.id, direction: .incoming, type: nil).count == 2)
        #expect(try await store.relationships(of: technique.id, direction: .outgoing, type: nil).isEmpty)
        #expect(try await store.relationships(of: group.id, direction: .both, type: "attributed-to").isEmpty)
        #expect(try await store.existing(ids: [group.id, "tool--11111111-2222-4333-8444-555555555555"]) == [group.id])
        #expect(try await store.storedTypes() == ["intrusion-set", "attack-pattern", "relationship"])
        #expect(try await store.latest(ids: [group.id, technique.id, "x"]).count == 2)

        let related = try await store.related(to: group.id, through: "uses", direction: .outgoing)
        #expect(related.map(\.object.id) == [technique.id])
        #expect(try await store.related(to: group.id, through: "uses", direction: .outgoing, includeRetired: true).count == 2)
    }

    @Test("lists leave out retired objects unless asked, in name order", arguments: StoreKind.allCases)
    func lists(_ kind: StoreKind) async throws {
        let (store, folder) = try kind.make()
        _ = folder
        let objects = try [("b", "Beta", false), ("a", "alpha", false), ("c", "Gamma", true)].map { suffix, name, revoked in
            StoredObject(try Self.object("""
                {"type":"campaign","spec_version":"2.1","id":"campaign--\(suffix)aaaaaaa-1111-4222-8333-444444444444",
                 "created":"2024-01-01T00:00:00Z","modified":"2024-01-01T00:00:00Z","name":"\(name)","revoked":\(revoked)}
                """), tlp: nil)
        }
        _ = try await store.ingest(objects)
        #expect(try await store.objects(types: ["campaign"], includeRetired: false).map(\.object.name) == ["alpha", "Beta"])
        #expect(try await store.objects(types: ["campaign"], includeRetired: true).map(\.object.name) == ["alpha", "Beta", "Gamma"])
        #expect(try await store.objects(types: ["tool"], includeRetired: true).isEmpty)
        #expect(try await store.objects(types: [], includeRetired: true).count == 3)
    }

    @Test("search ranks exact names and ids first, then names, then descriptions", arguments: StoreKind.allCases)
    func search(_ kind: StoreKind) async throws {
        let (store, folder) = try kind.make()
        _ = folder
        let decoded = try STIXBundleReader.read(try Fixtures.bytes("stix/operation-sample.json"))
        _ = try await store.ingest(decoded.objects.map { StoredObject($0, tlp: nil) })
        #expect(try await store.search("sample", types: [], limit: 10).map(\.object.name) == [
            "Sample Panda", "SampleRAT", "Operation Sample",
        ])
        #expect(try await store.search("G9001", types: [], limit: 10).map(\.object.name) == ["Sample Panda"])
        #expect(try await store.search("ESPIONAGE", types: [], limit: 10).map(\.object.name) == ["Sample Panda"])
        #expect(try await store.search("sample", types: ["malware"], limit: 10).map(\.object.name) == ["SampleRAT"])
        #expect(try await store.search("sample", types: [], limit: 1).count == 1)
        #expect(try await store.search("uses", types: [], limit: 10).isEmpty, "relationships are not searched")
        #expect(try await store.search("", types: [], limit: 10).isEmpty)
    }
}
