/// Everything that can go wrong reading STIX content, with the context needed to find it.
///
/// Errors about one object inside a bundle are not thrown: they become `ValidationIssue`s and
/// the object is skipped. These cases are for content that cannot be read at all.
public enum STIXError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The bytes are not JSON; the position names the first offending byte.
    case invalidJSON(reason: String, offset: Int, line: Int, column: Int)
    /// The JSON is not a bundle, an object or a list of objects.
    case notSTIX(reason: String)
    /// A single object failed validation (only thrown by APIs that take one object).
    case invalidObject(ValidationIssue)

    public var description: String {
        switch self {
        case .invalidJSON(let reason, let offset, let line, let column):
            return "not valid JSON at line \(line), column \(column) (byte \(offset)): \(reason)"
        case .notSTIX(let reason):
            return "not STIX content: \(reason)"
        case .invalidObject(let issue):
            return issue.description
        }
    }
}
