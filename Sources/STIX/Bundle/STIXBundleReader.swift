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
    /// Reads and validates content. `knownTypes` are custom types references may name besides
    /// those of the specification, `x-` types and the types present in the content.
    public static func read(_ bytes: [UInt8], knownTypes: Set<String> = [], executor: ParallelExecutor = .shared) throws(STIXError) -> DecodedBundle {
        try content(bytes, knownTypes: knownTypes, executor: executor).validateAll()
    }

    /// Validates parsed JSON.
    public static func decode(_ json: JSONValue, knownTypes: Set<String> = [], executor: ParallelExecutor = .shared) throws(STIXError) -> DecodedBundle {
        try content(json, knownTypes: knownTypes, executor: executor).validateAll()
    }

    /// Reads content without validating its objects yet, so that a caller can validate it in
    /// batches (and overlap that with storing earlier batches).
    /// Parsing and validation run on `executor`.
    public static func content(_ bytes: [UInt8], knownTypes: Set<String> = [], executor: ParallelExecutor = .shared) throws(STIXError) -> BundleContent {
        try content(JSONParser.parse(bytes, parallelListKey: "objects", executor: executor), knownTypes: knownTypes, executor: executor)
    }

    /// Parsed JSON as content: the bundle's envelope, and each object upgraded to 2.1 with its
    /// `type` and `id` checked.
    public static func content(_ json: JSONValue, knownTypes: Set<String> = [], executor: ParallelExecutor = .shared) throws(STIXError) -> BundleContent {
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

        let read = Array(rawObjects.enumerated()).concurrentMap(executor: executor) { index, raw -> Result<(BundleContent.Candidate, [ValidationIssue]), ValidationIssue> in
            guard var members = raw.objectValue else {
                return .failure(ValidationIssue(.error, objectIndex: index, message: "is a \(raw.kindName), not an object"))
            }
            let upgraded = SpecUpgrade.isVersion20(members)
            if upgraded { members = SpecUpgrade.upgrade(members) }
            // DISARM's techniques come under ATT&CK's names: read them as DISARM's.
            members = DISARM.separated(members).object
            do throws(ValidationIssue) {
                let (object, repairs) = URLRepair.trimmingURLs(try STIXObject(members), index: index)
                return .success((BundleContent.Candidate(index: index, object: object, upgraded: upgraded), repairs))
            } catch {
                var issue = error
                issue.objectIndex = index
                return .failure(issue)
            }
        }
        var candidates: [BundleContent.Candidate] = []
        candidates.reserveCapacity(read.count)
        var issues: [ValidationIssue] = []
        for result in read {
            switch result {
            case .success(let (candidate, repairs)):
                candidates.append(candidate)
                issues.append(contentsOf: repairs)
            case .failure(let issue): issues.append(issue)
            }
        }
        // References may name any type present in the same content.
        let validator = STIXValidator(knownTypes: knownTypes.union(candidates.map(\.object.type)))
        return BundleContent(
            bundleID: bundleID, declaredSpecVersion: declaredVersion, candidates: candidates, readIssues: issues,
            totalCount: rawObjects.count, validator: validator, executor: executor)
    }
}
