/// The 4096-byte header at the start of an EVTX file.
///
/// It is read, not trusted: the chunk count of a dirty file is often too small, so readers
/// look for chunks past it (`EVTXLayout`), and a bad checksum is reported, not fatal.
public struct EVTXFileHeader: Sendable, Hashable {
    public static let size = 4096
    public static let chunkSize = 65_536
    static let signature: [UInt8] = Array("ElfFile\0".utf8)

    public var firstChunkNumber: UInt64
    public var lastChunkNumber: UInt64
    public var nextRecordIdentifier: UInt64
    public var minorVersion: UInt16
    public var majorVersion: UInt16
    /// Offset of the first chunk (normally 4096).
    public var headerBlockSize: UInt16
    public var chunkCount: UInt16
    public var flags: UInt32
    public var storedChecksum: UInt32
    public var computedChecksum: UInt32

    public var isDirty: Bool { flags & 1 != 0 }
    public var isFull: Bool { flags & 2 != 0 }
    public var checksumMatches: Bool { storedChecksum == computedChecksum }

    /// Reads the header from the first bytes of a file (at least 128 are needed).
    public init(_ bytes: [UInt8]) throws(EVTXError) {
        let result = bytes.withUnsafeBytes { raw in Result { () throws(EVTXError) in try EVTXFileHeader(raw) } }
        self = try result.get()
    }

    package init(_ bytes: UnsafeRawBufferPointer) throws(EVTXError) {
        guard bytes.count >= 128 else {
            throw .fileHeader(reason: "the file is \(bytes.count) bytes long, shorter than an EVTX header")
        }
        guard bytes.prefix(8).elementsEqual(EVTXFileHeader.signature) else {
            throw .fileHeader(reason: "no 'ElfFile' signature: not an EVTX file")
        }
        firstChunkNumber = bytes.u64(at: 8)
        lastChunkNumber = bytes.u64(at: 16)
        nextRecordIdentifier = bytes.u64(at: 24)
        minorVersion = bytes.u16(at: 36)
        majorVersion = bytes.u16(at: 38)
        headerBlockSize = bytes.u16(at: 40)
        chunkCount = bytes.u16(at: 42)
        flags = bytes.u32(at: 120)
        storedChecksum = bytes.u32(at: 124)
        computedChecksum = CRC32.checksum(UnsafeRawBufferPointer(rebasing: bytes[0..<120]))
    }

    /// Where chunk `index` starts in the file.
    public func chunkOffset(_ index: Int) -> Int {
        let start = headerBlockSize == 0 ? EVTXFileHeader.size : Int(headerBlockSize)
        return start + index * EVTXFileHeader.chunkSize
    }
}
