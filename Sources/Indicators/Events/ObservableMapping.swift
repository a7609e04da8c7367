import EventLog
import STIX

/// Which event fields hold values indicators name, and how to read them: data, replaceable
/// (`ObservableMapping(json:)`), documented in `docs/indicators.md`.
///
/// The default covers Sysmon (`Hashes`, `Image`, `TargetFilename`, `DestinationIp`,
/// `QueryName`, `TargetObject`, ...), the Security log (`NewProcessName`, `IpAddress`,
/// `DestAddress`, `ObjectName`, ...), Zeek (`id.orig_h`, `id.resp_h`, `query`, `host`,
/// `server_name`, `md5`, `sha1`, `sha256`, `mailfrom`) and common JSON names.
public struct ObservableMapping: Sendable {
    /// How a field's text becomes observables.
    public enum Reading: String, Sendable, Hashable {
        /// The text as it is.
        case value
        /// The last component of a Windows or Unix path.
        case fileName = "file-name"
        /// Sysmon's `SHA1=...,MD5=...,SHA256=...,IMPHASH=...`.
        case hashList = "hash-list"
        /// Addresses anywhere in a `;`-separated list (Sysmon's `QueryResults`).
        case addressList = "address-list"
        /// The key, and for a value path (`...\Run\Updater`) the key holding it.
        case registryPath = "registry-path"
        /// The address of `Name <user@example.org>`.
        case mailbox
    }

    /// One field read one way.
    public struct Rule: Sendable, Hashable {
        public var field: String
        public var kind: ObservableKind
        public var reading: Reading
        public var role: AddressRole?

        public init(field: String, kind: ObservableKind, reading: Reading = .value, role: AddressRole? = nil) {
            self.field = field
            self.kind = kind
            self.reading = reading
            self.role = role
        }
    }

    public private(set) var rules: [Rule]
    private let byField: [FieldName: [Rule]]
    /// How a rule reads, without its field name: a value with no reference to count, so a
    /// hunt's per-event loop over the rules retains nothing.
    struct Reader: Sendable {
        var kind: ObservableKind
        var reading: Reading
        var role: AddressRole?
    }
    /// The fields rules read, each once (what a reader is asked for), and the range of
    /// `readers` that read each.
    private let fieldNames: [FieldName]
    private let readerRanges: [Range<Int>]
    private let readers: [Reader]

    public init(rules: [Rule]) {
        self.rules = rules
        let byField = Dictionary(grouping: rules, by: { FieldName($0.field) })
        self.byField = byField
        var order: [FieldName] = []
        for rule in rules where !order.contains(FieldName(rule.field)) { order.append(FieldName(rule.field)) }
        var ranges: [Range<Int>] = []
        var readers: [Reader] = []
        for name in order {
            let start = readers.count
            readers += (byField[name] ?? []).map { Reader(kind: $0.kind, reading: $0.reading, role: $0.role) }
            ranges.append(start..<readers.count)
        }
        fieldNames = order
        readerRanges = ranges
        self.readers = readers
    }

    /// Reads `[{"field": ..., "kind": ..., "reading": ..., "role": ...}, ...]`.
    public init(json: [UInt8]) throws(PatternError) {
        let value: JSONValue
        do { value = try JSONParser.parse(json) } catch { throw PatternError("the observable mapping is not JSON: \(error)") }
        var rules: [Rule] = []
        for (index, entry) in (value.arrayValue ?? []).enumerated() {
            guard let object = entry.objectValue, let field = object["field"]?.stringValue,
                let kind = object["kind"]?.stringValue.flatMap(ObservableKind.init(rawValue:))
            else { throw PatternError("mapping entry \(index + 1): needs a field and a kind (\(ObservableKind.allCases.map(\.rawValue).joined(separator: ", ")))") }
            let reading = object["reading"]?.stringValue.map { Reading(rawValue: $0) } ?? .value
            guard let reading else { throw PatternError("mapping entry \(index + 1): unknown reading") }
            rules.append(Rule(field: field, kind: kind, reading: reading, role: object["role"]?.stringValue.flatMap(AddressRole.init(rawValue:))))
        }
        self.init(rules: rules)
    }

    /// The rules for a field; empty for fields no rule names.
    public func rules(for field: FieldName) -> [Rule] { byField[field] ?? [] }

    /// The observables of an event.
    public func observables(in event: Event) -> [Observable] {
        var found: [Observable] = []
        for field in event.fields {
            guard let rules = byField[field.name] else { continue }
            for rule in rules { Self.read(field.value.text, rule, into: &found) }
        }
        return found
    }

    /// The observables of an event read field by field (a hunt's matching context): `text`
    /// gives a field's text, nil when the event lacks it.
    public func observables(reading text: (FieldName) -> String?) -> [Observable] {
        var found: [Observable] = []
        for position in fieldNames.indices {
            if let value = text(fieldNames[position]) { read(field: position, value, into: &found) }
        }
        return found
    }

    /// The fields rules read, each once: `fieldName(at:)` and `read(field:_:into:)` take
    /// positions below this.
    var fieldCount: Int { fieldNames.count }
    /// The fields rules read, each once, in the order they are read.
    public var readFields: [FieldName] { fieldNames }
    func fieldName(at position: Int) -> FieldName { fieldNames[position] }
    /// The kinds the rules of the field at `position` read.
    func kinds(ofField position: Int) -> [ObservableKind] { readerRanges[position].map { readers[$0].kind } }

    /// The observables the rules of the field at `position` read from its text.
    func read(field position: Int, _ value: String, into found: inout [Observable]) {
        // One allocation rather than a growth per value.
        if found.capacity == 0 { found.reserveCapacity(8) }
        for reader in readerRanges[position] { Self.read(value, readers[reader], into: &found) }
    }

    /// The observables a rule reads from a field's text.
    public static func read(_ text: String, _ rule: Rule, into found: inout [Observable]) {
        read(text, Reader(kind: rule.kind, reading: rule.reading, role: rule.role), into: &found)
    }

    static func read(_ text: String, _ rule: Reader, into found: inout [Observable]) {
        let text = text.trimmingSpaces
        guard !text.isEmpty, text != "-" else { return }
        switch rule.reading {
        case .value:
            found.append(Observable(rule.kind, rule.kind == .address ? bareAddress(text) : text, role: rule.role))
        case .fileName:
            // The last component, found from the end without splitting the whole path.
            let utf8 = text.utf8
            var end = utf8.endIndex
            while end > utf8.startIndex, let last = utf8[..<end].last, last == UInt8(ascii: "\\") || last == UInt8(ascii: "/") { end = utf8.index(before: end) }
            let start = utf8[..<end].lastIndex { $0 == UInt8(ascii: "\\") || $0 == UInt8(ascii: "/") }.map { utf8.index(after: $0) } ?? utf8.startIndex
            let name = start == utf8.startIndex && end == utf8.endIndex ? text : String(Substring(utf8[start..<end]))
            found.append(Observable(rule.kind, name.isEmpty ? text : name, role: rule.role))
        case .hashList:
            // `SHA1=…,MD5=…,SHA256=…,IMPHASH=…`, read in place: one per Sysmon image load.
            let utf8 = text.utf8
            var start = utf8.startIndex
            while start < utf8.endIndex {
                let end = utf8[start...].firstIndex(of: UInt8(ascii: ",")) ?? utf8.endIndex
                if let equals = utf8[start..<end].firstIndex(of: UInt8(ascii: "=")),
                    let kind = hashKind(utf8[start..<equals])
                {
                    found.append(Observable(kind, String(Substring(utf8[utf8.index(after: equals)..<end])).trimmingSpaces))
                }
                start = end == utf8.endIndex ? end : utf8.index(after: end)
            }
        case .addressList:
            for entry in text.split(separator: ";") {
                let candidate = bareAddress(String(entry).trimmingSpaces)
                if let address = IPNetwork(candidate), !address.isNetwork { found.append(Observable(.address, address.description, role: rule.role)) }
            }
        case .registryPath:
            found.append(Observable(.registryKey, text))
            if let slash = text.lastIndex(of: "\\"), slash != text.startIndex {
                found.append(Observable(.registryKey, String(text[..<slash])))
            }
        case .mailbox:
            if let open = text.lastIndex(of: "<"), let close = text.lastIndex(of: ">"), open < close {
                found.append(Observable(.email, String(text[text.index(after: open)..<close])))
            } else {
                found.append(Observable(.email, text))
            }
        }
    }

    /// The hash kind of a name in Sysmon's list (`SHA256`, `sha-1`, ...) without making a
    /// string: the name in upper case, without hyphens, packed into an integer.
    static func hashKind(_ name: Substring.UTF8View) -> ObservableKind? {
        var packed: UInt64 = 0
        var count = 0
        for byte in name where byte != UInt8(ascii: "-") && byte != UInt8(ascii: " ") {
            guard count < 8 else { return nil }
            packed = packed << 8 | UInt64(byte >= 0x61 && byte <= 0x7A ? byte - 32 : byte)
            count += 1
        }
        return hashKinds[packed]
    }

    private static let hashKinds: [UInt64: ObservableKind] = Dictionary(
        uniqueKeysWithValues: [("MD5", .md5), ("SHA1", .sha1), ("SHA224", .sha224), ("SHA256", .sha256), ("SHA384", .sha384), ("SHA512", .sha512)]
            .map { name, kind in (name.utf8.reduce(UInt64(0)) { $0 << 8 | UInt64($1) }, kind) })

    /// An address without IPv6 brackets, a zone, or the `::ffff:` prefix of a mapped IPv4.
    static func bareAddress(_ text: String) -> String {
        // Most addresses are plain: no copy for them.
        guard text.utf8.contains(where: { $0 == UInt8(ascii: "[") || $0 == UInt8(ascii: "%") || $0 == UInt8(ascii: ":") }) else { return text }
        var value = Substring(text)
        if value.hasPrefix("["), let close = value.firstIndex(of: "]") { value = value[value.index(after: value.startIndex)..<close] }
        if let percent = value.firstIndex(of: "%") { value = value[..<percent] }
        if value.lowercased().hasPrefix("::ffff:"), IPNetwork.ipv4(value.dropFirst(7)) != nil { value = value.dropFirst(7) }
        return String(value)
    }

    /// Sysmon, the Security log, Zeek and common JSON names.
    public static let standard = ObservableMapping(rules: [
        // Sysmon
        Rule(field: "Hashes", kind: .sha256, reading: .hashList),
        Rule(field: "Image", kind: .fileName, reading: .fileName),
        Rule(field: "ParentImage", kind: .fileName, reading: .fileName),
        Rule(field: "TargetFilename", kind: .fileName, reading: .fileName),
        Rule(field: "ImageLoaded", kind: .fileName, reading: .fileName),
        Rule(field: "OriginalFileName", kind: .fileName),
        Rule(field: "DestinationIp", kind: .address, role: .destination),
        Rule(field: "SourceIp", kind: .address, role: .source),
        Rule(field: "DestinationHostname", kind: .domain),
        Rule(field: "QueryName", kind: .domain),
        Rule(field: "QueryResults", kind: .address, reading: .addressList),
        Rule(field: "TargetObject", kind: .registryKey, reading: .registryPath),
        // Security log
        Rule(field: "NewProcessName", kind: .fileName, reading: .fileName),
        Rule(field: "ParentProcessName", kind: .fileName, reading: .fileName),
        Rule(field: "ProcessName", kind: .fileName, reading: .fileName),
        Rule(field: "Application", kind: .fileName, reading: .fileName),
        Rule(field: "IpAddress", kind: .address, role: .source),
        Rule(field: "SourceAddress", kind: .address, role: .source),
        Rule(field: "DestAddress", kind: .address, role: .destination),
        Rule(field: "ObjectName", kind: .registryKey, reading: .registryPath),
        // Zeek
        Rule(field: "id.orig_h", kind: .address, role: .source),
        Rule(field: "id.resp_h", kind: .address, role: .destination),
        Rule(field: "query", kind: .domain),
        Rule(field: "host", kind: .domain),
        Rule(field: "server_name", kind: .domain),
        Rule(field: "md5", kind: .md5),
        Rule(field: "sha1", kind: .sha1),
        Rule(field: "sha256", kind: .sha256),
        Rule(field: "mailfrom", kind: .email, reading: .mailbox),
        Rule(field: "from", kind: .email, reading: .mailbox),
        // Common JSON names
        Rule(field: "url", kind: .url),
        Rule(field: "domain", kind: .domain),
        Rule(field: "src_ip", kind: .address, role: .source),
        Rule(field: "dst_ip", kind: .address, role: .destination),
        Rule(field: "sender", kind: .email, reading: .mailbox),
        Rule(field: "mutex", kind: .mutex),
    ])
}

extension String {
    var trimmingSpaces: String {
        // Most values have no space at either end: no copy for them.
        guard let first = utf8.first, let last = utf8.last else { return self }
        if first != 0x20 && first != 0x09 && last != 0x20 && last != 0x09 { return self }
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { $0 != " " && $0 != "\t" }),
            let last = scalars.lastIndex(where: { $0 != " " && $0 != "\t" })
        else { return "" }
        return String(scalars[first...last])
    }
}
