/// One problem found in one STIX object: which object, which property, what is wrong, and
/// whether the object can still be used.
///
/// Objects are named by id when they have one, otherwise by their position in the bundle and
/// their type and name, so that a message always leads back to the object in the file.
public struct ValidationIssue: Error, Sendable, Hashable, CustomStringConvertible {
    /// `error`: the object breaks a MUST of the specification and is refused.
    /// `warning`: the object is kept; the problem is reported (dangling reference, SHOULD).
    public enum Severity: String, Sendable, Hashable {
        case error
        case warning
    }

    public var severity: Severity
    /// The object's id, when it has a usable one.
    public var objectID: String?
    /// Position of the object in the bundle's `objects` list.
    public var objectIndex: Int?
    public var objectType: String?
    public var objectName: String?
    /// The property at fault, as a path (`external_references[2].source_name`).
    public var property: String?
    public var message: String
    /// A warning that strict imports treat as an error: a custom property whose value breaks
    /// a rule (the publisher's property; the object is kept as published otherwise).
    public var refusedWhenStrict: Bool

    public init(
        _ severity: Severity, objectID: String? = nil, objectIndex: Int? = nil, objectType: String? = nil,
        objectName: String? = nil, property: String? = nil, message: String, refusedWhenStrict: Bool = false
    ) {
        self.severity = severity
        self.refusedWhenStrict = refusedWhenStrict
        self.objectID = objectID
        self.objectIndex = objectIndex
        self.objectType = objectType
        self.objectName = objectName
        self.property = property
        self.message = message
    }

    /// How the object is named in messages.
    public var subject: String {
        if let objectID { return objectID }
        var parts: [String] = []
        if let objectIndex { parts.append("objects[\(objectIndex)]") }
        var what: [String] = []
        if let objectType { what.append(objectType) }
        if let objectName { what.append("\"\(objectName)\"") }
        if !what.isEmpty { parts.append("(\(what.joined(separator: " ")))") }
        return parts.isEmpty ? "object" : parts.joined(separator: " ")
    }

    /// Whether the issue refuses its object: an error, or in a strict import also a custom
    /// property's problem.
    public func refuses(strict: Bool) -> Bool { severity == .error || (strict && refusedWhenStrict) }

    public var description: String {
        if let property { return "\(subject): property '\(property)': \(message)" }
        return "\(subject): \(message)"
    }
}
