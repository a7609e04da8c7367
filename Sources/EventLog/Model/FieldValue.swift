/// The value of one event field, typed as the source gave it.
///
/// Windows events carry integers, hexadecimal integers (kept as their text `0x1f`), strings,
/// booleans; JSON sources carry JSON scalars. `text` is how a value reads as a string, which
/// is what Sigma's string modifiers see.
public enum FieldValue: Sendable, Hashable, CustomStringConvertible {
    case string(String)
    case integer(Int64)
    case unsigned(UInt64)
    case double(Double)
    case bool(Bool)
    /// Several values (a JSON list; a multi-valued field).
    case list([FieldValue])
    case null

    /// The value as text: integers in decimal, booleans `true`/`false`, lists comma-joined.
    public var text: String {
        switch self {
        case .string(let value): return value
        case .integer(let value): return String(value)
        case .unsigned(let value): return String(value)
        case .double(let value): return value.description
        case .bool(let value): return value ? "true" : "false"
        case .list(let values): return values.map(\.text).joined(separator: ",")
        case .null: return ""
        }
    }

    /// The value as a signed integer, when it is one or is decimal text.
    public var integerValue: Int64? {
        switch self {
        case .integer(let value): return value
        case .unsigned(let value): return Int64(exactly: value)
        case .double(let value): return value.rounded() == value ? Int64(exactly: value) : nil
        case .string(let value): return Int64(value)
        default: return nil
        }
    }

    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    public var description: String { text }
}
