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

    private var lastMessage: String {
        guard let database = sqlite3_db_handle(sqliteStatement), let message = sqlite3_errmsg(database) else { return "" }
        return String(cString: message)
    }
}
