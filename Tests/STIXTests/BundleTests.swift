import STIX
import TestSupport
import Testing

@Suite("Bundles: reading 2.0 and 2.1, upgrading, writing 2.1")
struct BundleTests {
    @Test("a 2.0 bundle is upgraded with what 2.1 requires and nothing else")
    func upgrade() throws {
        let decoded = try STIXBundleReader.read(try Fixtures.bytes("stix/partner-feed.stix20.json"))
        #expect(decoded.declaredSpecVersion == "2.0")
        #expect(decoded.objects.count == 4)
        #expect(decoded.upgradedCount == 4)
        #expect(decoded.issues.isEmpty, "\(decoded.issues)")
        let original = try JSONParser.parse(try Fixtures.bytes("stix/partner-feed.stix20.json")).objectValue!["objects"]!.arrayValue!
        for (object, raw) in zip(decoded.objects, original) {
            var expected = raw.objectValue!
            // Exactly these additions, and spec_version right after type.
            expected["spec_version"] = "2.1"
            if object.type == "malware" { expected["is_family"] = true }
            if object.type == "indicator" { expected["pattern_type"] = "stix" }
            #expect(object.properties == expected)
            #expect(object.properties.keys[1] == "spec_version")
        }
        #expect(decoded.objects[1].labels == ["remote-access-trojan"])
    }

    @Test("a 2.1 bundle reads as is; custom objects and properties are kept")
    func read21() throws {
        let bytes = try Fixtures.bytes("stix/operation-sample.json")
        let decoded = try STIXBundleReader.read(bytes)
        #expect(decoded.objects.count == 15)
        #expect(decoded.upgradedCount == 0)
        #expect(decoded.issues.isEmpty, "\(decoded.issues)")
        let group = try #require(decoded.objects.first { $0.type == "intrusion-set" })
        #expect(group["x_vigil_confidence_note"] == ["analyst": "jd", "scores": [1, 2.5, nil, true]])
        #expect(group.modified?.text == "2024-06-11T14:30:00.123456Z")
        #expect(group.aliases == ["SAMPLE-7", "Quiet Kite"])
        #expect(group.attackID == "G9001")
        #expect(decoded.objects.contains { $0.type == "x-sample-sensor" })
    }

    @Test("bad objects are refused one by one, each named, the rest kept")
    func badObjects() throws {
        let decoded = try STIXBundleReader.read(try Fixtures.bytes("stix/bad-objects.json"))
        #expect(decoded.objects.map(\.name) == ["Good Group", "Good Technique"])
        #expect(decoded.rejectedCount == 3)
        #expect(decoded.errors.map(\.description) == [
            #"objects[1] (intrusion-set "Group Without Id"): property 'id': missing required property"#,
            "campaign--bbbbbbbb-1111-4222-8333-444444444444: property 'modified': '2024-13-01T00:00:00Z' is not an RFC 3339 UTC timestamp (month 13)",
            "relationship--cccccccc-1111-4222-8333-444444444444: property 'target_ref': unknown object type 'hacking-tool' in 'hacking-tool--dddddddd-1111-4222-8333-444444444444'",
        ])
    }

    @Test("references may name custom types present in the content or known to the caller")
    func knownTypes() throws {
        let text = """
            [{"type":"relationship","spec_version":"2.1","id":"relationship--11111111-2222-4333-8444-555555555555",
              "created":"2024-01-01T00:00:00Z","modified":"2024-01-01T00:00:00Z","relationship_type":"related-to",
              "source_ref":"sensor--11111111-2222-4333-8444-555555555555",
              "target_ref":"intrusion-set--11111111-2222-4333-8444-555555555555"}]
            """
        #expect(try STIXBundleReader.read(Array(text.utf8)).rejectedCount == 1)
        #expect(try STIXBundleReader.read(Array(text.utf8), knownTypes: ["sensor"]).rejectedCount == 0)
    }

    @Test("white space around external reference URLs is trimmed with a warning")
    func urlRepair() throws {
        let text = """
            [{"type":"intrusion-set","spec_version":"2.1","id":"intrusion-set--11111111-2222-4333-8444-555555555555",
              "created":"2024-01-01T00:00:00Z","modified":"2024-01-01T00:00:00Z","name":"G",
              "external_references":[{"source_name":"a","url":" https://example.org/x "},{"source_name":"b","url":"https://example.org/y"}]}]
            """
        let decoded = try STIXBundleReader.read(Array(text.utf8))
        #expect(decoded.objects.first?.externalReferences.map(\.url) == ["https://example.org/x", "https://example.org/y"])
        #expect(decoded.warnings.map(\.property) == ["external_references[0].url"])
        #expect(decoded.errors.isEmpty)
    }

    @Test("content that is not STIX is refused whole")
    func notSTIX() {
        for text in [#"{"hello": "world"}"#, "42", #"{"type":"bundle","objects":{}}"#, #"{"type":"bundle","spec_version":"3.0"}"#] {
            #expect(throws: STIXError.self, "\(text)") { try STIXBundleReader.read(Array(text.utf8)) }
        }
        #expect(throws: STIXError.self) { try STIXBundleReader.read(try Fixtures.bytes("stix/truncated.json")) }
    }

    @Test("a single object and a bare list are read too")
    func looseContent() throws {
        let object = #"{"type":"ipv4-addr","id":"ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd","value":"198.51.100.3"}"#
        #expect(try STIXBundleReader.read(Array(object.utf8)).objects.count == 1)
        #expect(try STIXBundleReader.read(Array("[\(object)]".utf8)).objects.count == 1)
        let list = try STIXBundleReader.read(Array("[\(object), 5]".utf8))
        #expect(list.objects.count == 1)
        #expect(list.errors.first?.description == "objects[1]: is a number, not an object")
    }

    @Test("written bundles read back object for object, compact and pretty")
    func writeRoundTrip() throws {
        let decoded = try STIXBundleReader.read(try Fixtures.bytes("stix/operation-sample.json"))
        for pretty in [false, true] {
            let writer = STIXBundleWriter(pretty: pretty)
            let bytes = writer.bundle(decoded.objects)
            let again = try STIXBundleReader.read(bytes)
            #expect(again.bundleID == writer.bundleID.rawValue)
            #expect(again.declaredSpecVersion == nil)
            #expect(again.objects == decoded.objects)
            #expect(again.objects.map(\.properties.keys) == decoded.objects.map(\.properties.keys))
        }
        #expect(try STIXBundleReader.read(STIXBundleWriter(pretty: true).bundle([])).objects.isEmpty)
    }
}
