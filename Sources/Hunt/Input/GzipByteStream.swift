import CZlib

/// The decompressed content of a gzip stream (several members in a row are read as one).
public final class GzipByteStream: ByteStream {
    private let source: any ByteStream
    private var stream = z_stream()
    private let input: UnsafeMutableRawBufferPointer
    private var inputEnd = 0
    private var finished = false
    /// Input has been fed since the last member ended.
    private var inMember = false

    public var path: String { source.path }
    public var consumed: Int { source.consumed }

    public init(_ source: any ByteStream) throws(EvidenceError) {
        self.source = source
        input = UnsafeMutableRawBufferPointer.allocate(byteCount: 256 * 1024, alignment: 16)
        // 15 + 32: any window size, gzip or zlib header detected automatically.
        let status = inflateInit2_(&stream, 15 + 32, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else { throw .gzip(path: source.path, reason: "zlib could not start (\(status))") }
    }

    deinit {
        inflateEnd(&stream)
        input.deallocate()
    }

    /// Whether bytes start like a gzip member.
    public static func isGzip(_ prefix: [UInt8]) -> Bool { prefix.count >= 2 && prefix[0] == 0x1F && prefix[1] == 0x8B }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(EvidenceError) -> Int {
        guard let base = buffer.baseAddress, buffer.count > 0, !finished else { return 0 }
        while true {
            if stream.avail_in == 0 {
                let got = try source.read(into: input)
                if got == 0 {
                    finished = true
                    if inMember { throw .gzip(path: source.path, reason: "the file ends inside a gzip member (truncated)") }
                    return 0
                }
                inMember = true
                inputEnd = got
                stream.avail_in = UInt32(got)
            }
            stream.next_in = input.baseAddress!.assumingMemoryBound(to: UInt8.self) + (inputEnd - Int(stream.avail_in))
            stream.next_out = base.assumingMemoryBound(to: UInt8.self)
            stream.avail_out = UInt32(buffer.count)
            let status = inflate(&stream, Z_NO_FLUSH)
            let produced = buffer.count - Int(stream.avail_out)
            if status == Z_STREAM_END {
                // Another member may follow.
                inflateReset(&stream)
                inMember = stream.avail_in > 0
            } else if status != Z_OK && status != Z_BUF_ERROR {
                let message = stream.msg.map { String(cString: $0) } ?? "zlib status \(status)"
                throw .gzip(path: source.path, reason: message)
            }
            if produced > 0 { return produced }
        }
    }
}
