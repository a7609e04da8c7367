/// A STIX identifier, `type--uuid`, checked for form.
///
/// It checks that the type part is a valid STIX type name and the rest an RFC 4122 UUID in
/// its 8-4-4-4-12 hex form. It does not require a particular UUID version: STIX 2.1 wants
/// version 4 for most objects and version 5 for deterministic cyber-observable ids, and
/// real feeds mix both.
public struct STIXIdentifier: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The whole identifier as written.
    public let rawValue: String
    /// The type part, before `--`.
    public let type: String

    /// Why a text is not a STIX identifier.
    public enum Problem: Error, Sendable, Equatable, CustomStringConvertible {
        case missingSeparator
        case invalidType(String)
        case invalidUUID(String)

        public var description: String {
            switch self {
            case .missingSeparator: return "is not of the form type--uuid"
            case .invalidType(let type): return "has an invalid type part '\(type)'"
            case .invalidUUID(let uuid): return "has an invalid UUID part '\(uuid)'"
            }
        }
    }

    public init(validating text: String) throws(Problem) {
        // Work on the bytes: this runs for every reference of every imported object.
        var text = text
        let separator: Int? = text.withUTF8 { bytes in
            guard bytes.count >= 2 else { return nil }
            for index in 1..<bytes.count where bytes[index] == UInt8(ascii: "-") && bytes[index - 1] == UInt8(ascii: "-") {
                return index - 1
            }
            return nil
        }
        guard let separator else { throw .missingSeparator }
        let (type, uuidIsValid) = text.withUTF8 { bytes in
            (String(decoding: UnsafeBufferPointer(rebasing: bytes[..<separator]), as: UTF8.self),
             STIXIdentifier.isUUID(UnsafeBufferPointer(rebasing: bytes[(separator + 2)...])))
        }
        guard STIXIdentifier.isValidTypeName(type) else { throw .invalidType(type) }
        guard uuidIsValid else { throw .invalidUUID(String(decoding: Array(text.utf8.dropFirst(separator + 2)), as: UTF8.self)) }
        self.rawValue = text
        self.type = type
    }

    /// STIX 2.1's namespace for deterministic cyber-observable identifiers.
    public static let observableNamespace: [UInt8] = [
        0x00, 0xab, 0xed, 0xb4, 0xaa, 0x42, 0x46, 0x6c, 0x9c, 0x01, 0xfe, 0xd2, 0x33, 0x15, 0xa9, 0xb7,
    ]

    /// An identifier whose UUID is a version 5 UUID of `name` (RFC 4122; STIX 2.1 section 2.9):
    /// the same name always gives the same id. For a cyber observable the name is the JSON of
    /// its id-contributing properties.
    public static func deterministic(type: String, name: String, namespace: [UInt8] = observableNamespace) -> STIXIdentifier {
        var bytes = Array(SHA1.digest(namespace + Array(name.utf8)).prefix(16))
        bytes[6] = (bytes[6] & 0x0F) | 0x50
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        return STIXIdentifier(unchecked: "\(type)--\(UUIDv4.text(bytes))", type: type)
    }

    /// An identifier with a new random (version 4) UUID.
    public static func random(type: String) -> STIXIdentifier {
        let text = "\(type)--\(UUIDv4.make())"
        // The type is the caller's constant and the UUID is well formed.
        return STIXIdentifier(unchecked: text, type: type)
    }

    init(unchecked rawValue: String, type: String) {
        self.rawValue = rawValue
        self.type = type
    }

    public var description: String { rawValue }

    public static func < (lhs: STIXIdentifier, rhs: STIXIdentifier) -> Bool { lhs.rawValue < rhs.rawValue }

    /// STIX type names: 3 to 250 characters of lower-case ASCII letters, digits and single hyphens,
    /// not starting or ending with a hyphen.
    public static func isValidTypeName(_ name: String) -> Bool {
        let bytes = name.utf8
        guard (3...250).contains(bytes.count), bytes.first != UInt8(ascii: "-"), bytes.last != UInt8(ascii: "-") else {
            return false
        }
        var previousHyphen = false
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"): previousHyphen = false
            case UInt8(ascii: "-"):
                if previousHyphen { return false }
                previousHyphen = true
            default: return false
            }
        }
        return true
    }

    static func isUUID(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard bytes.count == 36 else { return false }
        for (index, byte) in bytes.enumerated() {
            if index == 8 || index == 13 || index == 18 || index == 23 {
                if byte != UInt8(ascii: "-") { return false }
            } else {
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "f"),
                    UInt8(ascii: "A")...UInt8(ascii: "F"):
                    continue
                default: return false
                }
            }
        }
        return true
    }
}

/// Random version-4 UUIDs in lower case, as STIX writes them.
enum UUIDv4 {
    static func make() -> String {
        var generator = SystemRandomNumberGenerator()
        var bytes = (0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) }
        bytes[6] = (bytes[6] & 0x0F) | 0x40
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        return text(bytes)
    }

    /// Sixteen bytes in the 8-4-4-4-12 form.
    static func text(_ bytes: [UInt8]) -> String {
        let hex = bytes.map { byte -> String in
            let text = String(byte, radix: 16)
            return text.count == 1 ? "0" + text : text
        }.joined()
        let characters = Array(hex)
        return String(characters[0..<8]) + "-" + String(characters[8..<12]) + "-" + String(characters[12..<16]) + "-"
            + String(characters[16..<20]) + "-" + String(characters[20..<32])
    }
}

/// SHA-1, for version 5 UUIDs only (not for anything that needs a secure hash).
enum SHA1 {
    static func digest(_ message: [UInt8]) -> [UInt8] {
        var state: [UInt32] = [0x6745_2301, 0xEFCD_AB89, 0x98BA_DCFE, 0x1032_5476, 0xC3D2_E1F0]
        var data = message
        data.append(0x80)
        while data.count % 64 != 56 { data.append(0) }
        let bits = UInt64(message.count) * 8
        for shift in stride(from: 56, through: 0, by: -8) { data.append(UInt8(truncatingIfNeeded: bits >> UInt64(shift))) }
        var words = [UInt32](repeating: 0, count: 80)
        for block in stride(from: 0, to: data.count, by: 64) {
            for index in 0..<16 {
                let offset = block + index * 4
                words[index] = UInt32(data[offset]) << 24 | UInt32(data[offset + 1]) << 16 | UInt32(data[offset + 2]) << 8 | UInt32(data[offset + 3])
            }
            for index in 16..<80 {
                let mixed = words[index - 3] ^ words[index - 8] ^ words[index - 14] ^ words[index - 16]
                words[index] = mixed << 1 | mixed >> 31
            }
            var (a, b, c, d, e) = (state[0], state[1], state[2], state[3], state[4])
            for index in 0..<80 {
                let (f, k): (UInt32, UInt32) =
                    switch index {
                    case 0..<20: ((b & c) | (~b & d), 0x5A82_7999)
                    case 20..<40: (b ^ c ^ d, 0x6ED9_EBA1)
                    case 40..<60: ((b & c) | (b & d) | (c & d), 0x8F1B_BCDC)
                    default: (b ^ c ^ d, 0xCA62_C1D6)
                    }
                let next = (a << 5 | a >> 27) &+ f &+ e &+ k &+ words[index]
                (e, d, c, b, a) = (d, c, b << 30 | b >> 2, a, next)
            }
            state[0] &+= a
            state[1] &+= b
            state[2] &+= c
            state[3] &+= d
            state[4] &+= e
        }
        return state.flatMap { word in (0..<4).map { UInt8(truncatingIfNeeded: word >> UInt32(24 - 8 * $0)) } }
    }
}
