import Synchronization

/// A field name interned once for the whole process: comparing two names is comparing two
/// integers, and an event's field lookup never hashes a string.
///
/// Names are registered by readers and rule compilers (`FieldName("CommandLine")`); the table
/// only grows. Names are case-sensitive, as Sigma field names are.
public struct FieldName: Sendable, Hashable, Comparable, CustomStringConvertible, ExpressibleByStringLiteral {
    /// The interned index.
    public let id: Int32

    private static let registry = Mutex(Registry())

    private struct Registry {
        var ids: [String: Int32] = [:]
        var names: [String] = []
    }

    public init(_ name: String) {
        id = FieldName.registry.withLock { registry in
            if let existing = registry.ids[name] { return existing }
            let next = Int32(registry.names.count)
            registry.ids[name] = next
            registry.names.append(name)
            return next
        }
    }

    public init(stringLiteral value: String) { self.init(value) }

    /// The name, as registered.
    public var name: String { FieldName.registry.withLock { $0.names[Int(id)] } }

    public var description: String { name }

    public static func < (lhs: FieldName, rhs: FieldName) -> Bool { lhs.id < rhs.id }
}
