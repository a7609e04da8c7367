import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL
import STIX
import Synchronization
import VigilKit

/// A TAXII 2.1 client over HTTP(S): discovery, API roots, collections, pages of objects,
/// adding objects and following their status.
///
/// Server errors (5xx) and lost connections are retried with back-off; client errors (4xx)
/// stop at once with the server's TAXII error. Redirects are not followed (credentials must
/// not go elsewhere). Basic credentials are sent over plain HTTP only to a loopback address.
public final class TAXIIClient: Sendable {
    /// How requests say who is asking.
    public enum Credentials: Sendable {
        case none
        case basic(user: String, password: String)
        case token(String)
    }

    /// A resource as the server sent it, with the paging headers.
    public struct Answer: Sendable {
        public var json: JSONValue
        public var body: [UInt8]
        public var dateAddedFirst: String?
        public var dateAddedLast: String?
    }

    let http: HTTPClient
    private let isShutDown = Mutex(false)
    let credentials: Credentials
    /// The largest response read.
    let maximumBody: Int
    let attempts: Int

    /// A client; `trustedCertificates` is a PEM file of CA certificates to trust besides the
    /// system's (for a server with a private CA).
    public init(credentials: Credentials, trustedCertificates: String? = nil, maximumBody: Int = 512 * 1024 * 1024, attempts: Int = 3)
        throws(TAXIIClientError)
    {
        var configuration = HTTPClient.Configuration()
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.minimumTLSVersion = .tlsv12
        if let trustedCertificates {
            do {
                let certificates = try NIOSSLCertificate.fromPEMFile(trustedCertificates)
                tls.additionalTrustRoots = [.certificates(certificates)]
            } catch {
                throw TAXIIClientError(url: trustedCertificates, status: nil, message: "not a PEM file of certificates: \(error)")
            }
        }
        configuration.tlsConfiguration = tls
        configuration.redirectConfiguration = .disallow
        configuration.timeout = HTTPClient.Configuration.Timeout(connect: .seconds(15), read: .seconds(120))
        http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        self.credentials = credentials
        self.maximumBody = maximumBody
        self.attempts = max(1, attempts)
    }

    /// Closes the connections; call once done (a client dropped without it closes them then).
    public func shutdown() async {
        guard isShutDown.withLock({ done in defer { done = true }; return !done }) else { return }
        try? await http.shutdown()
    }

    deinit {
        if !isShutDown.withLock({ $0 }) { try? http.syncShutdown() }
    }

    public func get(_ url: String) async throws(TAXIIClientError) -> Answer {
        try await send(url, method: .GET, body: nil)
    }

    /// POSTs an envelope; the answer is a status resource.
    public func post(_ url: String, body: [UInt8]) async throws(TAXIIClientError) -> Answer {
        try await send(url, method: .POST, body: body)
    }

    private func send(_ url: String, method: HTTPMethod, body: [UInt8]?) async throws(TAXIIClientError) -> Answer {
        guard let parsed = URL(string: url), let scheme = parsed.scheme?.lowercased(), ["http", "https"].contains(scheme), let host = parsed.host
        else {
            throw TAXIIClientError(url: url, status: nil, message: "not an http(s) URL")
        }
        var request = HTTPClientRequest(url: url)
        request.method = method
        request.headers.add(name: "Accept", value: TAXIIMediaType.taxii)
        switch credentials {
        case .none:
            break
        case .basic(let user, let password):
            guard scheme == "https" || ["localhost", "127.0.0.1", "::1"].contains(host) else {
                throw TAXIIClientError(url: url, status: nil, message: "refusing to send a password over plain HTTP to \(host); use https")
            }
            request.headers.add(name: "Authorization", value: "Basic " + Data("\(user):\(password)".utf8).base64EncodedString())
        case .token(let token):
            request.headers.add(name: "Authorization", value: "Bearer " + token)
        }
        if let body {
            request.headers.add(name: "Content-Type", value: TAXIIMediaType.taxii)
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        var delay: Duration = .milliseconds(500)
        for attempt in 1...attempts {
            do {
                let response = try await http.execute(request, timeout: .seconds(300))
                let bytes = Array(try await response.body.collect(upTo: maximumBody).readableBytesView)
                let status = Int(response.status.code)
                if status >= 500 && attempt < attempts {
                    try? await Task.sleep(for: delay)
                    delay *= 2
                    continue
                }
                guard (200..<300).contains(status) else {
                    throw TAXIIClientError(url: url, status: status, message: Self.errorMessage(bytes, status: response.status))
                }
                let json = bytes.isEmpty ? JSONValue.object(JSONObject()) : try JSONParser.parse(bytes)
                return Answer(
                    json: json, body: bytes, dateAddedFirst: response.headers.first(name: "X-TAXII-Date-Added-First"),
                    dateAddedLast: response.headers.first(name: "X-TAXII-Date-Added-Last"))
            } catch let error as TAXIIClientError {
                throw error
            } catch let error as STIXError {
                throw TAXIIClientError(url: url, status: nil, message: "the answer is not JSON: \(error)")
            } catch {
                // A certificate the client does not trust fails the same way every time (and
                // the HTTP client has already retried the connection until its connect timeout).
                if attempt == attempts || error is NIOSSLError {
                    throw TAXIIClientError(url: url, status: nil, message: "\(error)")
                }
                try? await Task.sleep(for: delay)
                delay *= 2
            }
        }
        throw TAXIIClientError(url: url, status: nil, message: "no answer")
    }

    /// The title and description of a TAXII error body, else the HTTP reason.
    static func errorMessage(_ body: [UInt8], status: HTTPResponseStatus) -> String {
        if let json = try? JSONParser.parse(body), let object = json.objectValue {
            let parts = [object["title"]?.stringValue, object["description"]?.stringValue].compactMap { $0 }
            if !parts.isEmpty { return parts.joined(separator: ": ") }
        }
        return status.reasonPhrase
    }
}

/// A TAXII request that failed: the URL, the HTTP status if there was one, and why.
public struct TAXIIClientError: Error, Sendable, CustomStringConvertible {
    public var url: String
    public var status: Int?
    public var message: String

    public var description: String {
        status.map { "\(url): HTTP \($0): \(message)" } ?? "\(url): \(message)"
    }
}
