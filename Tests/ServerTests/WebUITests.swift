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

/// The web UI through the server's router, on every store backend: sign-in and sessions, what
/// a GREEN analyst may never see, hostile strings, the forms' tokens, paging of findings.
@Suite("web UI: sessions, clearance, escaping, forms")
struct WebUITests {
    static let hostile = "<script>alert(1)</script>"

    /// Users greta (GREEN, reads only) and amy (AMBER, writes cases); indicators at every
    /// level; case `harbour` (GREEN: 150 findings, a hostile one, hits of a GREEN and an
    /// AMBER indicator) and case `embassy` (AMBER).
    static func fixture(_ kind: StoreKind, groups: Bool = true) async throws -> SharingFixture {
        var configuration = SharingConfiguration.standard
        configuration.organisation = "CERT-A"
        configuration.unmarkedTLP = .clear
        var fixture = try await SharingFixture(kind, configuration: configuration)
        try await fixture.addUser("greta", clearance: .green)
        try await fixture.addUser("amy", clearance: .amber, organisation: "CERT-A", write: ["cases"])
        // A group that uses PowerShell, for the attribution the case page shows.
        if groups { try await fixture.ingest([
            try STIXObject(json: """
                {"type":"intrusion-set","spec_version":"2.1","id":"intrusion-set--00000000-0000-4000-8000-000000000001","created":"2024-01-01T00:00:00.000Z",
                 "modified":"2024-01-01T00:00:00.000Z","name":"Harbour Group","aliases":["Harbour Group","HG"],
                 "external_references":[{"source_name":"mitre-attack","external_id":"G9001","url":"https://attack.mitre.org/groups/G9001"}]}
                """),
            try STIXObject(json: """
                {"type":"attack-pattern","spec_version":"2.1","id":"attack-pattern--00000000-0000-4000-8000-000000000002","created":"2024-01-01T00:00:00.000Z",
                 "modified":"2024-01-01T00:00:00.000Z","name":"PowerShell","kill_chain_phases":[{"kill_chain_name":"mitre-attack","phase_name":"execution"}],
                 "external_references":[{"source_name":"mitre-attack","external_id":"T1059.001"}]}
                """),
            try STIXObject(json: """
                {"type":"relationship","spec_version":"2.1","id":"relationship--00000000-0000-4000-8000-000000000003","created":"2024-01-01T00:00:00.000Z",
                 "modified":"2024-01-01T00:00:00.000Z","relationship_type":"uses","source_ref":"intrusion-set--00000000-0000-4000-8000-000000000001",
                 "target_ref":"attack-pattern--00000000-0000-4000-8000-000000000002"}
                """),
        ]) }
        try await fixture.ingest([
            try SharingFixture.indicator(1, tlp: .clear), try SharingFixture.indicator(2, tlp: .green), try SharingFixture.indicator(3, tlp: .amber),
            try SharingFixture.indicator(4, tlp: .red),
        ])
        let store = fixture.store
        try await store.createCase(CaseInfo(name: "harbour", created: "2024-03-01T00:00:00Z", tlp: .green, description: "port authority"))
        try await store.createCase(CaseInfo(name: "embassy", created: "2024-03-02T00:00:00Z", tlp: .amber, description: "embassy intrusion"))
        var findings: [CaseFinding] = (0..<150).map { number in
            finding(number, title: "Rule \(number % 3)", level: ["high", "medium", "low"][number % 3], techniques: number % 2 == 0 ? ["T1059.001"] : ["T1003"])
        }
        findings.append(finding(150, title: hostile, level: "critical", techniques: ["T1059"], fields: ["CommandLine": "\"><svg onload=alert(3)>"]))
        for (number, tlp) in [(2, TLPLevel.green), (3, .amber)] {
            let indicator = try SharingFixture.indicator(number, tlp: tlp)
            var hit = finding(160 + number, title: indicator.name ?? "", level: "high", techniques: [])
            hit.ruleID = indicator.id.rawValue
            hit.fields = ["indicator.observable": "ipv4-addr 198.51.100.\(number)", "indicator.source": "partner feed \(tlp.name)", "indicator.tlp": tlp.label]
            findings.append(hit)
        }
        try await store.addToCase("harbour", evidence: [CaseEvidenceFile(path: "/evidence/harbour.evtx", sha256: String(repeating: "a", count: 64), size: 1_024, added: "2024-03-01T00:00:00Z")], findings: findings)
        try await store.addToCase("embassy", evidence: [], findings: [finding(1, title: "Embassy rule", level: "high", techniques: ["T1566"])])
        return fixture
    }

    static func finding(_ number: Int, title: String, level: String, techniques: [String], fields: [String: String] = [:]) -> CaseFinding {
        CaseFinding(
            timestamp: String(format: "2024-03-01T%02d:%02d:00Z", number / 60, number % 60), computer: number % 2 == 0 ? "WS-\(number % 5)" : "DC-1",
            channel: "Security", eventID: "4688", recordID: Int64(1_000 + number), ruleID: "rule-\(number % 3)", ruleTitle: title, level: level,
            techniques: techniques, tactics: techniques.isEmpty ? [] : ["TA0002"], software: [], fields: fields, evidence: "/evidence/harbour.evtx",
            evidenceSHA256: String(repeating: "a", count: 64))
    }

    /// Signs in through the form; returns the session cookie.
    static func signIn(_ client: any TestClientProtocol, _ fixture: SharingFixture, _ user: String) async throws -> HTTPFields {
        let response = try await client.execute(
            uri: "/ui/login", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
            body: ByteBuffer(string: "user=\(user)&password=\(fixture.passwords[user] ?? "")&next=%2Fui%2F"))
        #expect(response.status == .seeOther)
        let cookie = try #require(response.headers[.setCookie])
        let pair = try #require(cookie.split(separator: ";").first)
        return [.cookie: String(pair)]
    }

    static func page(_ client: any TestClientProtocol, _ uri: String, _ cookie: HTTPFields) async throws -> (HTTPResponse.Status, String) {
        let response = try await client.execute(uri: uri, method: .get, headers: cookie)
        return (response.status, String(buffer: response.body))
    }

    static func csrf(_ html: String) -> String { html.firstMatch(of: /name="csrf" value="([^"]+)"/).map { String($0.1) } ?? "" }

    static func post(_ client: any TestClientProtocol, _ uri: String, _ cookie: HTTPFields, form: String, origin: String? = nil) async throws -> TestResponse {
        var headers = cookie
        headers[.contentType] = "application/x-www-form-urlencoded"
        if let origin { headers[.origin] = origin }
        return try await client.execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(string: form))
    }

    @Test("an unauthenticated page goes to the sign-in page; sign-in sets a strict session cookie", arguments: StoreKind.allCases)
    func signInAndRedirects(_ kind: StoreKind) async throws {
        let fixture = try await Self.fixture(kind)
        try await fixture.requests { client in
            var response = try await client.execute(uri: "/", method: .get)
            #expect(response.status == .seeOther && response.headers[.location] == "/ui/")
            response = try await client.execute(uri: "/ui/", method: .get)
            #expect(response.status == .seeOther)
            #expect(response.headers[.location] == "/ui/login?next=%2Fui%2F")
            response = try await client.execute(uri: "/ui/cases/harbour?level=high", method: .get)
            #expect(response.headers[.location] == "/ui/login?next=%2Fui%2Fcases%2Fharbour%3Flevel%3Dhigh")
            // TAXII credentials do not open pages.
            response = try await client.execute(uri: "/ui/", method: .get, headers: fixture.basic("amy"))
            #expect(response.status == .seeOther)
            response = try await client.execute(uri: "/ui/cases/harbour/notes", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"], body: ByteBuffer(string: "text=x"))
            #expect(response.status == .forbidden)

            let login = try await client.execute(uri: "/ui/login?next=%2Fui%2Fcases%2Fharbour", method: .get)
            #expect(login.status == .ok && String(buffer: login.body).contains("value=\"/ui/cases/harbour\""))
            // HEAD is answered like GET, without the body (link checkers and monitors use it).
            let head = try await client.execute(uri: "/ui/login", method: .head)
            #expect(head.status == .ok && head.body.readableBytes == 0)
            #expect(try await client.execute(uri: "/ui/", method: .head).status == .seeOther)
            #expect(login.headers[.contentSecurityPolicy]?.contains("default-src 'none'") == true)
            response = try await client.execute(
                uri: "/ui/login", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(string: "user=amy&password=wrong&next=%2Fui%2F"))
            #expect(response.status == .unauthorized && String(buffer: response.body).contains("Wrong user name or password"))
            #expect(response.headers[.setCookie] == nil)
            // Another site is never the next page.
            response = try await client.execute(
                uri: "/ui/login", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(string: "user=amy&password=\(fixture.passwords["amy"]!)&next=https%3A%2F%2Fevil.example%2F"))
            #expect(response.status == .seeOther && response.headers[.location] == "/ui/")
            let cookie = try #require(response.headers[.setCookie])
            for attribute in ["HttpOnly", "SameSite=Strict", "Path=/ui"] { #expect(cookie.contains(attribute), "\(cookie)") }

            let session = try await Self.signIn(client, fixture, "amy")
            let (status, cases) = try await Self.page(client, "/ui/", session)
            #expect(status == .ok && cases.contains("href=\"/ui/cases/harbour\"") && cases.contains("href=\"/ui/cases/embassy\""))
            // Signing out ends the session.
            response = try await Self.post(client, "/ui/logout", session, form: "csrf=\(Self.csrf(cases))")
            #expect(response.status == .seeOther && response.headers[.location] == "/ui/login")
            response = try await client.execute(uri: "/ui/", method: .get, headers: session)
            #expect(response.status == .seeOther)
        }
    }

    @Test("a GREEN analyst never sees AMBER or RED: cases, counts, search, intel, indicator hits, downloads", arguments: StoreKind.allCases)
    func greenSeesNothingAbove(_ kind: StoreKind) async throws {
        let fixture = try await Self.fixture(kind)
        let amber = try SharingFixture.indicator(3, tlp: .amber), red = try SharingFixture.indicator(4, tlp: .red)
        let green = try SharingFixture.indicator(2, tlp: .green)
        let secrets = [amber.name!, red.name!, amber.id.rawValue, red.id.rawValue, "partner feed amber", "embassy", "Embassy rule", "198.51.100.3"]
        try await fixture.requests { client in
            let session = try await Self.signIn(client, fixture, "greta")
            var pages: [String: String] = [:]
            for uri in [
                "/ui/", "/ui/cases/harbour", "/ui/cases/harbour/findings", "/ui/cases/harbour/findings?level=high", "/ui/search?q=indicator",
                "/ui/search?q=embassy", "/ui/search?q=198.51.100", "/ui/intel?kind=groups", "/ui/cases/harbour/report.html", "/ui/cases/harbour/report.md",
            ] {
                let (status, body) = try await Self.page(client, uri, session)
                #expect(status == .ok, "\(uri)")
                pages[uri] = body
                // (A search page repeats what was searched for.)
                for secret in secrets where !uri.hasSuffix("q=" + secret) { #expect(!body.contains(secret), "\(uri) shows \(secret)") }
            }
            #expect(pages["/ui/"]!.contains("1 case within your clearance"))
            #expect(pages["/ui/cases/harbour"]!.contains("<header class=\"tlp\" id=\"tlp-top\"><p>TLP:GREEN"))
            #expect(pages["/ui/cases/harbour/findings?level=high"]!.contains("Indicator (withheld)"))
            #expect(pages["/ui/cases/harbour/findings"]!.contains("153 findings match"), "the hit stays a finding of the case: its event is case content")
            #expect(pages["/ui/search?q=indicator"]!.contains(green.name!))
            #expect(pages["/ui/search?q=indicator"]!.contains("Intel (2)"), "CLEAR and GREEN only: \(pages["/ui/search?q=indicator"]!.suffix(800))")
            for uri in ["/ui/cases/embassy", "/ui/cases/embassy/findings", "/ui/cases/embassy/report.md", "/ui/intel/\(amber.id.rawValue)", "/ui/intel/\(red.id.rawValue)"] {
                let (status, body) = try await Self.page(client, uri, session)
                #expect(status == .notFound, "\(uri)")
                // (The page may repeat the address asked for.)
                for secret in secrets where !uri.contains(secret) { #expect(!body.contains(secret), "\(uri) shows \(secret)") }
            }
            let (status, _) = try await Self.page(client, "/ui/intel/\(green.id.rawValue)", session)
            #expect(status == .ok)
            // A layer or a bundle would carry the withheld indicator: refused.
            let (layerStatus, layer) = try await Self.page(client, "/ui/cases/harbour/layer.json", session)
            #expect(layerStatus == .forbidden && !layer.contains(amber.name!))

            // AMBER sees the AMBER case and indicator, not the RED one.
            let amy = try await Self.signIn(client, fixture, "amy")
            let (_, findings) = try await Self.page(client, "/ui/cases/harbour/findings?level=high", amy)
            #expect(findings.contains(amber.name!) && !findings.contains("Indicator (withheld)"))
            let (_, search) = try await Self.page(client, "/ui/search?q=indicator", amy)
            #expect(search.contains(amber.name!) && !search.contains(red.name!))
        }
        await fixture.audit.flush()
        let denied = try await fixture.store.audit(since: nil, user: "greta", limit: 100).filter { $0.decision == .denied }
        #expect(denied.contains { $0.collection == "case:embassy" }, "refused reads are audited")
    }

    @Test("hostile rule titles, notes and event fields are escaped on every page", arguments: StoreKind.allCases)
    func hostileStringsEscaped(_ kind: StoreKind) async throws {
        let fixture = try await Self.fixture(kind)
        try await fixture.requests { client in
            let session = try await Self.signIn(client, fixture, "amy")
            var (_, page) = try await Self.page(client, "/ui/cases/harbour", session)
            let note = "<img src=x onerror=alert(2)> & \"quoted\""
            let response = try await Self.post(
                client, "/ui/cases/harbour/notes", session,
                form: "csrf=\(Self.csrf(page))&kind=note&text=" + note.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)
            #expect(response.status == .seeOther)
            for uri in ["/ui/cases/harbour", "/ui/cases/harbour/findings?level=critical", "/ui/search?q=%3Cscript%3E"] {
                (_, page) = try await Self.page(client, uri, session)
                #expect(!page.contains("<script"), "\(uri)")
                #expect(!page.contains("<img src=x") && !page.contains("<svg onload"), "\(uri)")
                #expect(HTMLAudit.problems(page) == [], "\(uri)")
            }
            (_, page) = try await Self.page(client, "/ui/cases/harbour", session)
            #expect(page.contains("&lt;img src=x onerror=alert(2)&gt; &amp; &quot;quoted&quot;"))
            (_, page) = try await Self.page(client, "/ui/cases/harbour/findings?level=critical", session)
            #expect(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
            #expect(page.contains("&quot;&gt;&lt;svg onload=alert(3)&gt;"))
            (_, page) = try await Self.page(client, "/ui/search?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E", session)
            #expect(page.contains("value=\"&lt;script&gt;alert(1)&lt;/script&gt;\""))
        }
    }

    @Test("forms are refused without the session's token, from another site, or without the write right", arguments: StoreKind.allCases)
    func formsNeedTheToken(_ kind: StoreKind) async throws {
        let fixture = try await Self.fixture(kind)
        try await fixture.requests { client in
            let amy = try await Self.signIn(client, fixture, "amy")
            let (_, page) = try await Self.page(client, "/ui/cases/harbour", amy)
            let token = Self.csrf(page)
            #expect(token.count == 43)
            for (form, origin) in [
                ("kind=note&text=no+token", nil), ("csrf=\(String(repeating: "x", count: 43))&kind=note&text=wrong+token", nil),
                ("csrf=\(token)&kind=note&text=from+elsewhere", "https://evil.example"),
            ] as [(String, String?)] {
                let response = try await Self.post(client, "/ui/cases/harbour/notes", amy, form: form, origin: origin)
                #expect(response.status == .forbidden, "\(form) \(origin ?? "")")
            }
            #expect(try await fixture.store.notes(ofCase: "harbour").isEmpty, "nothing was done")

            var response = try await Self.post(client, "/ui/cases/harbour/notes", amy, form: "csrf=\(token)&kind=note&text=seen+on+the+mail+gateway")
            #expect(response.status == .seeOther && response.headers[.location] == "/ui/cases/harbour#notes")
            response = try await Self.post(client, "/ui/cases/harbour/notes", amy, form: "csrf=\(token)&kind=assertion&text=t1566.002&comment=phishing")
            #expect(response.status == .seeOther)
            response = try await Self.post(client, "/ui/cases/harbour/notes", amy, form: "csrf=\(token)&kind=assertion&text=not-an-id")
            #expect(response.status == .badRequest)
            let notes = try await fixture.store.notes(ofCase: "harbour")
            #expect(notes.map(\.kind) == [.note, .technique] && notes.last?.text == "T1566.002" && notes.allSatisfy { $0.author == "amy" })
            let (_, shown) = try await Self.page(client, "/ui/cases/harbour", amy)
            #expect(shown.contains("seen on the mail gateway") && shown.contains("asserts technique T1566.002: phishing"))

            // Greta may read the case but not add to it; her form has no write part at all.
            let greta = try await Self.signIn(client, fixture, "greta")
            let (_, gretasPage) = try await Self.page(client, "/ui/cases/harbour", greta)
            #expect(!gretasPage.contains("Add the note"))
            response = try await Self.post(client, "/ui/cases/harbour/notes", greta, form: "csrf=\(Self.csrf(gretasPage))&kind=note&text=greta")
            #expect(response.status == .forbidden)
            #expect(try await fixture.store.notes(ofCase: "harbour").count == 2)
        }
    }

    @Test("a case page without ATT&CK in the store shows the case and says why there is no assessment")
    func casePageWithoutKnowledge() async throws {
        let fixture = try await Self.fixture(.memory, groups: false)
        try await fixture.requests { client in
            let session = try await Self.signIn(client, fixture, "amy")
            let (status, page) = try await Self.page(client, "/ui/cases/harbour", session)
            #expect(status == .ok)
            #expect(page.contains("the store holds no ATT&amp;CK groups") && page.contains("<table id=\"findings\">"))
        }
    }

    @Test("findings are filtered and paged on the server: every finding once, in time order", arguments: StoreKind.allCases)
    func findingsPaged(_ kind: StoreKind) async throws {
        let fixture = try await Self.fixture(kind)
        let expected = try await fixture.store.findings(ofCase: "harbour").filter { $0.level == "high" && $0.computer == "DC-1" }
        try await fixture.requests { client in
            let session = try await Self.signIn(client, fixture, "amy")
            var uri: String? = "/ui/cases/harbour/findings?level=high&host=dc-1"
            var records: [String] = []
            var pages = 0
            while let next = uri {
                let (status, page) = try await Self.page(client, next, session)
                #expect(status == .ok)
                #expect(page.contains("\(expected.count) findings match"))
                records += page.matches(of: /record (\d+)/).map { String($0.1) }
                uri = page.firstMatch(of: /<a href="([^"]+)" rel="next">/).map { String($0.1).replacingOccurrences(of: "&amp;", with: "&") }
                pages += 1
                #expect(pages < 10)
            }
            #expect(records == expected.compactMap { $0.recordID.map(String.init) })
            #expect(pages == (expected.count + 99) / 100)

            // The whole case is 153 findings: two pages.
            let (_, first) = try await Self.page(client, "/ui/cases/harbour/findings", session)
            #expect(first.contains("Findings 1–100 of 153"))
            let next = try #require(first.firstMatch(of: /<a href="([^"]+)" rel="next">/).map { String($0.1).replacingOccurrences(of: "&amp;", with: "&") })
            let (_, second) = try await Self.page(client, next, session)
            #expect(second.contains("Findings 101–153 of 153") && second.contains("First page"))

            for bad in ["level=loud", "technique=1059", "from=yesterday", "tactic=execution", "after=garbage"] {
                let (status, page) = try await Self.page(client, "/ui/cases/harbour/findings?\(bad)", session)
                #expect(status == .badRequest && page.contains("<h1>Not understood</h1>"), "\(bad)")
            }
            let (status, _) = try await Self.page(client, "/ui/cases/nothing-here", session)
            #expect(status == .notFound)
        }
    }
}
