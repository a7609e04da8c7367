import STIX

/// One version of a STIX object as the store keeps it: the object and its TLP level.
///
/// The level is what the object's markings say when it was imported; `nil` means the object
/// carried no TLP marking, and readers apply the user's default for unmarked objects.
public struct StoredObject: Sendable, Hashable {
    public var object: STIXObject
    /// The TLP level from the object's markings; nil when unmarked.
    public var tlp: TLPLevel?
    /// The date added another store gave this version (`vigil db migrate` sets it): the store
    /// it is copied into keeps it when it is later than every date that store has handed out,
    /// else gives its own next one. It is not part of the version's identity.
    public var dateAddedElsewhere: DateAdded?

    public init(_ object: STIXObject, tlp: TLPLevel?) {
        self.object = object
        self.tlp = tlp
    }

    /// Reads an object back from the JSON a store holds; a store's own record that does not
    /// parse is corrupt.
    public init(json: [UInt8], id: String, tlp: TLPLevel?) throws(IntelStoreError) {
        do {
            guard case .object(let properties) = try JSONParser.parse(json) else {
                throw IntelStoreError.corruptRecord(id: id, reason: "not a JSON object")
            }
            self.init(try STIXObject(properties), tlp: tlp)
        } catch let error as IntelStoreError {
            throw error
        } catch {
            throw IntelStoreError.corruptRecord(id: id, reason: String(describing: error))
        }
    }

    public var id: String { object.id.rawValue }
    public var type: String { object.type }

    public static func == (lhs: StoredObject, rhs: StoredObject) -> Bool { lhs.object == rhs.object && lhs.tlp == rhs.tlp }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(object)
        hasher.combine(tlp)
    }

    /// The date added to give this version: the one it had elsewhere when the clock allows.
    public func dateAdded(clock: inout DateAddedClock, now: Int64) -> DateAdded {
        clock.next(now: dateAddedElsewhere?.microseconds ?? now)
    }

    /// Orders versions of one object: the sort key of `modified` (else `created`); objects with
    /// neither (cyber-observables) have the empty key and a single version.
    public var versionKey: String { object.versionTimestamp?.sortKey ?? "" }

    /// The level to treat this object as, given the level assumed for unmarked objects.
    public func effectiveTLP(unmarked: TLPLevel) -> TLPLevel { tlp ?? unmarked }
}

extension Array where Element == StoredObject {
    /// The order every store returns lists in: by name (case-insensitively), then by id.
    public func sortedForDisplay() -> [StoredObject] {
        map { (key: ($0.object.name ?? "").lowercased(), element: $0) }
            .sorted { lhs, rhs in
                lhs.key != rhs.key ? lhs.key < rhs.key : lhs.element.id < rhs.element.id
            }
            .map(\.element)
    }
}
