/// The media types TAXII 2.1 speaks, and what requests may name.
///
/// Headers are read with the standard library alone: every request passes through
/// `acceptable`, and Foundation's string trimming cost more than the rest of the check.
public enum TAXIIMediaType {
    /// Bodies of TAXII resources and envelopes.
    public static let taxii = "application/taxii+json;version=2.1"
    /// STIX content a collection holds.
    public static let stix = "application/stix+json;version=2.1"

    /// Whether an `Accept` header lets the server answer with TAXII 2.1 JSON: no header, a
    /// wildcard, or `application/taxii+json` without a version or with version 2.1.
    public static func acceptable(_ accept: String?) -> Bool {
        guard let accept, !trimmed(Substring(accept)).isEmpty else { return true }
        if accept == taxii { return true }
        return accept.split(separator: ",").contains { range in
            let (type, parameters) = parse(range)
            if parameters["q"].flatMap(Double.init) == 0 { return false }
            switch type {
            case "*/*", "application/*": return true
            case "application/taxii+json": return parameters["version"].map { $0 == "2.1" } ?? true
            default: return false
            }
        }
    }

    /// Whether a request body's `Content-Type` is a TAXII 2.1 envelope.
    public static func isTAXIIContent(_ contentType: String?) -> Bool {
        guard let contentType else { return false }
        let (type, parameters) = parse(Substring(contentType))
        return type == "application/taxii+json" && (parameters["version"].map { $0 == "2.1" } ?? true)
    }

    /// A media range's type and its parameters, lower-cased, quotes removed.
    static func parse(_ range: Substring) -> (type: String, parameters: [String: String]) {
        let parts = range.split(separator: ";", omittingEmptySubsequences: false).map(trimmed)
        var parameters: [String: String] = [:]
        for part in parts.dropFirst() {
            let pair = part.split(separator: "=", maxSplits: 1).map(trimmed)
            guard pair.count == 2 else { continue }
            parameters[pair[0].lowercased()] = pair[1].trimming(while: { $0 == "\"" }).lowercased()
        }
        return ((parts.first ?? "").lowercased(), parameters)
    }

    /// The text without the spaces and tabs around it.
    static func trimmed(_ text: Substring) -> Substring { text.trimming(while: { $0 == " " || $0 == "\t" }) }
}

extension Substring {
    /// The text without leading and trailing characters that satisfy `predicate`.
    func trimming(while predicate: (Character) -> Bool) -> Substring {
        guard let first = firstIndex(where: { !predicate($0) }), let last = lastIndex(where: { !predicate($0) }) else { return self[endIndex...] }
        return self[first...last]
    }
}
