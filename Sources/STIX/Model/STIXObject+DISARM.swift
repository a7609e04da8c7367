/// The DISARM framework of influence-operation techniques (DISARM Foundation). Its STIX
/// bundle files its techniques under ATT&CK's names: `kill_chain_name: "mitre-attack"` and
/// `source_name: "mitre-attack"` for ids like T0049, which would mix its 16 tactics and 391
/// techniques with ATT&CK's. Vigil reads it as its own framework: the kill chain is
/// `disarm`, the ids' source is `DISARM`.
public enum DISARM {
    public static let sourceName = "DISARM"
    public static let killChainName = "disarm"

    /// Whether an object is DISARM's: one of its references points into the DISARM
    /// Foundation's repository or names DISARM as its source.
    public static func isDISARM(_ members: JSONObject) -> Bool {
        guard let references = members["external_references"]?.arrayValue else { return false }
        return references.contains { reference in
            guard let fields = reference.objectValue else { return false }
            return fields["source_name"]?.stringValue == sourceName
                || fields["url"]?.stringValue?.contains("github.com/DISARMFoundation/") == true
        }
    }

    /// A DISARM object with its ids and phases under DISARM's own names; other objects as
    /// they are. Returns whether anything changed.
    public static func separated(_ members: JSONObject) -> (object: JSONObject, changed: Bool) {
        guard isDISARM(members) else { return (members, false) }
        var result = members
        var changed = false
        if let references = members["external_references"]?.arrayValue {
            result["external_references"] = .array(references.map { reference in
                guard var fields = reference.objectValue, let name = fields["source_name"]?.stringValue, ATTACK.sourceNames.contains(name) else {
                    return reference
                }
                fields["source_name"] = .string(sourceName)
                changed = true
                return .object(fields)
            })
        }
        if let phases = members["kill_chain_phases"]?.arrayValue {
            result["kill_chain_phases"] = .array(phases.map { phase in
                guard var fields = phase.objectValue, let name = fields["kill_chain_name"]?.stringValue, ATTACK.killChainNames.contains(name) else {
                    return phase
                }
                fields["kill_chain_name"] = .string(killChainName)
                changed = true
                return .object(fields)
            })
        }
        return (result, changed)
    }

    /// Whether an id has DISARM's technique form (T0002 to T0799, sub-techniques T0097.101);
    /// ATT&CK's ICS ids start at T0800 and its Enterprise and Mobile ids at T1000.
    public static func isTechniqueID(_ id: String) -> Bool {
        guard let match = id.uppercased().wholeMatch(of: /T(\d{4})(\.\d{3})?/), let number = Int(match.1) else { return false }
        return number < 800
    }
}

extension STIXObject {
    /// The DISARM id (`T0049`, `TA01`), when DISARM published this object.
    public var disarmID: String? {
        externalReferences.first { $0.sourceName == DISARM.sourceName && $0.externalID != nil }?.externalID
    }

    /// The DISARM tactics (phase names) of a DISARM technique.
    public var disarmTactics: [String] {
        killChainPhases.filter { $0.killChainName == DISARM.killChainName }.map(\.phaseName)
    }
}
