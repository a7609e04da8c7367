/// The readable content of a STIX file: valid objects in 2.1 form, and every problem found.
public struct DecodedBundle: Sendable {
    /// The bundle's id, when the file was a bundle.
    public var bundleID: String?
    /// `spec_version` the bundle declared ("2.0" for 2.0 bundles; 2.1 bundles declare none).
    public var declaredSpecVersion: String?
    /// Objects that passed validation, in file order, upgraded to 2.1.
    public var objects: [STIXObject]
    /// How many of `objects` were upgraded from STIX 2.0.
    public var upgradedCount: Int
    /// Errors of refused objects and warnings of kept ones, in file order.
    public var issues: [ValidationIssue]
    /// Number of objects in the file, refused ones included.
    public var totalCount: Int

    /// Objects refused, one per distinct object with an error.
    public var rejectedCount: Int { totalCount - objects.count }
    public var errors: [ValidationIssue] { issues.filter { $0.severity == .error } }
    public var warnings: [ValidationIssue] { issues.filter { $0.severity == .warning } }
}

/// Reads STIX 2.0 and 2.1 content: a bundle, a single object, or a JSON list of objects.
///
/// Objects are validated one by one; a bad object is refused with its issues and the rest are
/// kept. Only unreadable content (not JSON, not STIX) throws. It does not check references
/// against a store; `BundleImporter` in IntelStore does.
public enum STIXBundleReader {
    /// Reads content from bytes. `knownTypes` are custom types references may name besides
    /// those of the specification, `x-` types and the types present in the content.
    public static func read(_ bytes: [UInt8], knownTypes: Set<String> = []) throws(STIXError) -> DecodedBundle {
        try decode(JSONParser.parse(bytes, parallelListKey: "objects"), knownTypes: knownTypes)
    }

    /// Turns parsed JSON into a `DecodedBundle`.
    public static func decode(_ json: JSONValue, knownTypes: Set<String> = []) throws(STIXError) -> DecodedBundle {
        var bundleID: String?
        var declaredVersion: String?
        let rawObjects: [JSONValue]
        switch json {
        case .object(let top) where top["type"]?.stringValue == "bundle":
            bundleID = top["id"]?.stringValue
            declaredVersion = top["spec_version"]?.stringValue
            switch top["objects"] {
            case nil: rawObjects = []
            case .array(let list)?: rawObjects = list
            case let other?: throw STIXError.notSTIX(reason: "the bundle's 'objects' is a \(other.kindName), not a list")
            }
        case .object(let top) where top["type"] != nil:
            rawObjects = [.object(top)]
        case .object:
            throw STIXError.notSTIX(reason: "a JSON object without 'type' is neither a bundle nor a STIX object")
        case .array(let list):
            rawObjects = list
        default:
            throw STIXError.notSTIX(reason: "expected a bundle, an object or a list of objects, found a \(json.kindName)")
        }
        if let declaredVersion, declaredVersion != "2.0" && declaredVersion != "2.1" {
            throw STIXError.notSTIX(reason: "unsupported bundle spec_version \"\(declaredVersion)\" (2.0 and 2.1 are read)")
        }

        var issues: [ValidationIssue] = []
        var candidates: [Candidate] = []
        candidates.reserveCapacity(rawObjects.count)
        for (index, raw) in rawObjects.enumerated() {
            guard var members = raw.objectValue else {
                issues.append(ValidationIssue(.error, objectIndex: index, message: "is a \(raw.kindName), not an object"))
                continue
            }
            let upgraded = SpecUpgrade.isVersion20(members)
            if upgraded { members = SpecUpgrade.upgrade(members) }
            do {
                candidates.append(Candidate(index: index, object: try STIXObject(members), upgraded: upgraded))
            } catch {
                var issue = error
                issue.objectIndex = index
                issues.append(issue)
            }
        }

        // References may name any type present in the same content.
        let validator = STIXValidator(knownTypes: knownTypes.union(candidates.map(\.object.type)))
        let found = candidates.concurrentMap { validator.validate($0.object, index: $0.index) }
        var objects: [STIXObject] = []
        objects.reserveCapacity(candidates.count)
        var upgradedCount = 0
        for (candidate, candidateIssues) in zip(candidates, found) {
            issues.append(contentsOf: candidateIssues)
            if !candidateIssues.contains(where: { $0.severity == .error }) {
                objects.append(candidate.object)
                if candidate.upgraded { upgradedCount += 1 }
            }
        }
        issues.sort { ($0.objectIndex ?? 0) < ($1.objectIndex ?? 0) }
        return DecodedBundle(
            bundleID: bundleID, declaredSpecVersion: declaredVersion, objects: objects, upgradedCount: upgradedCount,
            issues: issues, totalCount: rawObjects.count)
    }

    /// An object read from the content, before validation.
    private struct Candidate: Sendable {
        var index: Int
        var object: STIXObject
        var upgraded: Bool
    }
}
