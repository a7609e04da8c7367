import STIX

/// A JSON value as text in one canonical form, for comparing renderings whose object keys may
/// come in any order and may repeat (the evtx crate repeats a key for each element of an
/// array): members sorted by key, then by value, every member kept.
public enum JSONCanonical {
    public static func text(_ value: JSONValue) -> String {
        switch value {
        case .object(let object):
            let members = object.members.map { "\(JSONValue.string($0.key).description):\(text($0.value))" }.sorted()
            return "{" + members.joined(separator: ",") + "}"
        case .array(let items):
            return "[" + items.map(text).joined(separator: ",") + "]"
        default:
            return value.description
        }
    }
}
