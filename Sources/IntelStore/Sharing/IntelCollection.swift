import STIX

/// A named set of objects shared as one TAXII collection: every object of the store, or the
/// objects added to it, optionally limited to some types and a TLP ceiling.
///
/// Who may read or write it is not the store's business (see `ReaderClearance` for what a
/// reader may see); the store only keeps the collection's definition and, for a `members`
/// collection, which object versions were added to it and when.
public struct IntelCollection: Sendable, Hashable {
    /// What a collection holds.
    public enum Content: String, Sendable, Hashable, CaseIterable {
        /// Every object version in the store, dated when the store first held it.
        case everything
        /// The object versions added to this collection, dated when each was added.
        case members
    }

    /// A UUID (the TAXII collection id).
    public var id: String
    /// A short name users type (`default`); unique when present.
    public var alias: String?
    public var title: String
    public var description: String
    public var content: Content
    /// The most sensitive marking it serves to anyone; nil: up to each reader's clearance.
    public var maximumTLP: TLPLevel?
    /// The object types it holds; empty: all.
    public var types: [String]

    public init(
        id: String, alias: String? = nil, title: String, description: String = "", content: Content, maximumTLP: TLPLevel? = nil,
        types: [String] = []
    ) {
        self.id = id
        self.alias = alias
        self.title = title
        self.description = description
        self.content = content
        self.maximumTLP = maximumTLP
        self.types = types
    }
}
