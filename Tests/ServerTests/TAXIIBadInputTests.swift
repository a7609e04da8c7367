import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import IntelStore
import NIOCore
import STIX
import TestSupport
import Testing
import VigilKit

/// What the server answers to malformed, hostile or oversized requests: the right status, a
/// TAXII error body, and a store left as it was.
@Suite("TAXII server: bad input")
struct TAXIIBadInputTests {
    static let envelopeType: HTTPFields = [.contentType: "application/taxii+json;version=2.1"]

    static func fixture(_ kind: StoreKind = .sqlite) async throws -> SharingFixture {
        var fixture = try await SharingFixture(kind)
        try await fixture.addUser("amy", clearance: .amber, write: ["default"])
        try await fixture.ingest((0..<5).map { try SharingFixture.indicator($0, tlp: .green) })
        return fixture
    }

    @Test("malformed requests get 400, 404, 406, 413 or 415 with a TAXII error body, and change nothing", arguments: StoreKind.allCases)
    func malformed(_ kind: StoreKind) async throws {
        let fixture = try await Self.fixture(kind)
        let before = try await fixture.store.statistics()
        let longID = "indicator--" + String(repeating: "a", count: 10_000)
        let cases: [(String, HTTPRequest.Method, HTTPFields, String?, HTTPResponse.Status)] = [
            ("/api/collections/default/objects/", .post, Self.envelopeType, "{not json", .badRequest),
            ("/api/collections/default/objects/", .post, Self.envelopeType, "[1,2,3]", .badRequest),
            ("/api/collections/default/objects/", .post, Self.envelopeType, #"{"objects": "many"}"#, .badRequest),
            ("/api/collections/default/objects/", .post, [.contentType: "application/json"], #"{"objects":[]}"#, .unsupportedMediaType),
            ("/api/collections/default/objects/", .post, [:], #"{"objects":[]}"#, .unsupportedMediaType),
            ("/api/collections/default/objects/", .get, [.accept: "application/json"], nil, .notAcceptable),
            ("/api/collections/default/objects/", .get, [.accept: "application/taxii+json;version=2.0"], nil, .notAcceptable),
            ("/taxii2/", .get, [.accept: "text/html"], nil, .notAcceptable),
            ("/api/collections/../../../etc/passwd", .get, [:], nil, .notFound),
            ("/api/collections/%2e%2e%2f%2e%2e/objects/", .get, [:], nil, .notFound),
            ("/api/../taxii2/", .get, [:], nil, .notFound),
            ("/etc/passwd", .get, [:], nil, .notFound),
            ("/api/collections/default/objects/\(longID)/", .get, [:], nil, .badRequest),
            ("/api/collections/default/objects/not-an-id/", .get, [:], nil, .badRequest),
            ("/api/collections/default/objects/?match[id]=\(longID)", .get, [:], nil, .badRequest),
            ("/api/collections/default/objects/?match[colour]=red", .get, [:], nil, .badRequest),
            ("/api/collections/default/objects/?limit=-1", .get, [:], nil, .badRequest),
            ("/api/collections/default/objects/?next=..%2F..%2F", .get, [:], nil, .badRequest),
            ("/api/collections/default/objects/?added_after=yesterday", .get, [:], nil, .badRequest),
            ("/api/collections/default/objects/?fields=all&debug=1", .get, [:], nil, .ok),
            ("/api/collections/\(String(repeating: "x", count: 5_000))/objects/", .get, [:], nil, .notFound),
            ("/api/status/\(UUID().uuidString)/", .get, [:], nil, .notFound),
            ("/nothing/collections/", .get, [:], nil, .notFound),
            ("/api/collections/default/objects/", .put, Self.envelopeType, #"{"objects":[]}"#, .methodNotAllowed),
        ]
        try await fixture.requests { client in
            for (uri, method, headers, body, status) in cases {
                let response = try await client.execute(
                    uri: uri, method: method, headers: fixture.basic("amy") + headers, body: body.map { ByteBuffer(string: $0) })
                #expect(response.status == status, "\(method) \(uri.prefix(120))")
                if status != .ok {
                    #expect(response.object["http_status"]?.stringValue == String(status.code), "\(method) \(uri.prefix(120))")
                    #expect(response.headers[.contentType] == "application/taxii+json;version=2.1")
                }
            }
            // A body over max_content_length: refused from its declared length, and while it arrives.
            let large = ByteBuffer(repeating: UInt8(ascii: " "), count: fixture.configuration.maxContentLength + 1)
            let declared = try await client.execute(
                uri: "/api/collections/default/objects/", method: .post,
                headers: fixture.basic("amy") + Self.envelopeType + [.contentLength: String(large.readableBytes)], body: large)
            #expect(declared.status == .contentTooLarge)
            let streamed = try await client.execute(
                uri: "/api/collections/default/objects/", method: .post, headers: fixture.basic("amy") + Self.envelopeType, body: large)
            #expect(streamed.status == .contentTooLarge)
        }
        let after = try await fixture.store.statistics()
        #expect(after.versionCount == before.versionCount && after.objectsByType == before.objectsByType)
    }

    @Test("an envelope of 10,000 invalid objects: 202, a failure for each, nothing stored", arguments: StoreKind.allCases)
    func invalidObjects(_ kind: StoreKind) async throws {
        let fixture = try await Self.fixture(kind)
        let before = try await fixture.store.statistics().versionCount
        let objects = (0..<10_000).map { number in
            // An indicator without a pattern, a bad id, and a wrong timestamp, in turn.
            switch number % 3 {
            case 0:
                return #"{"type":"indicator","spec_version":"2.1","id":"indicator--\#(UUID().uuidString.lowercased())","created":"2024-01-01T00:00:00Z","modified":"2024-01-01T00:00:00Z"}"#
            case 1: return #"{"type":"malware","spec_version":"2.1","id":"malware-\#(number)","created":"2024-01-01T00:00:00Z","modified":"2024-01-01T00:00:00Z","name":"x","is_family":false}"#
            default:
                return #"{"type":"tool","spec_version":"2.1","id":"tool--\#(UUID().uuidString.lowercased())","created":"yesterday","modified":"today","name":"x"}"#
            }
        }
        let body = "{\"objects\":[" + objects.joined(separator: ",") + "]}"
        try await fixture.requests { client in
            let response = try await client.execute(
                uri: "/api/collections/default/objects/", method: .post, headers: fixture.basic("amy") + Self.envelopeType,
                body: ByteBuffer(string: body))
            #expect(response.status == .accepted)
            #expect(response.object["total_count"]?.intValue == 10_000)
            #expect(response.object["success_count"]?.intValue == 0)
            #expect(response.object["failure_count"]?.intValue == 10_000)
            #expect(response.object["failures"]?.arrayValue?.count == 10_000)
        }
        #expect(try await fixture.store.statistics().versionCount == before)
    }

    @Test("10,000 failed logins: 401 then 429 with Retry-After, bounded memory, and the other users still get in")
    func failedLogins() async throws {
        var setup = try await SharingFixture(.sqlite, throttle: .init(perAddress: 10, perUser: 30, window: 900, maximumTracked: 1_000))
        try await setup.addUser("amy", clearance: .amber)
        try await setup.addUser("bob", clearance: .amber)
        let fixture = setup
        let throttle = fixture.authenticator.throttle
        try await fixture.requests { client in
            var statuses: [HTTPResponse.Status: Int] = [:]
            for attempt in 0..<10_000 {
                // Half guess amy's password, half try random names.
                let name = attempt.isMultiple(of: 2) ? "amy" : "user\(attempt)"
                let response = try await client.execute(
                    uri: "/api/collections/", method: .get, headers: fixture.basic(name, password: "guess-\(attempt)"))
                statuses[response.status, default: 0] += 1
                if response.status == .tooManyRequests { #expect(response.headers[.retryAfter] != nil) }
            }
            #expect(statuses[.unauthorized, default: 0] + statuses[.tooManyRequests, default: 0] == 10_000)
            #expect(statuses[.tooManyRequests, default: 0] == 4_970, "amy's name is throttled after 30 failures")
            #expect(throttle.trackedCount <= 1_000)
            // amy's password is refused while her name is throttled; bob, and amy's token, still work.
            #expect(try await client.execute(uri: "/api/collections/", method: .get, headers: fixture.basic("amy")).status == .tooManyRequests)
            #expect(try await client.execute(uri: "/api/collections/", method: .get, headers: fixture.bearer("amy")).status == .ok)
            #expect(try await client.execute(uri: "/api/collections/", method: .get, headers: fixture.basic("bob")).status == .ok)
        }
        await fixture.audit.flush()
        let logins = try await fixture.store.audit(since: nil, user: "amy", limit: 20_000)
        #expect(logins.filter { $0.decision == .failed }.count == 30)
        // The 4,971 refusals are one line: a flood must not fill the audit log.
        #expect(logins.filter { $0.decision == .denied }.count == 1)
    }
}
