/// What a case says about its intruder, for attribution: the techniques and software observed
/// (each with where it was seen), indicator hits that point at an intrusion set (directly or
/// through a campaign attributed to it), and optionally the victim's sector and country.
///
/// It holds ATT&CK ids and source descriptions only; gathering them from findings, assertions
/// and indicator hits is the caller's work.
public struct CaseEvidence: Sendable, Hashable {
    /// Features observed, each with the sources that showed it ("rule Mimikatz Use (12 events)",
    /// "asserted by alice").
    public var observed: [Feature: [String]]
    /// Intrusion sets (STIX ids) that indicators which hit `indicates`, with the sources.
    public var indicatedGroups: [String: [String]]
    /// Who was hit (countries, sectors); empty when unknown.
    public var victim: Victim
    /// When the intrusion began (seconds since 1970), when known.
    public var observedAt: Int64?

    public init(observed: [Feature: [String]] = [:], indicatedGroups: [String: [String]] = [:], victim: Victim = .none) {
        self.observed = observed
        self.indicatedGroups = indicatedGroups
        self.victim = victim
        observedAt = nil
    }

    /// Records that a feature was seen, by one source.
    public mutating func observe(_ feature: Feature, source: String) {
        observed[feature, default: []].append(source)
    }

    /// The features as scored: the observed ones with parents of sub-techniques added.
    public var features: Set<Feature> { observed.keys.rolledUp() }

    /// How many distinct techniques (rolled up) the case shows.
    public var techniqueCount: Int { features.filter { $0.kind == .technique }.count }

    /// Where a scored feature came from: its own sources, or those of its sub-techniques.
    public func sources(of feature: Feature) -> [String] {
        var result = observed[feature] ?? []
        for observedFeature in observed.keys.sorted() where observedFeature.parent == feature {
            result.append(contentsOf: (observed[observedFeature] ?? []).map { "\(observedFeature.id): \($0)" })
        }
        return result
    }
}
