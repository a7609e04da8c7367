import IntelStore
import STIX
import TestSupport
import Testing

@Suite("Profiles, resolution and export")
struct ProfileAndExportTests {
    static func sampleStore(_ kind: StoreKind) async throws -> (store: any IntelStore, folder: TemporaryFolder) {
        let made = try kind.make()
        _ = try await BundleImporter(store: made.store)
            .importContent(try Fixtures.bytes("stix/operation-sample.json"), source: "sample", strict: true)
        return made
    }

    @Test("a reference resolves by name, alias, external id or STIX id", arguments: StoreKind.allCases)
    func resolve(_ kind: StoreKind) async throws {
        let (store, folder) = try await Self.sampleStore(kind)
        _ = folder
        for reference in ["Sample Panda", "quiet kite", "G9001", "intrusion-set--1c5e7f0a-3b2d-4e6f-8a9b-0c1d2e3f4a5b"] {
            #expect(try await store.resolve(reference).first?.object.name == "Sample Panda", "\(reference)")
        }
        await #expect {
            _ = try await store.resolve("Sample")
        } throws: { error in
            guard case .notFound(_, let suggestions) = error as? IntelStoreError else { return false }
            return suggestions.first == "G9001 Sample Panda"
        }
    }

    @Test("a revoked object resolves to what revoked it", arguments: StoreKind.allCases)
    func revokedBy(_ kind: StoreKind) async throws {
        let (store, folder) = try kind.make()
        _ = folder
        let text = """
            [{"type":"intrusion-set","spec_version":"2.1","id":"intrusion-set--11111111-2222-4333-8444-555555555555",
              "created":"2024-01-01T00:00:00Z","modified":"2024-02-01T00:00:00Z","name":"Old Name","revoked":true},
             {"type":"intrusion-set","spec_version":"2.1","id":"intrusion-set--22222222-2222-4333-8444-555555555555",
              "created":"2024-01-01T00:00:00Z","modified":"2024-02-01T00:00:00Z","name":"New Name"},
             {"type":"relationship","spec_version":"2.1","id":"relationship--33333333-2222-4333-8444-555555555555",
              "created":"2024-02-01T00:00:00Z","modified":"2024-02-01T00:00:00Z","relationship_type":"revoked-by",
              "source_ref":"intrusion-set--11111111-2222-4333-8444-555555555555",
              "target_ref":"intrusion-set--22222222-2222-4333-8444-555555555555"}]
            """
        _ = try await BundleImporter(store: store).importContent(Array(text.utf8), source: "t", strict: true)
        #expect(try await store.resolve("old name").map(\.object.name) == ["New Name"])
    }

    @Test("an intrusion set's profile: techniques with tactics, software, campaigns", arguments: StoreKind.allCases)
    func profile(_ kind: StoreKind) async throws {
        let (store, folder) = try await Self.sampleStore(kind)
        _ = folder
        let group = try #require(try await store.resolve("G9001").first)
        let profile = try await store.profile(of: group)
        #expect(profile.techniques.map(\.attackID) == ["T1059.001", "T1566.001"])
        #expect(profile.techniques.map(\.tactics) == [["execution"], ["initial-access"]])
        #expect(profile.software.map(\.object.object.name) == ["SampleRAT"])
        #expect(profile.campaigns.map(\.object.object.name) == ["Operation Sample"])
        #expect(profile.versionCount == 1)
        let campaign = try await store.profile(of: try #require(try await store.resolve("C9001").first))
        #expect(campaign.attributedTo.map(\.object.object.name) == ["Sample Panda"])
    }

    @Test("export respects the TLP ceiling and withholds what points to withheld objects", arguments: StoreKind.allCases)
    func export(_ kind: StoreKind) async throws {
        let (store, folder) = try await Self.sampleStore(kind)
        _ = folder
        func exported(_ ceiling: TLPLevel, unmarked: TLPLevel = .amber, types: [String] = []) async throws -> ExportSelection.Result {
            try await ExportSelection(types: types, maximumTLP: ceiling, unmarkedTLP: unmarked).select(from: store)
        }
        let red = try await exported(.red)
        #expect(red.objects.count == 15)
        let amber = try await exported(.amberStrict)
        // The RED indicator is withheld, and so is the relationship that names it.
        #expect(!amber.objects.contains { $0.type == "indicator" })
        #expect(amber.withheldByTLP == [.red: 1])
        #expect(amber.withheldByReference == 1)
        let green = try await exported(.green)
        #expect(Set(green.objects.map(\.type)) == ["identity", "intrusion-set", "attack-pattern", "relationship", "marking-definition"])
        // The unmarked sensor and address leave only if unmarked objects count as low enough.
        #expect(try await exported(.green, unmarked: .clear).objects.contains { $0.type == "x-sample-sensor" })
        // A type filter brings the creator identity and marking definitions along.
        let groups = try await exported(.red, types: ["intrusion-set"])
        #expect(Set(groups.objects.map(\.type)) == ["intrusion-set", "identity"])
    }
}
