import Foundation

/// Removes white space around the URLs of `external_references`.
///
/// Real feeds carry them (MITRE ATT&CK 12.1 has 79 such URLs, `' https://…'`); a URL with
/// surrounding white space is not a valid URI, so an export would be refused by STIX
/// validators. Trimming is the only change made, and each one is reported. URLs that are
/// invalid in any other way are left for `STIXValidator` to refuse.
public enum URLRepair {
    /// The object with its external reference URLs trimmed, and one warning per URL changed.
    public static func trimmingURLs(_ object: STIXObject, index: Int?) -> (STIXObject, [ValidationIssue]) {
        guard case .array(var references)? = object["external_references"] else { return (object, []) }
        var issues: [ValidationIssue] = []
        for position in references.indices {
            guard case .object(var reference) = references[position], let url = reference["url"]?.stringValue else { continue }
            let trimmed = url.trimmingCharacters(in: .whitespacesAndNewlines)
            guard trimmed != url else { continue }
            reference["url"] = .string(trimmed)
            references[position] = .object(reference)
            issues.append(
                ValidationIssue(
                    .warning, objectID: object.id.rawValue, objectIndex: index, objectType: object.type, objectName: object.name,
                    property: "external_references[\(position)].url", message: "white space around the URL removed"))
        }
        guard !issues.isEmpty else { return (object, []) }
        var repaired = object
        repaired.setProperty("external_references", .array(references))
        return (repaired, issues)
    }
}
