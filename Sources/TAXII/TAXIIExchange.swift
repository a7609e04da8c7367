import Foundation
import IntelStore
import STIX
import VigilKit

/// `vigil taxii`: discovering a server, listing its collections, pulling a collection into
/// the store (resuming where the last pull ended) and pushing objects to one.
public struct TAXIIExchange: Sendable {
    public let client: TAXIIClient
    public let store: any VigilStore
    /// Who pulls or pushes, for the sync state key and the audit log.
    public let actor: String
    public var executor: ParallelExecutor = .shared

    public init(client: TAXIIClient, store: any VigilStore, actor: String) {
        self.client = client
        self.store = store
        self.actor = actor
    }

    // MARK: Pull

    /// What a pull did.
    public struct PullReport: Sendable {
        public var collection: TAXIIClient.RemoteCollection
        /// Where it started: the `added_after` used (the last pull's end, or `--since`).
        public var startedAfter: String?
        public var pages = 0
        public var counts = ImportReport.Counts()
        public var refused: [ValidationIssue] = []
        /// The `date_added` of the last object received; the next pull starts after it.
        public var lastAdded: String?
    }

    /// The sync state key of a collection for this client.
    func syncKey(_ collection: TAXIIClient.RemoteCollection) -> String { "taxii-pull \(collection.url) as \(actor)" }

    /// Pulls a collection's objects added after `since` (default: where the last pull ended)
    /// into the store, page by page; each page is one import, and the position is saved after
    /// each, so an interrupted pull resumes where it stopped.
    public func pull(
        _ collection: TAXIIClient.RemoteCollection, since: STIXTimestamp?, pageSize: Int = 1_000, progress: ProgressHandler? = nil
    ) async throws(VigilError) -> PullReport {
        let key = syncKey(collection)
        let start: String?
        if let since {
            start = since.text
        } else {
            start = try await VigilError.wrapping { try await store.syncState(key) }
        }
        var report = PullReport(collection: collection, startedAfter: start)
        var next: String?
        var after = start
        let importer = BundleImporter(store: store, executor: executor)
        while true {
            var url = collection.url + "objects/?limit=\(pageSize)"
            if let next {
                url += "&next=" + Self.encode(next)
            } else if let after {
                url += "&added_after=" + Self.encode(after)
            }
            let answer: TAXIIClient.Answer
            do {
                answer = try await client.get(url)
            } catch {
                throw .input(path: url, reason: error.message)
            }
            let envelope = answer.json.objectValue ?? JSONObject()
            let objects = envelope["objects"]?.arrayValue ?? []
            report.pages += 1
            if !objects.isEmpty {
                let imported = try await VigilError.wrapping {
                    let content = try STIXBundleReader.content(.array(objects), knownTypes: try await store.storedTypes(), executor: executor)
                    return try await importer.importContent(content, source: collection.url, strict: false)
                }
                report.counts = report.counts + imported.totals
                report.refused += imported.errors
                try await VigilError.wrapping {
                    try await store.appendAudit([
                        AuditEntry(
                            time: AuditTrail.now(), user: actor, address: nil, action: "pull", collection: collection.url,
                            objectIDs: imported.imported.map(\.id), decision: .allowed,
                            detail: "\(imported.totals.new) new, \(imported.totals.updated) updated, \(imported.totals.rejected) refused")
                    ])
                }
            }
            if let last = answer.dateAddedLast {
                report.lastAdded = last
                after = last
                try await VigilError.wrapping { try await store.setSyncState(key, value: last) }
            }
            progress?(.note("page \(report.pages): \(objects.count) object(s)"))
            let more = envelope["more"]?.boolValue ?? false
            next = envelope["next"]?.stringValue
            guard more, !objects.isEmpty else { break }
            // A server that says "more" without "next" is followed by date added.
            if next == nil && answer.dateAddedLast == nil { break }
        }
        return report
    }

    // MARK: Push

    /// What a push did, per object.
    public struct PushReport: Sendable {
        public var collection: TAXIIClient.RemoteCollection
        public var sent = 0
        public var envelopes = 0
        public var successes = 0
        /// Objects the server refused, with its reason.
        public var failures: [(id: String, message: String)] = []
        /// Objects whose status was still pending when waiting stopped.
        public var pending: [String] = []
    }

    /// Sends objects in envelopes that fit the API root's `max_content_length`, and waits on
    /// each one's status until it is complete (at most `wait` seconds).
    public func push(
        _ objects: [StoredObject], to collection: TAXIIClient.RemoteCollection, wait: Duration = .seconds(300), progress: ProgressHandler? = nil
    ) async throws(VigilError) -> PushReport {
        var report = PushReport(collection: collection)
        guard collection.canWrite else { throw .invalid("collection '\(collection.title)' is not writable by this user") }
        let root = String(collection.url[..<(collection.url.range(of: "/collections/")?.lowerBound ?? collection.url.endIndex)]) + "/"
        let limit: Int
        do {
            let information = try await client.get(root)
            limit = Int(information.json.objectValue?["max_content_length"]?.intValue ?? 10_485_760)
        } catch {
            throw .input(path: root, reason: error.message)
        }
        for envelope in Self.envelopes(objects, limit: limit) {
            let status: JSONObject
            do {
                var answer = try await client.post(collection.url + "objects/", body: envelope.body).json.objectValue ?? JSONObject()
                let deadline = ContinuousClock.now + wait
                var delay: Duration = .milliseconds(200)
                while answer["status"]?.stringValue != "complete", ContinuousClock.now < deadline, let id = answer["id"]?.stringValue {
                    try? await Task.sleep(for: delay)
                    delay = min(delay * 2, .seconds(5))
                    answer = try await client.get(root + "status/" + id + "/").json.objectValue ?? JSONObject()
                }
                status = answer
            } catch {
                throw .input(path: collection.url, reason: error.message)
            }
            report.envelopes += 1
            report.sent += envelope.ids.count
            report.successes += Int(status["success_count"]?.intValue ?? 0)
            for failure in status["failures"]?.arrayValue ?? [] {
                let object = failure.objectValue ?? JSONObject()
                report.failures.append((object["id"]?.stringValue ?? "?", object["message"]?.stringValue ?? "refused"))
            }
            report.pending += (status["pendings"]?.arrayValue ?? []).compactMap { $0.objectValue?["id"]?.stringValue }
            try await VigilError.wrapping {
                try await store.appendAudit([
                    AuditEntry(
                        time: AuditTrail.now(), user: actor, address: nil, action: "push", collection: collection.url, objectIDs: envelope.ids,
                        decision: .allowed, detail: "status \(status["id"]?.stringValue ?? "?"): \(status["status"]?.stringValue ?? "?")")
                ])
            }
            progress?(.note("envelope \(report.envelopes): \(envelope.ids.count) object(s)"))
        }
        return report
    }

    /// Objects packed into envelopes of at most `limit` bytes (an object larger than that
    /// goes alone, for the server to refuse).
    static func envelopes(_ objects: [StoredObject], limit: Int) -> [(body: [UInt8], ids: [String])] {
        let writer = JSONWriter()
        let opening = Array("{\"objects\":[".utf8)
        var result: [(body: [UInt8], ids: [String])] = []
        var body = opening
        var ids: [String] = []
        for stored in objects {
            var encoded: [UInt8] = []
            writer.write(stored.object.json, into: &encoded)
            if !ids.isEmpty && body.count + encoded.count + 3 > limit {
                body.append(contentsOf: "]}".utf8)
                result.append((body, ids))
                body = opening
                ids = []
            }
            if !ids.isEmpty { body.append(UInt8(ascii: ",")) }
            body += encoded
            ids.append(stored.id)
        }
        if !ids.isEmpty {
            body.append(contentsOf: "]}".utf8)
            result.append((body, ids))
        }
        return result
    }

    static func encode(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~:"))) ?? text
    }
}

/// What servers say of themselves and their collections.
extension TAXIIClient {
    /// What a discovery endpoint says.
    public struct Discovery: Sendable {
        public var title: String
        public var description: String?
        public var defaultRoot: String?
        public var apiRoots: [String]
    }

    /// A collection as a server lists it, with its URL.
    public struct RemoteCollection: Sendable {
        public var id: String
        public var title: String
        public var alias: String?
        public var description: String?
        public var canRead: Bool
        public var canWrite: Bool
        public var url: String
    }

    public func discover(_ url: String) async throws(TAXIIClientError) -> Discovery {
        let answer = try await get(url)
        let object = answer.json.objectValue ?? JSONObject()
        guard let title = object["title"]?.stringValue else { throw TAXIIClientError(url: url, status: nil, message: "not a discovery resource (no title)") }
        return Discovery(
            title: title, description: object["description"]?.stringValue, defaultRoot: object["default"]?.stringValue,
            apiRoots: (object["api_roots"]?.arrayValue ?? []).compactMap(\.stringValue))
    }

    /// The collections of an API root the server lists for this client.
    public func collections(apiRoot url: String) async throws(TAXIIClientError) -> [TAXIIClient.RemoteCollection] {
        let root = url.hasSuffix("/") ? url : url + "/"
        let answer = try await get(root + "collections/")
        return (answer.json.objectValue?["collections"]?.arrayValue ?? []).compactMap { value -> TAXIIClient.RemoteCollection? in
            guard let object = value.objectValue, let id = object["id"]?.stringValue else { return nil }
            return TAXIIClient.RemoteCollection(
                id: id, title: object["title"]?.stringValue ?? id, alias: object["alias"]?.stringValue,
                description: object["description"]?.stringValue, canRead: object["can_read"]?.boolValue ?? false,
                canWrite: object["can_write"]?.boolValue ?? false, url: root + "collections/" + id + "/")
        }
    }

    /// A collection named by URL: `APIROOT/collections/ID/`, or `APIROOT/NAME` where NAME is
    /// a collection's id, alias or title.
    public func collection(_ text: String) async throws(TAXIIClientError) -> TAXIIClient.RemoteCollection {
        let trimmed = text.hasSuffix("/") ? String(text.dropLast()) : text
        let root: String
        let reference: String
        if let range = trimmed.range(of: "/collections/") {
            root = String(trimmed[..<range.lowerBound]) + "/"
            reference = String(trimmed[range.upperBound...].split(separator: "/").first ?? "")
        } else if let slash = trimmed.lastIndex(of: "/"), trimmed[..<slash].contains("://") {
            root = String(trimmed[...slash])
            reference = String(trimmed[trimmed.index(after: slash)...])
        } else {
            throw TAXIIClientError(url: text, status: nil, message: "expected APIROOT/collections/ID/ or APIROOT/NAME")
        }
        let listed = try await collections(apiRoot: root)
        let decoded = reference.removingPercentEncoding ?? reference
        if let found = listed.first(where: { $0.id == decoded }) ?? listed.first(where: { $0.alias == decoded })
            ?? listed.first(where: { $0.title == decoded })
        {
            return found
        }
        throw TAXIIClientError(
            url: text, status: nil,
            message: "no collection '\(decoded)' among \(listed.map { $0.alias ?? $0.title }.joined(separator: ", ")) (those this user may see)")
    }
}
