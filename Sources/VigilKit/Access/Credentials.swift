import Dispatch
import Foundation
import HummingbirdBcrypt
import Hunt

/// Hashes and checks passwords with bcrypt, off the caller's thread.
///
/// bcrypt is slow on purpose (about a quarter of a second at cost 12); the work runs on one
/// serial queue of its own, so that a burst of logins takes one core, never the threads that
/// answer requests.
public struct PasswordHasher: Sendable {
    /// log2 of bcrypt's rounds: 12 for real use; tests use the minimum, 4.
    public var cost: UInt8

    public init(cost: UInt8 = 12) { self.cost = min(31, max(4, cost)) }

    private static let queue = DispatchQueue(label: "vigil.bcrypt")

    /// The bcrypt hash of a password that `PasswordRules` accepted.
    public func hash(_ password: String) async -> String {
        let cost = self.cost
        return await withCheckedContinuation { continuation in
            PasswordHasher.queue.async { continuation.resume(returning: Bcrypt.hash(password, cost: cost)) }
        }
    }

    /// Whether a password matches a bcrypt hash.
    public func verify(_ password: String, hash: String) async -> Bool {
        await withCheckedContinuation { continuation in
            PasswordHasher.queue.async { continuation.resume(returning: Bcrypt.verify(password, hash: hash)) }
        }
    }
}

/// What makes a user name and a password acceptable.
public enum PasswordRules {
    public static let minimumLength = 10
    /// bcrypt reads at most 72 bytes: a longer password would be checked on its start only.
    public static let maximumBytes = 72

    /// Why a password is refused; nil when it is acceptable.
    public static func problem(with password: String) -> String? {
        if password.count < minimumLength { return "a password needs at least \(minimumLength) characters" }
        if password.utf8.count > maximumBytes { return "a password can have at most \(maximumBytes) bytes (bcrypt ignores the rest)" }
        if password.utf8.contains(0) { return "a password cannot contain a NUL character" }
        return nil
    }

    /// Why a user name is refused; nil when it is acceptable: 1 to 64 letters, digits and
    /// `.`, `_`, `-`, `@`, so that names are safe in logs, headers and URLs.
    public static func problem(withUserName name: String) -> String? {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-@")
        if name.isEmpty || name.count > 64 || !name.allSatisfy(allowed.contains) {
            return "a user name has 1 to 64 letters, digits, '.', '_', '-' or '@'"
        }
        return nil
    }
}

/// An API token's text: `vgl_<id>_<secret>`. The id names the token (lists, revocation); the
/// secret is 32 random bytes, shown once and stored only as its SHA-256.
public struct TokenText: Sendable, Hashable {
    public var id: String
    public var secret: String

    static let prefix = "vgl_"

    /// A new token with random id and secret (from the system's secure generator).
    public static func random() -> TokenText {
        var generator = SystemRandomNumberGenerator()
        func hex(_ count: Int) -> String {
            (0..<count).map { _ in String(UInt8.random(in: 0...255, using: &generator), radix: 16) }
                .map { $0.count == 1 ? "0" + $0 : $0 }.joined()
        }
        return TokenText(id: hex(6), secret: hex(32))
    }

    public init(id: String, secret: String) {
        self.id = id
        self.secret = secret
    }

    /// Reads a token's text; nil when it is not one this server gives.
    public init?(_ text: String) {
        guard text.hasPrefix(TokenText.prefix), text.utf8.count <= 128 else { return nil }
        let parts = text.dropFirst(TokenText.prefix.count).split(separator: "_", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty,
            parts.allSatisfy({ $0.allSatisfy(\.isHexDigit) })
        else { return nil }
        id = String(parts[0])
        secret = String(parts[1])
    }

    public var text: String { TokenText.prefix + id + "_" + secret }

    /// The SHA-256 of the secret, as stored.
    public var secretHash: String { SHA256Digest.hex(of: Array(secret.utf8)) }
}

/// What a request presented to say who it is.
public enum Credential: Sendable, Hashable {
    /// HTTP Basic: a user name and a password.
    case password(user: String, password: String)
    /// HTTP Bearer: an API token's text.
    case token(String)
}

extension String {
    /// Whether two strings are equal, in time that depends on their lengths only (for secrets).
    func constantTimeEquals(_ other: String) -> Bool {
        let left = Array(utf8)
        let right = Array(other.utf8)
        guard left.count == right.count else { return false }
        var difference: UInt8 = 0
        for index in left.indices { difference |= left[index] ^ right[index] }
        return difference == 0
    }
}
