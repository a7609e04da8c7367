import GRDB
import GRDBSQLite

/// A value bound by `Statement.run(_:)`.
enum BoundValue {
    case text(String)
    case integer(Int64)
    case null

    init(_ text: String?) { self = text.map { .text($0) } ?? .null }
    init(_ flag: Bool) { self = .integer(flag ? 1 : 0) }
    init(_ number: Int?) { self = number.map { .integer(Int64($0)) } ?? .null }
}

extension Statement {
    /// Executes an INSERT or DELETE with these values, binding them through the SQLite C API.
    ///
    /// Bulk imports run tens of thousands of statements in one transaction; GRDB's general
    /// argument handling (existential values, checks) costs about a third of each one there.
    /// Everything else goes through GRDB.
    func run(_ values: [BoundValue]) throws {
        let handle = sqliteStatement
        sqlite3_reset(handle)
        for (index, value) in values.enumerated() {
            let position = Int32(index + 1)
            let code: Int32
            switch value {
            case .text(var text):
                code = text.withUTF8 { bytes in
                    guard let base = bytes.baseAddress else { return sqlite3_bind_text(handle, position, "", 0, nil) }
                    return base.withMemoryRebound(to: CChar.self, capacity: bytes.count) { characters in
                        // SQLITE_TRANSIENT: SQLite copies the text before this returns.
                        sqlite3_bind_text(handle, position, characters, Int32(bytes.count),
                                          unsafeBitCast(-1, to: sqlite3_destructor_type.self))
                    }
                }
            case .integer(let number): code = sqlite3_bind_int64(handle, position, number)
            case .null: code = sqlite3_bind_null(handle, position)
            }
            guard code == SQLITE_OK else { throw DatabaseError(resultCode: ResultCode(rawValue: code), message: lastMessage) }
        }
        let code = sqlite3_step(handle)
        sqlite3_reset(handle)
        guard code == SQLITE_DONE else { throw DatabaseError(resultCode: ResultCode(rawValue: code), message: lastMessage) }
    }

    /// Runs a SELECT bound with `arguments` and makes a value of each result row, reading the
    /// columns through the SQLite C API: a page of objects reads six columns of up to a
    /// thousand rows, where GRDB's general decoding costs more than SQLite itself.
    func mapRows<Value>(_ arguments: StatementArguments, capacity: Int = 0, _ transform: (SQLiteColumns) throws -> Value) throws -> [Value] {
        try setArguments(arguments)
        let handle = sqliteStatement
        defer { sqlite3_reset(handle) }
        var values: [Value] = []
        values.reserveCapacity(capacity)
        while true {
            let code = sqlite3_step(handle)
            if code == SQLITE_DONE { return values }
            guard code == SQLITE_ROW else { throw DatabaseError(resultCode: ResultCode(rawValue: code), message: lastMessage) }
            values.append(try transform(SQLiteColumns(handle: handle)))
        }
    }

    private var lastMessage: String {
        guard let database = sqlite3_db_handle(sqliteStatement), let message = sqlite3_errmsg(database) else { return "" }
        return String(cString: message)
    }
}

/// The columns of the row a statement is on; valid only inside `mapRows`'s transform.
struct SQLiteColumns {
    fileprivate let handle: OpaquePointer

    func isNull(_ index: Int32) -> Bool { sqlite3_column_type(handle, index) == SQLITE_NULL }

    func integer(_ index: Int32) -> Int64 { sqlite3_column_int64(handle, index) }

    func text(_ index: Int32) -> String? {
        guard let characters = sqlite3_column_text(handle, index) else { return nil }
        let count = Int(sqlite3_column_bytes(handle, index))
        return String(decoding: UnsafeBufferPointer(start: characters, count: count), as: UTF8.self)
    }

    /// The column's text as bytes, copied once.
    func bytes(_ index: Int32) -> [UInt8] {
        var bytes: [UInt8] = []
        appendBytes(index, to: &bytes)
        return bytes
    }

    func appendBytes(_ index: Int32, to output: inout [UInt8]) {
        guard let characters = sqlite3_column_text(handle, index) else { return }
        output.append(contentsOf: UnsafeBufferPointer(start: characters, count: Int(sqlite3_column_bytes(handle, index))))
    }
}
