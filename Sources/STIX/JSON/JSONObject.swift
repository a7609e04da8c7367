/// A JSON object that keeps its members in the order they were read or added.
///
/// Lookups are linear: STIX objects have a few dozen properties at most, and keeping the order
/// is what lets an export look like the import. Equality ignores order, as JSON does. Keys are
/// unique; setting an existing key replaces its value in place.
public struct JSONObject: Sendable, Hashable, Sequence {
    public typealias Member = (key: String, value: JSONValue)

    /// The members in order.
    public private(set) var members: [Member]

    public init() { members = [] }

    /// Members in order; a repeated key keeps its first position and its last value.
    public init(_ members: [Member]) {
        self.members = []
        self.members.reserveCapacity(members.count)
        for member in members { self[member.key] = member.value }
    }

    init(uniqueMembers: [Member]) { members = uniqueMembers }

    public var count: Int { members.count }
    public var isEmpty: Bool { members.isEmpty }
    public var keys: [String] { members.map(\.key) }

    public func makeIterator() -> IndexingIterator<[Member]> { members.makeIterator() }

    public func index(of key: String) -> Int? {
        members.firstIndex { $0.key == key }
    }

    public subscript(key: String) -> JSONValue? {
        get {
            for member in members where member.key == key { return member.value }
            return nil
        }
        set {
            if let position = index(of: key) {
                if let newValue { members[position].value = newValue } else { members.remove(at: position) }
            } else if let newValue {
                members.append((key: key, value: newValue))
            }
        }
    }

    /// Inserts a member at a position, or replaces the value where the key already is.
    public mutating func insert(_ value: JSONValue, forKey key: String, at position: Int) {
        if let existing = index(of: key) {
            members[existing].value = value
        } else {
            members.insert((key: key, value: value), at: Swift.min(Swift.max(position, 0), members.count))
        }
    }

    @discardableResult
    public mutating func removeValue(forKey key: String) -> JSONValue? {
        guard let position = index(of: key) else { return nil }
        return members.remove(at: position).value
    }

    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        guard lhs.members.count == rhs.members.count else { return false }
        for member in lhs.members {
            guard let other = rhs[member.key], other == member.value else { return false }
        }
        return true
    }

    public func hash(into hasher: inout Hasher) {
        // Order-independent, to agree with ==.
        var combined = 0
        for member in members {
            var memberHasher = Hasher()
            memberHasher.combine(member.key)
            memberHasher.combine(member.value)
            combined ^= memberHasher.finalize()
        }
        hasher.combine(members.count)
        hasher.combine(combined)
    }
}

extension JSONObject: ExpressibleByDictionaryLiteral {
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self.init(elements.map { (key: $0.0, value: $0.1) })
    }
}
