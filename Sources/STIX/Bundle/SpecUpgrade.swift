/// Upgrades STIX 2.0 objects to 2.1 by adding what 2.1 requires, and changing nothing else.
///
/// What 2.1 requires that 2.0 did not have: `spec_version` on every object other than
/// cyber-observables, `is_family` on malware (2.0 malware described families; ATT&CK's own
/// 2.1 release sets it to true), `pattern_type` on indicators (2.0 patterns are STIX patterns).
/// It does not rename or drop 2.0 properties that 2.1 deprecated (`labels` as a type vocabulary,
/// `objects` embedded in observed-data): 2.1 still accepts them, and an export should give back
/// what the import took.
public enum SpecUpgrade {
    /// Whether this JSON object is a STIX 2.0 object: no `spec_version`, or `spec_version` "2.0".
    public static func isVersion20(_ object: JSONObject) -> Bool {
        if let version = object["spec_version"]?.stringValue { return version == "2.0" }
        guard let type = object["type"]?.stringValue else { return false }
        // 2.0 had no top-level cyber-observables, and a 2.1 one need not carry spec_version;
        // every other 2.1 object must, so its absence marks a 2.0 object.
        return STIXObjectType.named(type).category != .cyberObservable
    }

    /// The 2.1 form of a 2.0 object.
    public static func upgrade(_ object: JSONObject) -> JSONObject {
        var result = object
        let typePosition = result.index(of: "type") ?? -1
        result.insert(.string("2.1"), forKey: "spec_version", at: typePosition + 1)
        switch result["type"]?.stringValue {
        case "malware" where result["is_family"] == nil:
            result["is_family"] = .bool(true)
        case "indicator" where result["pattern_type"] == nil:
            result["pattern_type"] = .string("stix")
        default:
            break
        }
        return result
    }
}
