/// The 512-byte header of a 64 KiB chunk: record number range, where the records end, and
/// two checksums.
public struct EVTXChunkHeader: Sendable, Hashable {
    static let signature: [UInt8] = Array("ElfChnk\0".utf8)
    /// Records start after the header, its string table and its template table.
    public static let recordsOffset = 512

    public var firstRecordNumber: UInt64
    public var lastRecordNumber: UInt64
    public var firstRecordIdentifier: UInt64
    public var lastRecordIdentifier: UInt64
    public var lastRecordOffset: UInt32
    public var freeSpaceOffset: UInt32
    public var storedRecordsChecksum: UInt32
    public var storedHeaderChecksum: UInt32
    public var computedHeaderChecksum: UInt32

    /// Whether these bytes start with a chunk signature.
    package static func hasSignature(_ bytes: UnsafeRawBufferPointer) -> Bool {
        bytes.count >= 8 && bytes.prefix(8).elementsEqual(signature)
    }

    /// Reads a chunk header from the start of a chunk's bytes.
    package init(_ bytes: UnsafeRawBufferPointer) throws(EVTXError) {
        guard bytes.count >= EVTXChunkHeader.recordsOffset else {
            throw .binXML(chunkOffset: 0, field: "chunk header", reason: "only \(bytes.count) bytes")
        }
        guard EVTXChunkHeader.hasSignature(bytes) else {
            throw .binXML(chunkOffset: 0, field: "chunk signature", reason: "no 'ElfChnk' signature")
        }
        firstRecordNumber = bytes.u64(at: 8)
        lastRecordNumber = bytes.u64(at: 16)
        firstRecordIdentifier = bytes.u64(at: 24)
        lastRecordIdentifier = bytes.u64(at: 32)
        lastRecordOffset = bytes.u32(at: 44)
        freeSpaceOffset = bytes.u32(at: 48)
        storedRecordsChecksum = bytes.u32(at: 52)
        storedHeaderChecksum = bytes.u32(at: 124)
        let first = CRC32.checksum(UnsafeRawBufferPointer(rebasing: bytes[0..<120]))
        computedHeaderChecksum = CRC32.update(first, UnsafeRawBufferPointer(rebasing: bytes[128..<512]))
    }

    public var headerChecksumMatches: Bool { storedHeaderChecksum == computedHeaderChecksum }

    /// The end of the record area, bounded by the chunk.
    func recordsEnd(chunkSize: Int) -> Int {
        let end = Int(freeSpaceOffset)
        return end >= EVTXChunkHeader.recordsOffset && end <= chunkSize ? end : chunkSize
    }
}
