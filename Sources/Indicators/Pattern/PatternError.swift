/// Why a pattern is refused or could not be evaluated; `column` (1-based) points at the place
/// in the pattern text when there is one.
public struct PatternError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    public var column: Int?

    public init(_ message: String, column: Int? = nil) {
        self.message = message
        self.column = column
    }

    public var description: String {
        guard let column else { return message }
        return "column \(column): \(message)"
    }
}
