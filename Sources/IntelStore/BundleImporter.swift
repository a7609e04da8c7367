import STIX
import Synchronization

/// Imports STIX content into a store: validates the objects, works out each one's TLP level,
/// ingests the valid ones in one transaction, and reports relationships whose endpoints are
/// neither in the content nor in the store.
///
/// Objects are validated batch by batch while the store writes the previous batch. A dangling
/// relationship is kept and reported as a warning (feeds often reference objects sent
/// separately). In strict mode any refused object refuses the whole content and the store is
/// left as it was.
public struct BundleImporter: Sendable {
    public let store: any IntelStore
    /// Objects validated and handed to the store at a time.
    public var batchSize = 2_048
    /// Where parsing and validation run.
    public var executor: ParallelExecutor

    public init(store: any IntelStore, executor: ParallelExecutor = .shared) {
        self.store = store
        self.executor = executor
    }

    /// Properties whose targets must exist for the relationship to mean anything.
    static let endpointProperties: Set<String> = [
        "source_ref", "target_ref", "sighting_of_ref", "where_sighted_refs", "observed_data_refs",
    ]

    /// Decides whether a valid object may be stored: nil to store it, else why not (the
    /// object is then refused like an invalid one).
    public typealias Admission = @Sendable (StoredObject) -> String?

    /// Parses, validates and imports the bytes of one file (into a `members` collection too,
    /// when one is named).
    public func importContent(
        _ bytes: [UInt8], source: String, strict: Bool, collection: String? = nil, admit: Admission? = nil
    ) async throws -> ImportReport {
        let knownTypes = try await store.storedTypes()
        let content: BundleContent
        do {
            content = try STIXBundleReader.content(bytes, knownTypes: knownTypes, executor: executor)
        } catch {
            throw ImportFailure(source: source, error: error)
        }
        return try await importContent(content, source: source, strict: strict, collection: collection, admit: admit)
    }

    /// Validates and imports content that has been read.
    public func importContent(
        _ content: BundleContent, source: String, strict: Bool, collection: String? = nil, admit: Admission? = nil
    ) async throws -> ImportReport {
        let markings = try await tlpMarkings(for: content)
        let collector = BatchCollector()
        // Valid objects with their levels, less those `admit` refuses (they become errors).
        let admitted = { @Sendable (validated: BundleContent.Validated) -> (BundleContent.Validated, [StoredObject]) in
            var result = validated
            var stored: [StoredObject] = []
            result.objects = validated.objects.filter { object in
                let candidate = StoredObject(object, tlp: markings.level(of: object))
                if let reason = admit?(candidate) {
                    result.issues.append(
                        ValidationIssue(.error, objectID: object.id.rawValue, objectType: object.type, objectName: object.name, message: reason))
                    return false
                }
                stored.append(candidate)
                return true
            }
            return (result, stored)
        }
        let batches: IngestBatches
        if strict {
            // Strict mode must see every error before writing anything.
            let (all, stored) = admitted(content.validate(0..<content.candidates.count))
            let errors = (content.readIssues + all.issues).filter { $0.refuses(strict: true) }
            if !errors.isEmpty { throw IntelStoreError.refusedStrict(source: source, issues: errors) }
            collector.record(0, all)
            batches = IngestBatches(stored)
        } else {
            let size = max(1, batchSize)
            batches = IngestBatches(count: (content.candidates.count + size - 1) / size) { index in
                let (validated, stored) = admitted(content.validate(index * size..<min((index + 1) * size, content.candidates.count)))
                collector.record(index, validated)
                return stored
            }
        }
        let outcomes = try await store.ingest(batches, into: collection)

        let validated = collector.inOrder()
        let objects = validated.flatMap(\.objects)
        var issues = content.readIssues + validated.flatMap(\.issues)
        issues.append(contentsOf: try await danglingReferences(in: objects))
        issues.sort { ($0.objectIndex ?? Int.max) < ($1.objectIndex ?? Int.max) }

        var counts: [String: ImportReport.Counts] = [:]
        for (object, outcome) in zip(objects, outcomes) { counts[object.type, default: .init()].add(outcome) }
        // Refused objects count under their type; one object may have several errors.
        var refused: [String: String] = [:]
        for issue in issues where issue.severity == .error {
            refused[issue.objectID ?? "#\(issue.objectIndex ?? -1)"] = issue.objectType ?? "(unknown type)"
        }
        for type in refused.values { counts[type, default: .init()].rejected += 1 }
        return ImportReport(
            source: source, bundleID: content.bundleID, declaredSpecVersion: content.declaredSpecVersion,
            upgradedCount: validated.map(\.upgradedCount).reduce(0, +), countsByType: counts, issues: issues,
            imported: zip(objects, outcomes).map { object, outcome in
                ImportReport.ImportedVersion(id: object.id.rawValue, version: object.versionTimestamp, outcome: outcome)
            })
    }

    /// Endpoints of the stored relationships and sightings that the store does not hold, now
    /// that the content is in it.
    private func danglingReferences(in objects: [STIXObject]) async throws -> [ValidationIssue] {
        var wanted: [(object: STIXObject, property: String, id: String)] = []
        for object in objects where object.objectType.category == .relationship {
            for reference in object.references where BundleImporter.endpointProperties.contains(reference.property) {
                wanted.append((object, reference.property, reference.id))
            }
        }
        guard !wanted.isEmpty else { return [] }
        let stored = try await store.existing(ids: Set(wanted.map(\.id)))
        return wanted.filter { !stored.contains($0.id) }.map { item in
            ValidationIssue(
                .warning, objectID: item.object.id.rawValue, objectType: item.object.type, objectName: item.object.name,
                property: item.property, message: "points to '\(item.id)', which is neither in this content nor in the store")
        }
    }

    /// TLP levels of the marking definitions the content uses: well-known ids, valid definitions
    /// in the content, and definitions already in the store.
    private func tlpMarkings(for content: BundleContent) async throws -> TLPMarkings {
        var markings = TLPMarkings()
        var inContent: Set<String> = []
        for candidate in content.candidates where candidate.object.type == "marking-definition" {
            let errors = content.validator.validate(candidate.object).filter { $0.severity == .error }
            guard errors.isEmpty else { continue }
            markings.learn(candidate.object)
            inContent.insert(candidate.object.id.rawValue)
        }
        var unknown: Set<String> = []
        for candidate in content.candidates {
            for ref in candidate.object.objectMarkingRefs where TLPMarkings.wellKnown[ref] == nil && !inContent.contains(ref) {
                unknown.insert(ref)
            }
        }
        if !unknown.isEmpty {
            for stored in try await store.latest(ids: Array(unknown)) { markings.learn(stored.object) }
        }
        return markings
    }
}

/// What each batch's validation found, gathered from whichever thread produced it.
private final class BatchCollector: Sendable {
    private let batches = Mutex<[Int: BundleContent.Validated]>([:])

    func record(_ index: Int, _ validated: BundleContent.Validated) {
        batches.withLock { $0[index] = validated }
    }

    func inOrder() -> [BundleContent.Validated] {
        batches.withLock { batches in batches.keys.sorted().compactMap { batches[$0] } }
    }
}

/// Content that could not be read at all, with the file it came from.
public struct ImportFailure: Error, Sendable, CustomStringConvertible {
    public var source: String
    public var error: STIXError

    public var description: String { "\(source): \(error)" }
}
