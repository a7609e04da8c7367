/// The kinds of STIX object: domain objects, relationship objects, cyber-observables, meta
/// objects, and custom types that a producer defined.
public enum STIXObjectCategory: String, Sendable, Hashable, CaseIterable {
    case domain = "SDO"
    case relationship = "SRO"
    case cyberObservable = "SCO"
    case meta = "meta"
    case custom = "custom"
}

/// What STIX 2.1 says about one object type: its category and the properties it requires.
///
/// It describes the types of the STIX 2.1 specification (sections 4 to 7). It does not
/// describe every optional property: `STIXValidator` checks optional properties by their
/// naming conventions (`*_ref`, `*_refs`, timestamps) and a table of the common ones.
public struct STIXObjectType: Sendable, Hashable {
    /// The type name, as in the `type` property.
    public let name: String
    public let category: STIXObjectCategory
    /// Properties that must be present (beyond the common ones of the category).
    public let requiredProperties: [String]
    /// Groups of properties of which at least one must be present.
    public let requiredOneOf: [[String]]

    init(_ name: String, _ category: STIXObjectCategory, required: [String] = [], oneOf: [[String]] = []) {
        self.name = name
        self.category = category
        self.requiredProperties = required
        self.requiredOneOf = oneOf
    }

    /// The specification's type, or a custom one for any other name.
    public static func named(_ name: String) -> STIXObjectType {
        catalog[name] ?? STIXObjectType(name, .custom)
    }

    /// Whether the STIX 2.1 specification defines this type.
    public static func isDefined(_ name: String) -> Bool { catalog[name] != nil }

    /// Every type the STIX 2.1 specification defines.
    public static var defined: [STIXObjectType] { catalog.values.sorted { $0.name < $1.name } }

    /// Whether a type name follows the custom-object convention (`x-` prefix).
    public static func isCustomName(_ name: String) -> Bool { name.hasPrefix("x-") }

    private static let catalog: [String: STIXObjectType] = {
        let types: [STIXObjectType] = [
            // Domain objects (section 4).
            .init("attack-pattern", .domain, required: ["name"]),
            .init("campaign", .domain, required: ["name"]),
            .init("course-of-action", .domain, required: ["name"]),
            .init("grouping", .domain, required: ["context", "object_refs"]),
            .init("identity", .domain, required: ["name"]),
            .init("incident", .domain, required: ["name"]),
            .init("indicator", .domain, required: ["pattern", "pattern_type", "valid_from"]),
            .init("infrastructure", .domain, required: ["name"]),
            .init("intrusion-set", .domain, required: ["name"]),
            .init("location", .domain, oneOf: [["region", "country", "latitude"]]),
            .init("malware", .domain, required: ["is_family"]),
            .init("malware-analysis", .domain, required: ["product"], oneOf: [["result", "analysis_sco_refs"]]),
            .init("note", .domain, required: ["content", "object_refs"]),
            .init("observed-data", .domain, required: ["first_observed", "last_observed", "number_observed"],
                  oneOf: [["object_refs", "objects"]]),
            .init("opinion", .domain, required: ["opinion", "object_refs"]),
            .init("report", .domain, required: ["name", "published", "object_refs"]),
            .init("threat-actor", .domain, required: ["name"]),
            .init("tool", .domain, required: ["name"]),
            .init("vulnerability", .domain, required: ["name"]),
            // Relationship objects (section 5).
            .init("relationship", .relationship, required: ["relationship_type", "source_ref", "target_ref"]),
            .init("sighting", .relationship, required: ["sighting_of_ref"]),
            // Cyber-observable objects (section 6).
            .init("artifact", .cyberObservable, oneOf: [["payload_bin", "url"]]),
            .init("autonomous-system", .cyberObservable, required: ["number"]),
            .init("directory", .cyberObservable, required: ["path"]),
            .init("domain-name", .cyberObservable, required: ["value"]),
            .init("email-addr", .cyberObservable, required: ["value"]),
            .init("email-message", .cyberObservable, required: ["is_multipart"]),
            .init("file", .cyberObservable, oneOf: [["hashes", "name"]]),
            .init("ipv4-addr", .cyberObservable, required: ["value"]),
            .init("ipv6-addr", .cyberObservable, required: ["value"]),
            .init("mac-addr", .cyberObservable, required: ["value"]),
            .init("mutex", .cyberObservable, required: ["name"]),
            .init("network-traffic", .cyberObservable, required: ["protocols"], oneOf: [["src_ref", "dst_ref"]]),
            .init("process", .cyberObservable),
            .init("software", .cyberObservable, required: ["name"]),
            .init("url", .cyberObservable, required: ["value"]),
            .init("user-account", .cyberObservable),
            .init("windows-registry-key", .cyberObservable),
            .init("x509-certificate", .cyberObservable),
            // Meta objects (section 7).
            .init("marking-definition", .meta),
            .init("language-content", .meta, required: ["object_ref", "object_modified", "contents"]),
            .init("extension-definition", .meta,
                  required: ["created_by_ref", "name", "schema", "version", "extension_types"]),
        ]
        return Dictionary(uniqueKeysWithValues: types.map { ($0.name, $0) })
    }()
}
