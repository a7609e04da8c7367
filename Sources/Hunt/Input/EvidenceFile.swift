import Foundation
import EventLog
import STIX

/// An evidence file opened for reading: the file, transparently decompressed when it is gzip,
/// and the format its first bytes show.
public final class EvidenceFile {
    /// What a file holds, decided from its content (not its name).
    public enum Format: Sendable, Equatable {
        case evtx
        case text(TextFormat)
        case unknown

        /// How messages name the format.
        public var name: String {
            switch self {
            case .evtx: return "evtx"
            case .text(let format): return format.rawValue
            case .unknown: return "unknown"
            }
        }
    }

    public let path: String
    /// The file itself (compressed, for gzip): its SHA-256 is of these bytes.
    public let file: FileByteStream
    public let stream: any ByteStream
    public let format: Format
    public let compressed: Bool
    /// The first bytes of the (decompressed) content, which the stream has already consumed.
    public let prefix: [UInt8]

    /// Opens a file and sniffs its format; with `hashing`, its SHA-256 is computed as it is
    /// read (`file.sha256()`).
    public init(path: String, hashing: Bool = false) throws(EvidenceError) {
        self.path = path
        let file = try FileByteStream(path: path, hashing: hashing)
        self.file = file
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

    /// The formats of files, found on the executor's threads; each file is opened, sniffed and
    /// closed again. Read them later with `deferredStream(path:)`.
    public static func probe(_ paths: [String], executor: ParallelExecutor = .shared) -> [Result<Format, EvidenceError>] {
        executor.map(paths) { path in
            do throws(EvidenceError) {
                return .success(try EvidenceFile(path: path).format)
            } catch {
                return .failure(error)
            }
        }
    }

    /// A stream of a file's (decompressed) content that opens the file when first read.
    public static func deferredStream(path: String) -> any ByteStream {
        DeferredByteStream(path: path) { () throws(EvidenceError) -> any ByteStream in try EvidenceFile(path: path).stream }
    }

    /// The format of content that starts with these bytes.
    public static func sniff(_ bytes: [UInt8]) -> Format {
        if bytes.starts(with: Array("ElfFile\0".utf8)) { return .evtx }
        return TextFormat.sniff(bytes).map(Format.text) ?? .unknown
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
        prefix.withUnsafeBytes { source in
            buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[offset..<(offset + count)]))
        }
        offset += count
        return count
    }
}
