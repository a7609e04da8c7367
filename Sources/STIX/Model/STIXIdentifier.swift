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
        let hex = bytes.map { byte -> String in
            let text = String(byte, radix: 16)
            return text.count == 1 ? "0" + text : text
        }.joined()
        let characters = Array(hex)
        return String(characters[0..<8]) + "-" + String(characters[8..<12]) + "-" + String(characters[12..<16]) + "-"
            + String(characters[16..<20]) + "-" + String(characters[20..<32])
    }
}
