import STIX

/// An object related to another through a relationship.
public struct RelatedObject: Sendable, Hashable {
    public var relationship: StoredObject
    public var object: StoredObject
}

extension IntelStore {
    /// Objects a reference names: a STIX id, an external id (`G0128`, `T1566.001`), or a name or
    /// alias (`APT31`), ignoring case. Active objects come first; a revoked object is replaced by
    /// what revoked it (following `revoked-by` chains). Throws `notFound` with suggestions.
    public func resolve(_ reference: String) async throws -> [StoredObject] {
        let trimmed = reference.trimmingCharacters(in: .whitespacesAndNewlines)
        var matches: [StoredObject] = []
        if (try? STIXIdentifier(validating: trimmed)) != nil, let object = try await latest(id: trimmed) {
            return [object]
        }
        matches = try await objects(externalID: trimmed)
        if matches.isEmpty { matches = try await objects(named: trimmed) }
        guard !matches.isEmpty else {
            let suggestions = try await search(trimmed, types: [], limit: 5).map { object in
                object.object.attackID.map { "\($0) \(object.object.name ?? object.id)" } ?? (object.object.name ?? object.id)
            }
            throw IntelStoreError.notFound(reference: trimmed, suggestions: suggestions)
        }
        var resolved: [StoredObject] = []
        for match in matches {
            let current = try await followRevocations(match)
            if !resolved.contains(where: { $0.id == current.id }) { resolved.append(current) }
        }
        // Active before retired; within each, the order of the lookup.
        return resolved.filter { !$0.object.isRetired } + resolved.filter { $0.object.isRetired }
    }

    /// The object that finally replaced a revoked one, or the object itself.
    public func followRevocations(_ object: StoredObject) async throws -> StoredObject {
        var current = object
        var seen: Set<String> = [object.id]
        while current.object.isRevoked {
            let next = try await related(to: current.id, through: "revoked-by", direction: .outgoing, includeRetired: true)
            guard let replacement = next.first?.object, seen.insert(replacement.id).inserted else { break }
            current = replacement
        }
        return current
    }

    /// Objects at the other end of relationships of one type (nil: any), with the
    /// relationships. Retired relationships and retired objects are left out unless asked for.
    public func related(
        to id: String, through relationshipType: String?, direction: RelationshipDirection, types: Set<String> = [],
        includeRetired: Bool = false
    ) async throws -> [RelatedObject] {
        let relationships = try await relationships(of: id, direction: direction, type: relationshipType)
            .filter { includeRetired || !$0.object.isRetired }
        let otherIDs = relationships.compactMap { relationship -> String? in
            relationship.object.sourceRef == id ? relationship.object.targetRef : relationship.object.sourceRef
        }
        let others = Dictionary(try await latest(ids: otherIDs).map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        return relationships.compactMap { relationship in
            let otherID = relationship.object.sourceRef == id ? relationship.object.targetRef : relationship.object.sourceRef
            guard let otherID, let other = others[otherID] else { return nil }
            guard types.isEmpty || types.contains(other.type), includeRetired || !other.object.isRetired else { return nil }
            return RelatedObject(relationship: relationship, object: other)
        }
    }
}
