#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Errors reading evidence files: which file, and what happened.
public enum EvidenceError: Error, Sendable, CustomStringConvertible {
    case open(path: String, reason: String)
    case read(path: String, reason: String)
    case gzip(path: String, reason: String)
    case format(path: String, reason: String)

    public var description: String {
        switch self {
        case .open(let path, let reason): return "\(path): cannot be opened: \(reason)"
        case .read(let path, let reason): return "\(path): read failed: \(reason)"
        case .gzip(let path, let reason): return "\(path): gzip data is damaged: \(reason)"
        case .format(let path, let reason): return "\(path): \(reason)"
        }
    }
}

/// A source of bytes read front to back: a file, or the decompressed content of one.
public protocol ByteStream: AnyObject {
    /// The path, for messages.
    var path: String { get }
    /// Fills as much of `buffer` as it can; returns 0 at the end.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws(EvidenceError) -> Int
    /// Bytes of the underlying file consumed so far (for progress).
    var consumed: Int { get }
}

extension ByteStream {
    /// Up to `count` bytes (fewer only at the end of the stream).
    public func readBytes(_ count: Int) throws(EvidenceError) -> [UInt8] {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(1, count), alignment: 16)
        defer { buffer.deallocate() }
        let got = try readFully(into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<count]))
        return Array(UnsafeRawBufferPointer(rebasing: buffer[0..<got]))
    }

    /// Reads until `buffer` is full or the stream ends; returns how much was read.
    public func readFully(into buffer: UnsafeMutableRawBufferPointer) throws(EvidenceError) -> Int {
        var total = 0
        while total < buffer.count {
            let got = try read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[total...]))
            if got == 0 { break }
            total += got
        }
        return total
    }
}

/// A file opened read-only (evidence is never modified), read with plain `read(2)`. The file
/// is closed when its end is read, so that reading many files holds few descriptors.
public final class FileByteStream: ByteStream {
    public let path: String
    private var descriptor: Int32
    public private(set) var consumed = 0
    /// The file's size when it was opened.
    public let size: Int
    /// The SHA-256 of what has been read, when asked for at opening.
    private let digest: SHA256Digest?

    public init(path: String, hashing: Bool = false) throws(EvidenceError) {
        self.path = path
        digest = hashing ? SHA256Digest() : nil
        descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { throw .open(path: path, reason: String(cString: strerror(errno))) }
        var status = stat()
        if fstat(descriptor, &status) == 0 {
            if (status.st_mode & S_IFMT) == S_IFDIR {
                close(descriptor)
                throw .open(path: path, reason: "is a folder")
            }
            size = Int(status.st_size)
        } else {
            size = 0
        }
    }

    deinit { if descriptor >= 0 { close(descriptor) } }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(EvidenceError) -> Int {
        guard let base = buffer.baseAddress, buffer.count > 0, descriptor >= 0 else { return 0 }
        while true {
            let got = Glibc.read(descriptor, base, buffer.count)
            if got > 0 {
                consumed += got
                digest?.update(UnsafeRawBufferPointer(rebasing: buffer[0..<got]))
                return got
            }
            if got == 0 {
                close(descriptor)
                descriptor = -1
                return 0
            }
            if errno == EINTR { continue }
            throw .read(path: path, reason: String(cString: strerror(errno)))
        }
    }
}

extension FileByteStream {
    /// The file's SHA-256 (lower-case hex), reading what the reader left unread; nil when the
    /// stream was not opened with `hashing`.
    public func sha256() throws(EvidenceError) -> String? {
        guard let digest else { return nil }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buffer.deallocate() }
        while try read(into: buffer) > 0 {}
        return digest.finish()
    }
}

/// Bytes already in memory, read as a stream (tests, decompressed archives).
public final class MemoryByteStream: ByteStream {
    public let path: String
    private let bytes: [UInt8]
    public private(set) var consumed = 0

    public init(_ bytes: [UInt8], path: String) {
        self.bytes = bytes
        self.path = path
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(EvidenceError) -> Int {
        let count = min(buffer.count, bytes.count - consumed)
        guard count > 0 else { return 0 }
        bytes.withUnsafeBytes { source in
            buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[consumed..<(consumed + count)]))
        }
        consumed += count
        return count
    }
}

/// A stream opened only when it is first read: a command can name thousands of files without
/// holding a descriptor for each while it reads the others.
public final class DeferredByteStream: ByteStream {
    public let path: String
    private let open: () throws(EvidenceError) -> any ByteStream
    private var stream: (any ByteStream)?

    public init(path: String, open: @escaping () throws(EvidenceError) -> any ByteStream) {
        self.path = path
        self.open = open
    }

    public var consumed: Int { stream?.consumed ?? 0 }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(EvidenceError) -> Int {
        if stream == nil { stream = try open() }
        return try stream!.read(into: buffer)
    }
}
