import STIX
import Testing

@Suite("TLP markings")
struct TLPTests {
    @Test(
        "well-known marking ids map onto TLP 2.0 levels",
        arguments: [
            ("marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487", TLPLevel.clear),
            ("marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb", .green),
            ("marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421", .amber),
            ("marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003", .amberStrict),
            ("marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1", .red),
            ("marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9", .clear),
            ("marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da", .green),
            ("marking-definition--f88d31f6-486f-44da-b317-01333bde0b82", .amber),
            ("marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed", .red),
            ("marking-definition--826578e1-40ad-459f-bc73-ede076f81f37", .amberStrict),
        ])
    func wellKnown(_ id: String, _ level: TLPLevel) {
        #expect(TLPMarkings().level(ofMarking: id) == level)
    }

    @Test("levels are ordered by restriction and read from their names")
    func names() {
        #expect(TLPLevel.allCases == [.clear, .green, .amber, .amberStrict, .red])
        #expect(TLPLevel(name: "TLP:AMBER+STRICT") == .amberStrict)
        #expect(TLPLevel(name: "white") == .clear)
        #expect(TLPLevel(name: "Green") == .green)
        #expect(TLPLevel(name: "purple") == nil)
        #expect(TLPLevel.amberStrict.label == "TLP:AMBER+STRICT")
    }

    @Test("marking definitions are recognised by content; the most restrictive marking wins")
    func content() throws {
        var markings = TLPMarkings()
        markings.learn(try STIXObject(json: """
            {"type":"marking-definition","spec_version":"2.1","id":"marking-definition--11111111-2222-4333-8444-555555555555",
             "created":"2024-01-01T00:00:00Z","definition_type":"statement","definition":{"statement":"custom"},
             "x_opencti_definition_type":"TLP","x_opencti_definition":"TLP:AMBER"}
            """))
        markings.learn(try STIXObject(json: """
            {"type":"marking-definition","spec_version":"2.1","id":"marking-definition--22222222-2222-4333-8444-555555555555",
             "created":"2024-01-01T00:00:00Z","name":"TLP:RED",
             "extensions":{"extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d":{"extension_type":"property-extension","tlp_2_0":"red"}}}
            """))
        markings.learn(try STIXObject(json: """
            {"type":"marking-definition","spec_version":"2.1","id":"marking-definition--33333333-2222-4333-8444-555555555555",
             "created":"2024-01-01T00:00:00Z","definition_type":"statement","definition":{"statement":"Copyright MITRE"}}
            """))
        #expect(markings.level(ofMarking: "marking-definition--11111111-2222-4333-8444-555555555555") == .amber)
        #expect(markings.level(ofMarking: "marking-definition--22222222-2222-4333-8444-555555555555") == .red)
        #expect(markings.level(ofMarking: "marking-definition--33333333-2222-4333-8444-555555555555") == nil)

        let object = try STIXObject(json: """
            {"type":"note","spec_version":"2.1","id":"note--11111111-2222-4333-8444-555555555555","created":"2024-01-01T00:00:00Z",
             "modified":"2024-01-01T00:00:00Z","content":"x","object_refs":["note--11111111-2222-4333-8444-555555555555"],
             "object_marking_refs":["marking-definition--33333333-2222-4333-8444-555555555555",
               "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb","marking-definition--11111111-2222-4333-8444-555555555555"]}
            """)
        #expect(markings.level(of: object) == .amber)
        let unmarked = try STIXObject(json: #"{"type":"ipv4-addr","id":"ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd","value":"198.51.100.3"}"#)
        #expect(markings.level(of: unmarked) == nil)
    }
}
