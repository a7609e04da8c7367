import STIX

/// The provenance of a million indicators in little memory: ids in one byte arena, what
/// indicators of one feed or event share (source, what they indicate, TLP) stored once, the
/// validity as microseconds, names only for those that have one.
struct ProvenanceTable: Sendable {
    private struct Shared: Hashable {
        var source: String
        var indicates: [String]
        var tlp: TLPLevel?
    }

    private var idBytes: [UInt8] = []
    private var idEnds: [UInt32] = []
    private var sharedIndex: [UInt32] = []
    private var shared: [Shared] = []
    private var sharedLookup: [Shared: UInt32] = [:]
    /// The last shared part added: a feed's indicators come one after the other.
    private var lastShared: (Shared, UInt32)?
    private var validFrom: [Int64] = []
    private var validUntil: [Int64] = []
    private var names: [Int32: String] = [:]
    /// Validity bounds whose text is not the microsecond form (kept to give them back as written).
    private var exactTimes: [Int64: STIXTimestamp] = [:]
    private static let none = Int64.min

    var count: Int { idEnds.count }

    mutating func append(_ provenance: IndicatorProvenance) -> Int32 {
        let index = Int32(idEnds.count)
        idBytes.append(contentsOf: provenance.indicatorID.utf8)
        idEnds.append(UInt32(idBytes.count))
        let key = Shared(source: provenance.source, indicates: provenance.indicates, tlp: provenance.tlp)
        if let (last, lastIndex) = lastShared, last == key {
            sharedIndex.append(lastIndex)
        } else if let existing = sharedLookup[key] {
            sharedIndex.append(existing)
        } else {
            let new = UInt32(shared.count)
            shared.append(key)
            sharedLookup[key] = new
            sharedIndex.append(new)
        }
        lastShared = (key, sharedIndex[sharedIndex.count - 1])
        validFrom.append(store(provenance.validFrom))
        validUntil.append(store(provenance.validUntil))
        if let name = provenance.name { names[index] = name }
        return index
    }

    subscript(index: Int32) -> IndicatorProvenance {
        let position = Int(index)
        let start = position == 0 ? 0 : Int(idEnds[position - 1])
        let id = String(decoding: idBytes[start..<Int(idEnds[position])], as: UTF8.self)
        let group = shared[Int(sharedIndex[position])]
        return IndicatorProvenance(
            indicatorID: id, name: names[index], source: group.source, indicates: group.indicates, tlp: group.tlp,
            validFrom: load(validFrom[position]), validUntil: load(validUntil[position]))
    }

    private mutating func store(_ time: STIXTimestamp?) -> Int64 {
        guard let time else { return Self.none }
        let micros = time.secondsSinceEpoch * 1_000_000 + Int64(time.nanoseconds / 1_000)
        let rounded = STIXTimestamp(microsecondsSinceEpoch: micros)
        if rounded != time || rounded.text != time.text {
            exactTimes[micros] = time
        }
        return micros
    }

    private func load(_ micros: Int64) -> STIXTimestamp? {
        guard micros != Self.none else { return nil }
        return exactTimes[micros] ?? STIXTimestamp(microsecondsSinceEpoch: micros)
    }
}

/// The indicators one indexed value points to: nearly always one, kept without an array.
enum Postings: Sendable {
    case one(IndicatorSet.Posting)
    case many([IndicatorSet.Posting])

    mutating func append(_ posting: IndicatorSet.Posting) {
        switch self {
        case .one(let first): self = .many([first, posting])
        case .many(var list):
            self = .one(posting)  // release the array before appending, so it is not copied
            list.append(posting)
            self = .many(list)
        }
    }

    func forEach(_ body: (IndicatorSet.Posting) -> Void) {
        switch self {
        case .one(let posting): body(posting)
        case .many(let list): list.forEach(body)
        }
    }
}

/// A hash value as bytes (up to SHA-256), so that a million of them need no string each.
struct HashKey: Hashable, Sendable {
    var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
    var length: UInt8 = 0

    /// Reads hexadecimal text of 32, 40 or 64 digits (either case); nil otherwise.
    init?(hex text: String) {
        var text = text
        guard let key = text.withUTF8({ HashKey(hexBytes: $0) }) else { return nil }
        self = key
    }

    private init?(hexBytes bytes: UnsafeBufferPointer<UInt8>) {
        guard bytes.count == 32 || bytes.count == 40 || bytes.count == 64 else { return nil }
        var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        var word: UInt64 = 0
        for (index, byte) in bytes.enumerated() {
            // '0'-'9' and 'a'-'f' / 'A'-'F' without a table: letters have bit 0x40 set.
            let lower = byte | 0x20
            let value: UInt8
            if byte >= 0x30 && byte <= 0x39 {
                value = byte &- 0x30
            } else if lower >= 0x61 && lower <= 0x66 {
                value = lower &- 0x57
            } else {
                return nil
            }
            word = word << 4 | UInt64(value)
            if index % 16 == 15 || index == bytes.count - 1 {
                let aligned = word << UInt64(4 * (15 - index % 16))
                switch index / 16 {
                case 0: words.0 = aligned
                case 1: words.1 = aligned
                case 2: words.2 = aligned
                default: words.3 = aligned
                }
                word = 0
            }
        }
        self.words = words
        length = UInt8(bytes.count / 2)
    }

    static func == (lhs: HashKey, rhs: HashKey) -> Bool {
        lhs.length == rhs.length && lhs.words.0 == rhs.words.0 && lhs.words.1 == rhs.words.1 && lhs.words.2 == rhs.words.2
            && lhs.words.3 == rhs.words.3
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(words.0)
        hasher.combine(words.1)
        hasher.combine(words.2)
        hasher.combine(words.3)
    }
}
