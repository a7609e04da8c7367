/// Values for `%placeholder%`s of rules that use `|expand`: a YAML (or JSON) map from each
/// placeholder's name to a value or a list of values.
///
/// ```yaml
/// Administrators: [adm_*, Administrator]
/// DomainControllers: dc01.mfa.example
/// ```
public enum PlaceholderFile {
    public static func read(_ text: String, path: String) throws(SigmaProblem) -> [String: [String]] {
        guard let document = try YAMLNode.documents(text, file: path).first else { return [:] }
        guard case .mapping(let pairs, _) = document else {
            throw SigmaProblem("placeholders must be a map from names to values", at: document.location)
        }
        var values: [String: [String]] = [:]
        for (name, value) in pairs {
            let texts = value.texts
            guard !texts.isEmpty else { throw SigmaProblem("placeholder \(name.text) has no values", at: value.location) }
            values[name.text] = texts
        }
        return values
    }
}
