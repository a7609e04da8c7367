import IntelStore

/// Why an application call did not do what was asked, with what the user can do about it.
///
/// Stores, readers and engines have their own errors; the calls of this library wrap them
/// with context where the caller could not tell what they were about.
public enum VigilError: Error, Sendable, CustomStringConvertible {
    /// The store refused or failed (no such case, database error, ...).
    case store(IntelStoreError)
    /// A file given by the user cannot be read or used.
    case input(path: String, reason: String)
    /// No Sigma rules to hunt with, and what to do.
    case noRules
    /// The store holds no intrusion sets to attribute with.
    case noKnowledge(store: String)
    /// Installing ATT&CK or the rules failed.
    case update(String)
    /// A report could not be built.
    case report(String)
    /// A value the user gave is not one that can be used; the message says why.
    case invalid(String)

    public var description: String {
        switch self {
        case .store(let error):
            return error.description
        case .input(let path, let reason):
            return "\(path): \(reason)"
        case .noRules:
            return "no rules: give --rules with a folder of Sigma rules (for example a SigmaHQ checkout's rules/), or install SigmaHQ's with `vigil update` (`vigil update --from DIR` offline)"
        case .noKnowledge(let store):
            return "the intel store (\(store)) has no intrusion sets: run `vigil update` (or `vigil update --from DIR` offline, or `vigil intel import enterprise-attack.json`)"
        case .update(let reason):
            return reason
        case .report(let reason), .invalid(let reason):
            return reason
        }
    }

    /// Runs `body`, wrapping store errors.
    public static func wrapping<T>(_ body: () async throws -> T) async throws(VigilError) -> T {
        do {
            return try await body()
        } catch let error as VigilError {
            throw error
        } catch let error as IntelStoreError {
            throw .store(error)
        } catch {
            throw .report(String(describing: error))
        }
    }
}

/// What long work says while it runs: the CLI prints it, a server logs it or drops it.
public enum ProgressEvent: Sendable {
    /// A step begun or done, in a sentence.
    case note(String)
}

/// Receives progress; called on the thread doing the work.
public typealias ProgressHandler = @Sendable (ProgressEvent) -> Void
