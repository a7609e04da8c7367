/// An evidence file opened for reading: the file, transparently decompressed when it is gzip,
/// and the format its first bytes show.
public final class EvidenceFile {
    /// What a file holds, decided from its content (not its name).
    public enum Format: String, Sendable {
        case evtx
        case jsonLines = "jsonl"
        case zeekTSV = "zeek-tsv"
        case csv
        case unknown
    }

    public let path: String
    public let stream: any ByteStream
    public let format: Format
    public let compressed: Bool
    /// The first bytes of the (decompressed) content, which the stream has already consumed.
    public let prefix: [UInt8]

    /// Opens a file and sniffs its format.
    public init(path: String) throws(EvidenceError) {
        self.path = path
        let file = try FileByteStream(path: path)
        let magic = try file.readBytes(2)
        let stream: any ByteStream
        if GzipByteStream.isGzip(magic) {
            stream = try GzipByteStream(PrefixedByteStream(prefix: magic, rest: file))
            compressed = true
        } else {
            stream = PrefixedByteStream(prefix: magic, rest: file)
            compressed = false
        }
        prefix = try stream.readBytes(4096)
        format = EvidenceFile.sniff(prefix)
        self.stream = PrefixedByteStream(prefix: prefix, rest: stream)
    }

    /// The format of content that starts with these bytes.
    public static func sniff(_ bytes: [UInt8]) -> Format {
        if bytes.starts(with: Array("ElfFile\0".utf8)) { return .evtx }
        var text = bytes[...]
        if text.starts(with: [0xEF, 0xBB, 0xBF]) { text = text.dropFirst(3) }
        guard let first = text.first(where: { !($0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D) }) else { return .unknown }
        if first == UInt8(ascii: "{") { return .jsonLines }
        if text.starts(with: Array("#separator".utf8)) { return .zeekTSV }
        // Text with a comma-separated first line, and no NUL bytes: CSV with a header row.
        guard !text.contains(0) else { return .unknown }
        let firstLine = text.prefix { $0 != 0x0A }
        return firstLine.contains(UInt8(ascii: ",")) ? .csv : .unknown
    }
}

/// A stream that first replays bytes already read from it.
final class PrefixedByteStream: ByteStream {
    private var prefix: [UInt8]
    private var offset = 0
    private let rest: any ByteStream

    init(prefix: [UInt8], rest: any ByteStream) {
        self.prefix = prefix
        self.rest = rest
    }

    var path: String { rest.path }
    var consumed: Int { rest.consumed }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws(EvidenceError) -> Int {
        guard offset < prefix.count else { return try rest.read(into: buffer) }
        let count = min(buffer.count, prefix.count - offset)
        for index in 0..<count { buffer[index] = prefix[offset + index] }
        offset += count
        return count
    }
}
