import STIX

/// MISP galaxy clusters of threat actors as STIX 2.1 `threat-actor` objects: name, synonyms as
/// aliases, description, and MISP's knowledge of who is behind them (`x_misp_country`,
/// `x_misp_state_sponsor`, `x_misp_target_categories`, `x_misp_victims`,
/// `x_misp_incident_types`) with the cluster's references.
///
/// A cluster's id is `threat-actor--<cluster uuid>`, the uuid MISP events tag, so an event's
/// indicators and the galaxy name the same object. Its `modified` comes from the galaxy's
/// version (2020-01-01 plus the version in seconds): importing a newer galaxy replaces the
/// actors, importing the same one changes nothing.
public enum MISPGalaxy {
    /// A threat actor of a galaxy, with the names and related cluster uuids that link it to
    /// other knowledge (ATT&CK intrusion sets share MISP's `mitre-intrusion-set` uuids).
    public struct Actor: Sendable {
        public var object: JSONObject
        public var id: String
        /// The cluster's value and synonyms.
        public var names: [String]
        /// `related` cluster uuids.
        public var related: [String]
    }

    /// Galaxy types whose clusters are threat actors.
    public static func isActorGalaxy(_ type: String) -> Bool { type.hasSuffix("threat-actor") }

    /// The actors of a galaxy file (`{"type": ..., "values": [...]}`); throws when it is not a
    /// threat-actor galaxy, with what it is.
    public static func actors(ofGalaxy galaxy: JSONObject) throws(MISPError) -> (actors: [Actor], refused: [String]) {
        let type = galaxy["type"]?.stringValue ?? "?"
        guard isActorGalaxy(type) else {
            throw MISPError("galaxy '\(type)' is not a threat-actor galaxy: only threat actors and DISARM's actor types are imported (ATT&CK groups come from ATT&CK itself)")
        }
        let version = galaxy["version"]?.intValue ?? 0
        var actors: [Actor] = []
        var refused: [String] = []
        for (index, value) in (galaxy["values"]?.arrayValue ?? []).enumerated() {
            guard let cluster = value.objectValue else {
                refused.append("cluster \(index + 1): not an object")
                continue
            }
            do throws(MISPError) {
                actors.append(try actor(cluster, version: version))
            } catch {
                refused.append("cluster \(index + 1): \(error.message)")
            }
        }
        return (actors, refused)
    }

    /// One cluster as a threat actor.
    public static func actor(_ cluster: JSONObject, version: Int64? = nil) throws(MISPError) -> Actor {
        guard let name = cluster["value"]?.stringValue, !name.isEmpty else { throw MISPError("a cluster without a value") }
        guard let uuid = cluster["uuid"]?.stringValue, let id = stixID("threat-actor", uuid: uuid) else {
            throw MISPError("'\(name)': no valid uuid")
        }
        let meta = cluster["meta"]?.objectValue ?? JSONObject()
        func strings(_ key: String) -> [String] {
            if let text = meta[key]?.stringValue { return [text] }
            return (meta[key]?.arrayValue ?? []).compactMap(\.stringValue)
        }
        let synonyms = strings("synonyms").filter { $0.lowercased() != name.lowercased() }
        let clusterVersion = version ?? cluster["version"].flatMap { $0.intValue ?? $0.stringValue.flatMap { Int64($0) } } ?? 0
        let modified = STIXTimestamp(secondsSinceEpoch: 1_577_836_800 + clusterVersion).text
        var members: [(key: String, value: JSONValue)] = [
            ("type", "threat-actor"), ("spec_version", "2.1"), ("id", .string(id.rawValue)), ("created", .string(modified)),
            ("modified", .string(modified)), ("name", .string(name)),
        ]
        if let description = cluster["description"]?.stringValue, !description.isEmpty { members.append(("description", .string(description))) }
        if !synonyms.isEmpty { members.append(("aliases", .array(unique(synonyms).map(JSONValue.string)))) }
        for (key, property) in [
            ("country", "x_misp_country"), ("cfr-suspected-state-sponsor", "x_misp_state_sponsor"),
            ("cfr-target-category", "x_misp_target_categories"), ("cfr-suspected-victims", "x_misp_victims"),
            ("cfr-type-of-incident", "x_misp_incident_types"), ("attribution-confidence", "x_misp_attribution_confidence"),
        ] {
            let values = strings(key)
            guard !values.isEmpty else { continue }
            members.append((property, values.count == 1 && key != "cfr-target-category" && key != "cfr-suspected-victims" ? .string(values[0]) : .array(values.map(JSONValue.string))))
        }
        var references: [JSONValue] = [.object(JSONObject([("source_name", "misp-galaxy"), ("external_id", .string(uuid.lowercased()))]))]
        for url in strings("refs").prefix(50) where !url.contains(where: { " |<>\"{}\\^`".contains($0) }) { references.append(.object(JSONObject([("source_name", "misp-galaxy reference"), ("url", .string(url))]))) }
        members.append(("external_references", .array(references)))
        let related = (cluster["related"]?.arrayValue ?? []).compactMap { $0.objectValue?["dest-uuid"]?.stringValue?.lowercased() }
        return Actor(object: JSONObject(members), id: id.rawValue, names: [name] + synonyms, related: related)
    }

    /// Whether a galaxy is DISARM's actor types.
    public static func isActorTypeGalaxy(_ type: String) -> Bool { type == "disarm-actortypes" }

    /// DISARM's actor types (A001 "data scientist", A003 "influencer", ...) as STIX 2.1
    /// `identity` objects of class `class` (a class of entities), with their DISARM id and the
    /// sectors DISARM files them under (`x_disarm_sectors`).
    public static func actorTypes(ofGalaxy galaxy: JSONObject) -> (objects: [JSONObject], refused: [String]) {
        let version = galaxy["version"]?.intValue ?? 0
        let modified = STIXTimestamp(secondsSinceEpoch: 1_577_836_800 + version).text
        var objects: [JSONObject] = []
        var refused: [String] = []
        for (index, value) in (galaxy["values"]?.arrayValue ?? []).enumerated() {
            guard let cluster = value.objectValue, let name = cluster["value"]?.stringValue, !name.isEmpty,
                  let uuid = cluster["uuid"]?.stringValue, let id = stixID("identity", uuid: uuid) else {
                refused.append("cluster \(index + 1): no value or no valid uuid")
                continue
            }
            let meta = cluster["meta"]?.objectValue ?? JSONObject()
            guard let disarmID = meta["external_id"]?.stringValue, disarmID.wholeMatch(of: /A\d{3}/) != nil else {
                refused.append("'\(name)': no DISARM id (A001)")
                continue
            }
            var reference = JSONObject([("source_name", .string(DISARM.sourceName)), ("external_id", .string(disarmID))])
            if let url = meta["refs"]?.arrayValue?.first?.stringValue { reference["url"] = .string(url) }
            var members: [(key: String, value: JSONValue)] = [
                ("type", "identity"), ("spec_version", "2.1"), ("id", .string(id.rawValue)), ("created", .string(modified)),
                ("modified", .string(modified)), ("name", .string(name)), ("identity_class", "class"),
                ("external_references", .array([.object(reference)])),
            ]
            if let description = cluster["description"]?.stringValue, !description.isEmpty { members.append(("description", .string(description))) }
            let sectors = (meta["kill_chain"]?.arrayValue ?? []).compactMap { $0.stringValue }.filter { $0.hasPrefix("sectors:") }.map { String($0.dropFirst(8)) }
            if !sectors.isEmpty { members.append(("x_disarm_sectors", .array(sectors.map(JSONValue.string)))) }
            objects.append(JSONObject(members))
        }
        return (objects, refused)
    }

    /// The STIX id of a cluster: its uuid when it is an RFC 4122 one (versions 1 to 5), else
    /// a version 5 UUID of it (newer clusters have version 7 uuids, which STIX 2.1 refuses).
    public static func stixID(_ type: String, uuid: String) -> STIXIdentifier? {
        let lowered = uuid.lowercased()
        guard MISPDocument.isUUID(lowered) else { return nil }
        let version = lowered.utf8[lowered.utf8.index(lowered.utf8.startIndex, offsetBy: 14)]
        guard (UInt8(ascii: "1")...UInt8(ascii: "5")).contains(version) else { return .deterministic(type: type, name: lowered) }
        return try? STIXIdentifier(validating: "\(type)--\(lowered)")
    }

    private static func unique(_ values: [String]) -> [String] {
        var seen: Set<String> = []
        return values.filter { seen.insert($0.lowercased()).inserted }
    }
}

/// A MISP document that cannot be read as what it claims to be.
public struct MISPError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
