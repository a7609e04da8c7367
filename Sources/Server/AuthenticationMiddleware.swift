import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import NIOHTTPTypes
import VigilKit

/// Reads the `Authorization` header (Basic or Bearer), asks the authenticator, and either
/// passes the request on with its requester or refuses it: 401 with a challenge, or 429 with
/// `Retry-After` when the address or user has failed too often.
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = VigilRequestContext

    let authenticator: Authenticator

    static let challenge = "Basic realm=\"vigil\", Bearer realm=\"vigil\""

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization] else { throw Self.unauthorized("credentials are required") }
        guard let credential = Self.credential(header) else {
            throw Self.unauthorized("the Authorization header must be Basic (user name and password) or Bearer (an API token)")
        }
        switch try await authenticator.authenticate(credential, address: context.remoteAddress) {
        case .authenticated(let user):
            var context = context
            context.requester = SharingRequester(user: user, address: context.remoteAddress)
            return try await next(request, context)
        case .rejected:
            throw Self.unauthorized("wrong user name, password or token")
        case .throttled(let wait):
            throw HTTPError(.tooManyRequests, headers: [.retryAfter: String(wait)], message: "too many failed logins; try again in \(wait) s")
        }
    }

    static func unauthorized(_ message: String) -> HTTPError {
        HTTPError(.unauthorized, headers: [.wwwAuthenticate: challenge], message: message)
    }

    /// The credential of an `Authorization` header; nil when it is malformed.
    static func credential(_ header: String) -> Credential? {
        guard header.utf8.count <= 4_096 else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2 else { return nil }
        let value = parts[1].trimmingCharacters(in: .whitespaces)
        switch parts[0].lowercased() {
        case "basic":
            guard let data = Data(base64Encoded: value), let text = String(data: data, encoding: .utf8),
                let colon = text.firstIndex(of: ":")
            else { return nil }
            return .password(user: String(text[..<colon]), password: String(text[text.index(after: colon)...]))
        case "bearer":
            return .token(value)
        default:
            return nil
        }
    }
}

/// Closes a connection whose request body has not fully arrived `limit` after its head: a
/// client trickling a body byte by byte keeps no handler (and its buffers) waiting forever.
/// Slow request heads are closed by the server's idle timeout.
final class RequestBodyDeadline: ChannelInboundHandler, RemovableChannelHandler, @unchecked Sendable {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart

    private let limit: TimeAmount
    // Touched on the channel's event loop only.
    private var pending: Scheduled<Void>?

    init(limit: TimeAmount) { self.limit = limit }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            pending?.cancel()
            let channel = context.channel
            pending = context.eventLoop.scheduleTask(in: limit) { channel.close(promise: nil) }
        case .end:
            pending?.cancel()
            pending = nil
        case .body:
            break
        }
        context.fireChannelRead(data)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        pending?.cancel()
        pending = nil
    }
}
