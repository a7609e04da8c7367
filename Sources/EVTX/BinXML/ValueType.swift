/// BinXML value types (MS-EVEN6 2.2.12): the type byte of substitution values.
enum ValueType {
    static let null: UInt8 = 0x00
    static let string: UInt8 = 0x01
    static let ansiString: UInt8 = 0x02
    static let int8: UInt8 = 0x03
    static let uint8: UInt8 = 0x04
    static let int16: UInt8 = 0x05
    static let uint16: UInt8 = 0x06
    static let int32: UInt8 = 0x07
    static let uint32: UInt8 = 0x08
    static let int64: UInt8 = 0x09
    static let uint64: UInt8 = 0x0A
    static let real32: UInt8 = 0x0B
    static let real64: UInt8 = 0x0C
    static let bool: UInt8 = 0x0D
    static let binary: UInt8 = 0x0E
    static let guid: UInt8 = 0x0F
    static let sizeT: UInt8 = 0x10
    static let fileTime: UInt8 = 0x11
    static let sysTime: UInt8 = 0x12
    static let sid: UInt8 = 0x13
    static let hexInt32: UInt8 = 0x14
    static let hexInt64: UInt8 = 0x15
    static let evtHandle: UInt8 = 0x20
    static let binXML: UInt8 = 0x21
    static let evtXML: UInt8 = 0x23
    static let arrayFlag: UInt8 = 0x80

    /// The size of one item of a fixed-size type; nil for variable-size types.
    static func itemSize(_ type: UInt8) -> Int? {
        switch type & ~arrayFlag {
        case int8, uint8: return 1
        case int16, uint16: return 2
        case int32, uint32, real32, bool, hexInt32: return 4
        case int64, uint64, real64, fileTime, hexInt64: return 8
        case guid, sysTime: return 16
        default: return nil
        }
    }

    /// A BoolType value: true or false when it holds 1 or 0, as MS-EVEN6 requires, else the
    /// integer it holds (the `evtx` crate shows such values as they are; a guess would hide
    /// what the writer stored).
    enum BoolValue {
        case bool(Bool)
        case integer(Int64)
    }

    static func boolValue(_ value: UnsafeRawBufferPointer) -> BoolValue {
        let raw: Int64
        switch value.count {
        case 4...: raw = Int64(Int32(bitPattern: value.u32(at: 0)))
        case 2...3: raw = Int64(value.u16(at: 0))
        case 1: raw = Int64(value[0])
        default: raw = 0
        }
        switch raw {
        case 0: return .bool(false)
        case 1: return .bool(true)
        default: return .integer(raw)
        }
    }

    /// Whether a value of this type renders as a JSON number or boolean when it stands alone.
    static func isNumeric(_ type: UInt8) -> Bool {
        switch type {
        case int8, uint8, int16, uint16, int32, uint32, int64, uint64, bool: return true
        default: return false
        }
    }
}
