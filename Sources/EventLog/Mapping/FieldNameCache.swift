/// Field names already resolved for source paths, kept by one thread for a stretch of work
/// (a batch of lines, an EVTX chunk).
///
/// Resolving a path through a mapping and interning the name takes a process-wide lock; the
/// same few dozen paths recur in every record, so readers ask this cache first and threads do
/// not meet on the lock. Not thread-safe: one per worker or batch.
public final class FieldNameCache {
    /// A resolved path: its name (nil when the form drops it) and whether a rename gave it.
    public struct Entry: Sendable {
        public let name: FieldName?
        public let renamed: Bool
    }

    private var forms: [[String: Entry]]

    /// A cache for paths of up to `formCount` forms, told apart by index.
    public init(formCount: Int = 1) {
        forms = Array(repeating: [:], count: max(1, formCount))
    }

    /// The name `form` gives `path`; `formIndex` keeps the forms' paths apart.
    public func resolve(_ path: String, in form: FieldMappings.Form, formIndex: Int = 0) -> Entry {
        if let entry = forms[formIndex][path] { return entry }
        let resolved = form.resolve(path)
        let entry = Entry(name: resolved.map { FieldName($0.name) }, renamed: resolved?.renamed ?? false)
        forms[formIndex][path] = entry
        return entry
    }
}
