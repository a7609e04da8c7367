import STIX

/// Which objects an export may share, under the TLP ceiling the user gives.
///
/// An object above the ceiling is withheld; so is any object that points to a withheld one
/// (a relationship to a RED intrusion set would reveal it), repeatedly, until nothing more
/// changes. Marking definitions and the identities that created exported objects come along
/// even when `types` leaves them out, so that the bundle is self-contained.
public struct ExportSelection: Sendable {
    /// Object types to export; empty means all.
    public var types: [String]
    /// The most restrictive level that may leave.
    public var maximumTLP: TLPLevel
    /// The level assumed for objects without a TLP marking.
    public var unmarkedTLP: TLPLevel
    /// Whether revoked and deprecated objects are exported (they are part of a faithful copy).
    public var includeRetired: Bool

    public init(types: [String] = [], maximumTLP: TLPLevel, unmarkedTLP: TLPLevel = .amber, includeRetired: Bool = true) {
        self.types = types
        self.maximumTLP = maximumTLP
        self.unmarkedTLP = unmarkedTLP
        self.includeRetired = includeRetired
    }

    /// What may leave, and what was held back.
    public struct Result: Sendable {
        public var objects: [StoredObject]
        /// Withheld because their level is above the ceiling, per level.
        public var withheldByTLP: [TLPLevel: Int]
        /// Withheld because they point to a withheld object.
        public var withheldByReference: Int
    }

    public func select(from store: any IntelStore) async throws -> Result {
        var candidates = try await store.objects(types: types, includeRetired: includeRetired)
        var chosen = Set(candidates.map(\.id))
        // Bring the marking definitions and creator identities the chosen objects name.
        let supporting = Set(candidates.flatMap { stored in stored.object.objectMarkingRefs + [stored.object.createdByRef].compactMap { $0 } })
            .subtracting(chosen)
        for stored in try await store.latest(ids: Array(supporting)) where chosen.insert(stored.id).inserted {
            candidates.append(stored)
        }

        var withheld: Set<String> = []
        var byTLP: [TLPLevel: Int] = [:]
        for stored in candidates {
            let level = stored.effectiveTLP(unmarked: unmarkedTLP)
            if level > maximumTLP {
                withheld.insert(stored.id)
                byTLP[level, default: 0] += 1
            }
        }
        // Objects are withheld by what they point to, but the store may hold withheld objects
        // that were not candidates (other types): look those up too.
        var byReference = 0
        var changed = true
        var outsideLevels: [String: Bool] = [:]
        while changed {
            changed = false
            for stored in candidates where !withheld.contains(stored.id) {
                let targets = stored.object.references.filter { $0.property != "object_marking_refs" }.map(\.id)
                let unknown = targets.filter { !chosen.contains($0) && outsideLevels[$0] == nil }
                if !unknown.isEmpty {
                    let found = try await store.latest(ids: unknown)
                    for other in found { outsideLevels[other.id] = other.effectiveTLP(unmarked: unmarkedTLP) > maximumTLP }
                    for id in unknown where outsideLevels[id] == nil { outsideLevels[id] = false }
                }
                if targets.contains(where: { withheld.contains($0) || outsideLevels[$0] == true }) {
                    withheld.insert(stored.id)
                    byReference += 1
                    changed = true
                }
            }
        }
        return Result(
            objects: candidates.filter { !withheld.contains($0.id) }, withheldByTLP: byTLP, withheldByReference: byReference)
    }
}
