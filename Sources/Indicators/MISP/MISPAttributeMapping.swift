import STIX

/// How a MISP attribute's type and value become STIX: the pattern of an indicator (when
/// `to_ids` is set) and the cyber observables of observed data (when it is not).
///
/// Composite types keep what matches in evidence: `filename|sha256` becomes the hash (names
/// change, hashes do not; the name goes to the description), `domain|ip` the domain or the
/// address, `ip-dst|port` the address and the port of one connection.
public struct MISPAttributeMapping: Sendable {
    /// An attribute turned into STIX.
    public struct Mapped: Sendable {
        public var pattern: String
        /// The observables, each a STIX cyber-observable object with a deterministic id.
        public var observables: [JSONObject]
        /// What the pattern leaves out of a composite value, for the description.
        public var note: String?
    }

    /// Why an attribute is not mapped.
    public enum Refusal: Error, Sendable, Hashable, CustomStringConvertible {
        /// A type MISP knows that names no observable (`text`, `comment`, `link`, ...).
        case notObservable(String)
        /// A type this mapping does not know.
        case unknownType(String)
        /// A value that is not what its type says (an MD5 of 31 digits, an address with letters).
        case badValue(type: String, reason: String)

        public var description: String {
            switch self {
            case .notObservable(let type): "type '\(type)' names no observable"
            case .unknownType(let type): "unknown attribute type '\(type)'"
            case .badValue(let type, let reason): "bad \(type) value: \(reason)"
            }
        }

        /// The reason without the value, to count reasons.
        public var kind: String {
            switch self {
            case .notObservable(let type): "type '\(type)' names no observable"
            case .unknownType(let type): "unknown attribute type '\(type)'"
            case .badValue(let type, _): "bad \(type) value"
            }
        }
    }

    /// MISP types that name no observable an indicator could match (MISP's own category list).
    static let unobservable: Set<String> = [
        "text", "comment", "other", "link", "datetime", "port", "pdb", "vulnerability", "weakness", "yara", "sigma", "snort",
        "attachment", "malware-sample", "windows-scheduled-task", "windows-service-name", "windows-service-displayname",
        "btc", "xmr", "dash", "bic", "iban", "bank-account-nr", "cc-number", "prtn", "phone-number", "whois-registrant-email",
        "whois-registrant-name", "whois-registrant-phone", "whois-registrar", "whois-creation-date", "target-user",
        "target-email", "target-machine", "target-org", "target-location", "target-external", "threat-actor",
        "campaign-name", "campaign-id", "malware-type", "counter", "float", "size-in-bytes", "boolean", "cpe", "cookie",
        "imphash", "authentihash", "impfuzzy", "pehash", "telfhash", "vhash", "cdhash", "ssdeep", "tlsh", "x509-fingerprint-sha1",
        "x509-fingerprint-md5", "x509-fingerprint-sha256", "ja3-fingerprint-md5", "jarm-fingerprint", "hassh-md5",
        "hasshserver-md5", "http-method", "named pipe", "process-state", "anonymised", "community-id", "stix2-pattern",
        "pattern-in-file", "pattern-in-traffic", "pattern-in-memory", "mobile-application-id", "chrome-extension-id",
        "hex", "full-name", "first-name", "last-name", "middle-name", "email-body", "email-attachment", "email-header",
        "email-message-id", "email-mime-boundary", "email-thread-index", "email-x-mailer", "email-reply-to", "email-dst-display-name",
        "email-src-display-name", "github-username", "github-repository", "github-organisation", "jabber-id", "twitter-id",
        "favicon-mmh3", "dkim", "dkim-signature", "hostname|port", "azure-application-id", "kusto-query", "dns-soa-email",
        "place-port-of-original-embarkation", "passport-number", "nationality", "gender", "date-of-birth", "identity-card-number",
    ]

    static let hashes: [String: (stixName: String, digits: Int)] = [
        "md5": ("MD5", 32), "sha1": ("SHA-1", 40), "sha224": ("SHA-224", 56), "sha256": ("SHA-256", 64), "sha384": ("SHA-384", 96),
        "sha512": ("SHA-512", 128),
    ]

    public init() {}

    /// The STIX form of an attribute; throws why it has none.
    public func map(type: String, value: String) throws(Refusal) -> Mapped {
        let value = value.trimmingSpaces
        guard !value.isEmpty else { throw .badValue(type: type, reason: "empty") }
        if let (name, rest) = Self.split(type), let hash = Self.hashes[rest], name == "filename" {
            let parts = Self.splitValue(value)
            let mapped = try fileHash(hash, parts.1, type: type)
            return Mapped(pattern: mapped.pattern, observables: mapped.observables, note: "file name: \(parts.0)")
        }
        if let hash = Self.hashes[type] { return try fileHash(hash, value, type: type) }
        switch type {
        case "ip-src", "ip-dst":
            return try address(value, type: type)
        case "ip-src|port", "ip-dst|port":
            let (host, port) = Self.splitValue(value)
            var mapped = try address(host, type: type)
            guard let number = Int(port), (0...65535).contains(number) else { throw .badValue(type: type, reason: "port '\(port)'") }
            let end = type.hasPrefix("ip-dst") ? "dst" : "src"
            mapped.pattern = "[network-traffic:\(end)_ref.value = \(Self.quoted(host)) AND network-traffic:\(end)_port = \(number)]"
            return mapped
        case "domain", "hostname":
            return try domain(value, type: type)
        case "domain|ip":
            let (name, host) = Self.splitValue(value)
            let domainPart = try domain(name, type: type)
            let addressPart = try address(host, type: type)
            return Mapped(
                pattern: "[\(Self.comparison(of: domainPart.pattern)) OR \(Self.comparison(of: addressPart.pattern))]",
                observables: domainPart.observables + addressPart.observables, note: nil)
        case "url", "uri":
            return try url(value, type: type)
        case "email", "email-src", "email-dst":
            guard value.contains("@") else { throw .badValue(type: type, reason: "no @ in '\(value)'") }
            return Self.single("email-addr", "value", value)
        case "email-subject":
            return Mapped(pattern: "[email-message:subject = \(Self.quoted(value))]", observables: [], note: nil)
        case "filename":
            return Self.single("file", "name", value)
        case "mutex":
            return Self.single("mutex", "name", value)
        case "regkey":
            return Self.single("windows-registry-key", "key", Self.registryKey(value))
        case "regkey|value":
            let (key, data) = Self.splitValue(value)
            var mapped = Self.single("windows-registry-key", "key", Self.registryKey(key))
            mapped.note = "value data: \(data)"
            return mapped
        case "user-agent":
            return Mapped(
                pattern: "[network-traffic:extensions.'http-request-ext'.request_header.'User-Agent' = \(Self.quoted(value))]",
                observables: [], note: nil)
        case "AS":
            let digits = value.uppercased().hasPrefix("AS") ? String(value.dropFirst(2)) : value
            guard let number = Int(digits), number >= 0 else { throw .badValue(type: type, reason: "'\(value)' is not an AS number") }
            let object = Self.observable("autonomous-system", [("number", .int(Int64(number)))])
            return Mapped(pattern: "[autonomous-system:number = \(number)]", observables: [object], note: nil)
        default:
            if Self.unobservable.contains(type) { throw .notObservable(type) }
            throw .unknownType(type)
        }
    }

    private func fileHash(_ hash: (stixName: String, digits: Int), _ value: String, type: String) throws(Refusal) -> Mapped {
        let hex = value.lowercased()
        guard hex.utf8.count == hash.digits, hex.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) }) else {
            throw .badValue(type: type, reason: "'\(value)' is not \(hash.digits) hexadecimal digits")
        }
        let key = hash.stixName == "MD5" ? "MD5" : "'\(hash.stixName)'"
        let object = Self.observable("file", [("hashes", .object(JSONObject([(hash.stixName, .string(hex))])))])
        return Mapped(pattern: "[file:hashes.\(key) = \(Self.quoted(hex))]", observables: [object], note: nil)
    }

    private func address(_ value: String, type: String) throws(Refusal) -> Mapped {
        guard let network = IPNetwork(value) else { throw .badValue(type: type, reason: "'\(value)' is not an IP address or network") }
        // As the indicator sets read such a network: by its prefix, and saying so.
        var mapped = Self.single(network.family == .v6 ? "ipv6-addr" : "ipv4-addr", "value", network.hasHostBits ? network.networkText : value)
        if network.hasHostBits { mapped.note = "'\(value)' has host bits set: read as \(network.networkText)" }
        return mapped
    }

    /// A URL as STIX needs it (with a scheme): a bare host is read as the domain or address it
    /// is, a URL without a scheme as `http://`, saying so.
    private func url(_ value: String, type: String) throws(Refusal) -> Mapped {
        if value.contains("://") { return Self.single("url", "value", value) }
        guard value.contains("/") || value.contains("?") else {
            var mapped = IPNetwork(value) != nil ? try address(value, type: type) : try domain(value, type: type)
            mapped.note = "URL '\(value)' has no scheme or path: read as a host"
            return mapped
        }
        var mapped = Self.single("url", "value", "http://" + value)
        mapped.note = "URL '\(value)' has no scheme: read as http://"
        return mapped
    }

    /// A key with its hive written out (`HKLM\...` → `HKEY_LOCAL_MACHINE\...`), as STIX wants.
    static func registryKey(_ key: String) -> String {
        let hives = [("HKLM", "HKEY_LOCAL_MACHINE"), ("HKCU", "HKEY_CURRENT_USER"), ("HKCR", "HKEY_CLASSES_ROOT"), ("HKU", "HKEY_USERS"), ("HKCC", "HKEY_CURRENT_CONFIG")]
        let upper = key.uppercased()
        for (short, long) in hives where upper.hasPrefix(short + "\\") || upper == short {
            return long + key.dropFirst(short.count)
        }
        return key
    }

    private func domain(_ value: String, type: String) throws(Refusal) -> Mapped {
        var name = value.hasSuffix(".") ? String(value.dropLast()) : value
        var note: String?
        // `host:80`: the port says nothing of the name.
        if let colon = name.lastIndex(of: ":"), !name[name.index(after: colon)...].isEmpty,
            name[name.index(after: colon)...].allSatisfy({ $0.isASCII && $0.isNumber })
        {
            note = "'\(value)': the port is left out"
            name = String(name[..<colon])
        }
        let allowed = name.unicodeScalars.allSatisfy { $0.value > 0x7F || $0.properties.isAlphabetic || ("0"..."9").contains($0) || "-._".unicodeScalars.contains($0) }
        guard !name.isEmpty, allowed, name.contains("."), IPNetwork(name) == nil else {
            throw .badValue(type: type, reason: "'\(value)' is not a domain name")
        }
        var mapped = Self.single("domain-name", "value", name.lowercased())
        mapped.note = note
        return mapped
    }

    /// A pattern of one equality on one property, with its observable.
    private static func single(_ type: String, _ property: String, _ value: String) -> Mapped {
        Mapped(pattern: "[\(type):\(property) = \(quoted(value))]", observables: [observable(type, [(property, .string(value))])], note: nil)
    }

    /// A cyber observable whose id is derived from its properties, as STIX 2.1 recommends.
    static func observable(_ type: String, _ properties: [(String, JSONValue)]) -> JSONObject {
        let contributing = JSONWriter().string(.object(JSONObject(properties.map { (key: $0.0, value: $0.1) })))
        let id = STIXIdentifier.deterministic(type: type, name: contributing)
        return JSONObject([(key: "type", value: .string(type)), ("spec_version", .string("2.1")), ("id", .string(id.rawValue))] + properties.map { (key: $0.0, value: $0.1) })
    }

    /// A string literal of the pattern language.
    static func quoted(_ value: String) -> String { PatternLiteral.string(value).patternText }

    /// The comparison inside a one-comparison pattern's brackets.
    static func comparison(of pattern: String) -> String { String(pattern.dropFirst().dropLast()) }

    /// `filename|md5` → ("filename", "md5").
    static func split(_ type: String) -> (String, String)? {
        guard let bar = type.firstIndex(of: "|") else { return nil }
        return (String(type[..<bar]), String(type[type.index(after: bar)...]))
    }

    /// A composite value `a|b` (the first bar splits; a value without one is all first part).
    static func splitValue(_ value: String) -> (String, String) {
        guard let bar = value.firstIndex(of: "|") else { return (value, "") }
        return (String(value[..<bar]).trimmingSpaces, String(value[value.index(after: bar)...]).trimmingSpaces)
    }
}
