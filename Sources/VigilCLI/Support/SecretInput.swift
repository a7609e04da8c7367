#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Reads a secret (a password) without it ever being on the command line: from an
/// environment variable, else typed at the terminal without echo (twice, to confirm), else
/// the first line of standard input.
enum SecretInput {
    static func read(variable: String, prompt: String, confirm: Bool) throws -> String {
        if let value = ProcessInfo.processInfo.environment[variable], !value.isEmpty { return value }
        if isatty(STDIN_FILENO) != 0 {
            let first = try typed(prompt + ": ")
            if confirm, try typed("again: ") != first {
                Console.error("the two entries differ")
                throw ExitStatus.badInput
            }
            return first
        }
        guard let line = Swift.readLine(strippingNewline: true), !line.isEmpty else {
            Console.error("no password: set $\(variable), type it at a terminal, or give it on standard input")
            throw ExitStatus.badInput
        }
        return line
    }

    /// A line typed at the terminal with echo off.
    private static func typed(_ prompt: String) throws -> String {
        FileHandle.standardError.write(Data(prompt.utf8))
        var saved = termios()
        tcgetattr(STDIN_FILENO, &saved)
        var silent = saved
        silent.c_lflag &= ~tcflag_t(ECHO)
        tcsetattr(STDIN_FILENO, TCSANOW, &silent)
        defer {
            tcsetattr(STDIN_FILENO, TCSANOW, &saved)
            FileHandle.standardError.write(Data("\n".utf8))
        }
        guard let line = Swift.readLine(strippingNewline: true) else { throw ExitStatus.badInput }
        return line
    }
}
