import STIX

/// What a store indexes about the latest version of an object, derived the same way for
/// every backend so that they answer lookups alike.
///
/// Keys are case-folded with `lowercased()` (Unicode-aware, not only ASCII).
public struct ObjectIndexEntry: Sendable, Hashable {
    public var id: String
    public var type: String
    public var name: String?
    /// Folded name and aliases, the name first.
    public var labelKeys: [String]
    /// External ids with their source, the id folded.
    public var externalIDs: [(sourceName: String, key: String)]
    /// Folded text that `search` looks in: name, aliases, external ids, description; empty for
    /// relationships and sightings, which search does not return.
    public var searchText: String
    public var isRevoked: Bool
    public var isDeprecated: Bool
    /// For relationship objects: type, source and target.
    public var relationship: (type: String, source: String, target: String)?

    public init(_ object: STIXObject) {
        id = object.id.rawValue
        type = object.type
        name = object.name
        var labels: [String] = []
        for label in [object.name].compactMap({ $0 }) + object.aliases {
            let key = ObjectIndexEntry.fold(label)
            if !key.isEmpty && !labels.contains(key) { labels.append(key) }
        }
        labelKeys = labels
        externalIDs = object.externalReferences.compactMap { reference in
            reference.externalID.map { (reference.sourceName, ObjectIndexEntry.fold($0)) }
        }
        // Search finds named things; relationships are reached from their endpoints instead.
        if object.objectType.category == .relationship {
            searchText = ""
        } else {
            var text = labels
            text.append(contentsOf: externalIDs.map(\.key))
            if let description = object.objectDescription { text.append(ObjectIndexEntry.fold(description)) }
            searchText = text.joined(separator: "\n")
        }
        isRevoked = object.isRevoked
        isDeprecated = object.isDeprecated
        if object.type == "relationship", let kind = object.relationshipType, let source = object.sourceRef,
            let target = object.targetRef
        {
            relationship = (kind, source, target)
        }
    }

    public var isRetired: Bool { isRevoked || isDeprecated }

    /// The folded form of a lookup key: surrounding white space removed, lower case.
    public static func fold(_ text: String) -> String {
        var utf8 = Array(text.utf8)
        func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || (0x09...0x0D).contains(byte) }
        while let last = utf8.last, isSpace(last) { utf8.removeLast() }
        let leading = utf8.prefix { isSpace($0) }.count
        if leading > 0 { utf8.removeFirst(leading) }
        // Most keys are ASCII: lower-case the bytes directly, and let Swift handle the rest.
        if utf8.allSatisfy({ $0 < 0x80 }) {
            for index in utf8.indices where utf8[index] >= UInt8(ascii: "A") && utf8[index] <= UInt8(ascii: "Z") {
                utf8[index] += 32
            }
            return String(decoding: utf8, as: UTF8.self)
        }
        return String(decoding: utf8, as: UTF8.self).lowercased()
    }

    public static func == (lhs: ObjectIndexEntry, rhs: ObjectIndexEntry) -> Bool {
        lhs.id == rhs.id && lhs.searchText == rhs.searchText && lhs.isRevoked == rhs.isRevoked
            && lhs.isDeprecated == rhs.isDeprecated
    }

    public func hash(into hasher: inout Hasher) { hasher.combine(id) }
}

/// How search results are ordered, shared by every store: exact name, alias or external id
/// first, then names that start with the text, then names that contain it, then aliases that
/// contain it, then other matches (external ids, description); within a rank,
/// `sortedForDisplay()` order.
public enum SearchRanking {
    /// The rank of an object for a folded query; nil when it does not match.
    public static func rank(_ entry: ObjectIndexEntry, query: String) -> Int? {
        guard !query.isEmpty, entry.searchText.contains(query) else { return nil }
        if entry.labelKeys.contains(query) || entry.externalIDs.contains(where: { $0.key == query }) { return 0 }
        let name = entry.name.map(ObjectIndexEntry.fold) ?? ""
        if name.hasPrefix(query) { return 1 }
        if name.contains(query) { return 2 }
        if entry.labelKeys.contains(where: { $0.contains(query) }) { return 3 }
        return 4
    }

    /// Ranks candidates, drops non-matches, keeps the best `limit`.
    public static func order(_ candidates: [StoredObject], query text: String, limit: Int) -> [StoredObject] {
        let query = ObjectIndexEntry.fold(text)
        var ranked: [(rank: Int, object: StoredObject)] = []
        for candidate in candidates {
            if let rank = rank(ObjectIndexEntry(candidate.object), query: query) { ranked.append((rank, candidate)) }
        }
        var result: [StoredObject] = []
        for rank in 0...4 {
            result.append(contentsOf: ranked.filter { $0.rank == rank }.map(\.object).sortedForDisplay())
            if result.count >= limit { break }
        }
        return Array(result.prefix(max(0, limit)))
    }
}
