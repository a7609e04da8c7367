/// One STIX object (domain, relationship, cyber-observable, meta or custom) with every
/// property it carried, in its original order, custom `x_` properties included.
///
/// The properties are the source of truth, so an object written back out is the object that
/// was read. Typed accessors (`STIXObject+Properties.swift`, `STIXObject+ATTACK.swift`) read
/// the common properties; they never throw, a malformed property reads as absent, and
/// `STIXValidator` is what reports it. Constructing an object only checks `type` and `id`.
public struct STIXObject: Sendable, Hashable, CustomStringConvertible {
    public let id: STIXIdentifier
    /// All properties, `type` and `id` included.
    public private(set) var properties: JSONObject

    /// An object from its JSON properties; `type` and `id` must be present and agree.
    public init(_ properties: JSONObject) throws(ValidationIssue) {
        func issue(_ property: String, _ message: String) -> ValidationIssue {
            ValidationIssue(
                .error, objectType: properties["type"]?.stringValue, objectName: properties["name"]?.stringValue,
                property: property, message: message)
        }
        guard let typeValue = properties["type"] else { throw issue("type", "missing required property") }
        guard let type = typeValue.stringValue else { throw issue("type", "must be a string, not \(typeValue.kindName)") }
        guard STIXIdentifier.isValidTypeName(type) else {
            throw issue("type", "'\(type)' is not a valid type name (3-250 of a-z, 0-9, '-')")
        }
        guard let idValue = properties["id"] else { throw issue("id", "missing required property") }
        guard let idText = idValue.stringValue else { throw issue("id", "must be a string, not \(idValue.kindName)") }
        let id: STIXIdentifier
        do {
            id = try STIXIdentifier(validating: idText)
        } catch {
            throw issue("id", "'\(idText)' \(error)")
        }
        guard id.type == type else {
            throw issue("id", "'\(idText)' does not start with the object's type '\(type)--'")
        }
        self.id = id
        self.properties = properties
    }

    /// An object from JSON text, for tests and tools.
    public init(json text: String) throws(STIXError) {
        guard case .object(let object) = try JSONParser.parse(text) else {
            throw STIXError.notSTIX(reason: "expected a JSON object")
        }
        do {
            try self.init(object)
        } catch {
            throw STIXError.invalidObject(error)
        }
    }

    public var type: String { id.type }

    /// What the specification says about this object's type.
    public var objectType: STIXObjectType { STIXObjectType.named(type) }

    public subscript(property: String) -> JSONValue? { properties[property] }

    /// Sets or removes a property other than `type` and `id`, which identify the object.
    public mutating func setProperty(_ name: String, _ value: JSONValue?) {
        guard name != "type" && name != "id" else { return }
        properties[name] = value
    }

    /// Inserts a property at a position (used to put `spec_version` after `type`).
    mutating func insertProperty(_ name: String, _ value: JSONValue, at position: Int) {
        guard name != "type" && name != "id" else { return }
        properties.insert(value, forKey: name, at: position)
    }

    /// The object as JSON.
    public var json: JSONValue { .object(properties) }

    /// Compact JSON text of the object.
    public var jsonText: String { JSONWriter().string(json) }

    public var description: String {
        if let name { return "\(id) (\(name))" }
        return id.rawValue
    }
}
