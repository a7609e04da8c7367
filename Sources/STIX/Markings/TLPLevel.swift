/// The five levels of the Traffic Light Protocol 2.0, ordered from most to least shareable.
///
/// TLP 1.0's WHITE is TLP 2.0's CLEAR. Comparison follows sharing restriction:
/// `.clear < .green < .amber < .amberStrict < .red`.
public enum TLPLevel: Int, Sendable, Hashable, Comparable, CaseIterable, CustomStringConvertible {
    case clear = 0
    case green = 1
    case amber = 2
    case amberStrict = 3
    case red = 4

    /// The TLP 2.0 label, `TLP:AMBER+STRICT`.
    public var label: String { "TLP:" + name.uppercased() }

    /// The lower-case name used on the command line and in storage, `amber+strict`.
    public var name: String {
        switch self {
        case .clear: return "clear"
        case .green: return "green"
        case .amber: return "amber"
        case .amberStrict: return "amber+strict"
        case .red: return "red"
        }
    }

    public var description: String { label }

    /// Reads `clear`, `TLP:CLEAR`, `white` (TLP 1.0), `amber+strict`, `amber_strict`, ... in any case.
    public init?(name text: String) {
        var folded = text.lowercased().trimmingCharacters(in: .whitespaces)
        if folded.hasPrefix("tlp:") { folded.removeFirst(4) }
        switch folded {
        case "clear", "white": self = .clear
        case "green": self = .green
        case "amber": self = .amber
        case "amber+strict", "amber_strict", "amber-strict", "amberstrict": self = .amberStrict
        case "red": self = .red
        default: return nil
        }
    }

    public static func < (lhs: TLPLevel, rhs: TLPLevel) -> Bool { lhs.rawValue < rhs.rawValue }
}
