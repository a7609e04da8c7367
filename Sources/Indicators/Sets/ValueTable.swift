import Foundation

/// The indexed values of an `IndicatorSet` (or `Warninglists`): byte-string keys
/// (`ValueKey`) to the postings of the indicators (lists) that name them, in a few flat
/// arrays rather than a dictionary of strings.
///
/// A million keys are one byte arena and an open-addressed table of slots holding 32 bits of
/// each key's hash beside its entry number, so a value no indicator names (nearly every value
/// a hunt reads) costs one hash of its bytes and one probe, without a string comparison; the
/// hash is seeded per table, so evidence cannot aim values at one chain of slots.
struct ValueTable<Posting>: @unchecked Sendable {
    /// The arrays, behind one reference: a lookup copies the table into a local (closures
    /// over `self` copy the whole indicator set), and that costs one retain, not eight.
    /// Copied before a change when shared.
    private final class Storage {
        @exclusivity(unchecked) var keyBytes: [UInt8] = []
        /// Where entry `n`'s key ends in `keyBytes` (it starts where entry `n - 1`'s ends).
        @exclusivity(unchecked) var keyEnds: [UInt32] = []
        @exclusivity(unchecked) var hashes: [UInt64] = []
        /// Per entry, its first and last posting; postings chain through `nextPosting`.
        @exclusivity(unchecked) var firstPosting: [Int32] = []
        @exclusivity(unchecked) var lastPosting: [Int32] = []
        @exclusivity(unchecked) var postings: [Posting] = []
        @exclusivity(unchecked) var nextPosting: [Int32] = []
        /// 0 for an empty slot, else the hash's upper 32 bits and the entry number + 1.
        @exclusivity(unchecked) var slots: [UInt64] = Array(repeating: 0, count: 16)
        /// A Bloom filter of the keys, three bits in one word per key and an eighth of the
        /// slots' size: small enough to stay in cache, where the slots do not, so most keys
        /// that are absent cost no trip to memory.
        @exclusivity(unchecked) var filter: [UInt64] = Array(repeating: 0, count: 2)
        let seed: UInt64

        func copy() -> Storage {
            let copy = Storage(seed: seed)
            copy.keyBytes = keyBytes
            copy.keyEnds = keyEnds
            copy.hashes = hashes
            copy.firstPosting = firstPosting
            copy.lastPosting = lastPosting
            copy.postings = postings
            copy.nextPosting = nextPosting
            copy.slots = slots
            copy.filter = filter
            return copy
        }

        init(seed: UInt64 = .random(in: .min ... .max)) { self.seed = seed }
    }

    private var storage = Storage()

    var count: Int { storage.keyEnds.count }

    private mutating func unique() -> Storage {
        if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
        return storage
    }

    /// Room for `count` more keys without growing the slots.
    mutating func reserve(_ count: Int) {
        let storage = unique()
        let wanted = self.count + count
        storage.keyEnds.reserveCapacity(wanted)
        storage.hashes.reserveCapacity(wanted)
        storage.firstPosting.reserveCapacity(wanted)
        storage.lastPosting.reserveCapacity(wanted)
        storage.postings.reserveCapacity(storage.postings.count + count)
        storage.nextPosting.reserveCapacity(storage.postings.count + count)
        if wanted * 2 > storage.slots.count { Self.resize(storage, to: wanted * 2) }
    }

    /// The seed of the table's hash: keys hashed apart from the table (`insert(_:hash:_:)`)
    /// are hashed with it.
    var seed: UInt64 { storage.seed }

    /// Room for `count` more bytes of keys, grown geometrically.
    mutating func reserveKeyBytes(_ count: Int) {
        let storage = unique()
        let wanted = storage.keyBytes.count + count
        if storage.keyBytes.capacity < wanted { storage.keyBytes.reserveCapacity(max(wanted, storage.keyBytes.capacity * 2)) }
    }

    /// Adds a posting to a key, making the key's entry on its first posting.
    mutating func insert(_ key: UnsafeRawBufferPointer, _ posting: Posting) {
        insert(key, hash: ByteHash.hash(key, seed: storage.seed), posting)
    }

    /// `insert` of a key already hashed with the table's `seed`.
    mutating func insert(_ key: UnsafeRawBufferPointer, hash: UInt64, _ posting: Posting) {
        let storage = unique()
        let newPosting = Int32(storage.postings.count)
        storage.postings.append(posting)
        storage.nextPosting.append(-1)
        if let entry = Self.find(key, hash: hash, in: storage) {
            storage.nextPosting[Int(storage.lastPosting[entry])] = newPosting
            storage.lastPosting[entry] = newPosting
            return
        }
        if (count + 1) * 2 > storage.slots.count { Self.resize(storage, to: storage.slots.count * 2) }
        let entry = count
        storage.keyBytes.append(contentsOf: key)
        storage.keyEnds.append(UInt32(storage.keyBytes.count))
        storage.hashes.append(hash)
        storage.firstPosting.append(newPosting)
        storage.lastPosting.append(newPosting)
        Self.place(entry: entry, hash: hash, in: storage)
    }

    /// Calls `body` with each posting of the key, in the order added.
    @inline(__always)
    func forEachPosting(_ key: UnsafeRawBufferPointer, _ body: (Posting) -> Void) {
        let storage = storage
        let hash = ByteHash.hash(key, seed: storage.seed)
        guard Self.mayContain(hash, storage.filter), let entry = Self.find(key, hash: hash, in: storage) else { return }
        var position = storage.firstPosting[entry]
        while position >= 0 {
            body(storage.postings[Int(position)])
            position = storage.nextPosting[Int(position)]
        }
    }

    private static func find(_ key: UnsafeRawBufferPointer, hash: UInt64, in storage: Storage) -> Int? {
        storage.slots.withUnsafeBufferPointer { slots in
            let mask = slots.count - 1
            var index = Int(truncatingIfNeeded: hash) & mask
            while true {
                let slot = slots[index]
                if slot == 0 { return nil }
                if slot >> 32 == hash >> 32 {
                    let entry = Int(truncatingIfNeeded: slot & 0xFFFF_FFFF) - 1
                    if keyEquals(entry, key, in: storage) { return entry }
                }
                index = (index + 1) & mask
            }
        }
    }

    private static func keyEquals(_ entry: Int, _ key: UnsafeRawBufferPointer, in storage: Storage) -> Bool {
        let start = entry == 0 ? 0 : Int(storage.keyEnds[entry - 1])
        let end = Int(storage.keyEnds[entry])
        guard end - start == key.count else { return false }
        return storage.keyBytes.withUnsafeBytes { bytes in
            key.isEmpty || memcmp(bytes.baseAddress! + start, key.baseAddress!, key.count) == 0
        }
    }

    private static func place(entry: Int, hash: UInt64, in storage: Storage) {
        let mask = storage.slots.count - 1
        var index = Int(truncatingIfNeeded: hash) & mask
        while storage.slots[index] != 0 { index = (index + 1) & mask }
        storage.slots[index] = hash & 0xFFFF_FFFF_0000_0000 | UInt64(entry + 1)
        let (word, bits) = filterBits(hash, wordCount: storage.filter.count)
        storage.filter[word] |= bits
    }

    /// The filter word of a hash and its three bits (from hash bits the slots and tags use
    /// little: the slot index takes the lowest, the tag the highest).
    @inline(__always)
    private static func filterBits(_ hash: UInt64, wordCount: Int) -> (Int, UInt64) {
        let word = Int(truncatingIfNeeded: hash >> 24) & (wordCount - 1)
        return (word, 1 << (hash & 63) | 1 << (hash >> 6 & 63) | 1 << (hash >> 12 & 63))
    }

    @inline(__always)
    private static func mayContain(_ hash: UInt64, _ filter: [UInt64]) -> Bool {
        let (word, bits) = filterBits(hash, wordCount: filter.count)
        return filter[word] & bits == bits
    }

    private static func resize(_ storage: Storage, to minimum: Int) {
        var capacity = 16
        while capacity < minimum { capacity <<= 1 }
        storage.slots = Array(repeating: 0, count: capacity)
        storage.filter = Array(repeating: 0, count: capacity / 8)
        for entry in 0..<storage.hashes.count { place(entry: entry, hash: storage.hashes[entry], in: storage) }
    }
}

/// A fast seeded hash of bytes, for tables that need no defence beyond a secret seed.
enum ByteHash {
    /// Eight bytes at a time, each word mixed in by a multiplication that keeps distinct words
    /// distinct, then murmur3's finaliser.
    @inline(__always)
    static func hash(_ bytes: UnsafeRawBufferPointer, seed: UInt64) -> UInt64 {
        let count = bytes.count
        var hash = seed ^ (UInt64(count) &* 0x9E37_79B9_7F4A_7C15)
        func mix(_ word: UInt64) {
            hash = (hash ^ word) &* 0xBF58_476D_1CE4_E5B9
            hash ^= hash >> 31
        }
        var offset = 0
        while offset + 8 <= count {
            mix(bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
            offset += 8
        }
        if offset < count {
            // The last eight bytes again when there are eight, so the tail is one load.
            if count >= 8 {
                mix(bytes.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self))
            } else {
                var word: UInt64 = 0
                for position in offset..<count { word |= UInt64(bytes[position]) << UInt64(8 * (position - offset)) }
                mix(word)
            }
        }
        hash ^= hash >> 33
        hash &*= 0xFF51_AFD7_ED55_8CCD
        hash ^= hash >> 33
        hash &*= 0xC4CE_B9FE_1A85_EC53
        hash ^= hash >> 33
        return hash
    }
}

/// How `ValueTable` keys a value: a tag byte naming what the key is, then the value's bytes as
/// the sets compare them (see `IndicatorSet`): hashes as the bytes their hex digits spell,
/// domains, e-mail addresses and registry keys in lower case, URLs normalised, networks as
/// family, prefix length and masked address.
enum ValueKey {
    /// Tags beyond the kinds' ordinals.
    static let hashTextTag: UInt8 = 0x20
    static let subdomainTag: UInt8 = 0x40
    static let networkTag: UInt8 = 0x80

    /// Calls `body` with the key of a value of a kind other than `.address`, in a buffer
    /// `body` may change (a subdomain walk rewrites it in place).
    @inline(__always)
    static func withKey<Result>(_ kind: ObservableKind, _ value: String, _ body: (UnsafeMutableRawBufferPointer) -> Result) -> Result {
        switch kind {
        case .url, .registryKey: return withNormalisedKey(kind, value, body)
        default:
            var value = value
            return value.withUTF8 { withKey(kind, utf8: $0, body) }
        }
    }

    /// `withKey` of a value given as its UTF-8 bytes.
    @inline(__always)
    static func withKey<Result>(_ kind: ObservableKind, utf8 value: UnsafeBufferPointer<UInt8>, _ body: (UnsafeMutableRawBufferPointer) -> Result) -> Result {
        let tag = UInt8(kind.ordinal)
        switch kind {
        case .url, .registryKey: return withNormalisedKey(kind, String(decoding: value, as: UTF8.self), body)
        case .md5, .sha1, .sha224, .sha256, .sha384, .sha512:
            let done: Result? = withUnsafeTemporaryAllocation(byteCount: value.count / 2 + 1, alignment: 8) { buffer in
                guard let length = hexBytes(value, into: buffer) else { return nil }
                buffer[0] = tag
                return body(UnsafeMutableRawBufferPointer(rebasing: buffer[0..<1 + length]))
            }
            if let done { return done }
            return withTagged(tag | hashTextTag, utf8: value, lowercased: true, body)
        case .domain:
            let trimmed = value.last == UInt8(ascii: ".") ? UnsafeBufferPointer(rebasing: value.dropLast()) : value
            return withTagged(tag, utf8: trimmed, lowercased: true, body)
        case .email: return withTagged(tag, utf8: value, lowercased: true, body)
        case .address, .fileName, .mutex: return tagged(tag, value, lowercasingASCII: false, body)
        }
    }

    /// The key of a URL or a registry key, which normalise as text.
    private static func withNormalisedKey<Result>(_ kind: ObservableKind, _ value: String, _ body: (UnsafeMutableRawBufferPointer) -> Result) -> Result {
        var normalised = kind == .url ? URLNormalisation.normalised(value) : RegistryKeyNormalisation.normalised(value)
        return normalised.withUTF8 { tagged(UInt8(kind.ordinal), $0, lowercasingASCII: false, body) }
    }

    /// Calls `body` with the key of an address masked to a prefix length.
    @inline(__always)
    static func withNetworkKey<Result>(
        family: IPNetwork.Family, prefixLength: Int, masked: (UInt64, UInt64), _ body: (UnsafeRawBufferPointer) -> Result
    ) -> Result {
        var key: (UInt64, UInt64, UInt64) = (0, masked.0, masked.1)
        key.0 = UInt64(networkTag | (family == .v4 ? 0 : 1)) | UInt64(prefixLength) << 8
        return withUnsafeBytes(of: &key) { body($0) }
    }

    /// The tag and the text's bytes (ASCII letters in lower case when `lowercased`; text with
    /// letters beyond ASCII goes through `lowercased()`).
    static func withTagged<Result>(
        _ tag: UInt8, _ text: String, lowercased: Bool, _ body: (UnsafeMutableRawBufferPointer) -> Result
    ) -> Result {
        var text = text
        return text.withUTF8 { withTagged(tag, utf8: $0, lowercased: lowercased, body) }
    }

    @inline(__always)
    static func withTagged<Result>(
        _ tag: UInt8, utf8 bytes: UnsafeBufferPointer<UInt8>, lowercased: Bool, _ body: (UnsafeMutableRawBufferPointer) -> Result
    ) -> Result {
        if lowercased && !bytes.allSatisfy({ $0 < 0x80 }) {
            var lower = String(decoding: bytes, as: UTF8.self).lowercased()
            return lower.withUTF8 { tagged(tag, $0, lowercasingASCII: false, body) }
        }
        return tagged(tag, bytes, lowercasingASCII: lowercased, body)
    }

    /// The tag and the bytes, in a temporary buffer.
    @inline(__always)
    private static func tagged<Result>(
        _ tag: UInt8, _ bytes: UnsafeBufferPointer<UInt8>, lowercasingASCII: Bool, _ body: (UnsafeMutableRawBufferPointer) -> Result
    ) -> Result {
        withUnsafeTemporaryAllocation(byteCount: bytes.count + 1, alignment: 8) { buffer in
            buffer[0] = tag
            for (position, byte) in bytes.enumerated() {
                buffer[position + 1] = lowercasingASCII && byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte
            }
            return body(buffer)
        }
    }

    /// Writes the bytes an even number of hex digits (up to 128) spell after the tag byte;
    /// nil for other text.
    private static func hexBytes(_ text: UnsafeBufferPointer<UInt8>, into buffer: UnsafeMutableRawBufferPointer) -> Int? {
        guard text.count >= 2, text.count <= 128, text.count % 2 == 0 else { return nil }
        var invalid: UInt8 = 0
        for position in 0..<text.count / 2 {
            let high = nibble(text[2 * position])
            let low = nibble(text[2 * position + 1])
            invalid |= (high | low) & 0x10
            buffer[position + 1] = high << 4 | low & 0x0F
        }
        return invalid == 0 ? text.count / 2 : nil
    }

    /// A hex digit's value, or a value with bit 4 set for any other byte.
    @inline(__always)
    private static func nibble(_ byte: UInt8) -> UInt8 {
        let lower = byte | 0x20
        if byte &- 0x30 < 10 { return byte &- 0x30 }
        if lower &- 0x61 < 6 { return lower &- 0x57 }
        return 0x10
    }
}
