/// An IPv4 or IPv6 address, as 128 bits (IPv4 as an IPv4-mapped IPv6 address).
struct IPAddress: Sendable, Hashable {
    var high: UInt64
    var low: UInt64
    var isV4: Bool

    init?(_ text: String) {
        let trimmed = text.trimmingSpaces
        if let v4 = IPAddress.parseV4(trimmed.utf8) {
            self.init(v4: v4)
        } else if let (high, low) = IPAddress.parseV6(String(trimmed)) {
            // An IPv4-mapped IPv6 address (::ffff:a.b.c.d) is the IPv4 address.
            self.init(high: high, low: low, isV4: high == 0 && low >> 32 == 0xFFFF)
        } else {
            return nil
        }
    }

    /// An address in UTF-8 text, as `init(_:)` reads it; a dotted quad between ASCII spaces
    /// and tabs (most addresses in events) is read from the bytes, without making a string.
    init?(utf8 text: UnsafeRawBufferPointer) {
        var start = 0
        var end = text.count
        while start < end && (text[start] == 0x20 || text[start] == 0x09) { start += 1 }
        while end > start && (text[end - 1] == 0x20 || text[end - 1] == 0x09) { end -= 1 }
        if let v4 = IPAddress.parseV4(text[start..<end]) {
            self.init(v4: v4)
        } else {
            self.init(String(decoding: text, as: UTF8.self))
        }
    }

    private init(v4: UInt32) {
        self.init(high: 0, low: 0xFFFF_0000_0000 | UInt64(v4), isV4: true)
    }

    private init(high: UInt64, low: UInt64, isV4: Bool) {
        self.high = high
        self.low = low
        self.isV4 = isV4
    }

    /// Dotted-quad IPv4 text: four decimal octets of one to three digits, each at most 255.
    static func parseV4<Bytes: Sequence<UInt8>>(_ text: Bytes) -> UInt32? {
        var value: UInt32 = 0
        var octet: UInt32 = 0
        var digits = 0
        var dots = 0
        for byte in text {
            if byte == UInt8(ascii: ".") {
                guard digits > 0, dots < 3 else { return nil }
                value = value << 8 | octet
                octet = 0
                digits = 0
                dots += 1
            } else if byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") {
                digits += 1
                octet = octet * 10 + UInt32(byte - UInt8(ascii: "0"))
                guard digits <= 3, octet <= 255 else { return nil }
            } else {
                return nil
            }
        }
        guard dots == 3, digits > 0 else { return nil }
        return value << 8 | octet
    }

    static func parseV6(_ text: String) -> (UInt64, UInt64)? {
        // Drop a zone (fe80::1%eth0).
        let address = text.split(separator: "%", maxSplits: 1).first.map(String.init) ?? text
        guard address.contains(":") else { return nil }
        let halves = address.components(separatedBy: "::")
        guard halves.count <= 2 else { return nil }
        func groups(_ part: String) -> [UInt16]? {
            if part.isEmpty { return [] }
            var result: [UInt16] = []
            let pieces = part.split(separator: ":", omittingEmptySubsequences: false)
            for (index, piece) in pieces.enumerated() {
                if index == pieces.count - 1, piece.contains("."), let v4 = parseV4(piece.utf8) {
                    result += [UInt16(v4 >> 16), UInt16(v4 & 0xFFFF)]
                } else {
                    guard !piece.isEmpty, piece.count <= 4, let group = UInt16(piece, radix: 16) else { return nil }
                    result.append(group)
                }
            }
            return result
        }
        guard let head = groups(halves[0]) else { return nil }
        var all: [UInt16]
        if halves.count == 2 {
            guard let tail = groups(halves[1]), head.count + tail.count < 8 else { return nil }
            all = head + Array(repeating: 0, count: 8 - head.count - tail.count) + tail
        } else {
            guard head.count == 8 else { return nil }
            all = head
        }
        let high = all[0..<4].reduce(UInt64(0)) { $0 << 16 | UInt64($1) }
        let low = all[4..<8].reduce(UInt64(0)) { $0 << 16 | UInt64($1) }
        return (high, low)
    }
}

/// A CIDR range (`10.0.0.0/8`, `fe80::/10`); an address without a prefix length is one host.
struct IPNetwork: Sendable, Hashable {
    let base: IPAddress
    /// Prefix length in bits of the 128-bit form.
    let prefix: Int

    init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1).map(String.init)
        guard let address = IPAddress(parts[0]) else { return nil }
        let maximum = address.isV4 ? 32 : 128
        var length = maximum
        if parts.count == 2 {
            guard let value = Int(parts[1]), (0...maximum).contains(value) else { return nil }
            length = value
        }
        prefix = address.isV4 ? length + 96 : length
        base = IPNetwork.masked(address, prefix)
    }

    func contains(_ address: IPAddress) -> Bool {
        IPNetwork.masked(address, prefix) == base
    }

    private static func masked(_ address: IPAddress, _ prefix: Int) -> IPAddress {
        var result = address
        result.high = prefix >= 64 ? address.high : (prefix == 0 ? 0 : address.high & ~(UInt64.max >> UInt64(prefix)))
        result.low = prefix >= 128 ? address.low : (prefix <= 64 ? 0 : address.low & ~(UInt64.max >> UInt64(prefix - 64)))
        // Equality must not depend on how the address was written.
        result.isV4 = false
        return result
    }
}

import Foundation

extension String {
    /// The text without leading and trailing spaces and tabs (what Foundation's
    /// `.whitespaces` set holds: tab and the Unicode space separators), without Foundation:
    /// this runs for every number and address a rule compares.
    var trimmingSpaces: Substring {
        func isSpace(_ scalar: Unicode.Scalar) -> Bool { scalar == "\t" || scalar.properties.generalCategory == .spaceSeparator }
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !isSpace($0) }) else { return Substring() }
        let last = scalars.lastIndex(where: { !isSpace($0) })!
        return self[first...last]
    }
}
