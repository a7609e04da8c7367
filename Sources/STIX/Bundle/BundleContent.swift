/// STIX content read from a file whose objects are not validated yet.
///
/// `validate(_:)` checks a range of the objects and can be called batch by batch, from any
/// thread; `validateAll()` checks everything at once. Objects that could not even be read as
/// STIX objects (not a JSON object, no usable `type` or `id`) are in `readIssues`.
public struct BundleContent: Sendable {
    /// An object read from the content, upgraded to 2.1, before validation.
    public struct Candidate: Sendable {
        /// Position in the content's list of objects.
        public var index: Int
        public var object: STIXObject
        /// Whether it was a STIX 2.0 object.
        public var upgraded: Bool
    }

    /// The outcome of validating some candidates.
    public struct Validated: Sendable {
        /// Candidates without errors, in content order.
        public var objects: [STIXObject]
        public var upgradedCount: Int
        public var issues: [ValidationIssue]
    }

    public var bundleID: String?
    public var declaredSpecVersion: String?
    public var candidates: [Candidate]
    /// Problems of objects that could not become candidates.
    public var readIssues: [ValidationIssue]
    /// Number of objects in the content, unreadable ones included.
    public var totalCount: Int
    /// The validator, knowing the types present in the content.
    public var validator: STIXValidator
    /// Where validation runs.
    public var executor: ParallelExecutor = .shared

    public init(
        bundleID: String?, declaredSpecVersion: String?, candidates: [Candidate], readIssues: [ValidationIssue], totalCount: Int,
        validator: STIXValidator, executor: ParallelExecutor = .shared
    ) {
        self.bundleID = bundleID
        self.declaredSpecVersion = declaredSpecVersion
        self.candidates = candidates
        self.readIssues = readIssues
        self.totalCount = totalCount
        self.validator = validator
        self.executor = executor
    }

    /// Validates `candidates[range]`, spreading the work over the executor's threads.
    public func validate(_ range: Range<Int>) -> Validated {
        let slice = Array(candidates[range])
        let found = slice.concurrentMap(executor: executor) { validator.validate($0.object, index: $0.index) }
        var validated = Validated(objects: [], upgradedCount: 0, issues: [])
        validated.objects.reserveCapacity(slice.count)
        for (candidate, issues) in zip(slice, found) {
            validated.issues.append(contentsOf: issues)
            if !issues.contains(where: { $0.severity == .error }) {
                validated.objects.append(candidate.object)
                if candidate.upgraded { validated.upgradedCount += 1 }
            }
        }
        return validated
    }

    /// Validates every candidate.
    public func validateAll() -> DecodedBundle {
        let validated = validate(0..<candidates.count)
        let issues = (readIssues + validated.issues).sorted { ($0.objectIndex ?? 0) < ($1.objectIndex ?? 0) }
        return DecodedBundle(
            bundleID: bundleID, declaredSpecVersion: declaredSpecVersion, objects: validated.objects,
            upgradedCount: validated.upgradedCount, issues: issues, totalCount: totalCount)
    }
}
