import ArgumentParser
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Where the CLI writes: results to standard output, messages and summaries to standard error.
enum Console {
    /// Writes a line of results.
    static func out(_ text: String = "") {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }

    /// Writes a line of messages (summaries, warnings, progress).
    static func message(_ text: String = "") {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    /// Writes an error message in the form `vigil: error: ...`.
    static func error(_ text: String) {
        message("vigil: error: \(text)")
    }

    static func warning(_ text: String) {
        message("vigil: warning: \(text)")
    }

    /// Whether standard error is a terminal (progress is shown only then).
    static var messagesAreInteractive: Bool { isatty(STDERR_FILENO) != 0 }
}

/// Exit codes of DESIGN.md: 1 a failure the user asked to fail on, 2 bad usage or bad input.
enum ExitStatus {
    static let askedFailure = ExitCode(1)
    static let badInput = ExitCode(2)
}
