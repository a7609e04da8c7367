import Foundation
import HTTPTypes
import Hummingbird
import IntelStore
import Reports
import STIX
import VigilKit

/// A request context the web UI can serve: where the request came from, and who is signed in
/// (set by the session middleware).
public protocol WebUIRequestContext: RequestContext {
    var remoteAddress: String? { get }
    var webUser: WebUser? { get set }
}

/// The signed-in analyst of a request, with the form it sent (POST requests).
public struct WebUser: Sendable {
    public var requester: SharingRequester
    public var session: WebSession
    public var secret: String
    public var form: [String: String]
}

/// The analyst's pages under `/ui/`: sign in, cases, a case (timeline, heat map, findings
/// filtered and paged on the server, attribution, evidence, notes, downloads), intel and
/// search. Every route is a shell: read the request, ask `CaseDesk`, fill a template.
public struct WebUI<Context: WebUIRequestContext>: Sendable {
    public let desk: CaseDesk
    public let authenticator: Authenticator
    public let sessions: WebSessions
    /// Whether cookies are marked `Secure` (the server speaks TLS).
    public let secureCookies: Bool
    let templates = WebTemplates()

    public init(desk: CaseDesk, authenticator: Authenticator, sessions: WebSessions = WebSessions(), secureCookies: Bool) {
        self.desk = desk
        self.authenticator = authenticator
        self.sessions = sessions
        self.secureCookies = secureCookies
    }

    static var cookieName: String { "vigil_session" }
    /// Rows of findings on a page.
    static var pageSize: Int { 100 }

    /// Adds the routes under `/ui`, and `/` leading there (an address typed into a browser);
    /// `readGate` (if any) bounds the pages built at once.
    public func register(on router: Router<Context>, readGate: (any MiddlewareProtocol<Request, Response, Context>)? = nil) {
        router.get("/") { _, _ in Response.redirect(to: "/ui/", type: .normal) }
        var group = router.group("ui")
            .add(middleware: WebErrorMiddleware<Context>(templates: templates))
            .add(middleware: WebSessionMiddleware<Context>(sessions: sessions, store: desk.store, cookieName: Self.cookieName))
        if let readGate { group = group.add(middleware: readGate) }

        group.get("login") { request, _ in self.loginPage(next: Self.query(request)["next"] ?? "/ui/", user: "", problem: nil) }
        group.post("login") { request, context in try await self.login(request, context) }
        group.post("logout") { _, context in self.logout(try Self.user(context)) }
        group.get("") { _, context in try await self.casesPage(try Self.user(context)) }
        group.get("cases/:case") { request, context in try await self.casePage(request, context) }
        group.get("cases/:case/findings") { request, context in try await self.findingsPage(request, context) }
        group.get("cases/:case/:file") { _, context in try await self.download(context) }
        group.post("cases/:case/notes") { _, context in try await self.addNote(context) }
        group.get("intel") { request, context in try await self.intelPage(request, context) }
        group.get("intel/:object") { _, context in try await self.intelObjectPage(context) }
        group.get("search") { request, context in try await self.searchPage(request, context) }
        group.get("**") { _, _ -> Response in throw SharingError.notFound("there is no such page") }
    }

    // MARK: Signing in and out

    func loginPage(next: String, user: String, problem: String?, status: HTTPResponse.Status = .ok) -> Response {
        html(templates.page("login", WebPages.LoginPage(next: Self.safeNext(next), user: user, problem: problem), chrome: PageChrome(title: "Sign in")), status: status)
    }

    func login(_ request: Request, _ context: Context) async throws -> Response {
        var request = request
        let form = Self.form(try await request.collectBody(upTo: 16 * 1024))
        let name = form["user"] ?? "", password = form["password"] ?? ""
        let next = Self.safeNext(form["next"] ?? "/ui/")
        guard !name.isEmpty, !password.isEmpty else { return loginPage(next: next, user: name, problem: "Give a user name and a password.", status: .badRequest) }
        switch try await authenticator.authenticate(.password(user: name, password: password), address: context.remoteAddress) {
        case .authenticated(let user):
            let secret = sessions.open(user: user.name)
            var response = Response.redirect(to: next, type: .normal)
            response.setCookie(Cookie(name: Self.cookieName, value: secret, path: "/ui", secure: secureCookies, httpOnly: true, sameSite: .strict))
            return response
        case .rejected:
            return loginPage(next: next, user: name, problem: "Wrong user name or password.", status: .unauthorized)
        case .throttled(let wait):
            var response = loginPage(next: next, user: name, problem: "Too many failed sign-ins: try again in \(wait) s.", status: .tooManyRequests)
            response.headers[.retryAfter] = String(wait)
            return response
        }
    }

    func logout(_ user: WebUser) -> Response {
        sessions.close(user.secret)
        var response = Response.redirect(to: "/ui/login", type: .normal)
        response.setCookie(Cookie(name: Self.cookieName, value: "", maxAge: 0, path: "/ui", secure: secureCookies, httpOnly: true, sameSite: .strict))
        return response
    }

    // MARK: Cases

    func casesPage(_ user: WebUser) async throws -> Response {
        let listings = try await desk.cases(for: user.requester)
        var chrome = PageChrome(title: "Cases", tlp: listings.map { $0.info.tlp ?? .amber }.max(), user: user)
        chrome.onCases = true
        return html(templates.page("cases", WebPages.cases(listings), chrome: chrome))
    }

    func casePage(_ request: Request, _ context: Context) async throws -> Response {
        let user = try Self.user(context)
        let name = try Self.parameter(context, "case")
        let query = try FindingQuery(Self.query(request), pageSize: Self.pageSize)
        // The report (cached) and the first page of findings are read together.
        async let view = desk.view(case: name, for: user.requester)
        async let findings = desk.findings(case: name, filter: query.filter, after: query.after, limit: query.limit, for: user.requester)
        let (caseView, page) = try await (view, findings.page)
        let block = templates.library.render(WebPages.findingsBlock(case: name, query: query, page: page, start: query.start), withTemplate: "findings-block") ?? ""
        let ceiling = desk.ceiling(of: user.requester.user)
        var chrome = PageChrome(title: "Case \(name)", tlp: caseView.report.marking, user: user)
        chrome.onCases = true
        return html(templates.page("case", WebPages.casePage(caseView, findingsBlock: block, ceiling: ceiling, csrf: user.session.csrf), chrome: chrome))
    }

    func findingsPage(_ request: Request, _ context: Context) async throws -> Response {
        let user = try Self.user(context)
        let name = try Self.parameter(context, "case")
        let query = try FindingQuery(Self.query(request), pageSize: Self.pageSize)
        let (info, page) = try await desk.findings(case: name, filter: query.filter, after: query.after, limit: query.limit, for: user.requester)
        let block = templates.library.render(WebPages.findingsBlock(case: name, query: query, page: page, start: query.start), withTemplate: "findings-block") ?? ""
        let tlp = info.tlp ?? .amber
        var chrome = PageChrome(title: "Findings of case \(name)", tlp: tlp, user: user)
        chrome.onCases = true
        return html(templates.page("findings", WebPages.FindingsPage(name: name, tlp: tlp.label, caseHref: WebPaths.case(name), findingsBlock: block), chrome: chrome))
    }

    func download(_ context: Context) async throws -> Response {
        let user = try Self.user(context)
        let name = try Self.parameter(context, "case")
        let file = try Self.parameter(context, "file")
        let formats: [String: (ReportFormat, String)] = [
            "report.html": (.html, "text/html; charset=utf-8"), "report.md": (.md, "text/markdown; charset=utf-8"),
            "layer.json": (.navigator, "application/json"), "stix.json": (.stix, "application/json"),
        ]
        guard let (format, type) = formats[file] else { throw SharingError.notFound("there is no such page") }
        let text = try await desk.download(case: name, format: format, for: user.requester)
        let filename = "case-" + String(name.unicodeScalars.map { CharacterSet.alphanumerics.contains($0) && $0.isASCII ? Character($0) : "-" }) + "-" + file
        var headers = HTTPFields()
        headers[.contentType] = type
        headers[.contentDisposition] = "attachment; filename=\"\(filename)\""
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    func addNote(_ context: Context) async throws -> Response {
        let user = try Self.user(context)
        let name = try Self.parameter(context, "case")
        let kind: CaseNote.Kind
        switch user.form["kind"] {
        case "note": kind = .note
        case "assertion": kind = .technique
        default: throw SharingError.badRequest("the form names no kind of note")
        }
        let note = try await desk.addNote(case: name, kind: kind, text: user.form["text"] ?? "", comment: user.form["comment"] ?? "", for: user.requester)
        if note.kind != .note {
            // An assertion changes the attribution: start drafting the report the redirect will show.
            let desk = self.desk, requester = user.requester
            Task { _ = try? await desk.view(case: name, for: requester) }
        }
        return Response.redirect(to: WebPaths.case(name) + "#notes", type: .normal)
    }

    // MARK: Intel and search

    func intelPage(_ request: Request, _ context: Context) async throws -> Response {
        let user = try Self.user(context)
        let kindName = Self.query(request)["kind"] ?? CaseDesk.IntelKind.groups.rawValue
        guard let kind = CaseDesk.IntelKind(rawValue: kindName) else { throw SharingError.badRequest("no kind of intel '\(kindName)'") }
        let objects = try await desk.intel(kind, for: user.requester)
        var chrome = PageChrome(title: "Intel: \(kind.title)", tlp: objects.map { $0.tlp ?? desk.configuration.unmarkedTLP }.max(), user: user)
        chrome.onIntel = true
        return html(templates.page("intel", WebPages.intel(kind, objects: objects, unmarked: desk.configuration.unmarkedTLP), chrome: chrome))
    }

    func intelObjectPage(_ context: Context) async throws -> Response {
        let user = try Self.user(context)
        let id = try Self.parameter(context, "object")
        let view = try await desk.intelObject(id, for: user.requester)
        let marking = ([view.object] + view.related.map(\.other)).map { $0.tlp ?? desk.configuration.unmarkedTLP }.max()
        var chrome = PageChrome(title: view.object.object.name ?? id, tlp: marking, user: user)
        chrome.onIntel = true
        return html(templates.page("intel-object", WebPages.intelObject(view, unmarked: desk.configuration.unmarkedTLP), chrome: chrome))
    }

    func searchPage(_ request: Request, _ context: Context) async throws -> Response {
        let user = try Self.user(context)
        let text = (Self.query(request)["q"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let result = try await desk.search(text, for: user.requester)
        let marking = (result.cases.map { $0.tlp ?? .amber } + result.objects.map { $0.tlp ?? desk.configuration.unmarkedTLP }).max()
        var chrome = PageChrome(title: text.isEmpty ? "Search" : "Search: \(text)", tlp: marking, user: user)
        chrome.query = text
        return html(templates.page("search", WebPages.search(text, result: result, unmarked: desk.configuration.unmarkedTLP), chrome: chrome))
    }

    // MARK: Helpers

    func html(_ page: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "text/html; charset=utf-8"], body: ResponseBody(byteBuffer: ByteBuffer(string: page)))
    }

    static func user(_ context: Context) throws -> WebUser {
        guard let user = context.webUser else { throw SharingError.forbidden("sign in first") }
        return user
    }

    /// A path parameter, percent-decoded (the router leaves it encoded).
    static func parameter(_ context: Context, _ name: String) throws -> String {
        let raw = try context.parameters.require(name)
        guard let decoded = raw.removingPercentEncoding, !decoded.isEmpty else { throw SharingError.badRequest("a malformed address") }
        return decoded
    }

    static func query(_ request: Request) -> [String: String] { form(request.uri.query ?? "") }

    static func form(_ buffer: ByteBuffer) -> [String: String] { form(String(buffer: buffer)) }

    /// `application/x-www-form-urlencoded` pairs (`+` is a space); the first value of a name
    /// wins, malformed pairs are dropped.
    static func form(_ text: String) -> [String: String] {
        var values: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = parts[0].replacingOccurrences(of: "+", with: " ").removingPercentEncoding,
                let value = (parts.count > 1 ? String(parts[1]) : "").replacingOccurrences(of: "+", with: " ").removingPercentEncoding
            else { continue }
            if values[name] == nil { values[name] = value }
        }
        return values
    }

    /// Where to go after signing in: only a page of the UI (never another site).
    static func safeNext(_ next: String) -> String {
        guard next.hasPrefix("/ui/") || next == "/ui", !next.contains("//"), !next.contains("\\"), !next.unicodeScalars.contains(where: { $0.value < 0x21 }) else {
            return "/ui/"
        }
        return next
    }
}

/// The filter, cursor and page of a findings table, read from a page's query.
struct FindingQuery {
    var filter: FindingFilter
    var after: FindingCursor?
    var start: Int
    var limit: Int

    init(_ values: [String: String], pageSize: Int) throws(SharingError) {
        func value(_ name: String, max: Int) throws(SharingError) -> String? {
            guard let text = values[name]?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
            guard text.utf8.count <= max else { throw .badRequest("\(name) is too long") }
            return text
        }
        filter = FindingFilter()
        if let level = try value("level", max: 20) {
            guard ["critical", "high", "medium", "low", "informational", "none"].contains(level.lowercased()) else { throw .badRequest("no level '\(level)'") }
            filter.levels = [level.lowercased()]
        }
        if let tactic = try value("tactic", max: 10) {
            guard tactic.uppercased().wholeMatch(of: /TA\d{4}/) != nil else { throw .badRequest("'\(tactic)' is not a tactic id (TA0002)") }
            filter.tactic = tactic.uppercased()
        }
        if let technique = try value("technique", max: 20) {
            guard technique.uppercased().wholeMatch(of: /T\d{4}(\.\d{3})?/) != nil else { throw .badRequest("'\(technique)' is not a technique id (T1059 or T1059.001)") }
            filter.technique = technique.uppercased()
        }
        filter.host = try value("host", max: 300)
        for name in ["from", "to"] {
            guard let time = try value(name, max: 40) else { continue }
            guard time.wholeMatch(of: /\d{4}-\d{2}-\d{2}([T ]\d{2}(:\d{2}(:\d{2}(\.\d+)?)?)?Z?)?/) != nil else {
                throw .badRequest("\(name) '\(time)' is not a time like 2024-03-01 or 2024-03-01T12:00:00Z")
            }
            let normalised = time.replacingOccurrences(of: " ", with: "T")
            if name == "from" { filter.from = normalised } else { filter.to = normalised }
        }
        if let token = try value("after", max: 100) {
            guard let cursor = FindingCursor(token: token) else { throw .badRequest("a malformed page link") }
            after = cursor
        }
        start = after == nil ? 1 : max(1, Int(values["start"] ?? "") ?? 1)
        limit = pageSize
    }

    var isFiltered: Bool { filter != FindingFilter() }

    /// The query of a link to another page of the same filter.
    func encoded(after token: String?, start: Int?) -> String {
        var pairs: [(String, String)] = []
        if let level = filter.levels.first { pairs.append(("level", level)) }
        if let tactic = filter.tactic { pairs.append(("tactic", tactic)) }
        if let technique = filter.technique { pairs.append(("technique", technique)) }
        if let host = filter.host { pairs.append(("host", host)) }
        if let from = filter.from { pairs.append(("from", from)) }
        if let to = filter.to { pairs.append(("to", to)) }
        if let token { pairs.append(("after", token)) }
        if let start { pairs.append(("start", String(start))) }
        return pairs.map { WebPaths.encode($0.0) + "=" + WebPaths.encode($0.1) }.joined(separator: "&")
    }
}
