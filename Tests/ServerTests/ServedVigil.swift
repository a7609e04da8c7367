#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Synchronization
import TestSupport

/// A `vigil serve` process on a free loopback port, stopped when the test is done.
final class ServedVigil: Sendable {
    let process: Process
    let port: Int
    let scheme: String
    private let errors: Shared<String>

    var base: String { "\(scheme)://127.0.0.1:\(port)" }
    var discovery: String { base + "/taxii2/" }

    /// The `vigil` executable built beside the test bundle.
    static var executable: String {
        let besideTests = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("vigil")
        if FileManager.default.isExecutableFile(atPath: besideTests.path) { return besideTests.path }
        return SharedData.repositoryRoot.appendingPathComponent(".build/debug/vigil").path
    }

    /// Starts `vigil serve --db DATABASE --port 0 ARGUMENTS` and waits until it listens.
    init(database: String, _ arguments: [String] = []) async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ServedVigil.executable)
        process.arguments = ["serve", "--db", database, "--port", "0"] + arguments
        var environment = ProcessInfo.processInfo.environment
        environment["VIGIL_DB"] = nil
        process.environment = environment
        let pipe = Pipe()
        process.standardError = pipe
        process.standardOutput = FileHandle.nullDevice
        let errors = Shared("")
        pipe.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            if data.isEmpty { handle.readabilityHandler = nil }
            errors.withLock { $0 += String(decoding: data, as: UTF8.self) }
        }
        try process.run()
        self.process = process
        self.errors = errors
        let deadline = Date().addingTimeInterval(60)
        var found: (String, Int)?
        while found == nil, Date() < deadline, process.isRunning {
            try await Task.sleep(for: .milliseconds(50))
            let text = errors.withLock { $0 }
            if let match = text.firstMatch(of: /serving TAXII 2\.1 on (https?):\/\/[^:]+:(\d+)\//) {
                found = (String(match.1), Int(match.2) ?? 0)
            }
        }
        guard let (scheme, port) = found else {
            process.terminate()
            throw ServedVigilError(message: "vigil serve did not start: \(errors.withLock { $0 })")
        }
        self.scheme = scheme
        self.port = port
    }

    /// What the server wrote to standard error so far.
    var log: String { errors.withLock { $0 } }

    /// The server's resident memory, in kB (Linux).
    var residentKB: Int {
        let status = (try? String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8)) ?? ""
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }) else { return 0 }
        return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
    }

    var isRunning: Bool { process.isRunning }

    /// SIGTERM (a graceful stop), then SIGKILL if it is still running 10 s later.
    func stop() { stopProcess(process) }

    deinit { stop() }
}

/// Stops a process: SIGTERM, then SIGKILL if it is still running after `grace` seconds (a
/// child may inherit a signal mask that blocks SIGTERM).
func stopProcess(_ process: Process, grace: Double = 10) {
    guard process.isRunning else { return }
    process.terminate()
    let deadline = Date().addingTimeInterval(grace)
    while process.isRunning && Date() < deadline { usleep(20_000) }
    if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    process.waitUntilExit()
}

/// A value several tasks change, under a lock.
final class Shared<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>

    init(_ value: Value) { mutex = Mutex(value) }

    func withLock<T>(_ body: (inout Value) -> T) -> T { mutex.withLock { body(&$0) } }
}

struct ServedVigilError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// Runs a program off the cooperative threads (it may take a while) and collects its output.
func runProgram(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) async throws -> ProcessResult {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async {
            continuation.resume(with: Result { try runProcess(executable, arguments, environment: environment) })
        }
    }
}

/// Runs the built `vigil` with extra environment variables.
func vigil(_ arguments: [String], environment extra: [String: String] = [:]) async throws -> ProcessResult {
    var environment = ProcessInfo.processInfo.environment
    environment["VIGIL_DB"] = nil
    environment["VIGIL_TAXII_TOKEN"] = nil
    environment["VIGIL_TAXII_USER"] = nil
    environment["VIGIL_TAXII_PASSWORD"] = nil
    environment.merge(extra) { _, new in new }
    return try await runProgram(ServedVigil.executable, arguments, environment: environment)
}

/// A plain TCP connection to the server, for clients that misbehave on purpose.
final class RawConnection {
    let socket: Int32

    init(port: Int) throws {
        socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw ServedVigilError(message: "connect failed: \(errno)") }
    }

    /// Sends bytes; false once the server has closed the connection.
    @discardableResult
    func send(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBytes { Glibc.send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) } == bytes.count
    }

    /// Whether the server closed the connection (a read returns end of file or an error).
    func isClosedByServer(waiting seconds: Double) -> Bool {
        var descriptor = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
        guard poll(&descriptor, 1, Int32(seconds * 1000)) > 0 else { return false }
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = recv(socket, &buffer, buffer.count, Int32(MSG_DONTWAIT))
            if count == 0 || (count < 0 && errno != EAGAIN && errno != EWOULDBLOCK) { return true }
            if count < 0 { return false }
        }
    }

    deinit { close(socket) }
}
