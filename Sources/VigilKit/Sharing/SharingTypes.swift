import IntelStore
import STIX

/// Who is asking: an authenticated user and the address the request came from.
public struct SharingRequester: Sendable {
    public var user: VigilUser
    public var address: String?

    public init(user: VigilUser, address: String?) {
        self.user = user
        self.address = address
    }
}

/// Why a sharing call was refused, in terms a protocol maps to its own statuses.
public enum SharingError: Error, Sendable, CustomStringConvertible {
    /// No such API root, collection, object or status, or one the requester may not know of.
    case notFound(String)
    /// The requester may not do this.
    case forbidden(String)
    /// A parameter or the body is malformed.
    case badRequest(String)
    /// The body is larger than the API root accepts.
    case tooLarge(limit: Int)
    /// Too much work is waiting; try later.
    case unavailable(String)
    /// The store failed.
    case store(IntelStoreError)

    public var description: String {
        switch self {
        case .notFound(let what), .forbidden(let what), .badRequest(let what), .unavailable(let what): return what
        case .tooLarge(let limit): return "the body is larger than this API root's max_content_length (\(limit) bytes)"
        case .store(let error): return error.description
        }
    }
}

/// The filters and paging of a request for objects (TAXII's `match[...]`, `added_after`,
/// `next`, `limit`).
public struct SharingFilter: Sendable {
    public var ids: Set<String> = []
    public var types: Set<String> = []
    public var versions: VersionSelection = .last
    public var specVersions: Set<String> = []
    public var addedAfter: DateAdded?
    public var next: PageCursor?
    /// The page size asked; nil: the server's largest.
    public var limit: Int?

    public init() {}
}

/// A collection as one requester sees it.
public struct SharedCollection: Sendable, Hashable {
    public var id: String
    public var alias: String
    public var title: String
    public var description: String
    public var canRead: Bool
    public var canWrite: Bool
}

/// A page of object versions, oldest added first.
public struct SharedPage: Sendable {
    public var items: [PagedObject]
    public var more: Bool
    /// Where the next page starts (TAXII's `next`); nil on the last page.
    public var next: String?

    public var firstAdded: DateAdded? { items.first?.dateAdded }
    public var lastAdded: DateAdded? { items.last?.dateAdded }
}

extension PagedObject {
    /// The version TAXII names: `modified`, else `created`, else the date it was added.
    public var versionText: String { version ?? dateAdded.timestamp.text }
}

/// What became of the objects of one add request (TAXII's status resource).
public struct AddStatus: Sendable {
    /// One object's outcome.
    public struct Detail: Sendable, Hashable {
        public var id: String
        public var version: String?
        public var message: String?
    }

    public var id: String
    /// The user who made the request; only they may read the status.
    public var owner: String
    public var apiRoot: String
    public var complete: Bool
    public var requestTimestamp: String
    public var successes: [Detail]
    public var failures: [Detail]
    public var pendings: [Detail]

    public var totalCount: Int { successes.count + failures.count + pendings.count }
}
