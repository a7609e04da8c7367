import STIX

/// One link from an intrusion set towards a state: the organ or unit a source names, the
/// state it belongs to, and who said so, when and on what basis.
public struct SponsorLink: Sendable, Hashable {
    /// What kind of public act the link rests on; `suspected` is a catalogue's opinion (MISP's
    /// galaxy, after CFR's Cyber Operations Tracker), not a government's.
    public enum Basis: String, Sendable, Hashable, Decodable, CaseIterable {
        case statement, indictment, sanctions, advisory, endorsement, suspected

        /// Governments' own acts first, then declarations of support, then catalogues.
        var rank: Int {
            switch self {
            case .endorsement: return 1
            case .suspected: return 2
            default: return 0
            }
        }

        /// How the basis reads after "by" ("attributed by X in an indictment").
        public var phrase: String {
            switch self {
            case .statement: return "a statement"
            case .indictment: return "an indictment"
            case .sanctions: return "a sanctions listing"
            case .advisory: return "an advisory"
            case .endorsement: return "a declaration of support"
            case .suspected: return "a catalogue of suspected sponsors"
            }
        }
    }

    /// A state.
    public struct State: Sendable, Hashable {
        /// ISO 3166-1 alpha-2, when known.
        public var code: String?
        public var name: String
    }

    /// The intrusion set (STIX id).
    public var group: String
    /// The organ a source names and the organisations above it, the named one first
    /// (["Hubei State Security Department", "Ministry of State Security (MSS)"]); empty when
    /// only the state is named.
    public var entities: [String]
    public var state: State?
    public var basis: Basis
    /// Who said it.
    public var by: String
    /// yyyy-mm-dd, when known.
    public var date: String?
    public var title: String?
    public var url: String?
    public var summary: String?
    /// The most restrictive TLP of the objects the link rests on; nil when unmarked.
    public var tlp: TLPLevel?

    /// The sponsor as a phrase: "China's Ministry of State Security (MSS) › Hubei State Security
    /// Department", or the state alone.
    public var sponsor: String {
        guard let top = entities.last else { return state?.name ?? "an unnamed state" }
        let below = entities.dropLast().reversed()
        let head: String
        if let state, !top.lowercased().contains(state.name.lowercased()) && !top.hasPrefix("Government of") {
            head = "\(state.name)'s \(top)"
        } else {
            head = top
        }
        return ([head] + below).joined(separator: " › ")
    }

    /// "the United States Department of Justice, 2024-03-25 (an indictment)".
    public var source: String {
        "\(by)\(date.map { ", \($0)" } ?? "") (\(basis.phrase))"
    }
}

/// The sponsor links of intrusion sets, read from STIX: `attributed-to` relationships to
/// `identity` objects (Vigil's curated attributions, or anyone's in the same shape), the
/// identities' `x_vigil_part_of_ref` and `located-at` chains, and threat actors with MISP's
/// suspected sponsor and country.
///
/// Takes the objects from the caller (a store query, a bundle); links to objects it was not
/// given are left out.
public struct SponsorChains: Sendable {
    private var attributed: [String: [STIXObject]] = [:]
    private var identities: [String: STIXObject] = [:]
    private var threatActors: [String: STIXObject] = [:]
    private var stateOf: [String: SponsorLink.State] = [:]
    private var shortStateNames: [String: String]
    private let markings = TLPMarkings()

    /// `shortStateNames` maps ISO codes to the names running text uses ("CN": "China").
    public init(objects: [STIXObject], shortStateNames: [String: String] = StateAttributions.shortStateNames) {
        self.shortStateNames = shortStateNames
        var locations: [String: STIXObject] = [:]
        var locatedAt: [(String, String)] = []
        for object in objects where !object.isRetired {
            switch object.type {
            case "identity": identities[object.id.rawValue] = object
            case "threat-actor": threatActors[object.id.rawValue] = object
            case "location": locations[object.id.rawValue] = object
            case "relationship":
                guard let source = object.sourceRef, let target = object.targetRef else { continue }
                if object.relationshipType == "attributed-to" { attributed[source, default: []].append(object) }
                if object.relationshipType == "located-at" { locatedAt.append((source, target)) }
            default: break
            }
        }
        for (source, target) in locatedAt {
            guard let location = locations[target] else { continue }
            let code = location["country"]?.stringValue
            let name = code.flatMap { shortStateNames[$0] } ?? location.name ?? code ?? target
            stateOf[source] = SponsorLink.State(code: code, name: name)
        }
    }

    /// One line for a group: "APT31 (G0128) — attributed by Government of the Czech Republic
    /// (2025-05-28) to China's Ministry of State Security (MSS)", naming the newest
    /// government's link and counting the others; a suspicion only when there is nothing
    /// better. Nil without links.
    public static func headline(group: String, links: [SponsorLink]) -> String? {
        guard let first = links.first else { return nil }
        let others = links.count - 1
        let more = others > 0 ? "; \(others) more link\(others == 1 ? "" : "s")" : ""
        if first.basis == .suspected {
            return "\(group) — suspected state sponsor \(first.sponsor), per \(first.by)\(more)"
        }
        return "\(group) — attributed by \(first.by)\(first.date.map { " (\($0))" } ?? "") to \(first.sponsor)\(more)"
    }

    /// The objects a store must hand over for `links(of:)`: the types read here.
    public static let types: Set<String> = ["identity", "threat-actor", "location", "relationship"]

    /// The links of the intrusion sets `groups` (the ids one group goes by): governments' acts
    /// newest first, then declarations of support, then the catalogues' suspicions.
    public func links(of groups: [String]) -> [SponsorLink] {
        var result: [SponsorLink] = []
        var seen: Set<SponsorLink> = []
        for group in groups {
            for relationship in attributed[group] ?? [] {
                guard let target = relationship.targetRef else { continue }
                let link: SponsorLink?
                if let identity = identities[target] {
                    link = self.link(group: group, relationship: relationship, identity: identity)
                } else if let actor = threatActors[target] {
                    link = suspected(group: group, actor: actor)
                } else {
                    link = nil
                }
                if let link, seen.insert(link).inserted { result.append(link) }
            }
        }
        return result.sorted { ($0.basis.rank, $1.date ?? "", $0.by) < ($1.basis.rank, $0.date ?? "", $1.by) }
    }

    private func link(group: String, relationship: STIXObject, identity: STIXObject) -> SponsorLink {
        var entities: [String] = []
        var state: SponsorLink.State?
        var current: STIXObject? = identity
        var hops = 0
        while let entity = current, hops < 16 {
            let name = entity.name ?? entity.id.rawValue
            entities.append(entity["x_vigil_short_name"]?.stringValue.map { "\(name) (\($0))" } ?? name)
            if state == nil { state = stateOf[entity.id.rawValue] }
            current = entity["x_vigil_part_of_ref"]?.stringValue.flatMap { identities[$0] }
            hops += 1
        }
        let reference = relationship.externalReferences.first
        let stated = relationship["x_vigil_stated"]?.stringValue.map { String($0.prefix(10)) }
        return SponsorLink(
            group: group, entities: entities, state: state,
            basis: relationship["x_vigil_basis"]?.stringValue.flatMap(SponsorLink.Basis.init(rawValue:)) ?? .statement,
            by: reference?.sourceName ?? "unnamed source", date: stated, title: reference?.description, url: reference?.url,
            summary: relationship.objectDescription, tlp: [relationship, identity].compactMap(markings.level(of:)).max())
    }

    /// A MISP galaxy threat actor's suspected sponsor and country, when it names either.
    private func suspected(group: String, actor: STIXObject) -> SponsorLink? {
        let sponsor = actor.texts("x_misp_state_sponsor").first
        let country = actor.texts("x_misp_country").first
        guard sponsor != nil || country != nil else { return nil }
        let name = country.flatMap { shortStateNames[$0] } ?? sponsor ?? country ?? ""
        return SponsorLink(
            group: group, entities: [], state: SponsorLink.State(code: country, name: name), basis: .suspected,
            by: "MISP threat-actor galaxy (\(actor.name ?? actor.id.rawValue))", date: nil, title: nil, url: nil,
            summary: sponsor.map { "suspected state sponsor: \($0)" } ?? "country: \(country ?? "")", tlp: markings.level(of: actor))
    }
}
