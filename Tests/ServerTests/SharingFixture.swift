import Foundation
import Hummingbird
import HummingbirdTesting
import IntelStore
import IntelStorePostgres
import IntelStoreSQLite
import NIOCore
import STIX
import Server
import TestSupport
import VigilKit

/// The store backends the server is tested on.
enum StoreKind: String, CaseIterable, Sendable, CustomStringConvertible {
    case memory, sqlite, postgres
    static var allCases: [StoreKind] { TestPostgres.isIncluded ? [.memory, .sqlite, .postgres] : [.memory, .sqlite] }
    var description: String { rawValue }

    /// A new, empty store of this kind (a SQLite file goes in `folder`).
    func make(in folder: TemporaryFolder) throws -> any VigilStore {
        switch self {
        case .memory: return MemoryIntelStore()
        case .sqlite: return try SQLiteIntelStore(path: folder.path("vigil.sqlite"))
        case .postgres: return try PostgresIntelStore(url: try TestPostgres.freshURL())
        }
    }
}

/// A store with users, a sharing configuration, and the server's router over them, for
/// requests made in process (HummingbirdTesting's router mode: no sockets).
struct SharingFixture {
    let store: any VigilStore
    let folder: TemporaryFolder
    let configuration: SharingConfiguration
    let audit: AuditTrail
    let service: SharingService
    let authenticator: Authenticator
    let desk: CaseDesk
    var passwords: [String: String] = [:]
    var tokens: [String: String] = [:]

    static let hasher = PasswordHasher(cost: 4)

    init(_ kind: StoreKind, configuration: SharingConfiguration = .standard, throttle: LoginThrottle.Policy = .init()) async throws {
        let folder = try TemporaryFolder()
        try await self.init(store: try kind.make(in: folder), folder: folder, configuration: configuration, throttle: throttle)
    }

    init(
        store: any VigilStore, folder: TemporaryFolder, configuration: SharingConfiguration = .standard, throttle: LoginThrottle.Policy = .init()
    ) async throws {
        self.folder = folder
        self.store = store
        self.configuration = configuration
        audit = AuditTrail(store: store)
        service = try await SharingService.start(store: store, configuration: configuration, audit: audit)
        authenticator = Authenticator(store: store, audit: audit, hasher: Self.hasher, throttle: LoginThrottle(policy: throttle))
        desk = CaseDesk(store: store, configuration: configuration, audit: audit)
    }

    /// Adds a user with a password and a token.
    mutating func addUser(
        _ name: String, clearance: TLPLevel, organisation: String? = nil, read: [String] = [], write: [String] = []
    ) async throws {
        let administration = UserAdministration(store: store, hasher: Self.hasher, actor: "test")
        let password = "password-of-\(name)"
        _ = try await administration.add(
            name, password: password, grant: .init(clearance: clearance, organisation: organisation, read: read, write: write))
        passwords[name] = password
        tokens[name] = try await administration.newToken(for: name).text
    }

    /// Imports objects into the store (or a members collection).
    func ingest(_ objects: [STIXObject], into collection: String? = nil) async throws {
        let bytes = STIXBundleWriter().bundle(objects)
        _ = try await IntelImport.importBytes(bytes, source: "fixture", into: store, collection: collection)
    }

    /// Runs requests against the server's router.
    func requests(_ body: @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        let server = VigilServer(store: store, configuration: configuration, options: .init())
        let application = Application(router: server.router(service: service, authenticator: authenticator, desk: desk))
        try await application.test(.router) { client in try await body(client) }
    }

    /// The Basic `Authorization` header of a user.
    func basic(_ name: String, password: String? = nil) -> HTTPFields {
        let secret = password ?? passwords[name] ?? ""
        return [.authorization: "Basic " + Data("\(name):\(secret)".utf8).base64EncodedString()]
    }

    func bearer(_ name: String) -> HTTPFields { [.authorization: "Bearer " + (tokens[name] ?? "")] }

    /// An indicator marked with a TLP level (nil: unmarked).
    static func indicator(_ number: Int, tlp: TLPLevel?, modified: String = "2024-01-01T00:00:00.000Z") throws -> STIXObject {
        let markings = tlp.map { ",\"object_marking_refs\":[\"\(TLPMarkings.tlp2ID($0))\"]" } ?? ""
        return try STIXObject(json: """
            {"type":"indicator","spec_version":"2.1","id":"indicator--\(String(format: "%08d", number))-0000-4000-8000-000000000000",
             "created":"2024-01-01T00:00:00.000Z","modified":"\(modified)","name":"indicator \(number) \(tlp?.name ?? "unmarked")",
             "pattern":"[ipv4-addr:value = '198.51.100.\(number % 250)']","pattern_type":"stix","valid_from":"2024-01-01T00:00:00Z"\(markings)}
            """)
    }
}

extension TestResponse {
    /// The body as JSON.
    var json: JSONValue { (try? JSONParser.parse(Array(body.readableBytesView))) ?? .null }
    var object: JSONObject { json.objectValue ?? JSONObject() }
    /// The ids of an envelope's objects (or of a manifest's records).
    var objectIDs: [String] { (object["objects"]?.arrayValue ?? []).compactMap { $0.objectValue?["id"]?.stringValue } }
}

extension HTTPFields {
    static func + (lhs: HTTPFields, rhs: HTTPFields) -> HTTPFields {
        var fields = lhs
        for field in rhs { fields.append(field) }
        return fields
    }
}
