import Attribution
import Foundation
import STIX

/// How an attribution reads: the verdict in estimative words, the ranking, and with `explain`
/// every piece of evidence behind each listed group's score.
public enum AttributionText {
    public static func verdictLine(_ result: AttributionResult) -> String {
        switch result.verdict {
        case .group(let group):
            return "Verdict: \(group.name)\(group.attackID.map { " (\($0))" } ?? "") — \(result.words.rawValue) confidence (\(result.confidence)/100)"
        case .unknown:
            return "Verdict: unknown actor — no known group is more likely than not (\(result.confidence)/100)"
        }
    }

    public static func render(_ attribution: CaseAttribution, top: Int, explain: Bool) -> String {
        let result = attribution.result
        var lines: [String] = []
        let techniques = result.evidence.features.filter { $0.kind == .technique }.count
        let software = result.evidence.features.filter { $0.kind == .software }.count
        lines.append("Case \(attribution.info.name): \(attribution.summary.findingCount) findings, \(techniques) techniques (parents included), \(software) software")
        let observed = result.evidence.observed.keys.sorted()
        for kind in [Feature.Kind.technique, .software] {
            let list = observed.filter { $0.kind == kind }
            guard !list.isEmpty else { continue }
            let named = list.map { feature in attribution.knowledge.name(of: feature).map { "\(feature.id) \($0)" } ?? feature.id }
            lines.append(wrapped((kind == .technique ? "Techniques: " : "Software: ") + named.joined(separator: ", "), width: 100, indent: 2))
        }
        if techniques < 5 && software == 0 && result.evidence.indicatedGroups.isEmpty {
            lines.append("The evidence is thin (fewer than 5 techniques): a ranking on it says little.")
        }
        lines.append(verdictLine(result))
        if case .group(let group) = result.verdict {
            let links = attribution.sponsorLinks(of: group.id)
            let title = "\(group.name)\(group.attackID.map { " (\($0))" } ?? "")"
            if let headline = SponsorChains.headline(group: title, links: links) {
                // Continuation lines indented under the first.
                lines.append(String(wrapped("Sponsor: " + headline, width: 100, indent: 2).dropFirst(2)))
            }
        }
        lines.append(String(format: "Unknown actor: %.0f%%", result.unknownProbability * 100))
        var table = TextTable([
            .init("#", .right), .init("GROUP"), .init("ATT&CK"), .init("SCORE", .right), .init("PROBABILITY", .right), .init("MATCHED", .right),
        ], indent: 2)
        for (index, group) in result.ranking.prefix(top).enumerated() {
            let matched = group.contributions.filter { $0.kind == .matched }.count
            table.add([
                "\(index + 1)", group.group.name, group.group.attackID ?? "-", String(format: "%.2f", group.score),
                String(format: "%.1f%%", group.probability * 100), "\(matched)",
            ])
        }
        lines.append(table.render())
        if explain {
            lines.append(
                "\nEach kind of evidence counts as one witness: a technique's effect is its log likelihood ratio over the \(techniques) techniques"
                    + (software > 0 ? ", a software's over the \(software) software." : "."))
            for group in result.ranking.prefix(top) {
                lines.append("\n\(group.group.name)\(group.group.attackID.map { " (\($0))" } ?? ""): score \(String(format: "%.2f", group.score))")
                for contribution in group.contributions {
                    let what = contribution.feature.map { feature in
                        "\(feature.id)" + ((contribution.name ?? attribution.knowledge.name(of: feature)).map { " \($0)" } ?? "")
                    } ?? contribution.kind.rawValue
                    lines.append("  " + String(format: "%+7.2f  ", contribution.delta) + what + " — " + contribution.reason)
                    for source in contribution.sources.prefix(3) { lines.append("           from \(source)") }
                    if contribution.sources.count > 3 { lines.append("           ... \(contribution.sources.count - 3) more") }
                }
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    public static func json(_ attribution: CaseAttribution, top: Int) -> JSONValue {
        let result = attribution.result
        func object(_ members: [(String, JSONValue)]) -> JSONValue { .object(JSONObject(members.map { (key: $0.0, value: $0.1) })) }
        let verdict: JSONValue
        switch result.verdict {
        case .group(let group): verdict = .string(group.name)
        case .unknown: verdict = .string("unknown")
        }
        return object([
            ("case", .string(attribution.info.name)), ("verdict", verdict), ("confidence", .int(Int64(result.confidence))),
            ("words", .string(result.words.rawValue)), ("unknown_probability", .double(result.unknownProbability)),
            ("ranking", .array(result.ranking.prefix(top).map { group in
                object([
                    ("group", .string(group.group.name)), ("attack_id", group.group.attackID.map(JSONValue.string) ?? .null),
                    ("stix_id", .string(group.group.id)), ("score", .double(group.score)), ("probability", .double(group.probability)),
                    ("sponsors", .array(attribution.sponsorLinks(of: group.group.id).map(SponsorJSON.render))),
                    ("evidence", .array(group.contributions.map { c in
                        object([
                            ("kind", .string(c.kind.rawValue)), ("feature", c.feature.map { .string($0.id) } ?? .null),
                            ("delta", .double(c.delta)), ("reason", .string(c.reason)), ("sources", .array(c.sources.map(JSONValue.string))),
                        ])
                    })),
                ])
            })),
        ])
    }
}

/// A sponsor link as JSON, for `intel show` and the attribution.
public enum SponsorJSON {
    public static func render(_ link: SponsorLink) -> JSONValue {
        var entry = JSONObject()
        entry["sponsor"] = .string(link.sponsor)
        entry["entities"] = .array(link.entities.map(JSONValue.string))
        entry["state"] = link.state.map { .string($0.name) } ?? .null
        entry["state_code"] = link.state?.code.map(JSONValue.string) ?? .null
        entry["basis"] = .string(link.basis.rawValue)
        entry["by"] = .string(link.by)
        entry["date"] = link.date.map(JSONValue.string) ?? .null
        entry["title"] = link.title.map(JSONValue.string) ?? .null
        entry["url"] = link.url.map(JSONValue.string) ?? .null
        entry["summary"] = link.summary.map(JSONValue.string) ?? .null
        return .object(entry)
    }
}
