/// An entry of `external_references`: a source, and where in it (id, URL, citation).
public struct ExternalReference: Sendable, Hashable {
    public var sourceName: String
    public var externalID: String?
    public var url: String?
    public var description: String?

    public init(sourceName: String, externalID: String? = nil, url: String? = nil, description: String? = nil) {
        self.sourceName = sourceName
        self.externalID = externalID
        self.url = url
        self.description = description
    }
}

/// An entry of `kill_chain_phases`: which kill chain, which phase (for ATT&CK, the tactic).
public struct KillChainPhase: Sendable, Hashable {
    public var killChainName: String
    public var phaseName: String
}

// Typed reads of the common properties. A property of the wrong JSON kind reads as absent;
// STIXValidator reports it.
extension STIXObject {
    public var specVersion: String? { properties["spec_version"]?.stringValue }
    public var name: String? { properties["name"]?.stringValue }
    public var objectDescription: String? { properties["description"]?.stringValue }
    public var created: STIXTimestamp? { timestamp("created") }
    public var modified: STIXTimestamp? { timestamp("modified") }

    /// The timestamp that orders versions of this object: `modified`, else `created`.
    /// Objects with neither (cyber-observables) have a single version.
    public var versionTimestamp: STIXTimestamp? { modified ?? created }

    public var isRevoked: Bool { properties["revoked"]?.boolValue ?? false }

    /// ATT&CK's retirement flag, distinct from STIX revocation.
    public var isDeprecated: Bool { properties["x_mitre_deprecated"]?.boolValue ?? false }

    /// Revoked or deprecated: no longer part of the current knowledge.
    public var isRetired: Bool { isRevoked || isDeprecated }

    public var createdByRef: String? { properties["created_by_ref"]?.stringValue }
    public var labels: [String] { strings("labels") }
    public var confidence: Int? { properties["confidence"]?.intValue.map { Int($0) } }
    public var objectMarkingRefs: [String] { strings("object_marking_refs") }

    /// Names the object is also known by: `aliases` (intrusion sets, campaigns, threat actors,
    /// tools in 2.1, ...) and ATT&CK's `x_mitre_aliases` (software). Not the primary name.
    public var aliases: [String] {
        var result: [String] = []
        for alias in strings("aliases") + strings("x_mitre_aliases") where alias != name && !result.contains(alias) {
            result.append(alias)
        }
        return result
    }

    public var externalReferences: [ExternalReference] {
        guard let entries = properties["external_references"]?.arrayValue else { return [] }
        return entries.compactMap { entry in
            guard let object = entry.objectValue, let source = object["source_name"]?.stringValue else { return nil }
            return ExternalReference(
                sourceName: source, externalID: object["external_id"]?.stringValue, url: object["url"]?.stringValue,
                description: object["description"]?.stringValue)
        }
    }

    public var killChainPhases: [KillChainPhase] {
        guard let entries = properties["kill_chain_phases"]?.arrayValue else { return [] }
        return entries.compactMap { entry in
            guard let object = entry.objectValue, let chain = object["kill_chain_name"]?.stringValue,
                let phase = object["phase_name"]?.stringValue
            else { return nil }
            return KillChainPhase(killChainName: chain, phaseName: phase)
        }
    }

    // Relationship and sighting properties.
    public var relationshipType: String? { properties["relationship_type"]?.stringValue }
    public var sourceRef: String? { properties["source_ref"]?.stringValue }
    public var targetRef: String? { properties["target_ref"]?.stringValue }
    public var sightingOfRef: String? { properties["sighting_of_ref"]?.stringValue }
    public var whereSightedRefs: [String] { strings("where_sighted_refs") }
    public var observedDataRefs: [String] { strings("observed_data_refs") }

    /// Every identifier this object points to through a `*_ref` or `*_refs` property at its top
    /// level, with the property name.
    public var references: [(property: String, id: String)] {
        var result: [(property: String, id: String)] = []
        for member in properties {
            if member.key.hasSuffix("_ref"), let id = member.value.stringValue {
                result.append((member.key, id))
            } else if member.key.hasSuffix("_refs"), let ids = member.value.arrayValue {
                for case .string(let id) in ids { result.append((member.key, id)) }
            }
        }
        return result
    }

    /// A timestamp property, when it holds a valid one.
    public func timestamp(_ property: String) -> STIXTimestamp? {
        guard let text = properties[property]?.stringValue else { return nil }
        return try? STIXTimestamp(text)
    }

    /// A property's text, or its texts when it is a list (MISP writes one value as a string,
    /// several as a list).
    public func texts(_ property: String) -> [String] {
        guard let value = properties[property] else { return [] }
        return value.stringValue.map { [$0] } ?? (value.arrayValue ?? []).compactMap(\.stringValue)
    }

    func strings(_ property: String) -> [String] {
        guard let values = properties[property]?.arrayValue else { return [] }
        return values.compactMap(\.stringValue)
    }
}
