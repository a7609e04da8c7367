import Foundation
import TestSupport
import Testing

/// The report of a case built from the shared data, opened in headless Chromium: validated
/// (Nu HTML Checker, tidy), audited for accessibility, its DOM checked against what the CLI
/// says of the case, a screenshot saved, and printed to PDF with the TLP on every page.
@Suite(
    "vigil report in a real browser", .enabled(if: SharedData.isUsable, SharedData.skipReason), .enabled(if: Browser.isUsable, Browser.skipReason))
struct ReportBrowserTests {
    @Test(.timeLimit(.minutes(10)))
    func reportInChromium() throws {
        let vigil = try VigilRun()
        var result = try vigil(["update", "--from", try SharedData.mirror(in: vigil.folder)])
        #expect(result.status == 0, "\(result.stderr)")
        result = try vigil(["case", "new", "mfa", "--tlp", "amber", "--description", "ministry of foreign affairs, 2022 to 2025"])
        #expect(result.status == 0)
        result = try vigil(["hunt", try SharedData.file("evtx/evtx-attack-samples").path, "--case", "mfa", "-q", "--format", "jsonl"])
        #expect(result.status == 0, "\(result.stderr)")
        let findings = result.stdout.split(separator: "\n").count
        #expect(findings > 100)
        _ = try vigil(["case", "assert", "mfa", "T1566.002", "--author", "alice", "--comment", "mail gateway logs"])
        _ = try vigil(["case", "note", "mfa", "victim confirmed by the ministry", "--author", "bob"])

        let page = vigil.folder.path("report.html")
        result = try vigil(["report", "mfa", "-o", page])
        #expect(result.status == 0, "\(result.stderr)")
        let verdict = try vigil(["attribute", "mfa", "--format", "json"])
        let expectedVerdict = try #require(verdict.stdout.firstMatch(of: /"verdict": "([^"]+)"/)?.1)

        // Valid HTML and accessible.
        try Browser.expectValidAndAccessible([page], profile: vigil.folder)
        if Browser.axeScript != nil {
            // The check can fail: a page with the usual faults is caught.
            let faulty = vigil.folder.path("faulty.html")
            try "<!DOCTYPE html><html><head></head><body><img src=\"x.png\"><input></body></html>".write(toFile: faulty, atomically: true, encoding: .utf8)
            let found = try Browser.axeViolations(of: faulty, profile: vigil.folder).joined(separator: "\n")
            for rule in ["image-alt", "label", "html-has-lang", "document-title"] { #expect(found.contains(rule), "\(rule) in \(found)") }
        }

        // What Chromium built of it says what the CLI says.
        let dom = try Browser.dom(of: page, profile: vigil.folder)
        try Browser.expectAssessment(in: dom, verdict: String(expectedVerdict), tlp: "TLP:AMBER")
        let grouped = findings.formatted(.number.grouping(.automatic).locale(Locale(identifier: "en_US")))
        #expect(dom.contains("<p id=\"observed\">\(grouped) findings from "), "the count of `vigil hunt`'s findings")
        let caseShow = try vigil(["case", "show", "mfa"])
        let techniques = try #require(caseShow.stdout.firstMatch(of: /Techniques observed \((\d+)\)/)?.1).description
        let cells = dom.matches(of: /<g class="cell" data-technique="([^"]+)"/).map { String($0.1) }
        #expect(Set(cells).count == Int(techniques), "one cell per technique `case show` lists (\(techniques))")
        #expect(cells.contains("T1566.002"), "the asserted technique has its cell")
        #expect(dom.contains("victim confirmed by the ministry"))
        #expect(dom.contains("<table id=\"ranking\">"))

        // A screenshot to look at, and the printed pages each with the banner.
        let screenshots = try Browser.screenshotFolder(vigil.folder)
        let shot = screenshots + "/report.png"
        let shotResult = try Browser.run(["--window-size=1280,3000", "--screenshot=\(shot)", URL(fileURLWithPath: page).absoluteString], profile: vigil.folder)
        let size = (try? FileManager.default.attributesOfItem(atPath: shot)[.size] as? Int) ?? 0
        #expect(shotResult.status == 0 && size > 20_000, "screenshot: \(shotResult.stderr.suffix(300))")
        print("report screenshot: \(shot)")
        let pdf = vigil.folder.path("report.pdf")
        let printed = try Browser.run(["--no-pdf-header-footer", "--print-to-pdf=\(pdf)", URL(fileURLWithPath: page).absoluteString], profile: vigil.folder)
        #expect(printed.status == 0, "\(printed.stderr.suffix(300))")
        if let pdftotext = Browser.executable(["pdftotext"]) {
            let text = try runProcess(pdftotext, ["-layout", pdf, "-"]).stdout
            let pages = text.split(separator: "\u{0C}", omittingEmptySubsequences: false).filter { !$0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }
            #expect(pages.count > 3)
            let unmarked = pages.indices.filter { !pages[$0].contains("TLP:AMBER") }
            #expect(unmarked.isEmpty, "pages without the banner: \(unmarked.map { $0 + 1 })")
        } else {
            #expect(!Browser.isRequired, "pdftotext (poppler-utils) is not installed")
        }

        // The public version: under a CLEAR ceiling the AMBER case is withheld, and it says so.
        let public_ = vigil.folder.path("public.html")
        result = try vigil(["report", "mfa", "--max-tlp", "clear", "-o", public_])
        #expect(result.status == 0)
        let publicDOM = try Browser.dom(of: public_, profile: vigil.folder)
        #expect(publicDOM.contains("TLP:CLEAR") && publicDOM.contains("Withheld from this report"))
        #expect(!publicDOM.contains("victim confirmed") && !publicDOM.contains("class=\"cell\""))
        _ = try Browser.run(["--window-size=1280,900", "--screenshot=\(screenshots)/report-clear.png", URL(fileURLWithPath: public_).absoluteString], profile: vigil.folder)

        // Markdown and the layers of the same case.
        result = try vigil(["report", "mfa", "--format", "md"])
        #expect(result.status == 0 && result.stdout.hasPrefix("**TLP:AMBER**\n\n# Case mfa"))
        result = try vigil(["report", "mfa", "--format", "navigator", "-o", vigil.folder.path("layers.json")])
        #expect(result.status == 0)
        result = try vigil(["report", "mfa", "--format", "navigator", "--max-tlp", "green"])
        #expect(result.status == 2 && result.stderr.contains("above --max-tlp TLP:GREEN"), "\(result.stderr)")
        result = try vigil(["intel", "show", "APT31", "--format", "navigator"])
        #expect(result.status == 0 && result.stdout.contains("(G0128)\","), "ATT&CK 15.1 names G0128 ZIRCONIUM, with APT31 an alias")
    }
}
