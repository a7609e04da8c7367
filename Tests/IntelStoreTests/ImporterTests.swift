import IntelStore
import STIX
import TestSupport
import Testing

@Suite("Importing bundles")
struct ImporterTests {
    @Test("a fixture imports with TLP levels from well-known and content-recognised markings", arguments: StoreKind.allCases)
    func levels(_ kind: StoreKind) async throws {
        let (store, folder) = try kind.make()
        _ = folder
        let report = try await BundleImporter(store: store)
            .importContent(try Fixtures.bytes("stix/operation-sample.json"), source: "operation-sample.json", strict: false)
        #expect(report.totals.new == 15)
        #expect(report.issues.isEmpty, "\(report.issues)")
        func level(_ id: String) async throws -> TLPLevel? { try await store.latest(id: id)?.tlp }
        #expect(try await level("intrusion-set--1c5e7f0a-3b2d-4e6f-8a9b-0c1d2e3f4a5b") == .green)
        #expect(try await level("malware--4c5d6e7f-8a9b-4c0d-9e2f-3a4b5c6d7e8f") == .amber)  // OpenCTI-style custom marking
        #expect(try await level("campaign--5d6e7f8a-9b0c-4d1e-8f3a-4b5c6d7e8f90") == .amber)
        #expect(try await level("indicator--0c1d2e3f-4a5b-4c6d-9e8f-9a0b1c2d3e45") == .red)
        #expect(try await level("ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd") == nil)

        // A later 2.0 feed updates the malware; its TLP 1.0 GREEN marking is read as GREEN.
        let update = try await BundleImporter(store: store)
            .importContent(try Fixtures.bytes("stix/partner-feed.stix20.json"), source: "partner", strict: false)
        #expect(update.countsByType["malware"]?.updated == 1)
        #expect(update.upgradedCount == 4)
        #expect(try await level("malware--4c5d6e7f-8a9b-4c0d-9e2f-3a4b5c6d7e8f") == .green)
        #expect(try await store.versions(id: "malware--4c5d6e7f-8a9b-4c0d-9e2f-3a4b5c6d7e8f").count == 2)
    }

    @Test("bad objects: the good ones are stored, each bad one reported", arguments: StoreKind.allCases)
    func badObjects(_ kind: StoreKind) async throws {
        let (store, folder) = try kind.make()
        _ = folder
        let report = try await BundleImporter(store: store)
            .importContent(try Fixtures.bytes("stix/bad-objects.json"), source: "bad-objects.json", strict: false)
        #expect(report.totals.new == 2)
        #expect(report.totals.rejected == 3)
        #expect(report.countsByType["intrusion-set"] == counts(new: 1, rejected: 1))
        #expect(report.errors.count == 3)
        let stored = try await store.objects(types: [], includeRetired: true).map(\.object.name)
        #expect(stored == ["Good Group", "Good Technique"])
    }

    @Test("--strict refuses the whole bundle and leaves the store as it was", arguments: StoreKind.allCases)
    func strict(_ kind: StoreKind) async throws {
        let (store, folder) = try kind.make()
        _ = folder
        let importer = BundleImporter(store: store)
        _ = try await importer.importContent(try Fixtures.bytes("stix/operation-sample.json"), source: "sample", strict: true)
        let before = try await store.statistics()
        await #expect(throws: IntelStoreError.self) {
            _ = try await importer.importContent(try Fixtures.bytes("stix/bad-objects.json"), source: "bad", strict: true)
        }
        #expect(try await store.statistics() == before)
    }

    @Test("an invalid custom property is a warning naming the object and property, and the object is imported as published; --strict refuses it", arguments: StoreKind.allCases)
    func customProperties(_ kind: StoreKind) async throws {
        let (store, folder) = try kind.make()
        _ = folder
        let bytes = try Fixtures.bytes("stix/bad-custom-properties.json")
        let importer = BundleImporter(store: store)
        await #expect(throws: IntelStoreError.self) {
            _ = try await importer.importContent(bytes, source: "custom", strict: true)
        }
        #expect(try await store.statistics().versionCount == 0)

        let report = try await importer.importContent(bytes, source: "custom", strict: false)
        #expect(report.totals.new == 2)
        // A spec-defined reference stays strict.
        #expect(report.errors.map(\.objectID) == ["attack-pattern--1a5231ec-41af-4a35-83d0-6bdf11f28c65"])
        #expect(report.errors.map(\.property) == ["created_by_ref"])
        let warnings = report.warnings.map { "\($0.objectID ?? "") \($0.property ?? "")" }
        #expect(warnings == [
            "x-mitre-data-component--3d20385b-24ef-40e1-9f56-f39750379077 x_mitre_data_source_ref",
            "attack-pattern--0a5231ec-41af-4a35-83d0-6bdf11f28c65 x_parent_ref",
            "attack-pattern--0a5231ec-41af-4a35-83d0-6bdf11f28c65 x_related_refs[0]",
        ])
        #expect(report.warnings.allSatisfy { $0.refusedWhenStrict })
        // Stored as published, the bad values included.
        let component = try #require(try await store.latest(id: "x-mitre-data-component--3d20385b-24ef-40e1-9f56-f39750379077"))
        #expect(component.object["x_mitre_data_source_ref"] == "")
        let pattern = try #require(try await store.latest(id: "attack-pattern--0a5231ec-41af-4a35-83d0-6bdf11f28c65"))
        #expect(pattern.object["x_parent_ref"] == 42)
    }

    @Test("unreadable content changes nothing and names the position", arguments: StoreKind.allCases)
    func truncated(_ kind: StoreKind) async throws {
        let (store, folder) = try kind.make()
        _ = folder
        await #expect {
            _ = try await BundleImporter(store: store)
                .importContent(try Fixtures.bytes("stix/truncated.json"), source: "truncated.json", strict: false)
        } throws: { error in
            let description = (error as? ImportFailure)?.description ?? ""
            return description.hasPrefix("truncated.json: not valid JSON at line 1, column 275")
                && description.contains("unterminated string")
        }
        #expect(try await store.statistics().versionCount == 0)
    }

    @Test("a relationship to an object in neither the content nor the store is kept with a warning", arguments: StoreKind.allCases)
    func dangling(_ kind: StoreKind) async throws {
        let (store, folder) = try kind.make()
        _ = folder
        let text = """
            [{"type":"relationship","spec_version":"2.1","id":"relationship--11111111-2222-4333-8444-555555555555",
              "created":"2024-01-01T00:00:00Z","modified":"2024-01-01T00:00:00Z","relationship_type":"uses",
              "source_ref":"intrusion-set--11111111-2222-4333-8444-555555555555",
              "target_ref":"attack-pattern--11111111-2222-4333-8444-555555555555"}]
            """
        let importer = BundleImporter(store: store)
        let first = try await importer.importContent(Array(text.utf8), source: "r", strict: true)
        #expect(first.totals.new == 1)
        #expect(first.warnings.map(\.property) == ["source_ref", "target_ref"])
        // Once the endpoints are stored, the same relationship is no longer dangling.
        let endpoints = """
            [{"type":"intrusion-set","spec_version":"2.1","id":"intrusion-set--11111111-2222-4333-8444-555555555555",
              "created":"2024-01-01T00:00:00Z","modified":"2024-01-01T00:00:00Z","name":"G"},
             {"type":"attack-pattern","spec_version":"2.1","id":"attack-pattern--11111111-2222-4333-8444-555555555555",
              "created":"2024-01-01T00:00:00Z","modified":"2024-01-01T00:00:00Z","name":"T"}]
            """
        _ = try await importer.importContent(Array(endpoints.utf8), source: "e", strict: true)
        #expect(try await importer.importContent(Array(text.utf8), source: "r", strict: true).warnings.isEmpty)
    }

    func counts(new: Int = 0, updated: Int = 0, unchanged: Int = 0, older: Int = 0, rejected: Int = 0) -> ImportReport.Counts {
        var counts = ImportReport.Counts()
        counts.new = new
        counts.updated = updated
        counts.unchanged = unchanged
        counts.older = older
        counts.rejected = rejected
        return counts
    }
}
