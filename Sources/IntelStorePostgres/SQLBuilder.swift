import NIOCore
import PostgresNIO

/// SQL text with its parameters: `bind` appends a value and returns its `$n` placeholder.
struct SQLBuilder {
    var binds = PostgresBindings()
    private var count = 0

    mutating func bind(_ value: some PostgresNonThrowingEncodable & Sendable) -> String {
        count += 1
        binds.append(value)
        return "$\(count)"
    }

    mutating func bind(_ value: (some PostgresNonThrowingEncodable & Sendable)?) -> String {
        count += 1
        if let value { binds.append(value) } else { binds.appendNull() }
        return "$\(count)"
    }

    func query(_ sql: String) -> PostgresQuery { PostgresQuery(unsafeSQL: sql, binds: binds) }
}

/// A `text[]` whose elements may be NULL (PostgresNIO's arrays cannot hold nil), for the
/// nullable columns of rows inserted in bulk through `unnest`.
struct NullableTextArray: PostgresNonThrowingEncodable, Sendable {
    var values: [String?]

    init(_ values: [String?]) { self.values = values }

    static var psqlType: PostgresDataType { .textArray }
    static var psqlFormat: PostgresFormat { .binary }

    func encode<JSONEncoder: PostgresJSONEncoder>(into buffer: inout ByteBuffer, context: PostgresEncodingContext<JSONEncoder>) {
        // The binary array format: dimensions, has-nulls flag, element type, then per
        // dimension its length and lower bound, then each element's length (-1: NULL) and bytes.
        buffer.writeInteger(values.isEmpty ? 0 : 1, as: Int32.self)
        buffer.writeInteger(values.contains(nil) ? 1 : 0, as: Int32.self)
        buffer.writeInteger(PostgresDataType.text.rawValue)
        guard !values.isEmpty else { return }
        buffer.writeInteger(Int32(values.count))
        buffer.writeInteger(1, as: Int32.self)
        for value in values {
            if let value {
                buffer.writeInteger(Int32(value.utf8.count))
                buffer.writeString(value)
            } else {
                buffer.writeInteger(-1, as: Int32.self)
            }
        }
    }
}

extension PostgresConnection {
    /// Runs a statement and reads no rows.
    func run(_ sql: String, _ builder: SQLBuilder = SQLBuilder(), logger: Logger) async throws {
        try await checkedQuery(builder.query(sql), logger: logger)
    }

    /// `query`, failed when the server closes the connection: PostgresNIO 1.33 drops a query
    /// written to a channel that is closing without failing it, and its caller would wait
    /// forever (seen when PostgreSQL was stopped during an import).
    @discardableResult
    func checkedQuery(_ query: PostgresQuery, logger: Logger) async throws -> PostgresRowSequence {
        guard !isClosed else { throw PostgresConnectionLost() }
        return try await QueryWatch.shared.run(on: self) { try await self.query(query, logger: logger) }
    }
}
