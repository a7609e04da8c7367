import Foundation
import STIX

/// MISP warninglists: values known to be benign or too common to mean anything (public
/// resolvers, cloud ranges, top domains, test hashes), in MISP's format (`list.json`: name,
/// type `string`, `substring`, `hostname`, `cidr` or `regex`, the values, the attribute types
/// it applies to), plus the user's own lists in the same format.
///
/// A hit on a listed value is suppressed and says which list suppressed it. Lists are only
/// consulted for values that hit an indicator, so loading all of them costs the hunt nothing;
/// the values of all lists of one type share one index.
public struct Warninglists: Sendable {
    /// One list.
    public struct List: Sendable {
        public var name: String
        public var type: String
        /// The observable kinds its `matching_attributes` name (all kinds when it names none).
        public var kinds: Set<ObservableKind>
        public var count: Int
    }

    public private(set) var lists: [List] = []
    /// Per list, its kinds as bits (`ObservableKind.ordinal`).
    private var kindBits: [UInt32] = []
    /// `string` and `hostname` entries (tagged apart) and `cidr` networks, each to the lists
    /// holding it.
    private var values = ValueTable<Int32>()
    private var prefixLengths: [[Int]] = [[], []]
    /// The kinds some `string`, `hostname` or `cidr` list applies to, as bits: a value of
    /// another kind is not looked up in that part at all.
    private var stringKinds: UInt32 = 0
    private var hostnameKinds: UInt32 = 0
    private var networkKinds: UInt32 = 0
    /// One bit per IPv4 /24 that some listed network overlaps: an address outside all of them
    /// (most are) needs no probe per prefix length.
    private var coveredIPv4: [UInt64] = []
    /// Substring entries per observable kind (`ObservableKind.ordinal`), found in one pass
    /// by the kind's scanner: a value is only searched for the entries of lists that apply to
    /// its kind.
    private var substrings: [[(text: [UInt8], list: Int32)]] = Array(repeating: [], count: ObservableKind.allCases.count)
    private var substringScanners: [AnchorScanner] = Array(repeating: AnchorScanner([]), count: ObservableKind.allCases.count)
    private var regexes: [[(regex: RegexBox, list: Int32)]] = Array(repeating: [], count: ObservableKind.allCases.count)
    private static let stringTag: UInt8 = 0
    private static let hostnameTag: UInt8 = 1

    public init() {}

    /// Reads one list in MISP's format; `origin` names it in messages.
    public mutating func add(json bytes: [UInt8], origin: String) throws(PatternError) {
        let value: JSONValue
        do { value = try JSONParser.parse(bytes) } catch { throw PatternError("\(origin): not JSON (\(error))") }
        guard let object = value.objectValue, let name = object["name"]?.stringValue, let type = object["type"]?.stringValue,
            let entries = object["list"]?.arrayValue
        else { throw PatternError("\(origin): a warninglist needs name, type and list") }
        let attributeTypes = (object["matching_attributes"]?.arrayValue ?? []).compactMap(\.stringValue)
        var kinds = Set(attributeTypes.flatMap(Self.kinds(ofMISPType:)))
        if attributeTypes.isEmpty { kinds = Set(ObservableKind.allCases) }
        guard ["string", "substring", "hostname", "cidr", "regex"].contains(type) else {
            throw PatternError("\(origin): unknown warninglist type '\(type)' (string, substring, hostname, cidr, regex)")
        }
        let index = Int32(lists.count)
        lists.append(List(name: name, type: type, kinds: kinds, count: entries.count))
        let bits = kinds.reduce(UInt32(0)) { $0 | 1 << $1.ordinal }
        kindBits.append(bits)
        switch type {
        case "string": stringKinds |= bits
        case "hostname": hostnameKinds |= bits
        case "cidr": networkKinds |= bits
        default: break
        }
        for case .string(let entry) in entries {
            let text = entry.trimmingSpaces
            guard !text.isEmpty else { continue }
            switch type {
            case "string":
                ValueKey.withTagged(Self.stringTag, text, lowercased: true) { values.insert(UnsafeRawBufferPointer($0), index) }
            case "hostname":
                ValueKey.withTagged(Self.hostnameTag, text.hasPrefix(".") ? String(text.dropFirst()) : text, lowercased: true) {
                    values.insert(UnsafeRawBufferPointer($0), index)
                }
            case "substring":
                for kind in kinds { substrings[kind.ordinal].append((Array(text.lowercased().utf8), index)) }
            case "cidr":
                // Entries that are not networks or addresses are skipped: lists carry the odd comment.
                guard let network = IPNetwork(text) else { continue }
                ValueKey.withNetworkKey(family: network.family, prefixLength: network.prefixLength, masked: network.masked(to: network.prefixLength)) {
                    values.insert($0, index)
                }
                if network.family == .v4 { cover(network) }
                if !prefixLengths[network.family.ordinal].contains(network.prefixLength) {
                    prefixLengths[network.family.ordinal].append(network.prefixLength)
                    prefixLengths[network.family.ordinal].sort(by: >)
                }
            default:
                if let regex = Self.regex(fromPCRE: text) {
                    for kind in kinds { regexes[kind.ordinal].append((RegexBox(regex: regex), index)) }
                }
            }
        }
        if type == "substring" {
            for kind in kinds { substringScanners[kind.ordinal] = AnchorScanner(substrings[kind.ordinal].map(\.text)) }
        }
    }

    /// Marks the /24 blocks an IPv4 network overlaps.
    private mutating func cover(_ network: IPNetwork) {
        if coveredIPv4.isEmpty { coveredIPv4 = Array(repeating: 0, count: (1 << 24) / 64) }
        let first = Int(network.masked(to: network.prefixLength).0 >> 40)
        let count = network.prefixLength >= 24 ? 1 : 1 << (24 - network.prefixLength)
        for block in first..<first + count { coveredIPv4[block >> 6] |= 1 << UInt64(block & 63) }
    }

    /// Reads many lists (MISP's `lists/NAME/list.json` files, or the user's own), each given
    /// with the name of where it came from; returns the ones refused, with why.
    public mutating func add(files: [(origin: String, json: [UInt8])]) -> [String] {
        var refused: [String] = []
        for file in files {
            do {
                try add(json: file.json, origin: file.origin)
            } catch {
                refused.append(error.description)
            }
        }
        return refused
    }

    /// The first list that holds the observable's value, or nil.
    public func list(containing observable: Observable) -> String? {
        // Locals: a closure over `self` would copy every table.
        let values = values
        let kindBits = kindBits
        let kind = observable.kind
        func first(_ key: UnsafeRawBufferPointer) -> Int32? {
            var found: Int32?
            values.forEachPosting(key) { list in
                if found == nil && kindBits[Int(list)] & 1 << kind.ordinal != 0 { found = list }
            }
            return found
        }
        let value = observable.value.lowercasedIfNeeded
        let bit: UInt32 = 1 << kind.ordinal
        if stringKinds & bit != 0, let list = ValueKey.withTagged(Self.stringTag, value, lowercased: false, { first(UnsafeRawBufferPointer($0)) }) {
            return lists[Int(list)].name
        }
        let host = kind == .url ? Self.host(ofURL: value) : value
        if hostnameKinds & bit != 0, let host {
            // The host, then each parent domain: the key from the dot on, the dot made the tag.
            let list = ValueKey.withTagged(Self.hostnameTag, host, lowercased: false) { key -> Int32? in
                if let list = first(UnsafeRawBufferPointer(key)) { return list }
                for position in 1..<key.count where key[position] == UInt8(ascii: ".") {
                    key[position] = Self.hostnameTag
                    if let list = first(UnsafeRawBufferPointer(rebasing: key[position...])) { return list }
                }
                return nil
            }
            if let list { return lists[Int(list)].name }
        }
        if networkKinds & bit != 0, let address = host.flatMap({ IPNetwork($0) }) {
            let block = Int(address.high >> 40)
            let covered = address.family == .v6 || (!coveredIPv4.isEmpty && coveredIPv4[block >> 6] & 1 << UInt64(block & 63) != 0)
            for length in prefixLengths[address.family.ordinal] where covered && length <= address.prefixLength {
                let list = ValueKey.withNetworkKey(family: address.family, prefixLength: length, masked: address.masked(to: length)) { first($0) }
                if let list { return lists[Int(list)].name }
            }
        }
        if !substrings[kind.ordinal].isEmpty {
            var found: Int32?
            let entries = substrings[kind.ordinal]
            substringScanners[kind.ordinal].scan(value) { anchor in if found == nil { found = entries[anchor].list } }
            if let found { return lists[Int(found)].name }
        }
        let expressions = regexes[kind.ordinal]
        guard !expressions.isEmpty else { return nil }
        let range = NSRange(observable.value.startIndex..., in: observable.value)
        for (box, list) in expressions where box.regex.firstMatch(in: observable.value, range: range) != nil { return lists[Int(list)].name }
        return nil
    }

    /// The observable kinds a MISP attribute type stands for.
    static func kinds(ofMISPType type: String) -> [ObservableKind] {
        switch type {
        case "ip-src", "ip-dst", "ip-src|port", "ip-dst|port": [.address]
        case "domain|ip": [.domain, .address]
        case "domain", "hostname", "hostname|port": [.domain]
        case "url", "uri", "link": [.url]
        case "md5", "filename|md5", "x509-fingerprint-md5": [.md5]
        case "sha1", "filename|sha1", "x509-fingerprint-sha1": [.sha1]
        case "sha224", "filename|sha224": [.sha224]
        case "sha256", "filename|sha256", "x509-fingerprint-sha256": [.sha256]
        case "sha384", "filename|sha384": [.sha384]
        case "sha512", "filename|sha512": [.sha512]
        case "email", "email-src", "email-dst", "target-email", "whois-registrant-email", "dns-soa-email": [.email]
        case "filename": [.fileName]
        case "mutex": [.mutex]
        case "regkey", "regkey|value": [.registryKey]
        default: []
        }
    }

    static func host(ofURL url: String) -> String? {
        let utf8 = url.utf8
        guard let colon = utf8.firstIndex(of: UInt8(ascii: ":")), utf8[utf8.index(after: colon)...].starts(with: "//".utf8) else { return nil }
        let rest = utf8[utf8.index(colon, offsetBy: 3)...]
        let end = rest.firstIndex { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") } ?? rest.endIndex
        var authority = rest[..<end]
        if let at = authority.lastIndex(of: UInt8(ascii: "@")) { authority = authority[authority.index(after: at)...] }
        if authority.first == UInt8(ascii: "["), let close = authority.firstIndex(of: UInt8(ascii: "]")) {
            return String(Substring(authority[authority.index(after: authority.startIndex)..<close]))
        }
        if let colon = authority.lastIndex(of: UInt8(ascii: ":")) { authority = authority[..<colon] }
        return String(Substring(authority))
    }

    /// A PCRE literal as MISP writes it (`/expression/flags`) for ICU; `i`, `m`, `s` and `x`
    /// carry over, `g` means nothing for a search.
    static func regex(fromPCRE text: String) -> NSRegularExpression? {
        var expression = text
        var options: NSRegularExpression.Options = []
        if text.hasPrefix("/"), let end = text.lastIndex(of: "/"), end != text.startIndex {
            expression = String(text[text.index(after: text.startIndex)..<end])
            for flag in text[text.index(after: end)...] {
                switch flag {
                case "i": options.insert(.caseInsensitive)
                case "m": options.insert(.anchorsMatchLines)
                case "s": options.insert(.dotMatchesLineSeparators)
                case "x": options.insert(.allowCommentsAndWhitespace)
                default: break
                }
            }
        }
        return try? NSRegularExpression(pattern: expression, options: options)
    }
}

/// A compiled regular expression; immutable, so safe to share between threads.
struct RegexBox: @unchecked Sendable {
    let regex: NSRegularExpression
}
