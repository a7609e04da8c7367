import Attribution
import Foundation
import IntelStore
import STIX

/// A case report as one self-contained HTML file: inline CSS and SVG, no script, font or
/// request to anywhere; a TLP banner at the top and bottom of the page and in the margin of
/// every printed page; headings, captions, labelled charts with table equivalents for
/// screen readers.
public enum ReportHTML {
    public static func render(_ report: CaseReport) -> String {
        var out = ""
        out.reserveCapacity(64 * 1024)
        let tlp = report.marking
        out += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        out += "<meta name=\"generator\" content=\"Vigil\">\n"
        out += "<title>\(tlp.label) · Case \(escape(report.caseName)) · Vigil report</title>\n"
        out += "<style>\n\(style(tlp))</style>\n</head>\n<body>\n"
        out += banner(tlp, element: "header", id: "tlp-top")
        out += "<main>\n<h1>Case \(escape(report.caseName))</h1>\n"
        out += "<p class=\"meta\">Report generated \(escape(report.generated)) by Vigil · marked \(tlp.label)"
        out += report.caseTLP != tlp ? " (the case is \(report.caseTLP.label))" : ""
        out += "</p>\n"
        if let description = report.description, !description.isEmpty { out += "<p>\(escape(description))</p>\n" }
        withheld(report, into: &out)
        summary(report, into: &out)
        if report.findingCount > 0 || !report.heatMap.isEmpty {
            timeline(report, into: &out)
            heatMap(report, into: &out)
            findings(report, into: &out)
        }
        ranking(report, into: &out)
        sightings(report, into: &out)
        evidence(report, into: &out)
        notes(report, into: &out)
        out += "</main>\n"
        out += banner(tlp, element: "footer", id: "tlp-bottom")
        out += "</body>\n</html>\n"
        return out
    }

    /// The parts of a report that pages of their own (the web UI) show among other content.
    public enum Part: Sendable {
        case withheld, summary, timeline, heatMap, ranking, sightings, evidence
    }

    /// One part as HTML (a `section` with an `h2`), empty when the report has nothing for it.
    public static func render(_ part: Part, of report: CaseReport) -> String {
        var out = ""
        switch part {
        case .withheld: withheld(report, into: &out)
        case .summary: summary(report, into: &out)
        case .timeline: timeline(report, into: &out)
        case .heatMap: heatMap(report, into: &out)
        case .ranking: ranking(report, into: &out)
        case .sightings: sightings(report, into: &out)
        case .evidence: evidence(report, into: &out)
        }
        return out
    }

    /// The report's style sheet (screen and print) for content marked `tlp`; nil: unmarked
    /// content, printed without a TLP in the margins.
    public static func stylesheet(_ tlp: TLPLevel?) -> String { style(tlp ?? .clear, marked: tlp != nil) }

    /// A TLP banner (`header` or `footer`) saying what the level means.
    public static func tlpBanner(_ tlp: TLPLevel, element: String, id: String) -> String { banner(tlp, element: element, id: id) }

    /// Text for an element or an attribute: `&`, `<`, `>`, and both quotes become references.
    public static func escape(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for character in text.unicodeScalars {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            default:
                // Controls other than tab and line breaks are not allowed in HTML text.
                if character.value < 0x20 && character != "\t" && character != "\n" && character != "\r" || (0x7f...0x9f).contains(character.value) {
                    result += "\u{FFFD}"
                } else {
                    result.unicodeScalars.append(character)
                }
            }
        }
        return result
    }

    // MARK: - Page

    /// The style sheet; printed pages carry the TLP in their margins when `marked`.
    static func style(_ tlp: TLPLevel, marked: Bool = true) -> String {
        let colours = ReportPalette.tlp(tlp)
        let margins = """
            @page { margin: 1.6cm 1.2cm;
              @top-center { content: "\(tlp.label)"; color: \(colours.text); background: \(colours.background); font: bold 10pt sans-serif; padding: 0 1em; }
              @bottom-center { content: "\(tlp.label) · page " counter(page) " of " counter(pages); color: \(colours.text); background: \(colours.background); font: bold 9pt sans-serif; padding: 0 1em; } }
            """
        return """
            body { margin: 0; font: 15px/1.5 "DejaVu Sans", Arial, Helvetica, sans-serif; color: \(ReportPalette.text); background: \(ReportPalette.page); }
            main { max-width: 1100px; margin: 0 auto; padding: 1rem 1.5rem 2rem; }
            h1 { font-size: 1.7rem; margin: 0.6rem 0 0.2rem; }
            h2 { font-size: 1.3rem; margin: 2rem 0 0.6rem; border-bottom: 2px solid \(ReportPalette.rule); padding-bottom: 0.2rem; }
            h3 { font-size: 1.05rem; margin: 1.2rem 0 0.4rem; }
            a { color: \(ReportPalette.link); }
            .meta, .note { color: \(ReportPalette.muted); }
            .tlp { background: \(colours.background); color: \(colours.text); text-align: center; font-weight: bold; letter-spacing: 0.05em; padding: 0.35rem; }
            .tlp p { margin: 0; }
            .withheld { background: \(ReportPalette.withheldBackground); border-left: 5px solid #8a5a00; padding: 0.6rem 1rem; margin: 1rem 0; }
            .withheld h2 { margin-top: 0; border: 0; font-size: 1.1rem; }
            .assessment { font-size: 1.1rem; }
            .scroll { overflow-x: auto; }
            table { border-collapse: collapse; width: 100%; margin: 0.4rem 0 1rem; font-size: 0.9rem; }
            caption { text-align: left; font-weight: bold; padding: 0.2rem 0; }
            th, td { border: 1px solid \(ReportPalette.rule); padding: 0.25rem 0.45rem; text-align: left; vertical-align: top; }
            th { background: #eeeeee; }
            td.number { text-align: right; font-variant-numeric: tabular-nums; }
            code, .hash { font-family: "DejaVu Sans Mono", monospace; font-size: 0.85rem; word-break: break-all; }
            .legend { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: 0.3rem 1rem; font-size: 0.85rem; }
            .swatch { font-size: 1.2rem; line-height: 1; margin-right: 0.3rem; vertical-align: -0.1rem; }
            .visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
            .scroll svg { max-width: none; }
            figure.wide { width: calc(100vw - 2rem); max-width: none; margin: 1rem 0; position: relative; left: 50%; transform: translateX(-50%); }
            figure.wide figcaption { max-width: 1050px; margin: 0 auto; }
            svg text { font-family: "DejaVu Sans", Arial, sans-serif; }
            \(marked ? margins : "@page { margin: 1.6cm 1.2cm; }")
            @media print {
              body { font-size: 10.5pt; }
              main { max-width: none; padding: 0; }
              header.tlp, footer.tlp { display: none; }
              a { color: \(ReportPalette.text); text-decoration: none; }
              h2, h3 { break-after: avoid; }
              tr, figure, .group { break-inside: avoid; }
              .scroll { overflow: visible; }
              .scroll svg { width: 100%; height: auto; }
              figure.wide { width: auto; left: 0; transform: none; }
              * { -webkit-print-color-adjust: exact; }
            }

            """
    }

    static func banner(_ tlp: TLPLevel, element: String, id: String) -> String {
        let meaning: String
        switch tlp {
        case .clear: meaning = "disclosure is not limited"
        case .green: meaning = "limited disclosure, within the community"
        case .amber: meaning = "limited disclosure, to the recipients' organisations and their clients"
        case .amberStrict: meaning = "limited disclosure, to the recipients' organisation only"
        case .red: meaning = "for the eyes and ears of the named recipients only"
        }
        return "<\(element) class=\"tlp\" id=\"\(id)\"><p>\(tlp.label) — \(meaning)</p></\(element)>\n"
    }

    static func withheld(_ report: CaseReport, into out: inout String) {
        guard !report.withheld.isEmpty else { return }
        out += "<section class=\"withheld\" id=\"withheld\" aria-labelledby=\"withheld-title\">\n<h2 id=\"withheld-title\">Withheld from this report</h2>\n"
        out += "<p>This report holds only what is marked \(report.ceiling.label) or lower; it leaves out:</p>\n<ul>\n"
        for item in report.withheld { out += "<li>\(escape(item.what)) (\(item.tlp.label))</li>\n" }
        out += "</ul>\n</section>\n"
    }

    // MARK: - Summary

    static func summary(_ report: CaseReport, into out: inout String) {
        out += "<section id=\"summary\" aria-labelledby=\"summary-title\">\n<h2 id=\"summary-title\">Assessment</h2>\n"
        if let assessment = report.assessment {
            out += "<p class=\"assessment\" id=\"verdict\">" + escape(ReportWording.assessment(assessment, groups: report.groupsConsidered)) + "</p>\n"
            out += "<p>" + escape(ReportWording.confidence(assessment)) + "</p>\n"
        } else {
            out += "<p id=\"verdict\">\(escape(ReportWording.noAssessment(report)))</p>\n"
        }
        if let actor = report.actor {
            out += "<h3>The actor</h3>\n<dl>\n<dt>Name</dt><dd>\(escape(actor.name))\(actor.attackID.map { " (\(escape($0)))" } ?? "")</dd>\n"
            if !actor.aliases.isEmpty { out += "<dt>Also known as</dt><dd>\(escape(actor.aliases.joined(separator: ", ")))</dd>\n" }
            if !actor.countries.isEmpty { out += "<dt>Country</dt><dd>\(escape(actor.countries.joined(separator: ", ")))</dd>\n" }
            if !actor.sponsors.isEmpty { out += "<dt>Suspected state sponsor</dt><dd>\(escape(actor.sponsors.joined(separator: "; ")))</dd>\n" }
            let attributions = actor.sponsorLinks.filter { $0.basis != .suspected }
            if !attributions.isEmpty { out += "<dt>Publicly attributed to</dt>" }
            for link in attributions {
                let url = link.url.flatMap { $0.hasPrefix("https://") || $0.hasPrefix("http://") ? $0 : nil }
                let source = url.map { "<a href=\"\(escape($0))\">\(escape(link.source))</a>" } ?? escape(link.source)
                out += "<dd>\(escape(link.sponsor)), by \(source)</dd>\n"
            }
            out += "</dl>\n"
            if !actor.sources.isEmpty {
                out += "<p>Sources:</p>\n<ul class=\"sources\">\n"
                for source in actor.sources {
                    if let url = source.url, url.hasPrefix("https://") || url.hasPrefix("http://") {
                        out += "<li><a href=\"\(escape(url))\">\(escape(source.name))</a></li>\n"
                    } else {
                        out += "<li>\(escape(source.name))</li>\n"
                    }
                }
                out += "</ul>\n"
            }
        }
        if report.findingCount > 0 {
            out += "<h3>What was observed</h3>\n<p id=\"observed\">\(grouped(report.findingCount)) finding\(report.findingCount == 1 ? "" : "s")"
            if let from = report.observedFrom, let to = report.observedTo { out += " from \(escape(ReportWording.time(from))) to \(escape(ReportWording.time(to)))" }
            out += ": " + report.byLevel.map { "\(grouped($0.count)) \(escape($0.level))" }.joined(separator: ", ")
            let techniques = Set(report.heatMap.flatMap { $0.cells.map(\.techniqueID) }).count
            out += "; \(techniques) ATT&amp;CK technique\(techniques == 1 ? "" : "s") under \(report.heatMap.filter { !$0.tactic.isEmpty }.count) tactics.</p>\n"
        }
        if !report.software.isEmpty {
            out += "<h3>Software observed</h3>\n<ul id=\"software\">\n"
            for line in ReportWording.software(report) { out += "<li>\(escape(line))</li>\n" }
            out += "</ul>\n"
        }
        if !report.influence.isEmpty || !report.influenceActors.isEmpty {
            out += "<h3>Influence operations (DISARM)</h3>\n<ul id=\"influence\">\n"
            for line in ReportWording.influence(report) { out += "<li>\(escape(line))</li>\n" }
            out += "</ul>\n"
        }
        out += "</section>\n"
    }

    // MARK: - Charts

    static func timeline(_ report: CaseReport, into out: inout String) {
        guard let timeline = report.timeline, !timeline.buckets.isEmpty else { return }
        out += "<section id=\"timeline\" aria-labelledby=\"timeline-title\">\n<h2 id=\"timeline-title\">Timeline</h2>\n"
        out += "<figure>\n"
        let width = 1000.0, height = 240.0, left = 56.0, bottom = 36.0, top = 10.0
        let plotWidth = width - left - 10, plotHeight = height - top - bottom
        let peak = max(timeline.peak, 1)
        let step = plotWidth / Double(timeline.buckets.count)
        out += "<svg id=\"timeline-chart\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" width=\"100%\" role=\"img\" aria-label=\"Findings per \(timeline.unit.rawValue), by tactic\" aria-describedby=\"timeline-desc\" xmlns=\"http://www.w3.org/2000/svg\">\n"
        out += "<title>Findings per \(timeline.unit.rawValue), by tactic</title>\n"
        out += "<desc>\(timeline.buckets.count) \(timeline.unit.rawValue)s from \(escape(timeline.buckets.first?.start ?? "")) to \(escape(timeline.buckets.last?.start ?? "")); at most \(grouped(timeline.peak)) findings in one \(timeline.unit.rawValue). The table below gives the numbers.</desc>\n"
        // Axes and the peak's gridline.
        out += "<line x1=\"\(f(left))\" y1=\"\(f(top))\" x2=\"\(f(left))\" y2=\"\(f(top + plotHeight))\" stroke=\"\(ReportPalette.muted)\"/>\n"
        out += "<line x1=\"\(f(left))\" y1=\"\(f(top + plotHeight))\" x2=\"\(f(left + plotWidth))\" y2=\"\(f(top + plotHeight))\" stroke=\"\(ReportPalette.muted)\"/>\n"
        out += "<text x=\"\(f(left - 6))\" y=\"\(f(top + 10))\" text-anchor=\"end\" font-size=\"12\" fill=\"\(ReportPalette.text)\">\(grouped(peak))</text>\n"
        out += "<text x=\"\(f(left - 6))\" y=\"\(f(top + plotHeight))\" text-anchor=\"end\" font-size=\"12\" fill=\"\(ReportPalette.text)\">0</text>\n"
        for (index, bucket) in timeline.buckets.enumerated() where bucket.total > 0 {
            var y = top + plotHeight
            let x = left + Double(index) * step + step * 0.1
            for tactic in timeline.tactics {
                guard let count = bucket.counts[tactic], count > 0 else { continue }
                let barHeight = max(plotHeight * Double(count) / Double(peak), 1)
                y -= barHeight
                out += "<rect x=\"\(f(x))\" y=\"\(f(y))\" width=\"\(f(max(step * 0.8, 0.5)))\" height=\"\(f(barHeight))\" fill=\"\(ReportPalette.tactic(tactic))\"><title>\(escape(bucket.start)): \(count) \(escape(ATTACKMatrix.title(tactic)))</title></rect>\n"
            }
        }
        // Labels under the axis: first, last and a few between.
        let labels = Set(stride(from: 0, to: timeline.buckets.count, by: max(1, timeline.buckets.count / 6)).map { $0 } + [timeline.buckets.count - 1])
        for index in labels.sorted() {
            let x = left + (Double(index) + 0.5) * step
            out += "<text x=\"\(f(x))\" y=\"\(f(height - 14))\" text-anchor=\"middle\" font-size=\"11\" fill=\"\(ReportPalette.text)\">\(escape(timeline.buckets[index].start.replacingOccurrences(of: "T", with: " ")))</text>\n"
        }
        out += "</svg>\n<figcaption id=\"timeline-desc\">Findings per \(timeline.unit.rawValue) (UTC), coloured by the first tactic of their rule"
        out += timeline.untimed > 0 ? "; \(grouped(timeline.untimed)) findings without a time are not shown" : ""
        out += ".</figcaption>\n</figure>\n<p class=\"visually-hidden\">Colours of the tactics:</p>\n<ul class=\"legend\">\n"
        for tactic in timeline.tactics {
            out += "<li><span class=\"swatch\" style=\"color:\(ReportPalette.tactic(tactic))\" aria-hidden=\"true\">■</span>\(escape(ATTACKMatrix.title(tactic)))</li>\n"
        }
        out += "</ul>\n<details>\n<summary>The timeline as a table</summary>\n<table>\n<caption>Findings per \(timeline.unit.rawValue) and tactic</caption>\n<thead><tr><th scope=\"col\">\(timeline.unit.rawValue.capitalized) (UTC)</th>"
        for tactic in timeline.tactics { out += "<th scope=\"col\">\(escape(ATTACKMatrix.title(tactic)))</th>" }
        out += "<th scope=\"col\">Total</th></tr></thead>\n<tbody>\n"
        for bucket in timeline.buckets where bucket.total > 0 {
            out += "<tr><th scope=\"row\">\(escape(bucket.start.replacingOccurrences(of: "T", with: " ")))</th>"
            for tactic in timeline.tactics { out += "<td class=\"number\">\(bucket.counts[tactic].map(grouped) ?? "")</td>" }
            out += "<td class=\"number\">\(grouped(bucket.total))</td></tr>\n"
        }
        out += "</tbody>\n</table>\n</details>\n</section>\n"
    }

    static func heatMap(_ report: CaseReport, into out: inout String) {
        guard !report.heatMap.isEmpty else { return }
        out += "<section id=\"heatmap\" aria-labelledby=\"heatmap-title\">\n<h2 id=\"heatmap-title\">ATT&amp;CK techniques observed</h2>\n"
        let columns = report.heatMap
        let columnWidth = 132.0, cellHeight = 40.0, headerHeight = 36.0, gap = 3.0
        let rows = columns.map(\.cells.count).max() ?? 0
        let width = Double(columns.count) * (columnWidth + gap)
        let height = headerHeight + Double(rows) * (cellHeight + gap)
        let peak = columns.flatMap { $0.cells.map(\.findings) }.max() ?? 0
        let cellCount = columns.reduce(0) { $0 + $1.cells.count }
        out += "<figure class=\"wide\">\n<div class=\"scroll\">\n"
        out += "<svg id=\"heatmap-chart\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" width=\"\(Int(width))\" role=\"img\" aria-label=\"ATT&amp;CK matrix of the techniques observed\" aria-describedby=\"heatmap-desc\" xmlns=\"http://www.w3.org/2000/svg\">\n"
        out += "<title>ATT&amp;CK matrix of the techniques observed</title>\n"
        out += "<desc>\(cellCount) cells in \(columns.count) tactic columns; darker cells had more findings. The findings by tactic below list the same.</desc>\n"
        for (column, entry) in columns.enumerated() {
            let x = Double(column) * (columnWidth + gap)
            out += "<g class=\"tactic\" data-tactic=\"\(escape(entry.tactic))\">\n"
            out += "<rect x=\"\(f(x))\" y=\"0\" width=\"\(f(columnWidth))\" height=\"\(f(headerHeight - gap))\" fill=\"#333333\"/>\n"
            // Long tactic names ("Resource Development") take two lines.
            let lines = headerLines(ATTACKMatrix.title(entry.tactic))
            for (index, line) in lines.enumerated() {
                let y = lines.count == 1 ? headerHeight / 2 + 2 : 14 + Double(index) * 13
                out += "<text x=\"\(f(x + columnWidth / 2))\" y=\"\(f(y))\" text-anchor=\"middle\" font-size=\"11.5\" font-weight=\"bold\" fill=\"#ffffff\">\(escape(line))</text>\n"
            }
            for (row, cell) in entry.cells.enumerated() {
                let y = headerHeight + Double(row) * (cellHeight + gap)
                let colours = cell.findings == 0 ? (fill: ReportPalette.assertedCell, text: ReportPalette.text) : ReportPalette.heat(cell.findings, peak: peak)
                let what = cell.findings > 0 ? "\(cell.findings) finding\(cell.findings == 1 ? "" : "s")" + (cell.asserted ? ", asserted" : "") : "asserted"
                out += "<g class=\"cell\" data-technique=\"\(escape(cell.techniqueID))\" data-findings=\"\(cell.findings)\">"
                out += "<title>\(escape(cell.techniqueID))\(cell.name.isEmpty ? "" : " " + escape(cell.name)): \(what)</title>"
                out += "<rect x=\"\(f(x))\" y=\"\(f(y))\" width=\"\(f(columnWidth))\" height=\"\(f(cellHeight))\" fill=\"\(colours.fill)\""
                out += cell.findings == 0 ? " stroke=\"\(ReportPalette.text)\" stroke-dasharray=\"4 3\"/>" : "/>"
                out += "<text x=\"\(f(x + 6))\" y=\"\(f(y + 16))\" font-size=\"12\" font-weight=\"bold\" fill=\"\(colours.text)\">\(escape(cell.techniqueID))<tspan font-weight=\"normal\" x=\"\(f(x + columnWidth - 6))\" text-anchor=\"end\">\(cell.findings > 0 ? grouped(cell.findings) : "A")</tspan></text>"
                out += "<text x=\"\(f(x + 6))\" y=\"\(f(y + 32))\" font-size=\"11\" fill=\"\(colours.text)\">\(escape(cell.name.isEmpty ? "not in ATT&CK here" : clipped(cell.name, 19)))</text></g>\n"
            }
            out += "</g>\n"
        }
        out += "</svg>\n</div>\n<figcaption id=\"heatmap-desc\">Each cell is a technique under a tactic ATT&amp;CK files it under; the number is the findings, A marks a technique analysts asserted without findings.</figcaption>\n</figure>\n</section>\n"
    }

    // MARK: - Tables

    static func findings(_ report: CaseReport, into out: inout String) {
        guard !report.tactics.isEmpty else { return }
        out += "<section id=\"findings\" aria-labelledby=\"findings-title\">\n<h2 id=\"findings-title\">Findings by tactic</h2>\n"
        out += "<p class=\"note\">A finding whose rule names several tactics is listed under each.</p>\n"
        for group in report.tactics {
            let id = "tactic-" + (group.tactic.isEmpty ? "none" : group.tactic)
            out += "<h3 id=\"\(escape(id))\">\(escape(ATTACKMatrix.title(group.tactic))) · \(grouped(group.findings)) finding\(group.findings == 1 ? "" : "s")</h3>\n"
            out += "<div class=\"scroll\"><table aria-labelledby=\"\(escape(id))\">\n<thead><tr><th scope=\"col\">Level</th><th scope=\"col\">Rule</th><th scope=\"col\">Techniques</th><th scope=\"col\">Findings</th><th scope=\"col\">First</th><th scope=\"col\">Last</th><th scope=\"col\">Hosts</th></tr></thead>\n<tbody>\n"
            for row in group.rules {
                let hosts = row.hosts.joined(separator: ", ") + (row.hostCount > row.hosts.count ? " and \(row.hostCount - row.hosts.count) more" : "")
                out += "<tr><td>\(escape(row.level))</td><td>\(escape(row.title))</td><td>\(escape(row.techniques.joined(separator: ", ")))</td>"
                out += "<td class=\"number\">\(grouped(row.count))</td><td>\(escape(ReportWording.time(row.first)))</td><td>\(escape(ReportWording.time(row.last)))</td><td>\(escape(hosts))</td></tr>\n"
            }
            out += "</tbody>\n</table></div>\n"
        }
        out += "</section>\n"
    }

    static func ranking(_ report: CaseReport, into out: inout String) {
        guard !report.ranking.isEmpty else { return }
        out += "<section id=\"attribution\" aria-labelledby=\"attribution-title\">\n<h2 id=\"attribution-title\">Attribution</h2>\n"
        out += "<p>Each group's score adds, for the techniques and for the software, the mean log likelihood ratio of their items under the group's ATT&amp;CK profile against the background (each kind counts as one witness), and the log ratios of indicator hits and the victim; the probability is among the \(report.groupsConsidered) profiled groups and an unknown actor.</p>\n"
        out += "<table id=\"ranking\">\n<caption>The closest groups</caption>\n<thead><tr><th scope=\"col\">#</th><th scope=\"col\">Group</th><th scope=\"col\">ATT&amp;CK</th><th scope=\"col\">Probability</th><th scope=\"col\">Score</th><th scope=\"col\">Matched</th></tr></thead>\n<tbody>\n"
        for (index, group) in report.ranking.enumerated() {
            let matched = group.contributions.filter { $0.kind == .matched }.count
            out += "<tr><td class=\"number\">\(index + 1)</td><th scope=\"row\">\(escape(group.group.name))</th><td>\(escape(group.group.attackID ?? "-"))</td>"
            out += "<td class=\"number\">\(String(format: "%.1f%%", group.probability * 100))</td><td class=\"number\">\(String(format: "%.2f", group.score))</td><td class=\"number\">\(matched)</td></tr>\n"
        }
        out += "</tbody>\n</table>\n"
        for (index, group) in report.ranking.enumerated() {
            let id = "group-\(index + 1)"
            out += "<div class=\"group\">\n<h3 id=\"\(id)\">\(escape(group.group.name))\(group.group.attackID.map { " (\(escape($0)))" } ?? ""): score \(String(format: "%.2f", group.score))</h3>\n"
            out += "<table aria-labelledby=\"\(id)\">\n<thead><tr><th scope=\"col\">Effect</th><th scope=\"col\">Evidence</th><th scope=\"col\">Why</th><th scope=\"col\">From</th></tr></thead>\n<tbody>\n"
            for contribution in group.contributions {
                let what = ReportWording.evidence(contribution, names: report.featureNames)
                let sources = contribution.sources.prefix(3).map(escape).joined(separator: "<br>") + (contribution.sources.count > 3 ? "<br>… \(contribution.sources.count - 3) more" : "")
                out += "<tr><td class=\"number\">\(String(format: "%+.2f", contribution.delta))</td><td>\(escape(what))</td><td>\(escape(contribution.reason))</td><td>\(sources)</td></tr>\n"
            }
            out += "</tbody>\n</table>\n</div>\n"
        }
        out += "</section>\n"
    }

    static func sightings(_ report: CaseReport, into out: inout String) {
        guard !report.sightings.isEmpty else { return }
        out += "<section id=\"indicators\" aria-labelledby=\"indicators-title\">\n<h2 id=\"indicators-title\">Indicators sighted</h2>\n"
        out += "<table>\n<caption>Partners' indicators that matched the evidence</caption>\n<thead><tr><th scope=\"col\">Indicator</th><th scope=\"col\">Source</th><th scope=\"col\">Matched values</th><th scope=\"col\">Hits</th><th scope=\"col\">First</th><th scope=\"col\">Last</th><th scope=\"col\">Validity</th></tr></thead>\n<tbody>\n"
        for sighting in report.sightings {
            out += "<tr><td>\(escape(sighting.name))</td><td>\(escape(sighting.source))</td><td><code>\(escape(sighting.observables.prefix(5).joined(separator: ", ")))</code></td>"
            out += "<td class=\"number\">\(grouped(sighting.count))</td><td>\(escape(ReportWording.time(sighting.first)))</td><td>\(escape(ReportWording.time(sighting.last)))</td><td>\(escape(sighting.validity.joined(separator: ", ")))</td></tr>\n"
        }
        out += "</tbody>\n</table>\n</section>\n"
    }

    static func evidence(_ report: CaseReport, into out: inout String) {
        guard !report.evidence.isEmpty else { return }
        out += "<section id=\"evidence\" aria-labelledby=\"evidence-title\">\n<h2 id=\"evidence-title\">Evidence</h2>\n"
        out += "<div class=\"scroll\"><table>\n<caption>\(report.evidence.count) file\(report.evidence.count == 1 ? "" : "s"), hashed when added and never modified</caption>\n<thead><tr><th scope=\"col\">File</th><th scope=\"col\">SHA-256</th><th scope=\"col\">Bytes</th><th scope=\"col\">Added</th></tr></thead>\n<tbody>\n"
        for file in report.evidence {
            let hash = file.sha256.isEmpty ? "none: \(file.error ?? "not hashed")" : file.sha256
            out += "<tr><td><code>\(escape(file.path))</code>\(file.error.map { "<br>\(escape($0))" } ?? "")</td><td class=\"hash\">\(escape(hash))</td>"
            out += "<td class=\"number\">\(grouped(Int(file.size)))</td><td>\(escape(ReportWording.time(file.added)))</td></tr>\n"
        }
        out += "</tbody>\n</table></div>\n</section>\n"
    }

    static func notes(_ report: CaseReport, into out: inout String) {
        guard !report.notes.isEmpty else { return }
        out += "<section id=\"notes\" aria-labelledby=\"notes-title\">\n<h2 id=\"notes-title\">Notes and assertions</h2>\n<ul>\n"
        for note in report.notes {
            out += "<li><strong>\(escape(note.author))</strong>, \(escape(ReportWording.time(note.at))): \(escape(ReportWording.note(note)))</li>\n"
        }
        out += "</ul>\n</section>\n"
    }

    // MARK: - Helpers

    static func f(_ value: Double) -> String { String(format: "%.1f", value) }

    /// A column title on one line, or on two split at the space nearest its middle.
    static func headerLines(_ title: String) -> [String] {
        guard title.count > 15 else { return [title] }
        let words = title.split(separator: " ").map(String.init)
        guard words.count > 1 else { return [clipped(title, 18)] }
        let split = (1..<words.count).min { abs(words[..<$0].joined(separator: " ").count - title.count / 2) < abs(words[..<$1].joined(separator: " ").count - title.count / 2) } ?? 1
        return [words[..<split].joined(separator: " "), clipped(words[split...].joined(separator: " "), 18)]
    }

    static func clipped(_ text: String, _ length: Int) -> String { ReportWording.clipped(text, length) }
}

/// The sentences a report says in both HTML and Markdown.
public enum ReportWording {
    /// "It is likely (64%) that ..." in ICD 203's words.
    public static func assessment(_ assessment: CaseReport.Assessment, groups: Int) -> String {
        // ICD 203's words stop at 99% and start at 1%.
        let percent = max(1, ConfidenceWords.statedConfidence(assessment.probability))
        if let group = assessment.group {
            return "We assess that it is \(assessment.likelihood.rawValue) (\(percent)%) that the intrusion was the work of \(group)."
        }
        var text = "No known group is more likely than not to be behind the intrusion: it is \(assessment.likelihood.rawValue) (\(percent)%) that the intruder is none of the \(groups) groups with an ATT&CK profile."
        if let closest = assessment.closest {
            text += " The closest is \(closest.name) (\(String(format: "%.0f", closest.probability * 100))%)."
        }
        return text
    }

    /// Why a report has no assessment: its case is withheld, or the store had no groups.
    public static func noAssessment(_ report: CaseReport) -> String {
        report.description == nil
            ? "No assessment: the case's content is withheld from this report."
            : "No assessment: the store holds no ATT&CK groups to compare the case with (install them with `vigil update`)."
    }

    public static func confidence(_ assessment: CaseReport.Assessment) -> String {
        var text = "Confidence in this assessment: \(assessment.confidence.rawValue) (\(assessment.confidenceValue)/100). "
            + "Likelihood words follow ICD 203: \(assessment.likelihood.rawValue) stands for \(assessment.likelihood.range)."
        if !assessment.contradictions.isEmpty {
            text += " Against it: " + assessment.contradictions.joined(separator: "; ") + "."
        }
        return text
    }

    /// "T1059.001 PowerShell", or the kind of contribution.
    public static func evidence(_ contribution: Contribution, names: [Feature: String]) -> String {
        guard let feature = contribution.feature else { return contribution.name ?? contribution.kind.rawValue }
        return feature.id + ((contribution.name ?? names[feature]).map { " \($0)" } ?? "")
    }

    /// A time as a reader wants it: `2024-03-05 14:02:11 UTC` (ISO 8601 times), else as written.
    public static func time(_ text: String?) -> String {
        guard let text else { return "-" }
        let bytes = Array(text.utf8)
        guard bytes.count >= 19, bytes[10] == UInt8(ascii: "T"), text.hasSuffix("Z") else { return text }
        return String(decoding: bytes[0..<10], as: UTF8.self) + " " + String(decoding: bytes[11..<19], as: UTF8.self) + " UTC"
    }

    /// Text cut to `length` characters, an ellipsis marking the cut.
    public static func clipped(_ text: String, _ length: Int) -> String { text.count <= length ? text : String(text.prefix(length - 1)) + "…" }

    /// The ATT&CK software a case shows, one line each: where it was seen, five sources at most.
    public static func software(_ report: CaseReport) -> [String] {
        report.software.map { "\($0.id)\($0.name.isEmpty ? "" : " " + $0.name) — " + sources($0.sources) }
    }

    /// Where something was seen: five sources at most, then how many more.
    public static func sources(_ sources: [String]) -> String {
        sources.prefix(5).joined(separator: "; ") + (sources.count > 5 ? "; and \(sources.count - 5) more" : "")
    }

    /// The DISARM techniques and actor types a case records, one line each.
    public static func influence(_ report: CaseReport) -> [String] {
        report.influence.map { technique in
            let tactics = technique.tactics.isEmpty ? "" : " — DISARM tactic \(technique.tactics.joined(separator: ", "))"
            return "\(technique.id)\(technique.name.isEmpty ? "" : " " + technique.name)\(tactics), asserted"
        } + report.influenceActors.map { "\($0.id)\($0.name.isEmpty ? "" : " " + $0.name) — DISARM actor type, asserted" }
    }

    public static func note(_ note: CaseNote) -> String {
        note.kind == .note ? note.text : "asserts \(note.kind.rawValue) \(note.text)" + (note.comment.isEmpty ? "" : ": \(note.comment)")
    }
}
