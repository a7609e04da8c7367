import Foundation

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
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        let address = parts[0]
        if let v4 = Self.ipv4(address) {
            family = .v4
            high = UInt64(v4) << 32
            low = 0
        } else if let (h, l) = Self.ipv6(address) {
            family = .v6
            high = h
            low = l
        } else {
            return nil
        }
        if parts.count == 2 {
            let maximum = family == .v4 ? 32 : 128
            guard let length = Int(parts[1]), parts[1].allSatisfy(\.isASCII), (1...maximum).contains(length) else { return nil }
            prefixLength = length
            isNetwork = true
        } else {
            prefixLength = family == .v4 ? 32 : 128
            isNetwork = false
        }
    }

    /// Whether the network has bits set beyond its prefix (`10.0.0.1/8`).
    public var hasHostBits: Bool { masked(prefixLength) != (high, low) }

    /// Whether `other` (an address or a network) lies within this network.
    public func contains(_ other: IPNetwork) -> Bool {
        guard family == other.family, prefixLength <= other.prefixLength else { return false }
        return masked(prefixLength) == other.masked(prefixLength)
    }

    private func masked(_ length: Int) -> (UInt64, UInt64) {
        let highMask: UInt64 = length >= 64 ? .max : length == 0 ? 0 : ~(UInt64.max >> UInt64(length))
        let lowMask: UInt64 = length <= 64 ? 0 : length >= 128 ? .max : ~(UInt64.max >> UInt64(length - 64))
        return (high & highMask, low & lowMask)
    }

    public var description: String {
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
        return isNetwork ? "\(address)/\(prefixLength)" : address
    }

    /// Dotted quad, four decimal parts of at most three digits each.
    static func ipv4<Text: StringProtocol>(_ text: Text) -> UInt32? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var value: UInt32 = 0
        for part in parts {
            guard (1...3).contains(part.count), part.allSatisfy({ $0.isASCII && $0.isNumber }), let byte = UInt32(part), byte <= 255 else { return nil }
            value = value << 8 | byte
        }
        return value
    }

    /// RFC 4291 text: up to eight groups, one `::`, an IPv4 tail allowed.
    static func ipv6<Text: StringProtocol>(_ text: Text) -> (UInt64, UInt64)? {
        guard text.contains(":") else { return nil }
        var groups: [UInt16] = []
        var gap: Int?
        let halves = text.components(separatedBy: "::")
        guard halves.count <= 2 else { return nil }
        func read(_ part: String, last: Bool) -> [UInt16]? {
            guard !part.isEmpty else { return [] }
            var words: [UInt16] = []
            let pieces = part.split(separator: ":", omittingEmptySubsequences: false)
            for (index, piece) in pieces.enumerated() {
                if last, index == pieces.count - 1, piece.contains("."), let v4 = ipv4(piece) {
                    words += [UInt16(v4 >> 16), UInt16(v4 & 0xFFFF)]
                } else {
                    guard (1...4).contains(piece.count), let word = UInt16(piece, radix: 16) else { return nil }
                    words.append(word)
                }
            }
            return words
        }
        guard let first = read(halves[0], last: halves.count == 1) else { return nil }
        groups = first
        if halves.count == 2 {
            guard let second = read(halves[1], last: true) else { return nil }
            gap = groups.count
            guard groups.count + second.count <= 7 else { return nil }
            groups += second
        }
        if let gap {
            groups.insert(contentsOf: [UInt16](repeating: 0, count: 8 - groups.count), at: gap)
        }
        guard groups.count == 8 else { return nil }
        let high = groups[0..<4].reduce(UInt64(0)) { $0 << 16 | UInt64($1) }
        let low = groups[4..<8].reduce(UInt64(0)) { $0 << 16 | UInt64($1) }
        return (high, low)
    }
}
