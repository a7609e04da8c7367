import STIX

/// An indicator to match: its pattern and where it came from.
public struct Indicator: Sendable {
    public var pattern: STIXPattern
    public var provenance: IndicatorProvenance

    public init(pattern: STIXPattern, provenance: IndicatorProvenance) {
        self.pattern = pattern
        self.provenance = provenance
    }
}

/// What a hit on an indicator tells: which indicator, from whom, what it points to, how
/// sensitive it is and whether it was meant to be valid when the event happened.
public struct IndicatorProvenance: Sendable, Hashable {
    /// The STIX indicator id.
    public var indicatorID: String
    public var name: String?
    /// Where it came from: a feed, a MISP event, a partner's collection.
    public var source: String
    /// Ids of the intrusion sets, malware and campaigns it `indicates`.
    public var indicates: [String]
    public var tlp: TLPLevel?
    public var validFrom: STIXTimestamp?
    public var validUntil: STIXTimestamp?

    public init(
        indicatorID: String, name: String? = nil, source: String, indicates: [String] = [], tlp: TLPLevel? = nil,
        validFrom: STIXTimestamp? = nil, validUntil: STIXTimestamp? = nil
    ) {
        self.indicatorID = indicatorID
        self.name = name
        self.source = source
        self.indicates = indicates
        self.tlp = tlp
        self.validFrom = validFrom
        self.validUntil = validUntil
    }

    /// Whether the indicator was valid at an instant; an expired indicator still matches, and
    /// its hits say so.
    public enum Validity: String, Sendable {
        case valid
        case notYetValid = "not yet valid"
        case expired
    }

    public func validity(at instant: STIXTimestamp) -> Validity {
        if let validFrom, instant < validFrom { return .notYetValid }
        if let validUntil, instant >= validUntil { return .expired }
        return .valid
    }
}

/// A value seen in evidence that indicator sets look up.
public struct Observable: Sendable, Hashable, CustomStringConvertible {
    public var kind: ObservableKind
    public var value: String
    /// For addresses: which end of a connection it was; nil when not known.
    public var role: AddressRole?

    public init(_ kind: ObservableKind, _ value: String, role: AddressRole? = nil) {
        self.kind = kind
        self.value = value
        self.role = role
    }

    public var description: String { "\(kind.rawValue) \(value)\(role.map { " (\($0.rawValue))" } ?? "")" }
}

/// The kinds of values indicator sets index.
public enum ObservableKind: String, Sendable, Hashable, CaseIterable {
    case md5, sha1, sha224, sha256, sha384, sha512
    /// An IPv4 or IPv6 address.
    case address
    case domain
    case url
    case email
    case fileName = "file-name"
    case mutex
    case registryKey = "registry-key"

    /// The hash kind for a STIX `hashes` key (`SHA-256`, `MD5`, ...).
    public init?(hashAlgorithm: String) {
        switch HashAlgorithm.canonicalName(hashAlgorithm) {
        case "MD5": self = .md5
        case "SHA1": self = .sha1
        case "SHA224": self = .sha224
        case "SHA256": self = .sha256
        case "SHA384": self = .sha384
        case "SHA512": self = .sha512
        default: return nil
        }
    }

    var isHash: Bool { [.md5, .sha1, .sha224, .sha256, .sha384, .sha512].contains(self) }
}

/// Which end of a network connection an address was.
public enum AddressRole: String, Sendable, Hashable {
    case source, destination
}
