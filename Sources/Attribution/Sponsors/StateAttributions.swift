import Foundation
import STIX

/// The curated public attributions of intrusion sets to states and their organs
/// (`state-attributions.json`, compiled into the program): who said it, when, in which
/// document. Each link becomes STIX: the organ an `identity` (with `x_vigil_part_of_ref` to
/// the organisation it belongs to, `located-at` its state), the state a `location`, and an
/// `attributed-to` relationship from the ATT&CK intrusion set carrying the statement as its
/// external reference. All of it is marked TLP:CLEAR.
///
/// Ids are derived from the keys (`id(_:_:)`) and `created`/`modified` the file's version date, so
/// importing the same file twice changes nothing and a newer file replaces the old links.
public struct StateAttributions: Sendable {
    /// A state.
    public struct State: Sendable, Hashable, Decodable {
        /// ISO 3166-1 alpha-2.
        public var code: String
        public var name: String
        /// The name in running text ("China").
        public var short: String
    }

    /// A state organ, unit or company a statement names.
    public struct Entity: Sendable, Hashable, Decodable {
        public var key: String
        public var name: String
        public var short: String?
        /// The state, for an entity at the top of its chain.
        public var state: String?
        /// The key of the organisation it belongs to.
        public var partOf: String?
        public var note: String?

        enum CodingKeys: String, CodingKey { case key, name, short, state, note, partOf = "part_of" }
    }

    /// One public statement linking an intrusion set to an entity.
    public struct Link: Sendable, Hashable, Decodable {
        /// ATT&CK id of the intrusion set.
        public var group: String
        /// STIX id of ATT&CK's intrusion set (stable across releases).
        public var stixID: String
        public var names: [String]
        /// Key of the entity.
        public var to: String
        public var basis: SponsorLink.Basis
        /// yyyy-mm-dd.
        public var date: String
        public var by: String
        public var title: String
        public var url: String?
        public var summary: String

        enum CodingKeys: String, CodingKey { case group, names, to, basis, date, by, title, url, summary, stixID = "stix_id" }
    }

    public var version: String
    public var states: [State]
    public var entities: [Entity]
    public var attributions: [Link]

    /// The curated file compiled into the program.
    public static func bundled() throws(StateAttributionError) -> StateAttributions {
        try StateAttributions(json: PackageResources.state_attributions_json)
    }

    /// The short names of the bundled file's states by ISO code ("CN": "China").
    public static let shortStateNames: [String: String] = Dictionary(
        ((try? bundled())?.states ?? []).map { ($0.code, $0.short) }, uniquingKeysWith: { first, _ in first })

    /// Reads and checks a file of this format: every entity reaches a state, every link names
    /// a known entity, a date and a source.
    public init(json bytes: [UInt8]) throws(StateAttributionError) {
        struct File: Decodable {
            var version: String
            var states: [State]
            var entities: [Entity]
            var attributions: [Link]
        }
        let file: File
        do {
            file = try JSONDecoder().decode(File.self, from: Data(bytes))
        } catch {
            throw StateAttributionError("not a state attributions file: \(error)")
        }
        version = file.version
        states = file.states
        entities = file.entities
        attributions = file.attributions
        guard Self.day(version) != nil else { throw StateAttributionError("version '\(version)' is not a date (yyyy-mm-dd)") }
        let stateCodes = Set(states.map(\.code))
        let byKey = Dictionary(entities.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
        for entity in entities {
            guard state(of: entity.key).flatMap({ stateCodes.contains($0) ? $0 : nil }) != nil else {
                throw StateAttributionError("entity '\(entity.key)' does not lead to a listed state")
            }
            if let parent = entity.partOf, byKey[parent] == nil { throw StateAttributionError("entity '\(entity.key)' is part of unknown '\(parent)'") }
        }
        for link in attributions {
            let what = "\(link.group) → \(link.to) (\(link.by))"
            guard byKey[link.to] != nil else { throw StateAttributionError("\(what): unknown entity") }
            guard Self.day(link.date) != nil else { throw StateAttributionError("\(what): date '\(link.date)' is not yyyy-mm-dd") }
            guard link.stixID.hasPrefix("intrusion-set--"), (try? STIXIdentifier(validating: link.stixID)) != nil else {
                throw StateAttributionError("\(what): '\(link.stixID)' is not an intrusion set id")
            }
            guard !link.by.isEmpty, !link.title.isEmpty, !link.summary.isEmpty else { throw StateAttributionError("\(what): no source") }
        }
    }

    /// The state code an entity leads to, following `part_of`.
    public func state(of key: String) -> String? {
        var current = key
        for _ in 0..<16 {
            guard let entity = entities.first(where: { $0.key == current }) else { return nil }
            if let state = entity.state { return state }
            guard let parent = entity.partOf else { return nil }
            current = parent
        }
        return nil
    }

    /// Every link, entity and state as STIX 2.1 objects.
    public func objects() -> [JSONObject] {
        let stamp = "\(version)T00:00:00.000Z"
        func common(_ type: String, _ id: STIXIdentifier) -> JSONObject {
            JSONObject([
                ("type", .string(type)), ("spec_version", "2.1"), ("id", .string(id.rawValue)), ("created", .string(stamp)),
                ("modified", .string(stamp)), ("object_marking_refs", .array([.string(TLPMarkings.tlp2ID(.clear))])),
            ])
        }
        // Public statements: TLP:CLEAR, so that no ceiling withholds them.
        var result: [JSONObject] = [TLPMarkings.definition(.clear)]
        for state in states {
            var location = common("location", Self.id("location", state.code))
            location["name"] = .string(state.name)
            location["country"] = .string(state.code)
            result.append(location)
        }
        for entity in entities {
            let id = Self.id("identity", entity.key)
            var identity = common("identity", id)
            identity["name"] = .string(entity.name)
            identity["identity_class"] = "organization"
            if let note = entity.note { identity["description"] = .string(note) }
            if let short = entity.short { identity["x_vigil_short_name"] = .string(short) }
            if let parent = entity.partOf { identity["x_vigil_part_of_ref"] = .string(Self.id("identity", parent).rawValue) }
            result.append(identity)
            if let state = entity.state {
                var locatedAt = common("relationship", Self.id("relationship", "located-at|\(entity.key)|\(state)"))
                locatedAt["relationship_type"] = "located-at"
                locatedAt["source_ref"] = .string(id.rawValue)
                locatedAt["target_ref"] = .string(Self.id("location", state).rawValue)
                result.append(locatedAt)
            }
        }
        for link in attributions {
            var relationship = common("relationship", Self.id("relationship", "attributed-to|\(link.stixID)|\(link.to)|\(link.date)|\(link.by)"))
            relationship["relationship_type"] = "attributed-to"
            relationship["source_ref"] = .string(link.stixID)
            relationship["target_ref"] = .string(Self.id("identity", link.to).rawValue)
            relationship["description"] = .string(link.summary)
            var reference = JSONObject([("source_name", .string(link.by)), ("description", .string(link.title))])
            if let url = link.url { reference["url"] = .string(url) }
            relationship["external_references"] = .array([.object(reference)])
            relationship["x_vigil_basis"] = .string(link.basis.rawValue)
            relationship["x_vigil_stated"] = .string("\(link.date)T00:00:00Z")
            result.append(relationship)
        }
        return result
    }

    /// A bundle of `objects()`.
    public func bundle() -> JSONObject {
        JSONObject([
            ("type", "bundle"), ("id", .string(Self.id("bundle", "state-attributions|\(version)").rawValue)),
            ("objects", .array(objects().map(JSONValue.object))),
        ])
    }

    /// Vigil's namespace for the ids of curated objects.
    static let namespace: [UInt8] = [0x5b, 0x1c, 0x7e, 0x2a, 0x93, 0x44, 0x4f, 0x0d, 0x8e, 0x61, 0x2f, 0xa0, 0x3c, 0x77, 0xd4, 0x19]

    /// A version 5 UUID of the key, relabelled version 4: STIX asks SDOs for version 4 ids,
    /// and the hash's bits are as random as a generator's while staying the same each import.
    static func id(_ type: String, _ key: String) -> STIXIdentifier {
        var text = STIXIdentifier.deterministic(type: type, name: "vigil-state-attributions|\(key)", namespace: namespace).rawValue
        let version = text.index(text.startIndex, offsetBy: type.count + 2 + 14)
        text.replaceSubrange(version...version, with: "4")
        // The text is a valid id with one hex digit changed to another.
        return try! STIXIdentifier(validating: text)
    }

    /// A yyyy-mm-dd date as a STIX timestamp; nil when it is not a real date.
    static func day(_ text: String) -> STIXTimestamp? {
        guard text.wholeMatch(of: /\d{4}-\d{2}-\d{2}/) != nil else { return nil }
        return try? STIXTimestamp("\(text)T00:00:00Z")
    }
}

/// A state attributions file that cannot be used, with why.
public struct StateAttributionError: Error, Sendable, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
