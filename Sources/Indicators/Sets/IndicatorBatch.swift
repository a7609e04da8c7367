import STIX

/// A run of indicators read into what an `IndicatorSet` stores, apart from the set: the keys
/// of the simple ones with their hashes under the set's seed, the matchers of the others, and
/// why any was refused. `IndicatorSet.load` reads runs on the executor's threads and merges
/// them in order on its own, so that reading patterns overlaps with filling the tables.
struct IndicatorBatch: Sendable {
    /// The seed of the set's value table.
    let seed: UInt64
    /// Indicators read so far.
    var count: Int { indicatorKeyEnds.count }
    private(set) var keyBytes: [UInt8] = []
    /// Where key `n` ends in `keyBytes` (it starts where key `n - 1` ends).
    private(set) var keyEnds: [Int32] = []
    private(set) var keyHashes: [UInt64] = []
    private(set) var keyRoles: [AddressRole?] = []
    /// Per indicator, where its keys end in `keyEnds`.
    private(set) var indicatorKeyEnds: [Int32] = []
    /// The indicators that are not simple, by position: a matcher, or why the pattern was refused.
    private(set) var others: [Int: Other] = [:]
    /// Remarks on values read leniently, by position, without the indicator's id.
    private(set) var notes: [(indicator: Int, text: String)] = []
    /// The kinds (`ObservableKind.ordinal`) of the keys.
    private(set) var kindsPresent: UInt32 = 0
    private(set) var hasSubdomains = false
    /// The prefix lengths of the networks, per family (`IPNetwork.Family.ordinal`).
    private(set) var prefixLengths: [Set<Int>] = [[], []]
    /// Where the values of the pattern being scanned lie: kept to reuse its memory.
    private var valueRanges: [Range<Int>] = []

    enum Other: Sendable {
        case general(PatternMatcher)
        case refused(String)
    }

    init(seed: UInt64, expectedCount: Int = 0) {
        self.seed = seed
        keyBytes.reserveCapacity(expectedCount * 40)
        keyEnds.reserveCapacity(expectedCount)
        keyHashes.reserveCapacity(expectedCount)
        keyRoles.reserveCapacity(expectedCount)
        indicatorKeyEnds.reserveCapacity(expectedCount)
    }

    /// Reads an indicator's pattern: the commonest shapes by `SimplePatternScanner`, the
    /// others by the parser; a pattern that does not parse is kept as refused, with the reason.
    mutating func add(patternText text: String) {
        var text = text
        let scanned = text.withUTF8 { bytes in
            guard let (kind, role) = SimplePatternScanner.scan(bytes, values: &valueRanges) else { return false }
            for range in valueRanges { addKey(kind, role: role, utf8: UnsafeBufferPointer(rebasing: bytes[range])) }
            return true
        }
        if scanned {
            endIndicator()
            return
        }
        do {
            try add(try STIXPattern(text))
        } catch {
            others[count] = .refused(error.description)
            endIndicator()
        }
    }

    /// Adds a parsed pattern: its values when the sets can hold them, else its matcher; on an
    /// error nothing is added.
    mutating func add(_ pattern: STIXPattern) throws(PatternError) {
        if let values = IndicatorSet.simpleValues(pattern) {
            for value in values {
                var text = value.value
                text.withUTF8 { addKey(value.kind, role: value.role, utf8: $0, subdomainsOnly: value.subdomainsOnly) }
            }
        } else {
            others[count] = .general(try PatternMatcher(pattern))
        }
        endIndicator()
    }

    /// The keys of indicator `position`, as positions in `keyEnds`.
    func keys(of position: Int) -> Range<Int> {
        (position == 0 ? 0 : Int(indicatorKeyEnds[position - 1]))..<Int(indicatorKeyEnds[position])
    }

    /// Calls `body` with key `key`'s bytes.
    func withKey<Result>(_ key: Int, _ body: (UnsafeRawBufferPointer) -> Result) -> Result {
        let start = key == 0 ? 0 : Int(keyEnds[key - 1])
        return keyBytes.withUnsafeBytes { body(UnsafeRawBufferPointer(rebasing: $0[start..<Int(keyEnds[key])])) }
    }

    private mutating func endIndicator() { indicatorKeyEnds.append(Int32(keyEnds.count)) }

    private mutating func addKey(_ kind: ObservableKind, role: AddressRole?, utf8 value: UnsafeBufferPointer<UInt8>, subdomainsOnly: Bool = false) {
        kindsPresent |= 1 << kind.ordinal
        switch kind {
        case .address:
            guard let network = IPNetwork(utf8: value) else { return }
            if network.hasHostBits {
                notes.append((count, "network \(String(decoding: value, as: UTF8.self)) has host bits set; read as \(network.networkText)"))
            }
            prefixLengths[network.family.ordinal].insert(network.prefixLength)
            ValueKey.withNetworkKey(family: network.family, prefixLength: network.prefixLength, masked: network.masked(to: network.prefixLength)) {
                append($0, role: role)
            }
        case .domain where subdomainsOnly:
            hasSubdomains = true
            ValueKey.withKey(.domain, utf8: value) { key in
                key[0] = ValueKey.subdomainTag
                append(UnsafeRawBufferPointer(key), role: nil)
            }
        default:
            ValueKey.withKey(kind, utf8: value) { append(UnsafeRawBufferPointer($0), role: role) }
        }
    }

    private mutating func append(_ key: UnsafeRawBufferPointer, role: AddressRole?) {
        keyBytes.append(contentsOf: key)
        keyEnds.append(Int32(keyBytes.count))
        keyHashes.append(ByteHash.hash(key, seed: seed))
        keyRoles.append(role)
    }
}
