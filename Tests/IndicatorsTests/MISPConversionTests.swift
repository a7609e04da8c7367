import Indicators
import STIX
import Testing

@Suite("MISP attributes, events and galaxies as STIX")
struct MISPConversionTests {
    @Test(
        "attribute types map to the patterns that match them in evidence",
        arguments: [
            ("md5", "D41D8CD98F00B204E9800998ECF8427E", "[file:hashes.MD5 = 'd41d8cd98f00b204e9800998ecf8427e']"),
            ("sha256", String(repeating: "ab", count: 32), "[file:hashes.'SHA-256' = '\(String(repeating: "ab", count: 32))']"),
            ("filename|sha1", "evil.exe|" + String(repeating: "0", count: 40), "[file:hashes.'SHA-1' = '\(String(repeating: "0", count: 40))']"),
            ("ip-dst", "192.0.2.1", "[ipv4-addr:value = '192.0.2.1']"),
            ("ip-src", "2001:db8::/32", "[ipv6-addr:value = '2001:db8::/32']"),
            ("ip-dst", "10.0.0.1/8", "[ipv4-addr:value = '10.0.0.0/8']"),
            ("ip-dst|port", "192.0.2.1|8443", "[network-traffic:dst_ref.value = '192.0.2.1' AND network-traffic:dst_port = 8443]"),
            ("domain", "Evil.Example.", "[domain-name:value = 'evil.example']"),
            ("hostname", "c2.example:443", "[domain-name:value = 'c2.example']"),
            ("domain|ip", "c2.example|192.0.2.7", "[domain-name:value = 'c2.example' OR ipv4-addr:value = '192.0.2.7']"),
            ("url", "https://c2.example/a?b=1", "[url:value = 'https://c2.example/a?b=1']"),
            ("url", "c2.example/gate.php", "[url:value = 'http://c2.example/gate.php']"),
            ("url", "c2.example", "[domain-name:value = 'c2.example']"),
            ("email-src", "Boss <boss@example.org>", "[email-addr:value = 'Boss <boss@example.org>']"),
            ("mutex", "Global\\it's", "[mutex:name = 'Global\\\\it\\'s']"),
            ("regkey", "HKLM\\Software\\Run", "[windows-registry-key:key = 'HKEY_LOCAL_MACHINE\\\\Software\\\\Run']"),
            ("regkey|value", "HKCU\\Software\\X|data", "[windows-registry-key:key = 'HKEY_CURRENT_USER\\\\Software\\\\X']"),
            ("AS", "AS174", "[autonomous-system:number = 174]"),
        ])
    func mapped(_ type: String, _ value: String, _ pattern: String) throws {
        let mapped = try MISPAttributeMapping().map(type: type, value: value)
        #expect(mapped.pattern == pattern)
        // Every pattern the mapping writes is one Vigil's own parser reads.
        #expect(throws: Never.self) { try STIXPattern(mapped.pattern) }
    }

    @Test(
        "attributes with no observable, an unknown type or a bad value are refused with the reason",
        arguments: [
            ("text", "a comment", "type 'text' names no observable"),
            ("x-unheard-of", "value", "unknown attribute type 'x-unheard-of'"),
            ("md5", "abc", "bad md5 value"),
            ("ip-dst", "not-an-address", "bad ip-dst value"),
            ("ip-dst|port", "192.0.2.1|99999", "bad ip-dst|port value"),
            ("domain", "two words", "bad domain value"),
            ("email-dst", "nobody", "bad email-dst value"),
        ])
    func refused(_ type: String, _ value: String, _ reason: String) {
        #expect(throws: MISPAttributeMapping.Refusal.self) { try MISPAttributeMapping().map(type: type, value: value) }
        do {
            _ = try MISPAttributeMapping().map(type: type, value: value)
        } catch {
            #expect(error.kind == reason)
        }
    }

    @Test("observables get STIX 2.1's deterministic ids: the same value is one object")
    func deterministicObservables() throws {
        let first = try MISPAttributeMapping().map(type: "ip-dst", value: "198.51.100.3")
        let second = try MISPAttributeMapping().map(type: "ip-src", value: "198.51.100.3")
        #expect(first.observables.first?["id"]?.stringValue == "ipv4-addr--28bb3599-77cd-5a82-a950-b5bc3caf07c4")
        #expect(first.observables.first?["id"] == second.observables.first?["id"])
    }

    static let event: JSONObject = [
        "uuid": "8f0e52f1-4a5e-4f6b-9a57-3f1d2c3b4a01", "info": "Test event", "date": "2020-05-03", "timestamp": "1588464000",
        "Orgc": ["name": "Partner", "uuid": "1c6f2b55-2f3e-4d6a-8b1e-2d9f0a7c3e01"],
        "Tag": [["name": "tlp:amber"], ["name": "misp-galaxy:mitre-intrusion-set=\"APT29 - G0016\""], ["name": "campaign-x"]],
        "Galaxy": [[
            "type": "threat-actor",
            "GalaxyCluster": [[
                "uuid": "b2056ff0-00b9-482e-b11c-c771daa5f28a", "type": "threat-actor", "value": "APT29",
                "tag_name": "misp-galaxy:threat-actor=\"APT29\"", "meta": ["country": "RU", "synonyms": ["Cozy Bear"]],
            ]],
        ]],
        "Attribute": [
            ["uuid": "5c7a1f0e-3b2d-4e6f-8a9b-0c1d2e3f4a01", "type": "md5", "to_ids": true, "value": "dd5ea7248edbdc4b158e3c81c154857b", "timestamp": "1588464000"],
            ["uuid": "5c7a1f0e-3b2d-4e6f-8a9b-0c1d2e3f4a02", "type": "domain", "to_ids": false, "value": "seen.example", "Tag": [["name": "tlp:red"]]],
            ["uuid": "5c7a1f0e-3b2d-4e6f-8a9b-0c1d2e3f4a03", "type": "comment", "to_ids": false, "value": "words"],
            ["uuid": "5c7a1f0e-3b2d-4e6f-8a9b-0c1d2e3f4a04", "type": "md5", "to_ids": true, "value": "short"],
        ],
        "Object": [[
            "name": "file",
            "Attribute": [["uuid": "5c7a1f0e-3b2d-4e6f-8a9b-0c1d2e3f4a05", "type": "filename", "object_relation": "filename", "to_ids": true, "value": "a.exe"]],
        ]],
    ]

    @Test("an event becomes a report, indicators, observed data and relationships to its actors, marked with its TLP")
    func event() throws {
        let converter = MISPEventConverter { type, value in
            type == "intrusion-set" && value == "APT29 - G0016" ? "intrusion-set--899ce53f-13a0-479b-a0e4-67d46e241542" : nil
        }
        let conversion = try converter.convert(event: Self.event)
        let byID = Dictionary(conversion.objects.compactMap { object in object["id"]?.stringValue.map { ($0, object) } }, uniquingKeysWith: { a, _ in a })
        #expect(conversion.counts.attributes == 5)
        #expect(conversion.counts.indicators == 2)
        #expect(conversion.counts.observed == 1)
        #expect(conversion.counts.skipped == ["type 'comment' names no observable": 1, "bad md5 value": 1])

        let indicator = try #require(byID["indicator--5c7a1f0e-3b2d-4e6f-8a9b-0c1d2e3f4a01"])
        #expect(indicator["pattern"]?.stringValue == "[file:hashes.MD5 = 'dd5ea7248edbdc4b158e3c81c154857b']")
        #expect(indicator["object_marking_refs"] == [.string(TLPMarkings.tlp2ID(.amber))])
        #expect(indicator["created_by_ref"]?.stringValue == "identity--1c6f2b55-2f3e-4d6a-8b1e-2d9f0a7c3e01")
        #expect(byID["indicator--5c7a1f0e-3b2d-4e6f-8a9b-0c1d2e3f4a05"]?["description"]?.stringValue == "MISP object file (filename)")
        // An attribute's own TLP tag wins over the event's.
        #expect(byID["observed-data--5c7a1f0e-3b2d-4e6f-8a9b-0c1d2e3f4a02"]?["object_marking_refs"] == [.string(TLPMarkings.tlp2ID(.red))])

        let actor = try #require(byID["threat-actor--b2056ff0-00b9-482e-b11c-c771daa5f28a"])
        #expect(actor["x_misp_country"]?.stringValue == "RU")
        let targets = Set(conversion.objects.filter { $0["relationship_type"]?.stringValue == "indicates" }.compactMap { $0["target_ref"]?.stringValue })
        #expect(targets == ["threat-actor--b2056ff0-00b9-482e-b11c-c771daa5f28a", "intrusion-set--899ce53f-13a0-479b-a0e4-67d46e241542"])

        let report = try #require(byID["report--8f0e52f1-4a5e-4f6b-9a57-3f1d2c3b4a01"])
        // Tags other than TLP stay as labels, as MISP shows them.
        #expect(report["labels"] == [.string("misp-galaxy:mitre-intrusion-set=\"APT29 - G0016\""), "campaign-x"])
        #expect(report["object_refs"]?.arrayValue?.count == conversion.objects.count - 4)  // less the report, identity and two markings
        #expect(conversion.objects.filter { $0["type"]?.stringValue == "marking-definition" }.count == 2)
        // Everything converted is valid STIX 2.1.
        for object in conversion.objects {
            let parsed = try STIXObject(object)
            #expect(STIXValidator().validate(parsed).filter { $0.severity == .error }.isEmpty, "\(parsed.id)")
        }
        // Converting again gives the same objects (ids from MISP's uuids), but for nothing.
        #expect(Set(try converter.convert(event: Self.event).objects.compactMap { $0["id"]?.stringValue }) == Set(byID.keys))
    }

    @Test("MISP documents are recognised by shape; STIX is not taken for MISP")
    func documents() throws {
        func kind(_ json: String) throws -> String {
            switch MISPDocument(try JSONParser.parse(Array(json.utf8))) {
            case .events(let events): "events \(events.count)"
            case .collection(let attributes, let objects): "collection \(attributes.count) \(objects.count)"
            case .feedManifest(let entries): "manifest \(entries.count)"
            case .galaxy: "galaxy"
            case nil: "none"
            }
        }
        #expect(try kind(#"{"Event": {"uuid": "x"}}"#) == "events 1")
        #expect(try kind(#"{"response": [{"Event": {}}, {"Event": {}}]}"#) == "events 2")
        #expect(try kind(#"{"response": {"Attribute": [{}, {}]}}"#) == "collection 2 0")
        #expect(try kind(#"{"response": [{"Object": {}}]}"#) == "collection 0 1")
        #expect(try kind(#"{"5b8d9d33-ccf0-4fd9-82dc-7dbc0a016219": {"info": "x", "Orgc": {}}}"#) == "manifest 1")
        #expect(try kind(#"{"type": "threat-actor", "uuid": "u", "values": []}"#) == "galaxy")
        #expect(try kind(#"{"type": "bundle", "id": "bundle--x", "objects": []}"#) == "none")
    }

    @Test("a threat-actor galaxy: synonyms as aliases, MISP's knowledge kept; other galaxies are refused with the reason")
    func galaxy() throws {
        let galaxy: JSONObject = [
            "type": "threat-actor", "name": "Threat Actor", "uuid": "7cdff317-a673-4474-84ec-4f1754947823", "version": 10,
            "values": [
                [
                    "value": "APT31", "uuid": "6bf7e6b6-5917-45a6-9567-f0baba79768c",
                    "meta": ["country": "CN", "synonyms": ["ZIRCONIUM", "APT31"], "cfr-target-category": ["Government"]],
                    "related": [["dest-uuid": "4283ae19-69c7-4347-a35e-b56f08eb660b", "type": "similar"]],
                ],
                // A version 7 uuid, which STIX 2.1 refuses: the id is derived from it instead.
                ["value": "New", "uuid": "019514dc-c894-751f-8cfd-ff2b932ff451"],
                ["value": "", "uuid": "6bf7e6b6-5917-45a6-9567-f0baba797680"],
            ],
        ]
        let (actors, refused) = try MISPGalaxy.actors(ofGalaxy: galaxy)
        #expect(actors.count == 2 && refused.count == 1)
        let apt31 = actors[0]
        #expect(apt31.id == "threat-actor--6bf7e6b6-5917-45a6-9567-f0baba79768c")
        #expect(apt31.object["aliases"] == ["ZIRCONIUM"])
        #expect(apt31.object["x_misp_target_categories"] == ["Government"])
        #expect(apt31.related == ["4283ae19-69c7-4347-a35e-b56f08eb660b"])
        #expect(actors[1].id == STIXIdentifier.deterministic(type: "threat-actor", name: "019514dc-c894-751f-8cfd-ff2b932ff451").rawValue)
        #expect(throws: MISPError.self) { try MISPGalaxy.actors(ofGalaxy: ["type": "sector", "values": []]) }
    }
}
