/// MITRE ATT&CK conventions on top of STIX: ATT&CK ids (G0128, T1566.001, S0154, C0024, TA0001)
/// live in `external_references` under one of the ATT&CK source names; tactics are the kill
/// chain phases of the ATT&CK kill chains.
public enum ATTACK {
    /// `source_name`s ATT&CK uses for its own ids in the three domains.
    public static let sourceNames: Set<String> = ["mitre-attack", "mitre-mobile-attack", "mitre-ics-attack"]
    /// Kill chains whose phases are ATT&CK tactics.
    public static let killChainNames: Set<String> = ["mitre-attack", "mitre-mobile-attack", "mitre-ics-attack"]
}

extension STIXObject {
    /// The ATT&CK id (`G0128`, `T1566.001`, ...), when ATT&CK published this object.
    public var attackID: String? {
        externalReferences.first { ATTACK.sourceNames.contains($0.sourceName) && $0.externalID != nil }?.externalID
    }

    /// The object's page on attack.mitre.org, when it has one.
    public var attackURL: String? {
        externalReferences.first { ATTACK.sourceNames.contains($0.sourceName) }?.url
    }

    /// Whether this attack-pattern is an ATT&CK sub-technique (`T1566.001`).
    public var isSubtechnique: Bool {
        properties["x_mitre_is_subtechnique"]?.boolValue ?? (attackID?.contains(".") ?? false)
    }

    /// The ATT&CK tactics (phase names such as `initial-access`) of an attack-pattern.
    public var tactics: [String] {
        var result: [String] = []
        for phase in killChainPhases where ATTACK.killChainNames.contains(phase.killChainName) {
            if !result.contains(phase.phaseName) { result.append(phase.phaseName) }
        }
        return result
    }

    /// ATT&CK domains (`enterprise-attack`, `mobile-attack`, `ics-attack`) the object belongs to.
    public var attackDomains: [String] { strings("x_mitre_domains") }
}
