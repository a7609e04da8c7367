import Attribution
import Foundation
import STIX

/// Builds small ATT&CK-shaped knowledge in code, for table tests.
struct ToyKnowledge {
    private(set) var objects: [STIXObject] = []
    private var counter = 0

    /// A STIX id whose UUID encodes a counter (valid v4 form).
    mutating func nextID(_ type: String) -> String {
        counter += 1
        return "\(type)--00000000-0000-4000-8000-\(String(format: "%012d", counter))"
    }

    /// Adds an object made elsewhere.
    mutating func append(_ object: STIXObject) { objects.append(object) }

    private mutating func add(_ members: [(String, JSONValue)]) {
        let object = JSONObject(members.map { (key: $0.0, value: $0.1) })
        // The builder only makes valid objects; a failure is a bug in the test.
        objects.append(try! STIXObject(object))
    }

    private static func references(_ attackID: String?, citations: [String]) -> JSONValue {
        var list: [JSONValue] = []
        if let attackID {
            list.append(.object(JSONObject([(key: "source_name", value: .string("mitre-attack")), (key: "external_id", value: .string(attackID))])))
        }
        for citation in citations {
            list.append(.object(JSONObject([(key: "source_name", value: .string(citation)), (key: "description", value: .string("a report"))])))
        }
        return .array(list)
    }

    private static func base(_ type: String, _ id: String) -> [(String, JSONValue)] {
        [("type", .string(type)), ("spec_version", .string("2.1")), ("id", .string(id)),
         ("created", .string("2024-01-01T00:00:00.000Z")), ("modified", .string("2024-01-01T00:00:00.000Z"))]
    }

    @discardableResult
    mutating func group(_ name: String, _ attackID: String, description: String = "", citations: [String] = []) -> String {
        let id = nextID("intrusion-set")
        add(Self.base("intrusion-set", id) + [
            ("name", .string(name)), ("description", .string(description)),
            ("external_references", Self.references(attackID, citations: citations)),
        ])
        return id
    }

    @discardableResult
    mutating func campaign(_ name: String, _ attackID: String, citations: [String] = []) -> String {
        let id = nextID("campaign")
        add(Self.base("campaign", id) + [("name", .string(name)), ("external_references", Self.references(attackID, citations: citations))])
        return id
    }

    @discardableResult
    mutating func technique(_ attackID: String, revoked: Bool = false) -> String {
        let id = nextID("attack-pattern")
        add(Self.base("attack-pattern", id) + [
            ("name", .string("Technique \(attackID)")), ("external_references", Self.references(attackID, citations: [])),
        ] + (revoked ? [("revoked", .bool(true))] : []))
        return id
    }

    @discardableResult
    mutating func software(_ attackID: String) -> String {
        let id = nextID("malware")
        add(Self.base("malware", id) + [
            ("name", .string("Malware \(attackID)")), ("is_family", .bool(true)), ("external_references", Self.references(attackID, citations: [])),
        ])
        return id
    }

    mutating func relate(_ source: String, _ type: String, _ target: String, citations: [String] = []) {
        add(Self.base("relationship", nextID("relationship")) + [
            ("relationship_type", .string(type)), ("source_ref", .string(source)), ("target_ref", .string(target)),
        ] + (citations.isEmpty ? [] : [("external_references", Self.references(nil, citations: citations))]))
    }

    /// Techniques by ATT&CK id, created on first use.
    var techniqueIDs: [String: String] = [:]

    mutating func uses(_ user: String, _ attackIDs: [String], citations: [String] = []) {
        for attackID in attackIDs {
            let target: String
            if let known = techniqueIDs[attackID] {
                target = known
            } else if attackID.hasPrefix("S") {
                target = software(attackID)
                techniqueIDs[attackID] = target
            } else {
                target = technique(attackID)
                techniqueIDs[attackID] = target
            }
            relate(user, "uses", target, citations: citations)
        }
    }

    var knowledge: AttackKnowledge { AttackKnowledge(objects: objects) }
}

extension CaseEvidence {
    /// Evidence of ATT&CK ids (T… techniques, S… software), each from "test".
    static func of(_ ids: [String]) -> CaseEvidence {
        var evidence = CaseEvidence()
        for id in ids { evidence.observe(id.hasPrefix("S") ? .software(id) : .technique(id), source: "test") }
        return evidence
    }
}
