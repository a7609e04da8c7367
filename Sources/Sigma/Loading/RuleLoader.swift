/// What one rule file holds: detection rules, correlation rules, filters, and the documents
/// that could not be read, each with its place and reason.
public struct SigmaRuleFile: Sendable {
    public var path: String
    public var rules: [SigmaRule] = []
    public var correlations: [SigmaCorrelation] = []
    public var filters: [SigmaFilter] = []
    public var problems: [SigmaProblem] = []

    public init(path: String) { self.path = path }
}

/// Reads Sigma rule files (YAML text) into rules.
///
/// A file may hold several documents (`---`): rules, correlation rules (`correlation:`),
/// filters (`filter:`), and Sigma 1 collections, where a document with `action: global` is
/// merged into each later one, `action: reset` forgets it and `action: repeat` repeats the
/// previous document with changes. One bad document costs that document.
public enum RuleLoader {
    public static func load(_ text: String, path: String) -> SigmaRuleFile {
        var file = SigmaRuleFile(path: path)
        let documents: [YAMLNode]
        do {
            documents = try YAMLNode.documents(text, file: path)
        } catch {
            file.problems.append(error)
            return file
        }
        var global: YAMLNode?
        var previous: YAMLNode?
        for document in documents {
            guard case .mapping = document else {
                file.problems.append(SigmaProblem("a rule document must be a map, not \(document.kind)", at: document.location))
                continue
            }
            switch document["action"]?.text {
            case "global"?:
                global = removing("action", from: document)
                continue
            case "reset"?:
                global = nil
                continue
            case "repeat"?:
                guard let base = previous else {
                    file.problems.append(SigmaProblem("action: repeat without a previous document", at: document.location))
                    continue
                }
                previous = merge(base, removing("action", from: document))
            case let action?:
                file.problems.append(SigmaProblem("unknown action \"\(action)\"", at: document.location))
                continue
            case nil:
                previous = global.map { merge($0, document) } ?? document
            }
            guard let merged = previous else { continue }
            do {
                if merged["correlation"] != nil {
                    file.correlations.append(try correlation(merged))
                } else if merged["filter"] != nil {
                    file.filters.append(try filter(merged))
                } else {
                    file.rules.append(try rule(merged))
                }
            } catch {
                file.problems.append(error)
            }
        }
        return file
    }

    // MARK: Documents

    static func rule(_ node: YAMLNode) throws(SigmaProblem) -> SigmaRule {
        let title = try requiredText(node, "title")
        guard let logSourceNode = node["logsource"] else { throw SigmaProblem("no logsource", at: node.location) }
        guard let detectionNode = node["detection"] else { throw SigmaProblem("no detection", at: node.location) }
        return SigmaRule(
            id: node["id"]?.text, name: node["name"]?.text, title: title, status: node["status"]?.text,
            level: try level(node["level"]), description: node["description"]?.text, author: node["author"]?.text,
            date: node["date"]?.text, modified: node["modified"]?.text, tags: node["tags"]?.texts ?? [],
            references: node["references"]?.texts ?? [], falsePositives: node["falsepositives"]?.texts ?? [],
            fields: node["fields"]?.texts ?? [], logSource: try logSource(logSourceNode), detection: try detection(detectionNode),
            location: node.location)
    }

    static func correlation(_ node: YAMLNode) throws(SigmaProblem) -> SigmaCorrelation {
        let title = try requiredText(node, "title")
        guard let body = node["correlation"], case .mapping = body else {
            throw SigmaProblem("correlation must be a map", at: node["correlation"]?.location ?? node.location)
        }
        let typeText = try requiredText(body, "type")
        guard let kind = SigmaCorrelation.Kind(rawValue: typeText) else {
            throw SigmaProblem(
                "unknown correlation type \"\(typeText)\" (expected \(SigmaCorrelation.Kind.allCases.map(\.rawValue).joined(separator: ", ")))",
                at: body["type"]?.location ?? body.location)
        }
        let rules = body["rules"]?.texts ?? []
        guard !rules.isEmpty else { throw SigmaProblem("a correlation needs rules", at: body.location) }
        let groupBy = body["group-by"]?.texts ?? []
        guard let timespanNode = body["timespan"], let timespanText = timespanNode.text else {
            throw SigmaProblem("a correlation needs a timespan", at: body.location)
        }
        let timespan = try seconds(timespanText, at: timespanNode.location)
        var criteria: [SigmaCorrelation.Criterion] = []
        var fields: [String] = []
        if let condition = body["condition"] {
            guard case .mapping(let pairs, _) = condition else {
                throw SigmaProblem("a correlation condition must be a map (gte: 10)", at: condition.location)
            }
            for (key, value) in pairs {
                if key.text == "field" {
                    fields = value.texts
                    continue
                }
                guard let op = SigmaCorrelation.Criterion.Operator(rawValue: key.text) else {
                    throw SigmaProblem("unknown condition operator \"\(key.text)\" (expected gt, gte, lt, lte, eq, neq, field)", at: key.location)
                }
                guard case .scalar(let scalar) = value, case .number(let number, _) = scalar.value else {
                    throw SigmaProblem("\(key.text) needs a number", at: value.location)
                }
                criteria.append(.init(op: op, value: number))
            }
        }
        switch kind {
        case .eventCount, .valueCount, .valueSum, .valueAverage, .valuePercentile:
            guard !criteria.isEmpty else { throw SigmaProblem("\(kind.rawValue) needs a condition", at: body.location) }
            if kind != .eventCount && fields.isEmpty {
                throw SigmaProblem("\(kind.rawValue) needs a field in its condition", at: body.location)
            }
        case .temporal, .temporalOrdered:
            // The default is that every referenced rule matched.
            if criteria.isEmpty { criteria = [.init(op: .gte, value: Double(rules.count))] }
        }
        var aliases: [String: [String: String]] = [:]
        if let aliasNode = body["aliases"] {
            guard case .mapping(let pairs, _) = aliasNode else { throw SigmaProblem("aliases must be a map", at: aliasNode.location) }
            for (alias, mapping) in pairs {
                guard case .mapping(let byRule, _) = mapping else {
                    throw SigmaProblem("alias \(alias.text) must map rule names to fields", at: mapping.location)
                }
                aliases[alias.text] = Dictionary(byRule.compactMap { pair in pair.value.text.map { (pair.key.text, $0) } }) { a, _ in a }
            }
        }
        let generateNode = body["generate"] ?? node["generate"]
        var generate = false
        if let generateNode {
            guard case .scalar(let scalar) = generateNode, case .bool(let flag) = scalar.value else {
                throw SigmaProblem("generate must be true or false", at: generateNode.location)
            }
            generate = flag
        }
        return SigmaCorrelation(
            id: node["id"]?.text, name: node["name"]?.text, title: title, status: node["status"]?.text, level: try level(node["level"]),
            description: node["description"]?.text, tags: node["tags"]?.texts ?? [], kind: kind, rules: rules, groupBy: groupBy,
            timespan: timespan, criteria: criteria, fields: fields, aliases: aliases, generate: generate, location: node.location)
    }

    static func filter(_ node: YAMLNode) throws(SigmaProblem) -> SigmaFilter {
        let title = try requiredText(node, "title")
        guard let body = node["filter"], case .mapping(let pairs, _) = body else {
            throw SigmaProblem("filter must be a map", at: node["filter"]?.location ?? node.location)
        }
        let rules = body["rules"]?.texts ?? []
        guard !rules.isEmpty else { throw SigmaProblem("a filter needs rules", at: body.location) }
        // The filter's selection and condition are read as a detection.
        let detectionPairs = pairs.filter { $0.key.text != "rules" }
        return SigmaFilter(
            id: node["id"]?.text, title: title, logSource: try node["logsource"].map(logSource) ?? SigmaLogSource(), rules: rules,
            detection: try detection(.mapping(detectionPairs, body.location)), location: node.location)
    }

    // MARK: Parts

    static func logSource(_ node: YAMLNode) throws(SigmaProblem) -> SigmaLogSource {
        guard case .mapping = node else { throw SigmaProblem("logsource must be a map", at: node.location) }
        return SigmaLogSource(category: node["category"]?.text, product: node["product"]?.text, service: node["service"]?.text)
    }

    static func level(_ node: YAMLNode?) throws(SigmaProblem) -> SigmaLevel? {
        guard let node, let text = node.text else { return nil }
        guard let level = SigmaLevel(rawValue: text.lowercased()) else {
            throw SigmaProblem(
                "unknown level \"\(text)\" (expected \(SigmaLevel.allCases.map(\.rawValue).joined(separator: ", ")))", at: node.location)
        }
        return level
    }

    static func detection(_ node: YAMLNode) throws(SigmaProblem) -> SigmaDetection {
        guard case .mapping(let pairs, let location) = node else { throw SigmaProblem("detection must be a map", at: node.location) }
        var searches: [(name: String, search: SigmaSearch)] = []
        var conditions: [ConditionNode] = []
        for (key, value) in pairs {
            switch key.text {
            case "condition":
                let texts: [(String, SourceLocation)]
                switch value {
                case .scalar(let scalar): texts = [(scalar.text, scalar.location)]
                case .sequence(let items, _): texts = items.compactMap { item in item.text.map { ($0, item.location) } }
                case .mapping: throw SigmaProblem("condition must be text or a list of texts", at: value.location)
                }
                for (text, at) in texts {
                    do {
                        conditions.append(try ConditionParser.parse(text))
                    } catch {
                        throw SigmaProblem(error.message, at: at)
                    }
                }
            case "timeframe":
                throw SigmaProblem("timeframe is Sigma 1 aggregation syntax; use a correlation rule", at: key.location)
            default:
                searches.append((key.text, try search(value)))
            }
        }
        guard !conditions.isEmpty else { throw SigmaProblem("detection has no condition", at: location) }
        let detection = SigmaDetection(searches: searches, conditions: conditions, location: location)
        for condition in conditions { try checkReferences(condition, in: detection) }
        return detection
    }

    /// Every identifier a condition names exists; every pattern matches something.
    static func checkReferences(_ node: ConditionNode, in detection: SigmaDetection) throws(SigmaProblem) {
        switch node {
        case .search(let name):
            guard detection.search(named: name) != nil else {
                throw SigmaProblem("the condition names \"\(name)\", which the detection does not define", at: detection.location)
            }
        case .and(let items), .or(let items):
            for item in items { try checkReferences(item, in: detection) }
        case .not(let item):
            try checkReferences(item, in: detection)
        case .quantified(_, let pattern):
            guard !SearchPattern.names(matching: pattern, in: detection).isEmpty else {
                throw SigmaProblem("\"\(pattern ?? "them")\" matches no search identifier of the detection", at: detection.location)
            }
        }
    }

    static func search(_ node: YAMLNode) throws(SigmaProblem) -> SigmaSearch {
        switch node {
        case .mapping(let pairs, _):
            var items: [SigmaDetectionItem] = []
            for (key, value) in pairs {
                let parts = key.text.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
                let field = parts[0].isEmpty ? nil : parts[0]
                var modifiers: [SigmaModifier] = []
                for name in parts.dropFirst() {
                    guard let modifier = SigmaModifier(name: name) else {
                        throw SigmaProblem("unknown modifier \"\(name)\" in \"\(key.text)\"", at: key.location)
                    }
                    modifiers.append(modifier)
                }
                items.append(SigmaDetectionItem(field: field, modifiers: modifiers, values: try values(value), location: key.location))
            }
            if items.count == 1, items[0].field == nil { return .keywords(items[0]) }
            if let keyword = items.first(where: { $0.field == nil }) {
                throw SigmaProblem("a keyword list (\"|all\") cannot share a map with fields", at: keyword.location)
            }
            return .allOf(items)
        case .sequence(let elements, let location):
            if elements.allSatisfy({ if case .scalar = $0 { return true } else { return false } }) {
                return .keywords(SigmaDetectionItem(field: nil, modifiers: [], values: try values(node), location: location))
            }
            var alternatives: [SigmaSearch] = []
            for element in elements {
                guard case .mapping = element else {
                    throw SigmaProblem("a list mixing maps and values", at: element.location)
                }
                alternatives.append(try search(element))
            }
            return .anyOf(alternatives)
        case .scalar(let scalar):
            return .keywords(SigmaDetectionItem(field: nil, modifiers: [], values: [scalar.value], location: scalar.location))
        }
    }

    static func values(_ node: YAMLNode) throws(SigmaProblem) -> [SigmaValue] {
        switch node {
        case .scalar(let scalar): return [scalar.value]
        case .sequence(let items, _):
            var result: [SigmaValue] = []
            for item in items {
                guard case .scalar(let scalar) = item else { throw SigmaProblem("values must be plain values, not \(item.kind)", at: item.location) }
                result.append(scalar.value)
            }
            return result
        case .mapping:
            throw SigmaProblem("a field's value must be a value or a list of values, not a map", at: node.location)
        }
    }

    // MARK: Helpers

    static func requiredText(_ node: YAMLNode, _ key: String) throws(SigmaProblem) -> String {
        guard let text = node[key]?.text, !text.isEmpty else { throw SigmaProblem("no \(key)", at: node.location) }
        return text
    }

    /// `30s`, `5m`, `1h`, `2d`, `1w` (and `1M`, `1y` read as 30 and 365 days).
    static func seconds(_ text: String, at location: SourceLocation) throws(SigmaProblem) -> Int64 {
        guard let unit = text.last, let count = Int64(text.dropLast()), count > 0 else {
            throw SigmaProblem("timespan \"\(text)\" is not a number followed by s, m, h or d", at: location)
        }
        switch unit {
        case "s": return count
        case "m": return count * 60
        case "h": return count * 3600
        case "d": return count * 86_400
        case "w": return count * 604_800
        case "M": return count * 2_592_000
        case "y": return count * 31_536_000
        default: throw SigmaProblem("timespan \"\(text)\" has an unknown unit \"\(unit)\" (expected s, m, h or d)", at: location)
        }
    }

    static func removing(_ key: String, from node: YAMLNode) -> YAMLNode {
        guard case .mapping(let pairs, let location) = node else { return node }
        return .mapping(pairs.filter { $0.key.text != key }, location)
    }

    /// `overlay` over `base`: maps merge key by key, anything else is replaced.
    static func merge(_ base: YAMLNode, _ overlay: YAMLNode) -> YAMLNode {
        guard case .mapping(var pairs, _) = base, case .mapping(let overlayPairs, let location) = overlay else { return overlay }
        for (key, value) in overlayPairs {
            if let index = pairs.firstIndex(where: { $0.key.text == key.text }) {
                pairs[index].value = merge(pairs[index].value, value)
            } else {
                pairs.append((key, value))
            }
        }
        return .mapping(pairs, location)
    }
}

/// `1 of selection*`: which search identifiers a pattern names.
enum SearchPattern {
    /// The names a pattern (with `*` wildcards) matches; `them` (nil) is every name not
    /// starting with `_`.
    static func names(matching pattern: String?, in detection: SigmaDetection) -> [String] {
        guard let pattern else { return detection.searches.map(\.name).filter { !$0.hasPrefix("_") } }
        return detection.searches.map(\.name).filter { matches($0, pattern) }
    }

    /// Whether a search identifier matches a pattern whose `*` stand for any run of
    /// characters; compared as UTF-8 bytes (identifiers are plain words).
    static func matches(_ name: String, _ pattern: String) -> Bool {
        let star = UInt8(ascii: "*")
        guard pattern.utf8.contains(star) else { return name == pattern }
        let text = Array(name.utf8)
        let parts = Array(pattern.utf8).split(separator: star, omittingEmptySubsequences: false)
        let first = parts[0], last = parts[parts.count - 1]
        guard text.count >= first.count + last.count, text.starts(with: first), text.reversed().starts(with: last.reversed()) else {
            return false
        }
        // The middle parts, in order, each where it first occurs between the two ends.
        var position = first.count
        let end = text.count - last.count
        for part in parts.dropFirst().dropLast() where !part.isEmpty {
            var found = false
            while position + part.count <= end {
                if text[position..<(position + part.count)].elementsEqual(part) {
                    found = true
                    break
                }
                position += 1
            }
            guard found else { return false }
            position += part.count
        }
        return true
    }
}
