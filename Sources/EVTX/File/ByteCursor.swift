/// Bounds-checked little-endian reads over a buffer; every failed read names the field it was
/// reading and its offset.
///
/// The buffer is borrowed: the caller keeps the bytes alive while the cursor is used.
struct ByteCursor {
    let bytes: UnsafeRawBufferPointer
    var position: Int
    /// Reads may not go past this offset (the end of a record or value inside the buffer).
    let limit: Int

    init(_ bytes: UnsafeRawBufferPointer, at position: Int = 0, limit: Int? = nil) {
        self.bytes = bytes
        self.position = position
        self.limit = min(limit ?? bytes.count, bytes.count)
    }

    var remaining: Int { limit - position }

    func failure(_ field: String, _ reason: String) -> EVTXError {
        .binXML(chunkOffset: position, field: field, reason: reason)
    }

    @inline(__always)
    func require(_ count: Int, _ field: String) throws(EVTXError) {
        guard count >= 0, position >= 0, position <= limit - count else {
            throw failure(field, "needs \(count) bytes, \(max(0, limit - position)) left")
        }
    }

    @inline(__always)
    mutating func u8(_ field: String) throws(EVTXError) -> UInt8 {
        try require(1, field)
        defer { position += 1 }
        return bytes[position]
    }

    @inline(__always)
    mutating func u16(_ field: String) throws(EVTXError) -> UInt16 {
        try require(2, field)
        defer { position += 2 }
        return bytes.loadUnaligned(fromByteOffset: position, as: UInt16.self).littleEndian
    }

    @inline(__always)
    mutating func u32(_ field: String) throws(EVTXError) -> UInt32 {
        try require(4, field)
        defer { position += 4 }
        return bytes.loadUnaligned(fromByteOffset: position, as: UInt32.self).littleEndian
    }

    @inline(__always)
    mutating func u64(_ field: String) throws(EVTXError) -> UInt64 {
        try require(8, field)
        defer { position += 8 }
        return bytes.loadUnaligned(fromByteOffset: position, as: UInt64.self).littleEndian
    }

    mutating func skip(_ count: Int, _ field: String) throws(EVTXError) {
        try require(count, field)
        position += count
    }
}

extension UnsafeRawBufferPointer {
    /// Little-endian reads at fixed offsets the caller has checked.
    @inline(__always)
    func u16(at offset: Int) -> UInt16 { loadUnaligned(fromByteOffset: offset, as: UInt16.self).littleEndian }
    @inline(__always)
    func u32(at offset: Int) -> UInt32 { loadUnaligned(fromByteOffset: offset, as: UInt32.self).littleEndian }
    @inline(__always)
    func u64(at offset: Int) -> UInt64 { loadUnaligned(fromByteOffset: offset, as: UInt64.self).littleEndian }
}
