import Attribution
import Foundation
import IntelStore
import STIX

/// An ATT&CK Navigator layer (format 4.5): techniques with scores, colours and comments.
///
/// Vigil writes layers of a case (scored by findings), of a case against a group (in both,
/// case only, group only) and of a group's profile; it reads layers of format 3.0 to 4.5.
public struct NavigatorLayer: Sendable {
    /// One technique's annotation.
    public struct Technique: Sendable {
        public var techniqueID: String
        /// A kill chain phase name; nil: every tactic of the technique.
        public var tactic: String?
        public var score: Double?
        public var color: String?
        public var comment: String
        public var enabled: Bool
        public var metadata: [(name: String, value: String)]

        public init(techniqueID: String, tactic: String? = nil, score: Double? = nil, color: String? = nil, comment: String = "", enabled: Bool = true) {
            self.techniqueID = techniqueID
            self.tactic = tactic
            self.score = score
            self.color = color
            self.comment = comment
            self.enabled = enabled
            metadata = []
        }

    }

    public var name: String
    public var description: String
    /// `enterprise-attack`, `mobile-attack` or `ics-attack` (older names are read as these).
    public var domain: String
    /// The layer format the file said it was (`4.5`, `3.0`, ...).
    public var layerVersion: String
    public var attackVersion: String?
    public var techniques: [Technique]
    public var gradient: (colors: [String], minValue: Double, maxValue: Double)?
    public var legend: [(label: String, color: String)]
    public var metadata: [(name: String, value: String)]

    public init(name: String, description: String = "", domain: String = "enterprise-attack", techniques: [Technique] = []) {
        self.name = name
        self.description = description
        self.domain = domain
        layerVersion = "4.5"
        self.techniques = techniques
        legend = []
        metadata = []
    }


    /// The layer as format 4.5 JSON.
    public func json() -> JSONValue {
        var members: [(key: String, value: JSONValue)] = [
            ("name", .string(name)),
            ("versions", .object(JSONObject(
                [("navigator", .string("4.9.1")), ("layer", .string("4.5"))] + (attackVersion.map { [("attack", .string($0))] } ?? [])))),
            ("domain", .string(domain)),
            ("description", .string(description)),
            ("sorting", .int(3)),
            ("layout", .object(["layout": "side", "showID": true, "showName": true, "expandedSubtechniques": "annotated"])),
            ("hideDisabled", .bool(false)),
            ("techniques", .array(techniques.map { technique in
                var entry: [(key: String, value: JSONValue)] = [("techniqueID", .string(technique.techniqueID))]
                if let tactic = technique.tactic { entry.append(("tactic", .string(tactic))) }
                if let score = technique.score { entry.append(("score", score.rounded() == score ? .int(Int64(score)) : .double(score))) }
                if let color = technique.color { entry.append(("color", .string(color))) }
                if !technique.comment.isEmpty { entry.append(("comment", .string(technique.comment))) }
                entry.append(("enabled", .bool(technique.enabled)))
                if !technique.metadata.isEmpty { entry.append(("metadata", Self.metadataJSON(technique.metadata))) }
                entry.append(("showSubtechniques", .bool(technique.techniqueID.contains("."))))
                return .object(JSONObject(entry))
            })),
        ]
        if let gradient {
            members.append(("gradient", .object(JSONObject([
                ("colors", .array(gradient.colors.map(JSONValue.string))), ("minValue", .double(gradient.minValue)), ("maxValue", .double(gradient.maxValue)),
            ]))))
        }
        if !legend.isEmpty {
            members.append(("legendItems", .array(legend.map { .object(JSONObject([("label", .string($0.label)), ("color", .string($0.color))])) })))
        }
        if !metadata.isEmpty { members.append(("metadata", Self.metadataJSON(metadata))) }
        return .object(JSONObject(members))
    }

    static func metadataJSON(_ entries: [(name: String, value: String)]) -> JSONValue {
        .array(entries.map { .object(JSONObject([("name", .string($0.name)), ("value", .string($0.value))])) })
    }

    /// Layers as Navigator saves them: one object, or a list of several.
    public static func write(_ layers: [NavigatorLayer]) -> String {
        let value: JSONValue = layers.count == 1 ? layers[0].json() : .array(layers.map { $0.json() })
        return JSONWriter(pretty: true).string(value) + "\n"
    }
}

/// Why a layer file could not be read.
public struct NavigatorLayerError: Error, CustomStringConvertible, Sendable {
    /// Where in the file (`layer 2, techniques[4]`), and what is wrong.
    public var location: String
    public var problem: String
    public var description: String { location.isEmpty ? problem : "\(location): \(problem)" }
}

extension NavigatorLayer {
    /// Reads a layer file: one layer or a list; formats 3.0 to 4.5 (`mitre-enterprise` is read
    /// as `enterprise-attack`). Unknown members are ignored, as Navigator does.
    public static func read(_ bytes: [UInt8]) throws(NavigatorLayerError) -> [NavigatorLayer] {
        let value: JSONValue
        do {
            value = try JSONParser.parse(bytes)
        } catch {
            throw NavigatorLayerError(location: "", problem: "not JSON: \(error)")
        }
        if let list = value.arrayValue {
            var layers: [NavigatorLayer] = []
            for (index, item) in list.enumerated() { layers.append(try layer(item, at: "layer \(index + 1)")) }
            return layers
        }
        return [try layer(value, at: "")]
    }

    static let domains = [
        "enterprise-attack": "enterprise-attack", "mitre-enterprise": "enterprise-attack", "mobile-attack": "mobile-attack",
        "mitre-mobile": "mobile-attack", "ics-attack": "ics-attack",
    ]

    static func layer(_ value: JSONValue, at location: String) throws(NavigatorLayerError) -> NavigatorLayer {
        func fail(_ problem: String, _ member: String = "") -> NavigatorLayerError {
            NavigatorLayerError(location: [location, member].filter { !$0.isEmpty }.joined(separator: ", "), problem: problem)
        }
        guard let object = value.objectValue else { throw fail("a layer must be a JSON object, not \(value.kindName)") }
        guard let name = object["name"]?.stringValue else { throw fail("the layer has no name") }
        guard let domainName = object["domain"]?.stringValue else { throw fail("the layer has no domain") }
        guard let domain = domains[domainName] else { throw fail("unknown domain '\(domainName)'", "domain") }
        var layer = NavigatorLayer(name: name, description: object["description"]?.stringValue ?? "", domain: domain)
        layer.layerVersion = object["versions"]?.objectValue?["layer"]?.stringValue ?? object["version"]?.stringValue ?? "unknown"
        layer.attackVersion = object["versions"]?.objectValue?["attack"]?.stringValue
        for (index, item) in (object["techniques"]?.arrayValue ?? []).enumerated() {
            let member = "techniques[\(index)]"
            guard let entry = item.objectValue else { throw fail("a technique must be an object", member) }
            guard let id = entry["techniqueID"]?.stringValue, id.hasPrefix("T") || id.hasPrefix("t") else {
                throw fail("a technique needs a techniqueID like T1059 or T1059.001", member)
            }
            var technique = Technique(
                techniqueID: id.uppercased(), tactic: entry["tactic"]?.stringValue, score: entry["score"]?.doubleValue, color: entry["color"]?.stringValue,
                comment: entry["comment"]?.stringValue ?? "", enabled: entry["enabled"]?.boolValue ?? true)
            if let score = entry["score"], score != .null, technique.score == nil { throw fail("score must be a number", member) }
            technique.metadata = pairs(entry["metadata"])
            layer.techniques.append(technique)
        }
        if let gradient = object["gradient"]?.objectValue {
            let colors = (gradient["colors"]?.arrayValue ?? []).compactMap(\.stringValue)
            guard colors.count >= 2, let low = gradient["minValue"]?.doubleValue, let high = gradient["maxValue"]?.doubleValue else {
                throw fail("a gradient needs two colours or more, minValue and maxValue", "gradient")
            }
            layer.gradient = (colors, low, high)
        }
        layer.legend = (object["legendItems"]?.arrayValue ?? []).compactMap { item in
            guard let entry = item.objectValue, let label = entry["label"]?.stringValue, let color = entry["color"]?.stringValue else { return nil }
            return (label, color)
        }
        layer.metadata = pairs(object["metadata"])
        return layer
    }

    /// Metadata entries (dividers are skipped).
    static func pairs(_ value: JSONValue?) -> [(name: String, value: String)] {
        (value?.arrayValue ?? []).compactMap { item in
            guard let entry = item.objectValue, let name = entry["name"]?.stringValue, let value = entry["value"]?.stringValue else { return nil }
            return (name, value)
        }
    }
}

/// The layers of a case and of a group.
public enum NavigatorLayers {
    public static let caseOnly = "#fd8d3c"
    public static let both = "#e31a1c"
    public static let groupOnly = "#9ecae1"

    /// The case's techniques scored by findings (asserted ones score 0 and say so), with the
    /// rules that showed each; then one comparison layer per top group.
    public static func of(_ report: CaseReport, knowledge: AttackKnowledge, findings: [CaseFinding], groups: Int = 3) -> [NavigatorLayer] {
        var rulesByTechnique: [String: [String: Int]] = [:]
        for finding in findings {
            for technique in finding.techniques { rulesByTechnique[technique, default: [:]][finding.ruleTitle, default: 0] += 1 }
        }
        var seen: [String: CaseReport.HeatCell] = [:]
        for column in report.heatMap { for cell in column.cells { seen[cell.techniqueID] = cell } }
        let peak = seen.values.map(\.findings).max() ?? 0
        var layer = NavigatorLayer(
            name: "\(report.marking.label) Case \(report.caseName)",
            description: "Techniques observed in case \(report.caseName), scored by findings (Vigil, \(report.generated)). \(report.marking.label).")
        layer.techniques = seen.keys.sorted().compactMap { id in
            guard let cell = seen[id] else { return nil }
            let rules = (rulesByTechnique[id] ?? [:]).sorted { ($1.value, $0.key) < ($0.value, $1.key) }
            var comment = rules.prefix(5).map { "\($0.key) (\($0.value))" }.joined(separator: "; ")
            if rules.count > 5 { comment += "; and \(rules.count - 5) more rules" }
            if cell.asserted { comment += (comment.isEmpty ? "" : "; ") + "asserted by an analyst" }
            var technique = NavigatorLayer.Technique(techniqueID: id, score: Double(cell.findings), comment: comment)
            technique.metadata = [("findings", "\(cell.findings)")]
            return technique
        }
        layer.gradient = (["#fee0d2", "#fc9272", "#99000d"], 0, Double(max(peak, 1)))
        layer.metadata = [("case", report.caseName), ("TLP", report.marking.label), ("generated by", "Vigil")]
        var layers = [layer]
        for ranked in report.ranking.prefix(groups) {
            layers.append(comparison(case: Set(seen.keys), caseName: report.caseName, group: ranked.group, knowledge: knowledge, marking: report.marking))
        }
        return layers
    }

    /// Case against group: red in both, orange in the case only, blue in the group's profile only.
    static func comparison(case observed: Set<String>, caseName: String, group: AttackKnowledge.Group, knowledge: AttackKnowledge, marking: TLPLevel) -> NavigatorLayer {
        let profile = techniques(of: group.id, knowledge: knowledge)
        var layer = NavigatorLayer(
            name: "\(marking.label) Case \(caseName) vs \(group.name)",
            description: "Techniques of case \(caseName) against the ATT&CK profile of \(group.name)\(group.attackID.map { " (\($0))" } ?? ""). \(marking.label).")
        layer.techniques = observed.union(profile).sorted().map { id in
            switch (observed.contains(id), profile.contains(id)) {
            case (true, true): return NavigatorLayer.Technique(techniqueID: id, score: 3, color: both, comment: "in the case and in \(group.name)'s profile")
            case (true, false): return NavigatorLayer.Technique(techniqueID: id, score: 2, color: caseOnly, comment: "in the case only")
            default: return NavigatorLayer.Technique(techniqueID: id, score: 1, color: groupOnly, comment: "in \(group.name)'s profile only")
            }
        }
        layer.legend = [("in both", both), ("case only", caseOnly), ("\(group.name) only", groupOnly)]
        layer.metadata = [("case", caseName), ("group", group.name), ("TLP", marking.label)]
        return layer
    }

    /// Techniques a group uses, directly or through its campaigns.
    static func techniques(of group: String, knowledge: AttackKnowledge) -> Set<String> {
        var result: Set<String> = []
        for use in knowledge.uses where use.feature.kind == .technique && (use.user == group || knowledge.campaigns[use.user]?.group == group) {
            result.insert(use.feature.id)
        }
        return result
    }

    /// A group's profile: every technique it uses, with the procedure ATT&CK describes.
    public static func of(_ profile: IntelProfile) -> NavigatorLayer {
        let object = profile.subject.object
        let name = object.name ?? profile.subject.id
        var layer = NavigatorLayer(
            name: "\(name)\(object.attackID.map { " (\($0))" } ?? "")",
            description: "Techniques \(name) uses, from the intel store (Vigil)." + (profile.subject.tlp.map { " \($0.label)." } ?? ""))
        layer.techniques = profile.techniques.compactMap { technique in
            guard let id = technique.attackID else { return nil }
            let procedure = technique.relationship.object.objectDescription ?? ""
            return NavigatorLayer.Technique(techniqueID: id, score: 1, color: both, comment: procedure.count > 600 ? String(procedure.prefix(599)) + "…" : procedure)
        }
        layer.legend = [("used by \(name)", both)]
        layer.metadata = [("group", name)] + (profile.subject.tlp.map { [("TLP", $0.label)] } ?? [])
        return layer
    }
}
