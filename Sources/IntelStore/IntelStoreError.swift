import STIX

/// Errors of the intel store and of importing into it.
public enum IntelStoreError: Error, Sendable, CustomStringConvertible {
    /// `--strict` import of content with refused objects: nothing was stored.
    case refusedStrict(source: String, issues: [ValidationIssue])
    /// The database could not be opened, migrated, read or written.
    case database(location: String, operation: String, reason: String)
    /// The database server could not be reached or dropped the connection; nothing of the
    /// operation was kept, and it may be tried again.
    case unavailable(location: String, operation: String, reason: String)
    /// A stored row could not be read back as a STIX object.
    case corruptRecord(id: String, reason: String)
    /// A reference (name, ATT&CK id, STIX id) matched nothing.
    case notFound(reference: String, suggestions: [String])
    /// No case has this name.
    case noSuchCase(String)
    /// A case with this name exists already.
    case caseExists(String)
    /// No collection has this id or alias.
    case noSuchCollection(String)
    /// A collection with this id or alias exists already.
    case collectionExists(String)
    /// Versions can only be added to or removed from a collection of members.
    case notMembersCollection(String)
    /// No user has this name.
    case noSuchUser(String)
    /// A user with this name exists already.
    case userExists(String)

    public var description: String {
        switch self {
        case .refusedStrict(let source, let issues):
            let errors = issues.filter { $0.refuses(strict: true) }
            let shown = errors.prefix(20).map { "  \($0)" }.joined(separator: "\n")
            let more = errors.count > 20 ? "\n  ... and \(errors.count - 20) more" : ""
            return "\(source): refused (--strict): \(errors.count) invalid object(s), nothing imported\n\(shown)\(more)"
        case .database(let location, let operation, let reason):
            return "database \(location): \(operation) failed: \(reason)"
        case .unavailable(let location, let operation, let reason):
            return "database \(location): \(operation) failed, the database cannot be reached: \(reason)"
        case .corruptRecord(let id, let reason):
            return "stored object \(id) cannot be read: \(reason)"
        case .notFound(let reference, let suggestions):
            if suggestions.isEmpty { return "no object matches '\(reference)'" }
            return "no object matches '\(reference)'; did you mean: \(suggestions.joined(separator: ", "))?"
        case .noSuchCase(let name):
            return "no case named '\(name)' (create it with: vigil case new \(name))"
        case .caseExists(let name):
            return "a case named '\(name)' exists already"
        case .noSuchCollection(let reference):
            return "no collection '\(reference)'"
        case .collectionExists(let reference):
            return "a collection '\(reference)' exists already"
        case .noSuchUser(let name):
            return "no user named '\(name)' (add one with: vigil users add \(name))"
        case .userExists(let name):
            return "a user named '\(name)' exists already"
        case .notMembersCollection(let reference):
            return "collection '\(reference)' holds every object of the store; objects are not added to it or removed from it one by one"
        }
    }

    /// Whether the failure is the database's absence, which passes.
    public var isUnavailable: Bool {
        if case .unavailable = self { return true }
        return false
    }
}
