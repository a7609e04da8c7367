/// Finds the TLP level of STIX objects from their `object_marking_refs`.
///
/// It knows the TLP 2.0 marking-definition ids (OASIS TLP 2.0 extension), the four predefined
/// TLP 1.0 ids of STIX 2.1, and the AMBER+STRICT id that OpenCTI uses; other marking
/// definitions are recognised by their content (`definition_type: tlp`, the TLP 2.0 extension's
/// `tlp_2_0`, a `TLP:...` name, OpenCTI's `x_opencti_definition`). An object with several TLP
/// markings has the most restrictive. Granular markings do not set the object's level.
public struct TLPMarkings: Sendable {
    /// Well-known TLP marking-definition ids and their levels.
    public static let wellKnown: [String: TLPLevel] = [
        // TLP 2.0 (OASIS extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d).
        "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487": .clear,
        "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb": .green,
        "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421": .amber,
        "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003": .amberStrict,
        "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1": .red,
        // TLP 1.0, predefined in STIX 2.0 and 2.1.
        "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9": .clear,
        "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da": .green,
        "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82": .amber,
        "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed": .red,
        // OpenCTI's TLP:AMBER+STRICT.
        "marking-definition--826578e1-40ad-459f-bc73-ede076f81f37": .amberStrict,
    ]

    /// The TLP 2.0 marking-definition id of each level, used when Vigil marks its own output.
    public static func tlp2ID(_ level: TLPLevel) -> String {
        switch level {
        case .clear: return "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487"
        case .green: return "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"
        case .amber: return "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"
        case .amberStrict: return "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003"
        case .red: return "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"
        }
    }

    /// The TLP 2.0 marking-definition object of a level (OASIS TLP 2.0 extension).
    public static func definition(_ level: TLPLevel) -> JSONObject {
        JSONObject([
            ("type", .string("marking-definition")), ("spec_version", .string("2.1")), ("id", .string(TLPMarkings.tlp2ID(level))),
            ("created", .string("2022-10-01T00:00:00.000Z")), ("name", .string(level.label)),
            ("extensions", .object(JSONObject([
                ("extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d", .object(JSONObject([
                    ("extension_type", .string("property-extension")), ("tlp_2_0", .string(level.name)),
                ]))),
            ]))),
        ])
    }

    /// Levels of marking definitions recognised by content, by id.
    public private(set) var custom: [String: TLPLevel] = [:]

    public init() {}

    /// Learns the level of a marking definition that is not one of the well-known ids.
    public mutating func learn(_ definition: STIXObject) {
        guard definition.type == "marking-definition", TLPMarkings.wellKnown[definition.id.rawValue] == nil,
            let level = TLPMarkings.level(ofDefinition: definition)
        else { return }
        custom[definition.id.rawValue] = level
    }

    /// The level a marking-definition object expresses, if it is a TLP marking.
    public static func level(ofDefinition definition: STIXObject) -> TLPLevel? {
        if let level = wellKnown[definition.id.rawValue] { return level }
        if definition["definition_type"]?.stringValue?.lowercased() == "tlp",
            let tlp = definition["definition"]?.objectValue?["tlp"]?.stringValue, let level = TLPLevel(name: tlp)
        {
            return level
        }
        if let extensions = definition["extensions"]?.objectValue {
            for member in extensions {
                if let tlp = member.value.objectValue?["tlp_2_0"]?.stringValue, let level = TLPLevel(name: tlp) {
                    return level
                }
            }
        }
        if let opencti = definition["x_opencti_definition"]?.stringValue, opencti.uppercased().hasPrefix("TLP:"),
            let level = TLPLevel(name: opencti)
        {
            return level
        }
        if let name = definition.name, name.uppercased().hasPrefix("TLP:"), let level = TLPLevel(name: name) {
            return level
        }
        return nil
    }

    /// The level of a marking-definition id, if it is a TLP marking.
    public func level(ofMarking id: String) -> TLPLevel? {
        TLPMarkings.wellKnown[id] ?? custom[id]
    }

    /// The most restrictive TLP level among an object's markings; nil when it has none.
    public func level(of object: STIXObject) -> TLPLevel? {
        if let marked = object.objectMarkingRefs.compactMap({ level(ofMarking: $0) }).max() { return marked }
        // A TLP marking definition says how to share other objects; the definition itself is public.
        if object.type == "marking-definition", TLPMarkings.level(ofDefinition: object) != nil { return .clear }
        return nil
    }
}
