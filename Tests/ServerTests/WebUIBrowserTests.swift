import AsyncHTTPClient
import Foundation
import NIOCore
import TestSupport
import Testing

/// Every page of the web UI for a case built from the shared data, served by `vigil serve`,
/// fetched over HTTP with a signed-in session, then validated (Nu HTML Checker, tidy),
/// audited for accessibility (axe-core), opened in headless Chromium (DOM checks against what
/// the CLI says of the case) and photographed.
@Suite(
    "web UI in a real browser", .enabled(if: SharedData.isUsable, SharedData.skipReason), .enabled(if: Browser.isUsable, Browser.skipReason))
struct WebUIBrowserTests {
    @Test(.timeLimit(.minutes(15)))
    func pagesInChromium() async throws {
        let folder = try TemporaryFolder()
        let database = folder.path("vigil.sqlite")
        func run(_ arguments: [String], password: String? = nil) async throws -> ProcessResult {
            let result = try await vigil(arguments + ["--db", database], environment: password.map { ["VIGIL_PASSWORD": $0] } ?? [:])
            #expect(result.status == 0, "vigil \(arguments.joined(separator: " ")): \(result.stderr.suffix(1_000))")
            return result
        }
        _ = try await run(["update", "--from", try SharedData.mirror(in: folder)])
        _ = try await run(["case", "new", "mfa", "--tlp", "amber", "--description", "ministry of foreign affairs, 2022 to 2025"])
        let hunt = try await run(["hunt", try SharedData.file("evtx/evtx-attack-samples").path, "--case", "mfa", "-q", "--format", "jsonl"])
        let lines = hunt.stdout.split(separator: "\n")
        let high = lines.filter { $0.contains("\"level\":\"high\"") }.count
        #expect(lines.count > 100 && high > 0)
        _ = try await run(["case", "note", "mfa", "victim confirmed by the ministry", "--author", "bob"])
        _ = try await run(["users", "add", "ana", "--clearance", "amber", "--write", "cases"], password: "password-of-ana")
        _ = try await run(["users", "add", "gus", "--clearance", "green"], password: "password-of-gus")
        let verdict = try await run(["attribute", "mfa", "--format", "json"])
        let expectedVerdict = try #require(verdict.stdout.firstMatch(of: /"verdict": "([^"]+)"/)?.1)
        let caseShow = try await run(["case", "show", "mfa"])
        let techniques = try #require(Int(caseShow.stdout.firstMatch(of: /Techniques observed \((\d+)\)/)?.1 ?? ""))

        let server = try await ServedVigil(database: database)
        defer { server.stop() }
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(redirectConfiguration: .disallow))
        var pages: [(name: String, path: String)] = []
        do {
            let web = WebClient(client: client, base: server.base)
            let login = try await web.get("/ui/login")
            pages.append(("login", try save(login.body, "login", in: folder)))
            let ana = try await web.signIn("ana", "password-of-ana")
            let gus = try await web.signIn("gus", "password-of-gus")

            // A note through the page's own form.
            var casePage = try await web.get("/ui/cases/mfa", cookie: ana)
            let token = try #require(casePage.body.firstMatch(of: /name="csrf" value="([^"]+)"/)?.1)
            let posted = try await web.post("/ui/cases/mfa/notes", form: "csrf=\(token)&kind=note&text=mail+gateway+logs+requested", cookie: ana)
            #expect(posted.status == 303)
            casePage = try await web.get("/ui/cases/mfa", cookie: ana)
            #expect(casePage.status == 200)
            pages.append(("case", try save(casePage.body, "case", in: folder)))

            let search = try await web.get("/ui/search?q=APT31", cookie: ana)
            let group = try #require(search.body.firstMatch(of: /<a href="(\/ui\/intel\/intrusion-set--[^"]+)">/)?.1, "APT31 is found")
            for (name, path) in [
                ("cases", "/ui/"), ("findings-high", "/ui/cases/mfa/findings?level=high"), ("intel-groups", "/ui/intel?kind=groups"),
                ("intel-group", String(group)), ("search", "/ui/search?q=APT31"),
            ] {
                let page = try await web.get(path, cookie: ana)
                #expect(page.status == 200, "\(path)")
                pages.append((name, try save(page.body, name, in: folder)))
            }
            let greenCases = try await web.get("/ui/", cookie: gus)
            #expect(greenCases.status == 200 && !greenCases.body.contains("mfa"), "a GREEN analyst does not see the AMBER case")
            pages.append(("cases-green", try save(greenCases.body, "cases-green", in: folder)))
            #expect(try await web.get("/ui/cases/mfa", cookie: gus).status == 404)
        } catch {
            try? await client.shutdown()
            throw error
        }
        try await client.shutdown()

        // Valid, accessible HTML.
        try Browser.expectValidAndAccessible(pages.map(\.path), profile: folder)

        // What Chromium built of the case page says what the CLI says.
        let casePath = try #require(pages.first { $0.name == "case" }?.path)
        let dom = try Browser.dom(of: casePath, profile: folder)
        try Browser.expectAssessment(in: dom, verdict: String(expectedVerdict), tlp: "TLP:AMBER")
        let grouped = lines.count.formatted(.number.grouping(.automatic).locale(Locale(identifier: "en_US")))
        #expect(dom.contains("<p id=\"observed\">\(grouped) findings from "), "the count of `vigil hunt`'s findings")
        #expect(dom.contains("\(grouped) findings match"))
        let cells = dom.matches(of: /<g class="cell" data-technique="([^"]+)"/).map { String($0.1) }
        #expect(Set(cells).count == techniques, "one cell per technique `case show` lists (\(techniques))")
        #expect(dom.contains("victim confirmed by the ministry") && dom.contains("mail gateway logs requested"))
        #expect(dom.contains("<table id=\"ranking\">") && dom.contains("<table id=\"findings\">"))
        let findingsDOM = try Browser.dom(of: try #require(pages.first { $0.name == "findings-high" }?.path), profile: folder)
        let highGrouped = high.formatted(.number.grouping(.automatic).locale(Locale(identifier: "en_US")))
        #expect(findingsDOM.contains("\(highGrouped) findings match"), "the high findings `vigil hunt` printed (\(high))")
        #expect(findingsDOM.contains("<option value=\"high\" selected=\"\">high</option>"))

        // Screenshots to look at.
        let screenshots = try Browser.screenshotFolder(folder)
        for page in pages {
            let shot = screenshots + "/ui-\(page.name).png"
            let result = try Browser.run(["--window-size=1280,2000", "--screenshot=\(shot)", URL(fileURLWithPath: page.path).absoluteString], profile: folder)
            let size = (try? FileManager.default.attributesOfItem(atPath: shot)[.size] as? Int) ?? 0
            #expect(result.status == 0 && size > 10_000, "screenshot of \(page.name): \(result.stderr.suffix(300))")
        }
        print("web UI screenshots: \(screenshots)")
    }

    func save(_ html: String, _ name: String, in folder: TemporaryFolder) throws -> String {
        let path = folder.path("ui-\(name).html")
        try html.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}

/// Pages fetched as a browser would: a session cookie, forms sent URL-encoded from the same
/// origin, redirects not followed (the tests look at them).
struct WebClient {
    let client: HTTPClient
    let base: String

    struct Page {
        var status: Int
        var body: String
        var headers: [(String, String)]
    }

    func get(_ path: String, cookie: String? = nil) async throws -> Page {
        var request = HTTPClientRequest(url: base + path)
        if let cookie { request.headers.add(name: "Cookie", value: cookie) }
        return try await send(request)
    }

    func post(_ path: String, form: String, cookie: String? = nil) async throws -> Page {
        var request = HTTPClientRequest(url: base + path)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.headers.add(name: "Origin", value: base)
        if let cookie { request.headers.add(name: "Cookie", value: cookie) }
        request.body = .bytes(ByteBuffer(string: form))
        return try await send(request)
    }

    /// Signs in; returns the `Cookie` header of the session.
    func signIn(_ user: String, _ password: String) async throws -> String {
        let answer = try await post("/ui/login", form: "user=\(user)&password=\(password)&next=%2Fui%2F")
        guard answer.status == 303, let cookie = answer.headers.first(where: { $0.0.lowercased() == "set-cookie" })?.1,
            let pair = cookie.split(separator: ";").first
        else { throw ServedVigilError(message: "could not sign in as \(user): \(answer.status) \(answer.body.prefix(300))") }
        return String(pair)
    }

    private func send(_ request: HTTPClientRequest) async throws -> Page {
        let response = try await client.execute(request, timeout: .seconds(120))
        let body = try await response.body.collect(upTo: 32 << 20)
        return Page(status: Int(response.status.code), body: String(buffer: body), headers: response.headers.map { ($0.name, $0.value) })
    }
}
