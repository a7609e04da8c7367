#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ArgumentParser

/// Where a command writes its results: a file (created or truncated) or standard output,
/// buffered in large blocks.
final class OutputSink {
    private let descriptor: Int32
    private let path: String
    private var buffer: [UInt8] = []

    init(path: String?) throws {
        if let path {
            descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            guard descriptor >= 0 else {
                Console.error("\(path): cannot be written: \(String(cString: strerror(errno)))")
                throw ExitStatus.badInput
            }
            self.path = path
        } else {
            descriptor = STDOUT_FILENO
            self.path = "standard output"
        }
        buffer.reserveCapacity(1 << 20)
        // A closed pipe should end the output, not kill the process.
        signal(SIGPIPE, SIG_IGN)
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        // Large blocks go straight out; small ones are gathered first.
        if bytes.count >= 64 << 10 {
            try flush()
            try writeAll(bytes)
            return
        }
        buffer.append(contentsOf: bytes)
        if buffer.count >= 1 << 20 { try flush() }
    }

    func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write($0) }
    }

    func flush() throws {
        try buffer.withUnsafeBytes { try writeAll($0) }
        buffer.removeAll(keepingCapacity: true)
    }

    private func writeAll(_ bytes: UnsafeRawBufferPointer) throws {
        guard let base = bytes.baseAddress else { return }
        var offset = 0
        while offset < bytes.count {
            let written = Glibc.write(descriptor, base + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                // A closed pipe (`| head`) ends the output quietly.
                if errno == EPIPE { throw ExitCode.success }
                Console.error("\(path): write failed: \(String(cString: strerror(errno)))")
                throw ExitStatus.badInput
            }
            offset += written
        }
    }

    func close() throws {
        try flush()
        if descriptor != STDOUT_FILENO { Glibc.close(descriptor) }
    }
}
