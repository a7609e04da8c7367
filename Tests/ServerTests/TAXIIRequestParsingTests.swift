import IntelStore
import STIX
import TAXII
import Testing
import VigilKit

@Suite("TAXII requests: query filters, media types, configuration")
struct TAXIIRequestParsingTests {
    static let id = "indicator--00000000-0000-4000-8000-000000000001"

    @Test(
        "filters are read from the query",
        arguments: [
            ("", "limit nil ids [] types [] versions last spec [] after nil next nil"),
            ("limit=7&next=1700000000000000", "limit 7 ids [] types [] versions last spec [] after nil next 1700000000000000"),
            ("match%5Btype%5D=indicator,malware", "limit nil ids [] types [indicator, malware] versions last spec [] after nil next nil"),
            ("match[id]=\(id)", "limit nil ids [\(id)] types [] versions last spec [] after nil next nil"),
            ("match[version]=first,last", "limit nil ids [] types [] versions anyOf([first, last]) spec [] after nil next nil"),
            ("match[version]=all", "limit nil ids [] types [] versions all spec [] after nil next nil"),
            ("match[version]=2024-01-01T00:00:00Z", "limit nil ids [] types [] versions at(2024-01-01T00:00:00Z) spec [] after nil next nil"),
            ("match[spec_version]=2.0,2.1", "limit nil ids [] types [] versions last spec [2.0, 2.1] after nil next nil"),
            ("added_after=2024-05-01T10:00:00.123456Z", "limit nil ids [] types [] versions last spec [] after 1714557600123456 next nil"),
            ("utm_source=mail&_=12345", "limit nil ids [] types [] versions last spec [] after nil next nil"),
        ])
    func filters(_ query: String, _ expected: String) throws {
        let filter = try TAXIIQuery.filter(query)
        #expect(Self.describe(filter) == expected)
    }

    @Test(
        "malformed queries are refused with the parameter named",
        arguments: [
            ("limit=0", "limit"), ("limit=ten", "limit"), ("limit=-3", "limit"), ("next=abc", "next"),
            ("added_after=yesterday", "added_after"), ("added_after=2024-01-01T00:00:00+02:00", "added_after"),
            ("match[color]=red", "match[color]"), ("match[id]=not-an-id", "match[id]"), ("match[type]=Bad_Type!", "match[type]"),
            ("match[version]=newest", "match[version]"), ("match[spec_version]=3.0", "match[spec_version]"),
            ("match[type]=indicator,", "match[type]"), ("limit=1&limit=2", "limit"), ("match[id]=%ZZ", "match[id]"),
        ])
    func refused(_ query: String, _ parameter: String) {
        #expect {
            _ = try TAXIIQuery.filter(query)
        } throws: { error in
            (error as? TAXIIQuery.Problem)?.parameter == parameter
        }
    }

    @Test("an endpoint's own filters only: the versions endpoint takes no match[version]")
    func endpointFilters() {
        #expect(throws: TAXIIQuery.Problem.self) { try TAXIIQuery.filter("match[version]=all", allowed: ["spec_version"]) }
        #expect(throws: TAXIIQuery.Problem.self) { try TAXIIQuery.filter("match[id]=\(Self.id)", allowed: ["version", "spec_version"]) }
    }

    @Test("a query longer than 64 kB or listing more than 1,000 values is refused")
    func bounds() {
        let many = (0..<1_001).map { _ in "indicator" }.joined(separator: ",")
        #expect(throws: TAXIIQuery.Problem.self) { try TAXIIQuery.filter("match[type]=\(many)") }
        #expect(throws: TAXIIQuery.Problem.self) { try TAXIIQuery.filter("x=" + String(repeating: "a", count: 70_000)) }
    }

    @Test(
        "Accept: TAXII 2.1, unversioned TAXII and wildcards are answered; other types and versions are not",
        arguments: [
            (nil, true), ("", true), ("application/taxii+json;version=2.1", true), ("application/taxii+json", true),
            ("*/*", true), ("application/*", true), ("text/html, application/taxii+json; version=\"2.1\"", true),
            ("application/json", false), ("application/taxii+json;version=2.0", false), ("text/html", false),
            ("application/taxii+json;version=2.1;q=0", false), ("application/stix+json;version=2.1", false),
        ] as [(String?, Bool)])
    func accept(_ header: String?, _ acceptable: Bool) {
        #expect(TAXIIMediaType.acceptable(header) == acceptable)
    }

    @Test(
        "Content-Type of an envelope",
        arguments: [
            (nil, false), ("application/taxii+json;version=2.1", true), ("application/taxii+json", true),
            ("APPLICATION/TAXII+JSON; version=2.1", true), ("application/json", false), ("application/taxii+json;version=2.0", false),
            ("application/stix+json;version=2.1", false),
        ] as [(String?, Bool)])
    func contentType(_ header: String?, _ accepted: Bool) {
        #expect(TAXIIMediaType.isTAXIIContent(header) == accepted)
    }

    @Test("a configuration file is read with its defaults, and every mistake is named by its key path")
    func configuration() throws {
        let text = """
            {"title": "CERT-CZ", "organisation": "CERT-CZ", "unmarked_tlp": "green", "max_page_size": 500,
             "tls": {"certificate": "server.pem", "key": "server.key"},
             "api_roots": [{"path": "partners", "collections": [
                {"alias": "green", "content": "everything", "max_tlp": "green", "everyone_reads": true},
                {"alias": "case-apt31", "id": "4B1D2C3E-0000-4000-8000-000000000001", "content": "members", "types": ["report", "intrusion-set"], "red_readers": ["rita"]}
             ]}]}
            """
        let configuration = try SharingConfiguration.parse(Array(text.utf8))
        #expect(configuration.organisation == "CERT-CZ")
        #expect(configuration.unmarkedTLP == .green)
        #expect(configuration.maxPageSize == 500)
        #expect(configuration.maxContentLength == 10 * 1024 * 1024)
        #expect(configuration.apiRoots.map(\.path) == ["partners"])
        let collections = configuration.apiRoots[0].collections
        #expect(collections.map(\.alias) == ["green", "case-apt31"])
        #expect(collections[0].maximumTLP == .green && collections[0].everyoneReads && collections[0].content == .everything)
        #expect(collections[1].id == "4b1d2c3e-0000-4000-8000-000000000001")
        #expect(collections[1].types == ["report", "intrusion-set"] && collections[1].redReaders == ["rita"])

        let mistakes: [(String, String)] = [
            (#"{"api_roots": [{"path": "a", "collections": [{"alias": "x", "max_tlps": "green"}]}]}"#, "api_roots[0].collections[0].max_tlps"),
            (#"{"api_roots": [{"path": "a", "collections": [{"alias": "x", "max_tlp": "greenish"}]}]}"#, "api_roots[0].collections[0].max_tlp"),
            (#"{"api_roots": [{"path": "a/b", "collections": []}]}"#, "api_roots[0].path"),
            (#"{"api_roots": [{"path": "a", "collections": [{"alias": "x"}, {"alias": "x"}]}]}"#, "api_roots"),
            (#"{"api_roots": [{"path": "a", "collections": [{"alias": "x", "id": "nope"}]}]}"#, "api_roots[0].collections[0].id"),
            (#"{"api_roots": [{"path": "a", "collections": [{"alias": "x", "content": "some"}]}]}"#, "api_roots[0].collections[0].content"),
            (#"{"api_roots": []}"#, "api_roots"),
            (#"{"max_content_length": 10, "api_roots": [{"path": "a"}]}"#, "max_content_length"),
            (#"{"tls": {"certificate": "c.pem"}, "api_roots": [{"path": "a"}]}"#, "tls.key"),
            (#"[1, 2]"#, ""),
        ]
        for (text, path) in mistakes {
            #expect(throws: ConfigurationError.self, "\(text)") { try SharingConfiguration.parse(Array(text.utf8)) }
            do {
                _ = try SharingConfiguration.parse(Array(text.utf8))
            } catch {
                #expect(error.path == path, "\(text): \(error)")
            }
        }
    }

    static func describe(_ filter: SharingFilter) -> String {
        func list(_ set: Set<String>) -> String { "[" + set.sorted().joined(separator: ", ") + "]" }
        func versions(_ selection: VersionSelection) -> String {
            switch selection {
            case .all: return "all"
            case .last: return "last"
            case .first: return "first"
            case .at(let instants): return "at(" + instants.map(\.text).joined(separator: ", ") + ")"
            case .anyOf(let selections): return "anyOf([" + selections.map(versions).joined(separator: ", ") + "])"
            }
        }
        return "limit \(filter.limit.map(String.init) ?? "nil") ids \(list(filter.ids)) types \(list(filter.types)) "
            + "versions \(versions(filter.versions)) spec \(list(filter.specVersions)) "
            + "after \(filter.addedAfter.map { String($0.microseconds) } ?? "nil") next \(filter.next?.description ?? "nil")"
    }
}
