import Attribution
import Foundation
import STIX

/// The case report as Markdown for mail and tickets: the same sections as the HTML, with the
/// charts as tables.
public enum ReportMarkdown {
    public static func render(_ report: CaseReport) -> String {
        var lines: [String] = []
        let tlp = report.marking.label
        lines.append("**\(tlp)**")
        lines.append("")
        lines.append("# Case \(escape(report.caseName))")
        lines.append("")
        lines.append("Report generated \(report.generated) by Vigil · marked \(tlp)" + (report.caseTLP != report.marking ? " (the case is \(report.caseTLP.label))" : ""))
        if let description = report.description, !description.isEmpty { lines += ["", escape(description)] }
        if !report.withheld.isEmpty {
            lines += ["", "## Withheld from this report", "", "This report holds only what is marked \(report.ceiling.label) or lower; it leaves out:", ""]
            for item in report.withheld { lines.append("- \(escape(item.what)) (\(item.tlp.label))") }
        }

        lines += ["", "## Assessment", ""]
        if let assessment = report.assessment {
            lines.append(escape(ReportWording.assessment(assessment, groups: report.groupsConsidered)))
            lines += ["", escape(ReportWording.confidence(assessment))]
        } else {
            lines.append(escape(ReportWording.noAssessment(report)))
        }
        if let actor = report.actor {
            lines += ["", "### The actor", "", "- Name: \(escape(actor.name))" + (actor.attackID.map { " (\($0))" } ?? "")]
            if !actor.aliases.isEmpty { lines.append("- Also known as: \(escape(actor.aliases.joined(separator: ", ")))") }
            if !actor.countries.isEmpty { lines.append("- Country: \(escape(actor.countries.joined(separator: ", ")))") }
            if !actor.sponsors.isEmpty { lines.append("- Suspected state sponsor: \(escape(actor.sponsors.joined(separator: "; ")))") }
            for link in actor.sponsorLinks where link.basis != .suspected {
                let url = link.url.map { " <\($0.replacingOccurrences(of: ">", with: "%3E"))>" } ?? ""
                lines.append("- Publicly attributed to \(escape(link.sponsor)) by \(escape(link.source))" + url)
            }
            for source in actor.sources {
                lines.append("- Source: " + (source.url.map { "[\(escape(source.name))](<\($0.replacingOccurrences(of: ">", with: "%3E"))>)" } ?? escape(source.name)))
            }
        }
        if report.findingCount > 0 {
            var observed = "\(grouped(report.findingCount)) finding\(report.findingCount == 1 ? "" : "s")"
            if let from = report.observedFrom, let to = report.observedTo { observed += " from \(ReportWording.time(from)) to \(ReportWording.time(to))" }
            observed += ": " + report.byLevel.map { "\(grouped($0.count)) \($0.level)" }.joined(separator: ", ") + "."
            lines += ["", "### What was observed", "", escape(observed)]
        }
        if !report.software.isEmpty {
            lines += ["", "### Software observed", ""]
            for line in ReportWording.software(report) { lines.append("- " + escape(line)) }
        }
        if !report.influence.isEmpty || !report.influenceActors.isEmpty {
            lines += ["", "### Influence operations (DISARM)", ""]
            for line in ReportWording.influence(report) { lines.append("- " + escape(line)) }
        }

        if let timeline = report.timeline, !timeline.buckets.isEmpty {
            lines += ["", "## Timeline", "", "Findings per \(timeline.unit.rawValue) (UTC) by the first tactic of their rule; periods without findings are left out.", ""]
            lines.append(row(["\(timeline.unit.rawValue.capitalized)"] + timeline.tactics.map(ATTACKMatrix.title) + ["Total"]))
            lines.append(row(Array(repeating: "---", count: timeline.tactics.count + 2)))
            for bucket in timeline.buckets where bucket.total > 0 {
                lines.append(row([bucket.start.replacingOccurrences(of: "T", with: " ")] + timeline.tactics.map { bucket.counts[$0].map(grouped) ?? "" } + [grouped(bucket.total)]))
            }
        }
        if !report.heatMap.isEmpty {
            lines += ["", "## ATT&CK techniques observed", "", row(["Tactic", "Techniques (findings; A: asserted)"]), row(["---", "---"])]
            for column in report.heatMap {
                let cells = column.cells.map { "\($0.techniqueID)\($0.name.isEmpty ? "" : " " + $0.name) (\($0.findings > 0 ? grouped($0.findings) : "A"))" }
                lines.append(row([ATTACKMatrix.title(column.tactic), cells.joined(separator: ", ")]))
            }
        }
        if !report.tactics.isEmpty {
            lines += ["", "## Findings by tactic"]
            for group in report.tactics {
                lines += ["", "### \(ATTACKMatrix.title(group.tactic)) · \(grouped(group.findings)) finding\(group.findings == 1 ? "" : "s")", ""]
                lines.append(row(["Level", "Rule", "Techniques", "Findings", "First", "Last", "Hosts"]))
                lines.append(row(["---", "---", "---", "---:", "---", "---", "---"]))
                for rule in group.rules {
                    let hosts = rule.hosts.joined(separator: ", ") + (rule.hostCount > rule.hosts.count ? " and \(rule.hostCount - rule.hosts.count) more" : "")
                    lines.append(row([rule.level, rule.title, rule.techniques.joined(separator: ", "), grouped(rule.count), ReportWording.time(rule.first), ReportWording.time(rule.last), hosts]))
                }
            }
        }
        if !report.ranking.isEmpty {
            lines += ["", "## Attribution", "", row(["#", "Group", "ATT&CK", "Probability", "Score", "Matched"]), row(["---:", "---", "---", "---:", "---:", "---:"])]
            for (index, group) in report.ranking.enumerated() {
                lines.append(row([
                    "\(index + 1)", group.group.name, group.group.attackID ?? "-", String(format: "%.1f%%", group.probability * 100),
                    String(format: "%.2f", group.score), "\(group.contributions.filter { $0.kind == .matched }.count)",
                ]))
            }
            for group in report.ranking {
                lines += ["", "### \(escape(group.group.name))" + (group.group.attackID.map { " (\($0))" } ?? "") + ": score \(String(format: "%.2f", group.score))", ""]
                lines.append(row(["Effect", "Evidence", "Why", "From"]))
                lines.append(row(["---:", "---", "---", "---"]))
                for contribution in group.contributions {
                    let sources = contribution.sources.prefix(3).joined(separator: "; ") + (contribution.sources.count > 3 ? "; … \(contribution.sources.count - 3) more" : "")
                    lines.append(row([String(format: "%+.2f", contribution.delta), ReportWording.evidence(contribution, names: report.featureNames), contribution.reason, sources]))
                }
            }
        }
        if !report.sightings.isEmpty {
            lines += ["", "## Indicators sighted", "", row(["Indicator", "Source", "Matched values", "Hits", "First", "Last", "Validity"]), row(["---", "---", "---", "---:", "---", "---", "---"])]
            for sighting in report.sightings {
                lines.append(row([
                    sighting.name, sighting.source, sighting.observables.prefix(5).joined(separator: ", "), grouped(sighting.count), ReportWording.time(sighting.first),
                    ReportWording.time(sighting.last), sighting.validity.joined(separator: ", "),
                ]))
            }
        }
        if !report.evidence.isEmpty {
            lines += ["", "## Evidence", "", row(["File", "SHA-256", "Bytes", "Added"]), row(["---", "---", "---:", "---"])]
            for file in report.evidence {
                lines.append(row([file.path + (file.error.map { " (\($0))" } ?? ""), file.sha256.isEmpty ? "none" : file.sha256, grouped(Int(file.size)), ReportWording.time(file.added)]))
            }
        }
        if !report.notes.isEmpty {
            lines += ["", "## Notes and assertions", ""]
            for note in report.notes { lines.append("- **\(escape(note.author))**, \(ReportWording.time(note.at)): \(escape(ReportWording.note(note)))") }
        }
        lines += ["", "**\(tlp)**", ""]
        return lines.joined(separator: "\n")
    }

    /// Text that Markdown shows as written: its punctuation escaped, HTML's brackets as
    /// references, line breaks as spaces.
    public static func escape(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "\\", "`", "*", "_", "[", "]", "#", "|", "~": result += "\\\(character)"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "&": result += "&amp;"
            case "\n", "\r", "\r\n": result += " "
            default: result.append(character)
            }
        }
        return result
    }

    static func row(_ cells: [String]) -> String {
        "| " + cells.map { $0.allSatisfy { "-:".contains($0) } && !$0.isEmpty ? $0 : escape($0) }.joined(separator: " | ") + " |"
    }
}
