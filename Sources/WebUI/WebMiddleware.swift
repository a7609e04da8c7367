import Foundation
import HTTPTypes
import Hummingbird
import IntelStore
import VigilKit

/// Finds the session of a request's cookie and the analyst it belongs to (read again from the
/// store each time: a removed user or a changed clearance takes effect at once). Without one,
/// a page is answered with a redirect to the sign-in page. A POST must come from a page of
/// this server (Origin) and carry the session's form token; otherwise nothing is done.
struct WebSessionMiddleware<Context: WebUIRequestContext>: RouterMiddleware {
    let sessions: WebSessions
    let store: any VigilStore
    let cookieName: String

    static var formLimit: Int { 64 * 1024 }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if request.method == .post { try Self.checkOrigin(request) }
        if request.uri.path == "/ui/login" { return try await next(request, context) }
        guard let secret = request.cookies[cookieName]?.value, let session = sessions.session(secret),
            let user = try await store.user(named: session.user)
        else {
            guard request.method == .get || request.method == .head else {
                throw HTTPError(.forbidden, message: "Your session has ended: sign in again, then repeat what you did.")
            }
            let target = request.uri.path + (request.uri.query.map { "?" + $0 } ?? "")
            return Response.redirect(to: "/ui/login?next=" + WebPaths.encode(target), type: .normal)
        }
        var form: [String: String] = [:]
        var request = request
        if request.method == .post {
            form = WebUI<Context>.form(try await request.collectBody(upTo: Self.formLimit))
            guard let token = form["csrf"], WebSessions.same(token, session.csrf) else {
                throw HTTPError(.forbidden, message: "The form was not sent from this server's page (its token is missing or old): nothing was done.")
            }
        }
        var context = context
        context.webUser = WebUser(requester: SharingRequester(user: user, address: context.remoteAddress), session: session, secret: secret, form: form)
        return try await next(request, context)
    }

    /// A browser names the page a form came from; one from another site is refused.
    static func checkOrigin(_ request: Request) throws {
        guard let origin = request.headers[.origin] else { return }
        let host = request.head.authority ?? ""
        guard let url = URL(string: origin), let originHost = url.host else {
            throw HTTPError(.forbidden, message: "The form came from another site: nothing was done.")
        }
        let originAuthority = originHost + (url.port.map { ":\($0)" } ?? "")
        guard originAuthority.lowercased() == host.lowercased() else {
            throw HTTPError(.forbidden, message: "The form came from another site (\(origin)): nothing was done.")
        }
    }
}

/// Answers every page's failure with an HTML page and a fitting status, and adds the headers
/// that keep pages from being framed, sniffed, cached or made to run scripts.
struct WebErrorMiddleware<Context: WebUIRequestContext>: RouterMiddleware {
    let templates: WebTemplates

    /// No script at all; styles inline (the report's SVG and style sheet); forms to this server.
    static var securityHeaders: [(HTTPField.Name, String)] {
        [
            (.contentSecurityPolicy, "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"),
            (HTTPField.Name("X-Content-Type-Options")!, "nosniff"), (HTTPField.Name("X-Frame-Options")!, "DENY"),
            (HTTPField.Name("Referrer-Policy")!, "same-origin"), (.cacheControl, "no-store"),
        ]
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response: Response
        do {
            response = try await next(request, context)
        } catch {
            let (status, title, message) = Self.describe(error)
            let page = templates.page("error", WebPages.ErrorPage(title: title, message: message), chrome: PageChrome(title: title))
            response = Response(status: status, headers: [.contentType: "text/html; charset=utf-8"], body: ResponseBody(byteBuffer: ByteBuffer(string: page)))
            if let error = error as? HTTPError { for field in error.headers where field.name != .contentType { response.headers.append(field) } }
        }
        for (name, value) in Self.securityHeaders { response.headers[name] = value }
        return response
    }

    static func describe(_ error: any Error) -> (HTTPResponse.Status, String, String) {
        switch error {
        case let error as SharingError:
            switch error {
            case .notFound(let message): return (.notFound, "Not found", message)
            case .forbidden(let message): return (.forbidden, "Not allowed", message)
            case .badRequest(let message): return (.badRequest, "Not understood", message)
            case .tooLarge(let limit): return (.contentTooLarge, "Too large", "at most \(limit) bytes")
            case .unavailable(let message): return (.serviceUnavailable, "Not available now", message)
            case .store(let error) where error.isUnavailable: return (.serviceUnavailable, "Not available now", "The store cannot be reached for now; try again later.")
            case .store(let error): return (.internalServerError, "The store failed", error.description)
            }
        case let error as IntelStoreError where error.isUnavailable:
            return (.serviceUnavailable, "Not available now", "The store cannot be reached for now; try again later.")
        case let error as HTTPError:
            return (error.status, error.status.reasonPhrase, error.body ?? error.status.reasonPhrase)
        default:
            return (.internalServerError, "Internal error", "The page could not be built: \(error)")
        }
    }
}
