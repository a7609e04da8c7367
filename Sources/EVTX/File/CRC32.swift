import CCRC32

/// CRC-32 as RFC 1952 (gzip) defines it, which EVTX uses for file and chunk checksums.
///
/// Computed by the `CCRC32` helper with the processor's carry-less multiplication: every
/// chunk's record area is checked, so this runs over every byte read.
enum CRC32 {
    /// Continues a CRC over more bytes (start with 0).
    static func update(_ crc: UInt32, _ bytes: UnsafeRawBufferPointer) -> UInt32 {
        guard let base = bytes.baseAddress else { return crc }
        return vigil_crc32(crc, base, bytes.count)
    }

    static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 { update(0, bytes) }
}
