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
    private var strings: [String: [Int32]] = [:]
    private var hostnames: [String: [Int32]] = [:]
    private var networks: [IndicatorSet.NetworkKey: [Int32]] = [:]
    private var prefixLengths: [IPNetwork.Family: Set<Int>] = [:]
    /// Substring and regex entries per observable kind (`ObservableKind.ordinal`): a value is
    /// only searched for the entries of lists that apply to its kind.
    /// Substrings are found by their first two bytes: a value is searched at each position for
    /// the few entries starting there, not for every entry of every list.
    private var substrings: [[UInt16: [(text: [UInt8], list: Int32)]]] = Array(repeating: [:], count: ObservableKind.allCases.count)
    private var singleByteSubstrings: [[(byte: UInt8, list: Int32)]] = Array(repeating: [], count: ObservableKind.allCases.count)
    private var regexes: [[(regex: RegexBox, list: Int32)]] = Array(repeating: [], count: ObservableKind.allCases.count)

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
        for case .string(let entry) in entries {
            let text = entry.trimmingSpaces
            guard !text.isEmpty else { continue }
            switch type {
            case "string": strings[text.lowercased(), default: []].append(index)
            case "hostname": hostnames[(text.hasPrefix(".") ? String(text.dropFirst()) : text).lowercased(), default: []].append(index)
            case "substring":
                let bytes = Array(text.lowercased().utf8)
                for kind in kinds {
                    if bytes.count == 1 {
                        singleByteSubstrings[kind.ordinal].append((bytes[0], index))
                    } else {
                        substrings[kind.ordinal][UInt16(bytes[0]) << 8 | UInt16(bytes[1]), default: []].append((bytes, index))
                    }
                }
            case "cidr":
                // Entries that are not networks or addresses are skipped: lists carry the odd comment.
                guard let network = IPNetwork(text) else { continue }
                let masked = network.masked(to: network.prefixLength)
                networks[IndicatorSet.NetworkKey(family: network.family, prefixLength: network.prefixLength, high: masked.0, low: masked.1), default: []]
                    .append(index)
                prefixLengths[network.family, default: []].insert(network.prefixLength)
            default:
                if let regex = Self.regex(fromPCRE: text) {
                    for kind in kinds { regexes[kind.ordinal].append((RegexBox(regex: regex), index)) }
                }
            }
        }
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
        func applicable(_ candidates: [Int32]?) -> String? {
            guard let candidates else { return nil }
            return candidates.first { lists[Int($0)].kinds.contains(observable.kind) }.map { lists[Int($0)].name }
        }
        let value = observable.value.lowercased()
        if let name = applicable(strings[value]) { return name }
        let host = observable.kind == .url ? Self.host(ofURL: value) : value
        if !hostnames.isEmpty, let host {
            var rest = Substring(host)
            while true {
                if let name = applicable(hostnames[String(rest)]) { return name }
                guard let dot = rest.firstIndex(of: ".") else { break }
                rest = rest[rest.index(after: dot)...]
            }
        }
        if let address = host.flatMap({ IPNetwork($0) }) {
            for length in prefixLengths[address.family] ?? [] where length <= address.prefixLength {
                let masked = address.masked(to: length)
                let key = IndicatorSet.NetworkKey(family: address.family, prefixLength: length, high: masked.0, low: masked.1)
                if let name = applicable(networks[key]) { return name }
            }
        }
        let candidates = substrings[observable.kind.ordinal]
        let singles = singleByteSubstrings[observable.kind.ordinal]
        if !candidates.isEmpty || !singles.isEmpty {
            let bytes = Array(value.utf8)
            for (byte, list) in singles where bytes.contains(byte) { return lists[Int(list)].name }
            if bytes.count >= 2 {
                for start in 0..<(bytes.count - 1) {
                    guard let entries = candidates[UInt16(bytes[start]) << 8 | UInt16(bytes[start + 1])] else { continue }
                    for (text, list) in entries where text.count <= bytes.count - start && bytes[start..<start + text.count].elementsEqual(text) {
                        return lists[Int(list)].name
                    }
                }
            }
        }
        let expressions = regexes[observable.kind.ordinal]
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
        guard let start = url.range(of: "://")?.upperBound else { return nil }
        let rest = url[start...]
        let end = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? rest.endIndex
        var authority = rest[..<end]
        if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
        if authority.hasPrefix("["), let close = authority.firstIndex(of: "]") {
            return String(authority[authority.index(after: authority.startIndex)..<close])
        }
        if let colon = authority.lastIndex(of: ":") { authority = authority[..<colon] }
        return String(authority)
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
