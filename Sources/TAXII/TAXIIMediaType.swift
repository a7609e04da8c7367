import Foundation

/// The media types TAXII 2.1 speaks, and what requests may name.
public enum TAXIIMediaType {
    /// Bodies of TAXII resources and envelopes.
    public static let taxii = "application/taxii+json;version=2.1"
    /// STIX content a collection holds.
    public static let stix = "application/stix+json;version=2.1"

    /// Whether an `Accept` header lets the server answer with TAXII 2.1 JSON: no header, a
    /// wildcard, or `application/taxii+json` without a version or with version 2.1.
    public static func acceptable(_ accept: String?) -> Bool {
        guard let accept, !accept.trimmingCharacters(in: .whitespaces).isEmpty else { return true }
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
        let parts = range.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        var parameters: [String: String] = [:]
        for part in parts.dropFirst() {
            let pair = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2 else { continue }
            parameters[pair[0].lowercased()] = pair[1].trimmingCharacters(in: CharacterSet(charactersIn: "\"")).lowercased()
        }
        return ((parts.first ?? "").lowercased(), parameters)
    }
}
