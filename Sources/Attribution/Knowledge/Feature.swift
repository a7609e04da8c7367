/// One thing an intrusion set can be known to use: an ATT&CK technique (by its ATT&CK id,
/// `T1566` or `T1566.002`) or a piece of software (`S0154`).
///
/// Features are compared by ATT&CK id so that profiles and evidence from different releases
/// meet; a sub-technique also counts as its parent technique (see `rolledUp`).
public struct Feature: Sendable, Hashable, Comparable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable, Comparable {
        case technique, software
        public static func < (lhs: Kind, rhs: Kind) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    public var kind: Kind
    /// The ATT&CK id, upper case.
    public var id: String

    public init(_ kind: Kind, _ id: String) {
        self.kind = kind
        self.id = id.uppercased()
    }

    public static func technique(_ id: String) -> Feature { Feature(.technique, id) }
    public static func software(_ id: String) -> Feature { Feature(.software, id) }

    /// The parent technique of a sub-technique (`T1566` for `T1566.002`); nil otherwise.
    public var parent: Feature? {
        guard kind == .technique, let dot = id.firstIndex(of: ".") else { return nil }
        return Feature(.technique, String(id[..<dot]))
    }

    /// The feature and, for a sub-technique, its parent: what a use of it says about a group.
    public var rolledUp: [Feature] { parent.map { [self, $0] } ?? [self] }

    public var description: String { id }

    public static func < (lhs: Feature, rhs: Feature) -> Bool { (lhs.kind, lhs.id) < (rhs.kind, rhs.id) }
}

extension Sequence where Element == Feature {
    /// Every feature with the parents of its sub-techniques added.
    public func rolledUp() -> Set<Feature> {
        var result = Set<Feature>()
        for feature in self { result.formUnion(feature.rolledUp) }
        return result
    }
}
