/// An IPv4 or IPv6 address or CIDR network (`10.0.0.0/8`, `2001:db8::/32`); an address is a
/// network of one.
public struct IPNetwork: Sendable, Hashable, CustomStringConvertible {
    public enum Family: Sendable, Hashable { case v4, v6 }

    public let family: Family
    /// The address, left-aligned in 128 bits (IPv4 in the top 32).
    public let high: UInt64
    public let low: UInt64
    public let prefixLength: Int
    /// Whether the text named a network (`/n`) rather than an address.
    public let isNetwork: Bool

    public var bitCount: Int { family == .v4 ? 32 : 128 }

    /// Reads an address or a network; nil for anything else (a prefix of 0, or beyond the
    /// family's length, is refused).
    public init?(_ text: String) {
        // On the bytes: the string's UTF-8 view through generic code cost four times as much
        // (an indicator feed and a hunt read a great many addresses).
        var text = text
        guard let network = text.withUTF8({ Self.parse($0) }) else { return nil }
        self = network
    }

    /// Reads an address or a network from its UTF-8 bytes.
    init?(utf8 bytes: UnsafeBufferPointer<UInt8>) {
        guard let network = Self.parse(bytes) else { return nil }
        self = network
    }

    private init(family: Family, high: UInt64, low: UInt64, prefixLength: Int, isNetwork: Bool) {
        self.family = family
        self.high = high
        self.low = low
        self.prefixLength = prefixLength
        self.isNetwork = isNetwork
    }

    private static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> IPNetwork? {
        let slash = bytes.firstIndex(of: UInt8(ascii: "/"))
        let address = bytes[..<(slash ?? bytes.endIndex)]
        let family: Family
        let high: UInt64, low: UInt64
        if let v4 = ipv4(bytes: address) {
            (family, high, low) = (.v4, UInt64(v4) << 32, 0)
        } else if address.contains(UInt8(ascii: ":")), let (h, l) = ipv6(String(decoding: address, as: UTF8.self)) {
            (family, high, low) = (.v6, h, l)
        } else {
            return nil
        }
        guard let slash else {
            return IPNetwork(family: family, high: high, low: low, prefixLength: family == .v4 ? 32 : 128, isNetwork: false)
        }
        let digits = bytes[(slash + 1)...]
        guard (1...3).contains(digits.count) else { return nil }
        var length = 0
        for byte in digits {
            guard byte >= 0x30 && byte <= 0x39 else { return nil }
            length = length * 10 + Int(byte - 0x30)
        }
        guard (1...(family == .v4 ? 32 : 128)).contains(length) else { return nil }
        return IPNetwork(family: family, high: high, low: low, prefixLength: length, isNetwork: true)
    }

    /// Whether the network has bits set beyond its prefix (`10.0.0.1/8`).
    public var hasHostBits: Bool { masked(to: prefixLength) != (high, low) }

    /// Whether `other` (an address or a network) lies within this network.
    public func contains(_ other: IPNetwork) -> Bool {
        guard family == other.family, prefixLength <= other.prefixLength else { return false }
        return masked(to: prefixLength) == other.masked(to: prefixLength)
    }

    /// The address with the bits beyond `length` cleared.
    func masked(to length: Int) -> (UInt64, UInt64) {
        let highMask: UInt64 = length >= 64 ? .max : length == 0 ? 0 : ~(UInt64.max >> UInt64(length))
        let lowMask: UInt64 = length <= 64 ? 0 : length >= 128 ? .max : ~(UInt64.max >> UInt64(length - 64))
        return (high & highMask, low & lowMask)
    }

    public var description: String {
        isNetwork ? Self.text(family: family, high: high, low: low, prefixLength: prefixLength) : Self.text(family: family, high: high, low: low, prefixLength: nil)
    }

    /// The network without host bits (`10.0.0.0/8` for `10.0.0.1/8`).
    public var networkText: String {
        let masked = masked(to: prefixLength)
        return Self.text(family: family, high: masked.0, low: masked.1, prefixLength: prefixLength)
    }

    static func text(family: Family, high: UInt64, low: UInt64, prefixLength: Int?) -> String {
        let address: String
        if family == .v4 {
            let value = UInt32(high >> 32)
            address = (0..<4).map { String((value >> UInt32(24 - 8 * $0)) & 0xFF) }.joined(separator: ".")
        } else {
            address = (0..<8).map { group in
                let word = group < 4 ? high >> UInt64(48 - 16 * group) : low >> UInt64(48 - 16 * (group - 4))
                return String(word & 0xFFFF, radix: 16)
            }.joined(separator: ":")
        }
        return prefixLength.map { "\(address)/\($0)" } ?? address
    }

    /// Dotted quad, four decimal parts of one to three digits, each at most 255.
    static func ipv4<Text: StringProtocol>(_ text: Text) -> UInt32? { ipv4(bytes: text.utf8) }

    static func ipv4<Bytes: Collection<UInt8>>(bytes: Bytes) -> UInt32? {
        var value: UInt32 = 0
        var part: UInt32 = 0
        var digits = 0
        var parts = 0
        for byte in bytes {
            if byte == UInt8(ascii: ".") {
                guard digits > 0, parts < 3 else { return nil }
                value = value << 8 | part
                parts += 1
                part = 0
                digits = 0
            } else if byte >= 0x30 && byte <= 0x39, digits < 3 {
                part = part * 10 + UInt32(byte - 0x30)
                digits += 1
                guard part <= 255 else { return nil }
            } else {
                return nil
            }
        }
        guard digits > 0, parts == 3 else { return nil }
        return value << 8 | part
    }

    /// RFC 4291 text: up to eight groups of hex digits, one `::`, an IPv4 tail allowed.
    static func ipv6<Text: StringProtocol>(_ text: Text) -> (UInt64, UInt64)? {
        let bytes = Array(text.utf8)
        guard bytes.contains(UInt8(ascii: ":")) else { return nil }
        var groups: [UInt16] = []
        groups.reserveCapacity(8)
        var gap: Int?
        var index = 0
        if bytes.starts(with: [UInt8(ascii: ":"), UInt8(ascii: ":")]) {
            gap = 0
            index = 2
        } else if bytes.first == UInt8(ascii: ":") {
            return nil
        }
        while index < bytes.count {
            // An IPv4 tail: the last group holds a dot.
            if !bytes[index...].contains(UInt8(ascii: ":")), bytes[index...].contains(UInt8(ascii: ".")) {
                guard let v4 = ipv4(String(decoding: bytes[index...], as: UTF8.self)) else { return nil }
                groups += [UInt16(v4 >> 16), UInt16(v4 & 0xFFFF)]
                index = bytes.count
                break
            }
            var word: UInt32 = 0
            var digits = 0
            while index < bytes.count, let value = PatternLexer.hexValue(bytes[index]) {
                guard digits < 4 else { return nil }
                word = word << 4 | UInt32(value)
                digits += 1
                index += 1
            }
            guard digits > 0 else { return nil }
            groups.append(UInt16(word))
            guard index < bytes.count else { break }
            guard bytes[index] == UInt8(ascii: ":"), index + 1 < bytes.count else { return nil }
            index += 1
            if bytes[index] == UInt8(ascii: ":") {
                guard gap == nil else { return nil }
                gap = groups.count
                index += 1
            }
        }
        if let gap {
            guard groups.count <= 7 else { return nil }
            groups.insert(contentsOf: [UInt16](repeating: 0, count: 8 - groups.count), at: gap)
        }
        guard groups.count == 8 else { return nil }
        let high = groups[0..<4].reduce(UInt64(0)) { $0 << 16 | UInt64($1) }
        let low = groups[4..<8].reduce(UInt64(0)) { $0 << 16 | UInt64($1) }
        return (high, low)
    }
}
