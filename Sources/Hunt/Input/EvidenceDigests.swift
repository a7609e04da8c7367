import Foundation

/// An evidence file's SHA-256, or why there is none.
public enum EvidenceDigest: Sendable, Hashable {
    /// Lower-case hex.
    case sha256(String)
    /// The file could not be opened or read to its end.
    case unavailable(reason: String)

    /// The digest, or "" when there is none (what a finding shows).
    public var text: String {
        if case .sha256(let digest) = self { return digest }
        return ""
    }

    /// Why there is no digest; nil when there is one.
    public var error: String? {
        if case .unavailable(let reason) = self { return reason }
        return nil
    }
}

/// The SHA-256 of evidence files, computed on a thread of its own ahead of the hunt.
///
/// Every finding names its file's SHA-256. Computed while the hunt reads the file, it is known
/// only at the file's end, and the file's findings had to wait for it in memory: hundreds of
/// megabytes for a big, noisy log. Read separately, at the disk's speed rather than the
/// hunt's, a file's digest is known long before the hunt is through it, so findings are
/// written as they are found. Only regular files are read twice; for anything else (a pipe)
/// `digest` stays nil and the caller hashes the stream as it reads it.
final class EvidenceDigests: @unchecked Sendable {
    private let condition = NSCondition()
    /// Per file: its digest, once computed.
    private var digests: [EvidenceDigest?]
    /// Per file: whether it is read here.
    let separate: [Bool]

    /// Starts hashing the regular files among `paths`, in the order given by `order` (the order
    /// the hunt reads them), with `hash` (`sha256(of:)` but in tests).
    init(paths: [String], order: [Int], hash: @escaping @Sendable (String) -> EvidenceDigest = EvidenceDigests.sha256(of:)) {
        digests = Array(repeating: nil, count: paths.count)
        separate = paths.map { path in
            var status = stat()
            return stat(path, &status) == 0 && (status.st_mode & S_IFMT) == S_IFREG
        }
        let work = order.filter { separate[$0] }
        guard !work.isEmpty else { return }
        let thread = Thread { [self] in
            for index in work {
                let digest = hash(paths[index])
                condition.lock()
                digests[index] = digest
                condition.broadcast()
                condition.unlock()
            }
        }
        thread.name = "vigil-sha256"
        thread.start()
    }

    /// The file's digest if it is already known.
    func digest(_ index: Int) -> EvidenceDigest? {
        condition.lock()
        defer { condition.unlock() }
        return digests[index]
    }

    /// The file's digest, waiting for it; nil for a file not read here.
    func wait(_ index: Int) -> EvidenceDigest? {
        guard separate[index] else { return nil }
        condition.lock()
        defer { condition.unlock() }
        while digests[index] == nil { condition.wait() }
        return digests[index]
    }

    /// The SHA-256 of a file's bytes, or why it cannot be computed.
    @Sendable static func sha256(of path: String) -> EvidenceDigest {
        do {
            guard let digest = try FileByteStream(path: path, hashing: true).sha256() else {
                return .unavailable(reason: "SHA-256 not computed")
            }
            return .sha256(digest)
        } catch {
            return .unavailable(reason: "SHA-256 not computed: \(error)")
        }
    }
}
