import EventLog

/// How a rule's `logsource` becomes conditions on events: which channels, event ids or other
/// fields an event must have for the rule to apply, and which of the rule's field names are
/// named otherwise in those events. It is data: a YAML (or JSON) document
/// (`DefaultLogSources.yaml` is built in; `--logsource-map FILE` replaces it).
///
/// A rule takes the entries whose `product`, `category` and `service` (those the entry gives)
/// all equal the rule's, keeping the most specific ones (category and service count more than
/// product). Each entry lists alternatives
/// (`match`): conditions (field → value or list of values; `@format` is the reader's format)
/// and field renames. A rule that no entry matches is *unmapped*: it is not run unless asked
/// (`UnmappedRules.run`), since a rule on events of another product gives false findings.
public struct LogSourceMapping: Sendable {
    /// One way an event can belong to a log source.
    public struct Alternative: Sendable {
        public var conditions: [(field: String, values: [String])]
        /// Rule field name → event field name.
        public var renames: [String: String]
    }

    public struct Entry: Sendable {
        public var logSource: SigmaLogSource
        public var alternatives: [Alternative]

        /// Category and service say more than product: an `antivirus` entry beats a `windows` one.
        var specificity: Int {
            (logSource.product == nil ? 0 : 1) + (logSource.category == nil ? 0 : 2) + (logSource.service == nil ? 0 : 2)
        }

        func applies(to rule: SigmaLogSource) -> Bool {
            (logSource.product == nil || logSource.product == rule.product)
                && (logSource.category == nil || logSource.category == rule.category)
                && (logSource.service == nil || logSource.service == rule.service)
        }
    }

    public var entries: [Entry]

    /// The alternatives for a rule's log source; nil when no entry applies.
    public func alternatives(for logSource: SigmaLogSource) -> [Alternative]? {
        let matching = entries.filter { $0.applies(to: logSource) }
        guard let best = matching.map(\.specificity).max() else { return nil }
        return matching.filter { $0.specificity == best }.flatMap(\.alternatives)
    }

    /// Why a mapping document cannot be used.
    public struct Problem: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// Reads a mapping document (YAML, or JSON, which is YAML too).
    public init(text: String, path: String = "log source mapping") throws(Problem) {
        let documents: [YAMLNode]
        do {
            documents = try YAMLNode.documents(text, file: path)
        } catch {
            throw Problem(description: error.description)
        }
        guard let sources = documents.first?["sources"], case .sequence(let items, _) = sources else {
            throw Problem(description: "\(path): expected a map with a \"sources\" list")
        }
        var entries: [Entry] = []
        for source in items {
            guard case .mapping = source else { throw Problem(description: "\(source.location): a source must be a map") }
            let logSource = SigmaLogSource(category: source["category"]?.text, product: source["product"]?.text, service: source["service"]?.text)
            var alternatives: [Alternative] = []
            let matches: [YAMLNode]
            switch source["match"] {
            case .sequence(let list, _)?: matches = list
            case nil: matches = []
            case let other?: throw Problem(description: "\(other.location): match must be a list")
            }
            for match in matches {
                guard case .mapping = match else { throw Problem(description: "\(match.location): a match must be a map") }
                var conditions: [(String, [String])] = []
                if let conditionNode = match["conditions"] {
                    guard case .mapping(let pairs, _) = conditionNode else {
                        throw Problem(description: "\(conditionNode.location): conditions must be a map")
                    }
                    for (field, value) in pairs { conditions.append((field.text, value.texts)) }
                }
                var renames: [String: String] = [:]
                if let fieldNode = match["fields"] {
                    guard case .mapping(let pairs, _) = fieldNode else { throw Problem(description: "\(fieldNode.location): fields must be a map") }
                    for (from, to) in pairs {
                        guard let target = to.text else { throw Problem(description: "\(to.location): the rename of \(from.text) is not a name") }
                        renames[from.text] = target
                    }
                }
                alternatives.append(Alternative(conditions: conditions, renames: renames))
            }
            // An entry without alternatives applies with no conditions.
            if alternatives.isEmpty { alternatives = [Alternative(conditions: [], renames: [:])] }
            entries.append(Entry(logSource: logSource, alternatives: alternatives))
        }
        self.entries = entries
    }

    /// The mapping Vigil ships with.
    public static let standard: LogSourceMapping = {
        do {
            return try LogSourceMapping(text: DefaultLogSources.yaml, path: "built-in log source mapping")
        } catch {
            // The built-in document is part of the program; tests read it.
            preconditionFailure("the built-in log source mapping does not parse: \(error)")
        }
    }()
}

/// What a hunt does with rules whose log source the mapping does not name (a product it has no
/// entry for): leave them out and report them, or run them on every event that is not a
/// Windows event log record (cloud and application logs have no channel to test).
public enum UnmappedRules: String, Sendable, CaseIterable {
    case skip
    case run
}
