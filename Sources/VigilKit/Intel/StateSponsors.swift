import Attribution
import IntelStore
import STIX

/// The sponsor chains of intrusion sets as the store holds them: the `attributed-to`
/// relationships of the groups, the identities and threat actors they point to, the
/// organisations above those identities and the states they are located at.
public enum StateSponsors {
    /// The objects behind the sponsor links of each group (STIX ids), by group.
    public static func objects(of groups: [String], store: any IntelStore) async throws(VigilError) -> [String: [STIXObject]] {
        try await VigilError.wrapping {
            var result: [String: [STIXObject]] = [:]
            for group in Set(groups) {
                var objects: [STIXObject] = []
                var seen: Set<String> = []
                func add(_ object: STIXObject) {
                    if seen.insert(object.id.rawValue).inserted { objects.append(object) }
                }
                var identities: [STIXObject] = []
                for related in try await store.related(to: group, through: "attributed-to", direction: .outgoing, types: ["identity", "threat-actor"]) {
                    add(related.relationship.object)
                    add(related.object.object)
                    if related.object.type == "identity" { identities.append(related.object.object) }
                }
                // Up the organisations (`x_vigil_part_of_ref`), each with where it is located.
                var frontier = identities
                var hops = 0
                while !frontier.isEmpty && hops < 16 {
                    var parents: [String] = []
                    for identity in frontier {
                        for located in try await store.related(to: identity.id.rawValue, through: "located-at", direction: .outgoing, types: ["location"]) {
                            add(located.relationship.object)
                            add(located.object.object)
                        }
                        if let parent = identity["x_vigil_part_of_ref"]?.stringValue, !seen.contains(parent) { parents.append(parent) }
                    }
                    frontier = try await store.latest(ids: parents).map(\.object).filter { !$0.isRetired }
                    frontier.forEach(add)
                    hops += 1
                }
                if !objects.isEmpty { result[group] = objects }
            }
            return result
        }
    }

    /// The sponsor links of one group (the STIX ids it goes by), governments' first.
    public static func links(of ids: [String], store: any IntelStore) async throws(VigilError) -> [SponsorLink] {
        let objects = try await objects(of: ids, store: store)
        return SponsorChains(objects: objects.values.flatMap { $0 }).links(of: ids)
    }
}
