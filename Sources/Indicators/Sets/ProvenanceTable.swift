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
