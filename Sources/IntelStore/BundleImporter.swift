import STIX

/// Imports decoded STIX content into a store: checks references against the bundle and the
/// store, works out each object's TLP level, and ingests the valid objects in one transaction.
///
/// A relationship or sighting whose endpoint is neither in the content nor in the store is
/// kept and reported as a warning (feeds often reference objects sent separately). In strict
/// mode any refused object refuses the whole content and the store is left as it was.
public struct BundleImporter: Sendable {
    public let store: any IntelStore

    public init(store: any IntelStore) {
        self.store = store
    }

    /// Properties whose targets must exist for the relationship to mean anything.
    static let endpointProperties: Set<String> = [
        "source_ref", "target_ref", "sighting_of_ref", "where_sighted_refs", "observed_data_refs",
    ]

    /// Parses, validates and imports the bytes of one file.
    public func importContent(_ bytes: [UInt8], source: String, strict: Bool) async throws -> ImportReport {
        let knownTypes = try await store.storedTypes()
        let decoded: DecodedBundle
        do {
            decoded = try STIXBundleReader.read(bytes, knownTypes: knownTypes)
        } catch {
            throw ImportFailure(source: source, error: error)
        }
        return try await importBundle(decoded, source: source, strict: strict)
    }

    /// Imports already decoded content.
    public func importBundle(_ decoded: DecodedBundle, source: String, strict: Bool) async throws -> ImportReport {
        if strict && !decoded.errors.isEmpty {
            throw IntelStoreError.refusedStrict(source: source, issues: decoded.errors)
        }
        var issues = decoded.issues
        issues.append(contentsOf: try await danglingReferences(in: decoded.objects))

        let markings = try await tlpMarkings(for: decoded.objects)
        let items = decoded.objects.map { StoredObject($0, tlp: markings.level(of: $0)) }
        let outcomes = try await store.ingest(items)

        var counts: [String: ImportReport.Counts] = [:]
        for (item, outcome) in zip(items, outcomes) { counts[item.type, default: .init()].add(outcome) }
        // Refused objects count under their type; one object may have several errors.
        var refused: [String: String] = [:]
        for issue in decoded.errors {
            let key = issue.objectID ?? "#\(issue.objectIndex ?? -1)"
            refused[key] = issue.objectType ?? "(unknown type)"
        }
        for type in refused.values { counts[type, default: .init()].rejected += 1 }
        issues.sort { ($0.objectIndex ?? Int.max) < ($1.objectIndex ?? Int.max) }
        return ImportReport(
            source: source, bundleID: decoded.bundleID, declaredSpecVersion: decoded.declaredSpecVersion, upgradedCount: decoded.upgradedCount,
            countsByType: counts, issues: issues)
    }

    private func danglingReferences(in objects: [STIXObject]) async throws -> [ValidationIssue] {
        let present = Set(objects.map(\.id.rawValue))
        var wanted: [(object: STIXObject, property: String, id: String)] = []
        for object in objects where object.objectType.category == .relationship {
            for reference in object.references where BundleImporter.endpointProperties.contains(reference.property) {
                if !present.contains(reference.id) { wanted.append((object, reference.property, reference.id)) }
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

    private func tlpMarkings(for objects: [STIXObject]) async throws -> TLPMarkings {
        var markings = TLPMarkings()
        var inContent: Set<String> = []
        for object in objects where object.type == "marking-definition" {
            markings.learn(object)
            inContent.insert(object.id.rawValue)
        }
        var unknown: Set<String> = []
        for object in objects {
            for ref in object.objectMarkingRefs where TLPMarkings.wellKnown[ref] == nil && !inContent.contains(ref) {
                unknown.insert(ref)
            }
        }
        if !unknown.isEmpty {
            for stored in try await store.latest(ids: Array(unknown)) { markings.learn(stored.object) }
        }
        return markings
    }
}

/// Content that could not be read at all, with the file it came from.
public struct ImportFailure: Error, Sendable, CustomStringConvertible {
    public var source: String
    public var error: STIXError

    public var description: String { "\(source): \(error)" }
}
