import Foundation
import IntelStore
import STIX
import Synchronization

/// The sharing application: which collections a requester sees, what they may read of them
/// (rights and TLP clearance, applied by the store before paging), adding objects, deleting
/// them, and the status of adds. TAXII routes and the web UI are shells over it.
///
/// Every write, every refused read and every refused write is written to the audit log.
public struct SharingService: Sendable {
    /// A configured collection with the id its store record has.
    public struct ResolvedCollection: Sendable {
        public var id: String
        public var root: String
        public var configuration: SharingConfiguration.Collection
    }

    public let store: any VigilStore
    public let configuration: SharingConfiguration
    public let audit: AuditTrail
    let collections: [ResolvedCollection]
    let statuses: AddStatusBook
    let imports: ImportGate
    let executor: ParallelExecutor

    /// Makes the configured collections exist in the store as configured (found by alias,
    /// created when missing, updated when changed), then serves them.
    public static func start(
        store: any VigilStore, configuration: SharingConfiguration, audit: AuditTrail, executor: ParallelExecutor = .serial
    ) async throws(VigilError) -> SharingService {
        var resolved: [ResolvedCollection] = []
        for (root, wanted) in configuration.allCollections {
            let record = try await VigilError.wrapping {
                let existing = try await store.collection(wanted.alias)
                let id = wanted.id ?? existing?.id ?? UUID().uuidString.lowercased()
                let record = IntelCollection(
                    id: id, alias: wanted.alias, title: wanted.title, description: wanted.description, content: wanted.content,
                    maximumTLP: wanted.maximumTLP, types: wanted.types)
                if let existing, existing.id != id {
                    throw VigilError.invalid(
                        "collection '\(wanted.alias)' has id \(existing.id) in the store, but the configuration says \(id)")
                }
                if existing == nil {
                    try await store.createCollection(record)
                } else if existing != record {
                    try await store.updateCollection(record)
                }
                return record
            }
            resolved.append(ResolvedCollection(id: record.id, root: root, configuration: wanted))
        }
        return SharingService(
            store: store, configuration: configuration, audit: audit, collections: resolved, statuses: AddStatusBook(),
            imports: ImportGate(), executor: executor)
    }

    // MARK: Discovery and collections

    /// The API root of a path, or 404.
    public func apiRoot(_ path: String) throws(SharingError) -> SharingConfiguration.APIRoot {
        guard let root = configuration.apiRoots.first(where: { $0.path == path }) else { throw .notFound("no API root '\(path)'") }
        return root
    }

    /// The collections of an API root the requester may read or write.
    public func collections(root path: String, for requester: SharingRequester) throws(SharingError) -> [SharedCollection] {
        _ = try apiRoot(path)
        return collections.filter { $0.root == path }.compactMap { shared($0, for: requester.user) }
    }

    /// One collection by id or alias, or 404 when the requester may neither read nor write it.
    public func collection(root path: String, _ reference: String, for requester: SharingRequester) async throws(SharingError) -> SharedCollection {
        let resolved = try resolve(root: path, reference)
        guard let view = shared(resolved, for: requester.user) else {
            await deny(requester, resolved, action: "collection", writing: false)
            throw .notFound("no collection '\(reference)'")
        }
        return view
    }

    // MARK: Reading

    /// A page of a collection's objects.
    public func objects(
        root path: String, collection reference: String, filter: SharingFilter, for requester: SharingRequester
    ) async throws(SharingError) -> SharedPage {
        let resolved = try await readable(root: path, reference, for: requester, action: "objects")
        return try await page(resolved, filter: filter, for: requester.user)
    }

    /// A page of a collection's manifest: the same versions as `objects`, without their content.
    public func manifest(
        root path: String, collection reference: String, filter: SharingFilter, for requester: SharingRequester
    ) async throws(SharingError) -> SharedPage {
        let resolved = try await readable(root: path, reference, for: requester, action: "manifest")
        return try await page(resolved, filter: filter, for: requester.user, withContent: false)
    }

    /// The versions of one object that the filter selects; 404 when the requester sees none
    /// of its versions (whether it exists or not is not told).
    public func object(
        root path: String, collection reference: String, id: String, filter: SharingFilter, for requester: SharingRequester,
        action: String = "object"
    ) async throws(SharingError) -> SharedPage {
        let resolved = try await readable(root: path, reference, for: requester, action: action)
        var filter = filter
        filter.ids = [id]
        let page = try await page(resolved, filter: filter, for: requester.user, withContent: action == "object")
        if page.items.isEmpty, filter.next == nil {
            var any = SharingFilter()
            any.ids = [id]
            any.versions = .all
            any.limit = 1
            if try await self.page(resolved, filter: any, for: requester.user, withContent: false).items.isEmpty {
                throw .notFound("no object '\(id)' in collection '\(reference)'")
            }
        }
        return page
    }

    // MARK: Writing

    /// Adds the objects of a TAXII envelope (or a bundle) to a collection: each is validated;
    /// those above the collection's TLP ceiling or of types it does not hold are refused.
    /// The status is complete when this returns.
    public func add(
        root path: String, collection reference: String, body: [UInt8], for requester: SharingRequester
    ) async throws(SharingError) -> AddStatus {
        let resolved = try await writable(root: path, reference, for: requester, action: "write")
        guard body.count <= configuration.maxContentLength else { throw .tooLarge(limit: configuration.maxContentLength) }
        let requested = AuditTrail.now()
        let content = try await parseEnvelope(body)
        let report: ImportReport
        do {
            report = try await imports.run {
                try await BundleImporter(store: store, executor: executor).importContent(
                    content, source: "taxii:\(requester.user.name)", strict: false,
                    collection: resolved.configuration.content == .members ? resolved.id : nil,
                    admit: admission(for: resolved.configuration))
            }
        } catch let error as SharingError {
            throw error
        } catch let error as IntelStoreError {
            throw .store(error)
        } catch {
            throw .badRequest(String(describing: error))
        }
        let status = AddStatus(
            id: UUID().uuidString.lowercased(), owner: requester.user.name, apiRoot: path, complete: true, requestTimestamp: requested,
            successes: report.imported.map { AddStatus.Detail(id: $0.id, version: $0.version?.text, message: nil) },
            failures: failures(of: report), pendings: [])
        statuses.keep(status)
        await audit.record(
            AuditEntry(
                time: AuditTrail.now(), user: requester.user.name, address: requester.address, action: "write",
                collection: resolved.configuration.alias, objectIDs: report.imported.map(\.id), decision: .allowed,
                detail: "\(status.successes.count) stored, \(status.failures.count) refused; status \(status.id)"))
        return status
    }

    /// Deletes the versions of an object the filter selects, among those the requester may
    /// see: from the collection's members, or from the store for a collection of everything.
    public func delete(
        root path: String, collection reference: String, id: String, filter: SharingFilter, for requester: SharingRequester
    ) async throws(SharingError) -> Int {
        let resolved = try await writable(root: path, reference, for: requester, action: "delete")
        var selection = filter
        selection.ids = [id]
        selection.next = nil
        var visible: [PagedObject] = []
        repeat {
            let page = try await page(resolved, filter: selection, for: requester.user, withContent: false)
            visible += page.items
            selection.next = page.next.flatMap(PageCursor.init)
        } while selection.next != nil
        guard !visible.isEmpty else { throw .notFound("no object '\(id)' in collection '\(reference)'") }
        let removed = try await storeCall {
            if resolved.configuration.content == .members {
                // Cyber-observables have one version and no timestamp: that version is all of them.
                let instants = visible.compactMap { $0.version.flatMap { try? STIXTimestamp($0) } }
                return try await store.removeFromCollection(
                    resolved.id, id: id, versions: instants.count == visible.count ? .at(instants) : .all)
            }
            return try await store.deleteVersions(id: id, keys: Set(visible.map(\.versionKey)))
        }
        await audit.record(
            AuditEntry(
                time: AuditTrail.now(), user: requester.user.name, address: requester.address, action: "delete",
                collection: resolved.configuration.alias, objectIDs: [id], decision: .allowed,
                detail: "\(removed) version(s): \(visible.map(\.versionText).joined(separator: ", "))"))
        return removed
    }

    /// The status of an add the requester made.
    public func status(root path: String, id: String, for requester: SharingRequester) throws(SharingError) -> AddStatus {
        _ = try apiRoot(path)
        guard let status = statuses.status(id), status.owner == requester.user.name, status.apiRoot == path else {
            throw .notFound("no status '\(id)'")
        }
        return status
    }

    // MARK: Rules

    /// The clearance a user reads a collection with.
    public func clearance(of user: VigilUser, in collection: SharingConfiguration.Collection) -> ReaderClearance {
        let ownOrganisation = configuration.organisation != nil && user.organisation == configuration.organisation
        return ReaderClearance(
            maximum: user.clearance, amberStrict: ownOrganisation && user.clearance >= .amberStrict,
            red: user.clearance == .red && collection.redReaders.contains(user.name), unmarked: configuration.unmarkedTLP)
    }

    /// Whether a user may read and write a collection.
    public func rights(of user: VigilUser, in collection: ResolvedCollection) -> (read: Bool, write: Bool) {
        let names: Set<String> = ["*", collection.id, collection.configuration.alias]
        return (collection.configuration.everyoneReads || user.read.contains(where: names.contains), user.write.contains(where: names.contains))
    }

    private func shared(_ collection: ResolvedCollection, for user: VigilUser) -> SharedCollection? {
        let (read, write) = rights(of: user, in: collection)
        guard read || write else { return nil }
        let configured = collection.configuration
        return SharedCollection(
            id: collection.id, alias: configured.alias, title: configured.title, description: configured.description, canRead: read,
            canWrite: write)
    }

    /// What may be stored in a collection: nothing above its ceiling or outside its types.
    private func admission(for collection: SharingConfiguration.Collection) -> BundleImporter.Admission {
        let unmarked = configuration.unmarkedTLP
        return { stored in
            if !collection.types.isEmpty && !collection.types.contains(stored.type) {
                return "collection '\(collection.alias)' holds only \(collection.types.joined(separator: ", "))"
            }
            if let ceiling = collection.maximumTLP, stored.effectiveTLP(unmarked: unmarked) > ceiling {
                let level = stored.tlp.map(\.label) ?? "unmarked (counted as \(unmarked.label))"
                return "\(level) is above the ceiling of collection '\(collection.alias)', \(ceiling.label)"
            }
            return nil
        }
    }

    private func failures(of report: ImportReport) -> [AddStatus.Detail] {
        var order: [String] = []
        var messages: [String: [String]] = [:]
        for issue in report.errors {
            let id = issue.objectID ?? "object \(issue.objectIndex.map(String.init) ?? "?") of the envelope"
            if messages[id] == nil { order.append(id) }
            messages[id, default: []].append(issue.property.map { "\($0): " + issue.message } ?? issue.message)
        }
        return order.map { AddStatus.Detail(id: $0, version: nil, message: messages[$0]?.joined(separator: "; ")) }
    }

    private func parseEnvelope(_ body: [UInt8]) async throws(SharingError) -> BundleContent {
        let json: JSONValue
        do {
            json = try JSONParser.parse(body, parallelListKey: "objects", executor: executor)
        } catch {
            throw .badRequest("the body is not JSON: \(error)")
        }
        guard case .object(let envelope) = json, case .array(let objects)? = envelope["objects"] else {
            throw .badRequest("the body must be a TAXII envelope: a JSON object with an 'objects' list")
        }
        let knownTypes = (try? await store.storedTypes()) ?? []
        do {
            return try STIXBundleReader.content(.array(objects), knownTypes: knownTypes, executor: executor)
        } catch {
            throw .badRequest(error.description)
        }
    }

    // MARK: Resolution and rights

    private func resolve(root path: String, _ reference: String) throws(SharingError) -> ResolvedCollection {
        _ = try apiRoot(path)
        let wanted = reference.lowercased()
        guard let resolved = collections.first(where: { $0.root == path && ($0.id == wanted || $0.configuration.alias == reference) }) else {
            throw .notFound("no collection '\(reference)'")
        }
        return resolved
    }

    private func readable(root path: String, _ reference: String, for requester: SharingRequester, action: String) async throws(SharingError)
        -> ResolvedCollection
    {
        try await authorized(root: path, reference, for: requester, action: action, writing: false)
    }

    private func writable(root path: String, _ reference: String, for requester: SharingRequester, action: String) async throws(SharingError)
        -> ResolvedCollection
    {
        try await authorized(root: path, reference, for: requester, action: action, writing: true)
    }

    /// The collection, when the requester has the right asked for; a requester with the other
    /// right gets 403, one with neither 404 (they may not know it exists).
    private func authorized(
        root path: String, _ reference: String, for requester: SharingRequester, action: String, writing: Bool
    ) async throws(SharingError) -> ResolvedCollection {
        let resolved = try resolve(root: path, reference)
        let (read, write) = rights(of: requester.user, in: resolved)
        guard writing ? write : read else {
            await deny(requester, resolved, action: action, writing: writing)
            guard writing ? read : write else { throw .notFound("no collection '\(reference)'") }
            throw .forbidden("you may not \(writing ? "write to" : "read") collection '\(reference)'")
        }
        return resolved
    }

    private func deny(_ requester: SharingRequester, _ collection: ResolvedCollection, action: String, writing: Bool) async {
        await audit.record(
            AuditEntry(
                time: AuditTrail.now(), user: requester.user.name, address: requester.address, action: action,
                collection: collection.configuration.alias, decision: .denied, detail: "no \(writing ? "write" : "read") right"))
    }

    private func page(
        _ collection: ResolvedCollection, filter: SharingFilter, for user: VigilUser, withContent: Bool = true
    ) async throws(SharingError) -> SharedPage {
        var query = ObjectQuery(
            collection: collection.id, ids: filter.ids, types: filter.types, versions: filter.versions, specVersions: filter.specVersions,
            addedAfter: filter.addedAfter, after: filter.next, limit: min(max(1, filter.limit ?? configuration.maxPageSize), configuration.maxPageSize),
            clearance: clearance(of: user, in: collection.configuration))
        query.withContent = withContent
        let page = try await storeCall { try await store.page(query) }
        return SharedPage(items: page.items, more: page.more, next: page.next?.description)
    }

    private func storeCall<T>(_ body: () async throws -> T) async throws(SharingError) -> T {
        do {
            return try await body()
        } catch let error as IntelStoreError {
            throw .store(error)
        } catch {
            throw .store(.database(location: "store", operation: "sharing", reason: String(describing: error)))
        }
    }
}

/// The statuses of recent adds, in memory: the newest `capacity` are kept.
final class AddStatusBook: Sendable {
    private let capacity: Int
    private let state = Mutex<(byID: [String: AddStatus], order: [String])>(([:], []))

    init(capacity: Int = 10_000) { self.capacity = capacity }

    func keep(_ status: AddStatus) {
        state.withLock { state in
            state.byID[status.id] = status
            state.order.append(status.id)
            while state.order.count > capacity { state.byID[state.order.removeFirst()] = nil }
        }
    }

    func status(_ id: String) -> AddStatus? { state.withLock { $0.byID[id.lowercased()] } }
}

/// Runs imports one at a time (the store has one writer, and an import's parsing takes a
/// thread); at most `waiting` wait, others are refused as unavailable.
actor ImportGate {
    private let waitingLimit: Int
    private var busy = false
    private var queue: [CheckedContinuation<Void, Never>] = []

    init(waiting: Int = 64) { waitingLimit = waiting }

    func run<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        if busy {
            guard queue.count < waitingLimit else { throw SharingError.unavailable("too many adds are waiting; try again shortly") }
            await withCheckedContinuation { queue.append($0) }
        }
        busy = true
        defer {
            if queue.isEmpty { busy = false } else { queue.removeFirst().resume() }
        }
        return try await body()
    }
}
