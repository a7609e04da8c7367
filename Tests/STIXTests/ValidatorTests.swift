import STIX
import Testing

@Suite("STIX 2.1 validation")
struct ValidatorTests {
    /// A valid object of each kind, to be broken one property at a time.
    static let base: [String: JSONObject] = [
        "intrusion-set": [
            ("type", "intrusion-set"), ("spec_version", "2.1"), ("id", "intrusion-set--4283ae19-69c7-4347-a35e-b56f08eb660b"),
            ("created", "2024-01-01T00:00:00Z"), ("modified", "2024-01-02T00:00:00Z"), ("name", "ZIRCONIUM"),
        ].asObject,
        "relationship": [
            ("type", "relationship"), ("spec_version", "2.1"), ("id", "relationship--11111111-2222-4333-8444-555555555555"),
            ("created", "2024-01-01T00:00:00Z"), ("modified", "2024-01-01T00:00:00Z"), ("relationship_type", "uses"),
            ("source_ref", "intrusion-set--4283ae19-69c7-4347-a35e-b56f08eb660b"),
            ("target_ref", "attack-pattern--11111111-2222-4333-8444-555555555555"),
        ].asObject,
        "indicator": [
            ("type", "indicator"), ("spec_version", "2.1"), ("id", "indicator--11111111-2222-4333-8444-555555555555"),
            ("created", "2024-01-01T00:00:00Z"), ("modified", "2024-01-01T00:00:00Z"),
            ("pattern", "[ipv4-addr:value = '198.51.100.1']"), ("pattern_type", "stix"), ("valid_from", "2024-01-01T00:00:00Z"),
        ].asObject,
        "ipv4-addr": [("type", "ipv4-addr"), ("id", "ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd"), ("value", "198.51.100.3")]
            .asObject,
    ]

    struct Case: Sendable, CustomTestStringConvertible {
        var base: String
        var change: [String: JSONValue?]
        /// Expected (property, message fragment) of the first error; nil for valid.
        var error: (property: String?, message: String)?
        /// The problem is a warning that keeps the object (a custom property, or times out of
        /// order), and an error only for strict imports.
        var keptAsPublished = false
        var testDescription: String {
            "\(base) \(change.map { "\($0.key)=\($0.value.map(\.description) ?? "removed")" }.joined(separator: " "))"
        }
    }

    static let cases: [Case] = [
        Case(base: "intrusion-set", change: [:], error: nil),
        Case(base: "relationship", change: [:], error: nil),
        Case(base: "indicator", change: [:], error: nil),
        Case(base: "ipv4-addr", change: [:], error: nil),
        Case(base: "intrusion-set", change: ["name": nil], error: ("name", "missing required property")),
        Case(base: "intrusion-set", change: ["spec_version": "2.2"], error: ("spec_version", "must be \"2.1\"")),
        Case(base: "intrusion-set", change: ["modified": "2023-12-31T00:00:00Z"], error: ("modified", "earlier than created"), keptAsPublished: true),
        Case(base: "intrusion-set", change: ["x_mitre_data_source_ref": ""], error: ("x_mitre_data_source_ref", "not of the form type--uuid"), keptAsPublished: true),
        Case(base: "intrusion-set", change: ["x_sources_refs": [7]], error: ("x_sources_refs[0]", "must be an identifier string"), keptAsPublished: true),
        Case(base: "intrusion-set", change: ["created_by_ref": ""], error: ("created_by_ref", "not of the form type--uuid")),
        Case(base: "intrusion-set", change: ["created": "2024-01-01"], error: ("created", "not an RFC 3339")),
        Case(base: "intrusion-set", change: ["name": 7], error: ("name", "must be a string")),
        Case(base: "intrusion-set", change: ["confidence": 101], error: ("confidence", "integer from 0 to 100")),
        Case(base: "intrusion-set", change: ["confidence": 55], error: nil),
        Case(base: "intrusion-set", change: ["aliases": ["APT31", 3]], error: ("aliases", "list of strings")),
        Case(base: "intrusion-set", change: ["first_seen": "2024-05-01T00:00:00Z", "last_seen": "2024-04-01T00:00:00Z"],
             error: ("last_seen", "earlier than first_seen")),
        Case(base: "intrusion-set", change: ["created_by_ref": "tool--11111111-2222-4333-8444-555555555555"],
             error: ("created_by_ref", "must point to identity")),
        Case(base: "intrusion-set", change: ["object_marking_refs": ["marking-definition--bad"]],
             error: ("object_marking_refs[0]", "invalid UUID")),
        Case(base: "intrusion-set", change: ["external_references": [["url": "https://example.org"]]],
             error: ("external_references[0].source_name", "missing required property")),
        Case(base: "intrusion-set", change: ["x_custom": ["anything": [1, 2]]], error: nil),
        Case(base: "intrusion-set", change: ["external_references": [["source_name": "x", "url": "https://example.org/a b"]]],
             error: ("external_references[0].url", "is not a valid URL")),
        Case(base: "intrusion-set", change: ["external_references": [["source_name": "x", "url": "example.org"]]],
             error: ("external_references[0].url", "is not a valid URL")),
        Case(base: "intrusion-set", change: ["external_references": [["source_name": "x", "url": "https://example.org/?q=1#f"]]],
             error: nil),
        Case(base: "relationship", change: ["target_ref": "hacking-tool--11111111-2222-4333-8444-555555555555"],
             error: ("target_ref", "unknown object type 'hacking-tool'")),
        Case(base: "relationship", change: ["target_ref": "x-mitre-tactic--11111111-2222-4333-8444-555555555555"], error: nil),
        Case(base: "relationship", change: ["target_ref": "relationship--11111111-2222-4333-8444-555555555555"],
             error: ("target_ref", "cannot point to a relationship")),
        Case(base: "relationship", change: ["source_ref": nil], error: ("source_ref", "missing required property")),
        Case(base: "indicator", change: ["valid_until": "2024-01-01T00:00:00Z"], error: ("valid_until", "equal to valid_from")),
        Case(base: "indicator", change: ["pattern_type": nil], error: ("pattern_type", "missing required property")),
        Case(base: "ipv4-addr", change: ["value": nil], error: ("value", "missing required property")),
    ]

    @Test("one broken property, one error naming it", arguments: cases)
    func validate(_ testCase: Case) throws {
        var properties = try #require(Self.base[testCase.base])
        for (key, value) in testCase.change { properties[key] = value }
        let object = try STIXObject(properties)
        let issues = STIXValidator().validate(object)
        let errors = issues.filter { $0.refuses(strict: true) }
        #expect(issues.contains { $0.severity == .error } == (testCase.error != nil && !testCase.keptAsPublished))
        if let expected = testCase.error {
            let first = try #require(errors.first)
            #expect(first.property == expected.property)
            #expect(first.message.contains(expected.message), "\(first)")
            #expect(first.objectID == object.id.rawValue)
            #expect(first.description.hasPrefix(object.id.rawValue + ": property '"))
        } else {
            #expect(errors.isEmpty, "\(errors)")
        }
    }

    @Test("an object without id is named by position, type and name")
    func missingID() {
        var properties = Self.base["intrusion-set"]!
        properties["id"] = nil
        #expect {
            _ = try STIXObject(properties)
        } throws: { error in
            var issue = error as! ValidationIssue
            issue.objectIndex = 4
            return issue.description == #"objects[4] (intrusion-set "ZIRCONIUM"): property 'id': missing required property"#
        }
    }

    @Test("an id whose type differs from the object's is refused")
    func mismatchedType() {
        var properties = Self.base["intrusion-set"]!
        properties["id"] = "campaign--4283ae19-69c7-4347-a35e-b56f08eb660b"
        #expect(throws: ValidationIssue.self) { try STIXObject(properties) }
    }

    @Test("a custom TLP marking definition that imitates the predefined ones is refused")
    func customTLP() throws {
        let object = try STIXObject(json: """
            {"type":"marking-definition","spec_version":"2.1","id":"marking-definition--11111111-2222-4333-8444-555555555555",
             "created":"2024-01-01T00:00:00Z","definition_type":"tlp","definition":{"tlp":"amber"}}
            """)
        #expect(STIXValidator().validate(object).contains { $0.property == "definition_type" })
    }
}

extension Array where Element == (String, JSONValue) {
    var asObject: JSONObject { JSONObject(map { (key: $0.0, value: $0.1) }) }
}
