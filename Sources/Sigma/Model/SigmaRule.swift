/// A Sigma detection rule as its file states it: metadata, log source, detection.
///
/// Values keep what the rule says; nothing is compiled here (`CompiledRule` does that). A rule
/// that loads may still fail to compile (a bad regular expression, a placeholder without
/// values): loading checks the structure, compiling checks the values.
public struct SigmaRule: Sendable {
    public var id: String?
    /// The rule's `name`, by which correlation rules may refer to it.
    public var name: String?
    public var title: String
    public var status: String?
    public var level: SigmaLevel?
    public var description: String?
    public var author: String?
    public var date: String?
    public var modified: String?
    public var tags: [String]
    public var references: [String]
    public var falsePositives: [String]
    /// Fields the rule suggests showing with a match.
    public var fields: [String]
    public var logSource: SigmaLogSource
    public var detection: SigmaDetection
    /// Where the rule's document starts.
    public var location: SourceLocation

    public init(
        id: String? = nil, name: String? = nil, title: String, status: String? = nil, level: SigmaLevel? = nil,
        description: String? = nil, author: String? = nil, date: String? = nil, modified: String? = nil, tags: [String] = [],
        references: [String] = [], falsePositives: [String] = [], fields: [String] = [], logSource: SigmaLogSource,
        detection: SigmaDetection, location: SourceLocation
    ) {
        self.id = id
        self.name = name
        self.title = title
        self.status = status
        self.level = level
        self.description = description
        self.author = author
        self.date = date
        self.modified = modified
        self.tags = tags
        self.references = references
        self.falsePositives = falsePositives
        self.fields = fields
        self.logSource = logSource
        self.detection = detection
        self.location = location
    }
}

/// Anything with Sigma `tags` (rules and correlation rules), read as ATT&CK ids.
public protocol ATTACKTagged {
    var tags: [String] { get }
}

extension SigmaRule: ATTACKTagged {}
extension SigmaCorrelation: ATTACKTagged {}

extension ATTACKTagged {
    /// ATT&CK technique ids from `attack.tNNNN[.NNN]` tags, upper-cased (`T1059.001`).
    public var techniques: [String] { attackIDs(prefix: "attack.t") }

    /// ATT&CK software ids from `attack.sNNNN` tags (`S0002`).
    public var software: [String] { attackIDs(prefix: "attack.s") }

    private func attackIDs(prefix: String) -> [String] {
        tags.compactMap { tag in
            let lowered = tag.lowercased()
            guard lowered.hasPrefix(prefix), lowered.dropFirst(prefix.count).first?.isNumber == true else { return nil }
            return String(lowered.dropFirst(7)).uppercased()
        }
    }

    /// ATT&CK tactic ids from `attack.<tactic-name>` tags (`attack.execution` → `TA0002`).
    public var tactics: [String] {
        var result: [String] = []
        for tag in tags {
            let lowered = tag.lowercased()
            guard lowered.hasPrefix("attack.") else { continue }
            let name = String(lowered.dropFirst(7).map { $0 == "-" ? "_" : $0 })
            if let id = ATTACKTactics.byName[name], !result.contains(id) { result.append(id) }
        }
        return result
    }
}

/// The severity a rule gives its matches.
public enum SigmaLevel: String, Sendable, Comparable, CaseIterable {
    case informational, low, medium, high, critical

    private var rank: Int { SigmaLevel.allCases.firstIndex(of: self) ?? 0 }
    public static func < (lhs: SigmaLevel, rhs: SigmaLevel) -> Bool { lhs.rank < rhs.rank }
}

/// What logs a rule applies to (`logsource`), lower-cased.
public struct SigmaLogSource: Sendable, Hashable, CustomStringConvertible {
    public var category: String?
    public var product: String?
    public var service: String?

    public init(category: String? = nil, product: String? = nil, service: String? = nil) {
        self.category = category?.lowercased()
        self.product = product?.lowercased()
        self.service = service?.lowercased()
    }

    public var description: String {
        [("product", product), ("category", category), ("service", service)].compactMap { key, value in value.map { "\(key): \($0)" } }
            .joined(separator: ", ")
    }
}

/// A rule's `detection`: named searches and the condition that combines them.
public struct SigmaDetection: Sendable {
    /// The search identifiers in the order the rule gives them.
    public var searches: [(name: String, search: SigmaSearch)]
    /// The conditions; several are alternatives (OR).
    public var conditions: [ConditionNode]
    public var location: SourceLocation

    public init(searches: [(name: String, search: SigmaSearch)], conditions: [ConditionNode], location: SourceLocation) {
        self.searches = searches
        self.conditions = conditions
        self.location = location
    }

    public func search(named name: String) -> SigmaSearch? {
        searches.first { $0.name == name }?.search
    }
}

/// One search identifier's definition.
public indirect enum SigmaSearch: Sendable {
    /// A map: every item must match (AND).
    case allOf([SigmaDetectionItem])
    /// A list of maps: any must match (OR).
    case anyOf([SigmaSearch])
    /// A list of plain values searched in the whole event (keywords), OR or (`|all`) AND.
    case keywords(SigmaDetectionItem)
}

/// One `field|modifiers: values` item (field nil for keywords).
public struct SigmaDetectionItem: Sendable {
    public var field: String?
    public var modifiers: [SigmaModifier]
    public var values: [SigmaValue]
    public var location: SourceLocation

    public init(field: String?, modifiers: [SigmaModifier], values: [SigmaValue], location: SourceLocation) {
        self.field = field
        self.modifiers = modifiers
        self.values = values
        self.location = location
    }
}

/// A value as the rule wrote it.
public enum SigmaValue: Sendable, Hashable {
    case string(String)
    /// A number, with its text as written (`0x17` stays comparable to the text `0x17`).
    case number(Double, text: String)
    case bool(Bool)
    case null
}

/// The value modifiers of the specification's appendix.
public enum SigmaModifier: String, Sendable, CaseIterable {
    case contains, startswith, endswith, all, exists, cased, neq
    case windash, re, i, m, s
    case base64, base64offset, utf16le, utf16be, utf16, wide
    case lt, lte, gt, gte
    case minute, hour, day, week, month, year
    case cidr, expand, fieldref

    /// Long names some rules use for the regular expression flags.
    static let aliases: [String: SigmaModifier] = ["ignorecase": .i, "multiline": .m, "dotall": .s]

    public init?(name: String) {
        if let known = SigmaModifier(rawValue: name) {
            self = known
        } else if let alias = SigmaModifier.aliases[name] {
            self = alias
        } else {
            return nil
        }
    }
}

/// A place in a rule file, for messages.
public struct SourceLocation: Sendable, Hashable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int

    public init(file: String, line: Int = 0, column: Int = 0) {
        self.file = file
        self.line = line
        self.column = column
    }

    public var description: String { line > 0 ? "\(file):\(line):\(column)" : file }
}

/// Why a rule (or a part of one) cannot be used, and where.
public struct SigmaProblem: Error, Sendable, CustomStringConvertible {
    public var location: SourceLocation
    public var message: String

    public init(_ message: String, at location: SourceLocation) {
        self.message = message
        self.location = location
    }

    public var description: String { "\(location): \(message)" }
}
