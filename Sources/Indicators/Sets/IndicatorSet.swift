import STIX

/// Indicators compiled for the hunt: the large, simple ones (one comparison, or an OR of
/// equalities, on hashes, addresses and networks, domains and their subdomains, URLs, e-mail
/// addresses, file names, mutexes, registry keys) in indexed sets looked up per observable;
/// everything else kept as patterns for `PatternMatcher`.
///
/// Lookups normalise as analysts expect of these values rather than comparing exactly as a
/// STIX `=` would: hashes, domains, e-mail addresses and registry keys (with hive names
/// spelled out) without regard to case, URLs with scheme and host in lower case and default
/// ports and fragments dropped, networks by prefix.
public struct IndicatorSet: Sendable {
    private var provenances = ProvenanceTable()
    /// Patterns the sets cannot hold, with the index of their indicator.
    public private(set) var general: [(matcher: PatternMatcher, indicator: Int32)] = []

    struct Posting: Sendable, Hashable {
        var indicator: Int32
        /// For addresses: the end of a connection the indicator names (`dst_ref`, `src_ref`).
        var role: AddressRole?
    }

    /// Every indexed value: hashes, exact values, parent domains whose subdomains are
    /// indicated (`LIKE '%.example.com'`), networks and single addresses (`ValueKey`).
    private var values = ValueTable<Posting>()
    /// The kinds (`ObservableKind.ordinal`) with values, so others are not looked up at all.
    private var kindsPresent: UInt32 = 0
    private var hasSubdomains = false
    /// The prefix lengths of the networks held, longest first, for IPv4 and IPv6.
    private var prefixLengths: [[Int]] = [[], []]

    public init() {}

    /// How an indicator was taken in.
    public enum Placement: Sendable, Hashable {
        /// Into the indexed sets, as this many values.
        case indexed(Int)
        /// Kept as a pattern for the general matcher.
        case general
    }

    /// Adds an indicator; `notes` receives remarks on values read leniently (a network with
    /// host bits set is read as its network).
    @discardableResult
    public mutating func add(_ indicator: Indicator, notes: ((String) -> Void)? = nil) throws(PatternError) -> Placement {
        var batch = IndicatorBatch(seed: values.seed)
        try batch.add(indicator.pattern)
        var report = LoadReport()
        merge(batch, provenance: { _ in indicator.provenance }, into: &report)
        for note in report.notes { notes?(note) }
        return report.general > 0 ? .general : .indexed(batch.keyEnds.count)
    }

    /// What loading many indicators did.
    public struct LoadReport: Sendable {
        public var indexed = 0
        public var general = 0
        /// Indicator ids with why their pattern was refused; the others loaded.
        public var refused: [(indicatorID: String, reason: String)] = []
        public var notes: [String] = []

        public init() {}
    }

    /// Adds many indicators given as pattern texts. Runs of them are read on the executor's
    /// threads (the common simple shapes by `SimplePatternScanner`, the others by the parser)
    /// while the caller adds the runs read before, in order; bad patterns are reported with
    /// their reason while the rest load.
    public mutating func load(_ sources: [(pattern: String, provenance: IndicatorProvenance)], executor: ParallelExecutor = .shared) -> LoadReport {
        // Fields are read through pointers: reading one of an element's fields otherwise
        // copies the whole element, with a retain and a release of each of its strings.
        sources.withUnsafeBufferPointer { load($0, executor: executor) }
    }

    private mutating func load(_ buffer: UnsafeBufferPointer<(pattern: String, provenance: IndicatorProvenance)>, executor: ParallelExecutor) -> LoadReport {
        nonisolated(unsafe) let sources = Fields(base: buffer.baseAddress)
        var report = LoadReport()
        values.reserve(buffer.count)
        // Runs small enough that two waiting to be merged stay in cache and in little memory.
        let run = 8_192
        let seed = values.seed
        let count = buffer.count
        executor.pipeline(count: (count + run - 1) / run, ahead: 2) { chunk in
            let range = chunk * run..<min(chunk * run + run, count)
            var batch = IndicatorBatch(seed: seed, expectedCount: range.count)
            for position in range { batch.add(patternText: sources.pattern(position)) }
            return batch
        } consume: { chunk, batch in
            merge(batch, provenance: { sources.provenance(chunk * run + $0) }, into: &report)
        }
        return report
    }

    /// Adds a batch's indicators, with the provenance `provenance` gives for each position.
    private mutating func merge(_ batch: IndicatorBatch, provenance: (Int) -> IndicatorProvenance, into report: inout LoadReport) {
        kindsPresent |= batch.kindsPresent
        hasSubdomains = hasSubdomains || batch.hasSubdomains
        for family in 0..<2 where !batch.prefixLengths[family].isSubset(of: prefixLengths[family]) {
            prefixLengths[family] = Set(prefixLengths[family]).union(batch.prefixLengths[family]).sorted(by: >)
        }
        values.reserveKeyBytes(batch.keyBytes.count)
        var notes = batch.notes[...]
        for position in 0..<batch.count {
            switch batch.others[position] {
            case .refused(let reason)?:
                report.refused.append((provenance(position).indicatorID, reason))
                continue
            case .general(let matcher)?:
                general.append((matcher, provenances.append(provenance(position))))
                report.general += 1
            case nil:
                let index = provenances.append(provenance(position))
                for key in batch.keys(of: position) {
                    let posting = Posting(indicator: index, role: batch.keyRoles[key])
                    batch.withKey(key) { values.insert($0, hash: batch.keyHashes[key], posting) }
                }
                report.indexed += 1
            }
            while let note = notes.first, note.indicator == position {
                report.notes.append("\(provenance(position).indicatorID): \(note.text)")
                notes.removeFirst()
            }
        }
    }

    /// The sources being loaded, each field read without copying the others.
    private struct Fields {
        let base: UnsafePointer<(pattern: String, provenance: IndicatorProvenance)>?

        func pattern(_ position: Int) -> String { (base! + position).pointer(to: \.pattern)!.pointee }
        func provenance(_ position: Int) -> IndicatorProvenance { (base! + position).pointer(to: \.provenance)!.pointee }
    }

    /// The provenance of the indicator a hit names.
    public func provenance(of indicator: Int32) -> IndicatorProvenance { provenances[indicator] }

    public var count: Int { provenances.count }
    public var indexedValueCount: Int { values.count }

    /// Whether the indexed sets hold a value of this kind.
    public func holdsValues(of kind: ObservableKind) -> Bool { kindsPresent & 1 << kind.ordinal != 0 }

    // MARK: Lookup

    /// One indicator an observable hit.
    public struct Hit: Sendable, Hashable {
        public var indicator: Int32
        public var observable: Observable
        /// What the indicator names when it is not the value itself: the network an address
        /// lies in, the domain a subdomain belongs to.
        public var via: String?
    }

    /// The indicators the observable hits, appended to `hits`.
    public func lookup(_ observable: Observable, into hits: inout [Hit]) {
        guard kindsPresent & 1 << observable.kind.ordinal != 0 else { return }
        // Locals: a closure over `self` would copy the whole set.
        let values = values
        let hasSubdomains = hasSubdomains
        switch observable.kind {
        case .address:
            guard let address = IPNetwork(observable.value) else { return }
            for length in self.prefixLengths[address.family.ordinal] where length <= address.prefixLength {
                let masked = address.masked(to: length)
                ValueKey.withNetworkKey(family: address.family, prefixLength: length, masked: masked) { key in
                    values.forEachPosting(key) { posting in
                        guard posting.role == nil || posting.role == observable.role else { return }
                        let via = length == address.bitCount ? nil : IPNetwork.text(family: address.family, high: masked.0, low: masked.1, prefixLength: length)
                        hits.append(Hit(indicator: posting.indicator, observable: observable, via: via))
                    }
                }
            }
        case .domain:
            ValueKey.withKey(.domain, observable.value) { key in
                values.forEachPosting(UnsafeRawBufferPointer(key)) { hits.append(Hit(indicator: $0.indicator, observable: observable, via: nil)) }
                guard hasSubdomains else { return }
                // Each parent domain: the key from the dot on, the dot made the subdomain tag.
                for position in 1..<key.count where key[position] == UInt8(ascii: ".") {
                    key[position] = ValueKey.subdomainTag
                    let parent = UnsafeRawBufferPointer(rebasing: key[position...])
                    values.forEachPosting(parent) { posting in
                        hits.append(Hit(indicator: posting.indicator, observable: observable, via: String(decoding: parent.dropFirst(), as: UTF8.self)))
                    }
                }
            }
        default:
            ValueKey.withKey(observable.kind, observable.value) { key in
                values.forEachPosting(UnsafeRawBufferPointer(key)) { hits.append(Hit(indicator: $0.indicator, observable: observable, via: nil)) }
            }
        }
    }

    // MARK: Building

    /// A value of a simple indicator.
    struct SimpleValue: Hashable {
        var kind: ObservableKind
        var value: String
        var role: AddressRole?
        var subdomainsOnly = false
    }

    /// The values of a pattern the sets can hold: one `[...]` without qualifiers whose tests,
    /// joined by OR, are equalities (or IN sets) on known paths, address networks
    /// (ISSUBSET) or subdomains (`LIKE '%.domain'`); nil for any other pattern.
    static func simpleValues(_ pattern: STIXPattern) -> [SimpleValue]? {
        var root = pattern.root
        while case .group(let inner) = root { root = inner }
        guard case .observation(let comparison) = root else { return nil }
        var values: [SimpleValue] = []
        func collect(_ comparison: ComparisonExpression) -> Bool {
            switch comparison {
            case .and: return false
            case .or(let left, let right): return collect(left) && collect(right)
            case .test(let test):
                guard !test.negated, let (kind, role) = observableKind(of: test.path) else { return false }
                switch test.comparison {
                case .equal(.string(let text)):
                    values.append(SimpleValue(kind: kind, value: text, role: role))
                case .isIn(let literals):
                    for literal in literals {
                        guard case .string(let text) = literal else { return false }
                        values.append(SimpleValue(kind: kind, value: text, role: role))
                    }
                case .isSubset(let network) where kind == .address:
                    values.append(SimpleValue(kind: kind, value: network, role: role))
                case .like(let like) where kind == .domain && like.hasPrefix("%.") && !like.dropFirst(2).contains(where: { $0 == "%" || $0 == "_" }):
                    values.append(SimpleValue(kind: kind, value: String(like.dropFirst(2)), role: nil, subdomainsOnly: true))
                default:
                    return false
                }
                return true
            }
        }
        guard collect(comparison), !values.isEmpty else { return nil }
        // An address value that is not an address cannot be indexed; the matcher takes it.
        guard values.allSatisfy({ $0.kind != .address || IPNetwork($0.value) != nil }) else { return nil }
        return values
    }

    /// The observable kind an object path names, with the connection end for addresses.
    static func observableKind(of path: ObjectPath) -> (ObservableKind, AddressRole?)? {
        let keys = path.steps.map { step -> String in if case .key(let key) = step { key } else { "[]" } }
        switch (path.objectType, keys) {
        case ("file", let keys) where keys.count == 2 && keys[0] == "hashes":
            return ObservableKind(hashAlgorithm: keys[1]).map { ($0, nil) }
        case ("ipv4-addr", ["value"]), ("ipv6-addr", ["value"]): return (.address, nil)
        case ("network-traffic", ["dst_ref", "value"]): return (.address, .destination)
        case ("network-traffic", ["src_ref", "value"]): return (.address, .source)
        case ("domain-name", ["value"]): return (.domain, nil)
        case ("url", ["value"]): return (.url, nil)
        case ("email-addr", ["value"]), ("email-message", ["from_ref", "value"]): return (.email, nil)
        case ("file", ["name"]): return (.fileName, nil)
        case ("mutex", ["name"]): return (.mutex, nil)
        case ("windows-registry-key", ["key"]): return (.registryKey, nil)
        default: return nil
        }
    }
}

extension IPNetwork.Family {
    /// 0 for IPv4, 1 for IPv6, for tables indexed by family.
    var ordinal: Int { self == .v4 ? 0 : 1 }
}

extension ObservableKind {
    /// The position in `allCases`, for tables indexed by kind.
    var ordinal: Int {
        switch self {
        case .md5: 0
        case .sha1: 1
        case .sha224: 2
        case .sha256: 3
        case .sha384: 4
        case .sha512: 5
        case .address: 6
        case .domain: 7
        case .url: 8
        case .email: 9
        case .fileName: 10
        case .mutex: 11
        case .registryKey: 12
        }
    }
}

extension String {
    /// The text in lower case, without a copy when it has no upper-case ASCII letter and
    /// nothing beyond ASCII.
    var lowercasedIfNeeded: String {
        utf8.allSatisfy({ $0 < 0x80 && !($0 >= 0x41 && $0 <= 0x5A) }) ? self : lowercased()
    }
}

/// URLs compare with scheme and host in lower case, without a default port or a fragment.
enum URLNormalisation {
    static func normalised(_ url: String) -> String {
        let utf8 = url.utf8
        // "scheme://": the first ':' followed by "//".
        guard let colon = utf8.firstIndex(of: UInt8(ascii: ":")),
            utf8[utf8.index(after: colon)...].starts(with: "//".utf8)
        else { return url }
        let scheme = String(Substring(utf8[..<colon])).lowercasedIfNeeded
        var rest = utf8[utf8.index(colon, offsetBy: 3)...]
        if let hash = rest.firstIndex(of: UInt8(ascii: "#")) { rest = rest[..<hash] }
        let authorityEnd = rest.firstIndex(where: { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") }) ?? rest.endIndex
        var authority = String(Substring(rest[..<authorityEnd])).lowercasedIfNeeded
        let defaultPort = scheme == "http" ? ":80" : scheme == "https" ? ":443" : nil
        if let defaultPort, authority.hasSuffix(defaultPort) { authority.removeLast(defaultPort.count) }
        let path = authorityEnd == rest.endIndex ? "/" : String(Substring(rest[authorityEnd...]))
        return scheme + "://" + authority + path
    }
}

/// Registry keys compare without regard to case, with hive abbreviations (`HKLM`) and the
/// kernel's spelling (`\REGISTRY\MACHINE`) written out.
enum RegistryKeyNormalisation {
    private static let hives: [(String, String)] = [
        ("hklm\\", "hkey_local_machine\\"), ("hkcu\\", "hkey_current_user\\"), ("hku\\", "hkey_users\\"),
        ("hkcr\\", "hkey_classes_root\\"), ("hkcc\\", "hkey_current_config\\"),
        ("\\registry\\machine\\", "hkey_local_machine\\"), ("\\registry\\user\\", "hkey_users\\"),
    ]

    static func normalised(_ key: String) -> String {
        let lower = key.lowercasedIfNeeded
        for (short, long) in hives where lower.hasPrefix(short) { return long + lower.dropFirst(short.count) }
        return lower
    }
}
