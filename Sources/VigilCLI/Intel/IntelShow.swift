import ArgumentParser
import Attribution
import VigilKit
import Reports
import IntelStore
import STIX

/// `vigil intel show APT31|G0128|STIX-ID`
struct IntelShow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show one object: an intrusion set's aliases, techniques, software, campaigns and sources.",
        discussion: "The reference is a name or alias (any case), an ATT&CK or other external id, or a STIX id."
    )

    enum Format: String, ExpressibleByArgument, CaseIterable { case text, json, navigator }

    @OptionGroup var store: StoreOptions

    @Argument(help: ArgumentHelp("Name, alias, external id or STIX id.", valueName: "REFERENCE"))
    var reference: String

    @Option(help: "text, json, or navigator (an ATT&CK Navigator 4.5 layer of the techniques it uses).")
    var format: Format = .text

    func run() async throws {
        let store = try self.store.open()
        let matches: [StoredObject]
        do {
            matches = try await store.resolve(reference)
        } catch let error as IntelStoreError {
            Console.error(error.description)
            throw ExitStatus.badInput
        }
        // ATT&CK's group before the threat actor another source says is behind it: the group
        // carries the techniques, and shows the actor under "Attributed to".
        let subject = matches.first { $0.type == "intrusion-set" } ?? matches[0]
        let profile = try await store.profile(of: subject)
        let sponsors = try await StateSponsors.links(of: [subject.id], store: store)
        switch format {
        case .text: Console.out(ProfileText.render(profile, sponsors: sponsors))
        case .json: Console.out(JSONWriter(pretty: true).string(ProfileJSON.render(profile, sponsors: sponsors)))
        case .navigator: Console.out(String(NavigatorLayer.write([NavigatorLayers.of(profile)]).dropLast()))
        }
        if matches.count > 1 {
            let others = matches.filter { $0.id != subject.id }.map { "\($0.object.attackID ?? $0.type) \($0.object.name ?? $0.id) (\($0.id))" }
            Console.message("'\(reference)' also matches: \(others.joined(separator: "; "))")
        }
    }
}

/// The text rendering of a profile.
enum ProfileText {
    static func render(_ profile: IntelProfile, sponsors: [SponsorLink] = []) -> String {
        let object = profile.subject.object
        var lines: [String] = []
        let status = object.isRevoked ? " [revoked]" : object.isDeprecated ? " [deprecated]" : ""
        let title = "\(object.name ?? object.id.rawValue)\((object.attackID ?? object.disarmID.map { "DISARM \($0)" }).map { " (\($0))" } ?? "")"
        lines.append(title + status)
        if let headline = SponsorChains.headline(group: title, links: sponsors) { lines.append(wrapped(headline, width: 100, indent: 0)) }
        lines.append("  type:      \(object.type)")
        lines.append("  id:        \(object.id)")
        if !object.aliases.isEmpty { lines.append("  aliases:   \(object.aliases.joined(separator: ", "))") }
        if let modified = object.modified { lines.append("  modified:  \(modified.text) (\(profile.versionCount) version(s) stored)") }
        lines.append("  TLP:       \(profile.subject.tlp?.label ?? "unmarked")")
        if let url = object.attackURL { lines.append("  url:       \(url)") }
        if let description = object.objectDescription, !description.isEmpty {
            lines.append("")
            lines.append(wrapped(description, width: 100, indent: 2))
        }
        if !profile.techniques.isEmpty {
            lines.append("")
            lines.append("Techniques (\(profile.techniques.count)):")
            var table = TextTable([.init("id"), .init("technique", maxWidth: 60), .init("tactics")], indent: 2)
            for technique in profile.techniques {
                table.add([technique.attackID ?? "-", technique.name, technique.tactics.joined(separator: ", ")])
            }
            lines.append(table.render())
        }
        section("Software", profile.software, into: &lines)
        lines += actorKnowledge(object, indent: "  ")
        if !sponsors.isEmpty {
            lines.append("")
            lines.append("State sponsor (\(sponsors.count) link\(sponsors.count == 1 ? "" : "s")):")
            for link in sponsors {
                lines.append("  \(link.sponsor)\(link.basis == .suspected ? " [suspected]" : "")")
                lines.append(wrapped("by \(link.source)\(link.title.map { ": \($0)" } ?? "")", width: 100, indent: 4))
                if let summary = link.summary { lines.append(wrapped(summary, width: 100, indent: 6)) }
                if let url = link.url { lines.append("      <\(url)>") }
            }
        }
        section("Campaigns attributed", profile.campaigns, into: &lines)
        // Identities are the sponsor chain's organs, listed above with their sources.
        section("Attributed to", profile.attributedTo.filter { $0.object.type != "identity" }, into: &lines)
        for actor in profile.attributedTo where actor.object.type == "threat-actor" {
            let object = actor.object.object
            lines.append("  \(object.name ?? actor.object.id): \(actor.relationship.object.objectDescription ?? "attributed")")
            if !object.aliases.isEmpty { lines.append("    aliases:   \(object.aliases.joined(separator: ", "))") }
            lines += actorKnowledge(object, indent: "    ")
        }
        section("Intrusion sets attributed to it", profile.intrusionSets, into: &lines)
        section("Used by", profile.usedBy, into: &lines)
        let sources = object.externalReferences.filter { !ATTACK.sourceNames.contains($0.sourceName) }
        if !sources.isEmpty {
            lines.append("")
            lines.append("Sources (\(sources.count)):")
            for source in sources.prefix(10) {
                var line = "  - \(source.sourceName)"
                if let id = source.externalID { line += " [\(id)]" }
                if let description = source.description { line += ": \(description)" }
                if let url = source.url { line += " <\(url)>" }
                lines.append(line)
            }
            if sources.count > 10 { lines.append("  ... \(sources.count - 10) more (--format json)") }
        }
        return lines.joined(separator: "\n")
    }

    /// What a MISP galaxy says of a threat actor: country, suspected sponsor, targets, victims.
    static func actorKnowledge(_ object: STIXObject, indent: String) -> [String] {
        [
            ("country", "x_misp_country"), ("sponsor", "x_misp_state_sponsor"), ("targets", "x_misp_target_categories"),
            ("victims", "x_misp_victims"), ("incidents", "x_misp_incident_types"), ("confidence", "x_misp_attribution_confidence"),
        ].compactMap { label, key in
            let text = object.texts(key).joined(separator: ", ")
            return text.isEmpty ? nil : "\(indent)\(label):".padding(toLength: indent.count + 11, withPad: " ", startingAt: 0) + text
        }
    }

    private static func section(_ title: String, _ items: [RelatedObject], into lines: inout [String]) {
        guard !items.isEmpty else { return }
        lines.append("")
        lines.append("\(title) (\(items.count)):")
        var table = TextTable([.init("id"), .init("name"), .init("type"), .init("seen")], indent: 2)
        for item in items {
            let object = item.object.object
            let seen = [object["first_seen"]?.stringValue, object["last_seen"]?.stringValue].compactMap { $0?.prefix(10) }
            table.add([object.attackID ?? "-", object.name ?? item.object.id, object.type, seen.joined(separator: " .. ")])
        }
        lines.append(table.render())
    }
}

/// The JSON rendering of a profile, for scripts.
enum ProfileJSON {
    static func render(_ profile: IntelProfile, sponsors: [SponsorLink] = []) -> JSONValue {
        let object = profile.subject.object
        func summary(_ item: RelatedObject) -> JSONValue {
            var entry = JSONObject()
            entry["id"] = .string(item.object.id)
            entry["type"] = .string(item.object.type)
            entry["attack_id"] = item.object.object.attackID.map(JSONValue.string) ?? .null
            entry["name"] = item.object.object.name.map(JSONValue.string) ?? .null
            entry["relationship"] = .string(item.relationship.id)
            return .object(entry)
        }
        var result = JSONObject()
        result["id"] = .string(object.id.rawValue)
        result["type"] = .string(object.type)
        result["attack_id"] = object.attackID.map(JSONValue.string) ?? .null
        result["name"] = object.name.map(JSONValue.string) ?? .null
        result["aliases"] = .array(object.aliases.map(JSONValue.string))
        result["revoked"] = .bool(object.isRevoked)
        result["deprecated"] = .bool(object.isDeprecated)
        result["tlp"] = profile.subject.tlp.map { .string($0.name) } ?? .null
        result["versions"] = .int(Int64(profile.versionCount))
        result["techniques"] = .array(profile.techniques.map { technique in
            var entry = JSONObject()
            entry["id"] = .string(technique.attackPattern.id)
            entry["attack_id"] = technique.attackID.map(JSONValue.string) ?? .null
            entry["name"] = .string(technique.name)
            entry["tactics"] = .array(technique.tactics.map(JSONValue.string))
            entry["relationship"] = .string(technique.relationship.id)
            return .object(entry)
        })
        result["software"] = .array(profile.software.map(summary))
        result["campaigns"] = .array(profile.campaigns.map(summary))
        result["attributed_to"] = .array(profile.attributedTo.map(summary))
        result["used_by"] = .array(profile.usedBy.map(summary))
        result["intrusion_sets"] = .array(profile.intrusionSets.map(summary))
        result["sponsors"] = .array(sponsors.map(SponsorJSON.render))
        result["external_references"] = object["external_references"] ?? .array([])
        return .object(result)
    }
}
