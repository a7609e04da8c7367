/// Checks STIX 2.1 objects against the MUST rules of the specification and reports each
/// problem with the object id and the property.
///
/// An `error` means the object breaks a MUST and should be refused; a `warning` is reported
/// and the object kept. It checks one object at a time: references between objects
/// (does the target exist?) are the importer's business, since it sees the store. It does not
/// check STIX patterns or vocabularies.
public struct STIXValidator: Sendable {
    /// Type names that are acceptable as reference targets besides the specification's and
    /// `x-` custom ones: types of objects present in the same bundle or in the store.
    public var knownTypes: Set<String>

    public init(knownTypes: Set<String> = []) {
        self.knownTypes = knownTypes
    }

    /// Timestamp properties of any object.
    static let commonTimestamps: Set<String> = [
        "created", "modified", "first_seen", "last_seen", "valid_from", "valid_until", "published",
        "first_observed", "last_observed", "object_modified", "analysis_started", "analysis_ended", "submitted",
    ]
    /// Timestamp properties of cyber-observables only.
    static let observableTimestamps: Set<String> = [
        "ctime", "mtime", "atime", "created_time", "modified_time", "date", "start", "end", "account_created",
        "account_expires", "credential_last_changed", "account_first_login", "account_last_login",
        "validity_not_before", "validity_not_after",
    ]
    /// Types that can never be the source or target of a relationship.
    static let notRelatable: Set<String> = [
        "relationship", "sighting", "marking-definition", "language-content", "extension-definition", "bundle",
    ]

    /// Every problem of one object; empty when it is valid.
    public func validate(_ object: STIXObject, index: Int? = nil) -> [ValidationIssue] {
        var check = ObjectCheck(object: object, index: index)
        let type = object.objectType
        checkCommon(&check, type: type)
        checkRequired(&check, type: type)
        checkTimestamps(&check, type: type)
        checkReferences(&check)
        checkTypeRules(&check)
        return check.issues
    }

    private func checkCommon(_ check: inout ObjectCheck, type: STIXObjectType) {
        let object = check.object
        let isObservable = type.category == .cyberObservable
        if let version = object["spec_version"] {
            if version.stringValue != "2.1" {
                check.error("spec_version", "must be \"2.1\" (2.0 objects are upgraded on import), found \(version.description)")
            }
        } else if !isObservable {
            check.error("spec_version", "missing required property")
        }
        if !isObservable {
            check.require("created")
            if type.name != "marking-definition" { check.require("modified") }
        }
        check.expectKind("revoked", "boolean") { $0.boolValue != nil }
        check.expectKind("name", "string") { $0.stringValue != nil }
        check.expectKind("description", "string") { $0.stringValue != nil }
        check.expectStringList("labels")
        check.expectStringList("aliases")
        if let confidence = object["confidence"] {
            if let value = confidence.intValue, (0...100).contains(value), confidence.doubleValue == Double(value) {
            } else {
                check.error("confidence", "must be an integer from 0 to 100, found \(confidence.description)")
            }
        }
        check.expectObjectList("external_references", requiredKeys: ["source_name"])
        for (position, reference) in (object["external_references"]?.arrayValue ?? []).enumerated() {
            guard let url = reference.objectValue?["url"] else { continue }
            if let text = url.stringValue, STIXValidator.isURL(text) { continue }
            check.error("external_references[\(position)].url", "\(url.description) is not a valid URL")
        }
        check.expectObjectList("kill_chain_phases", requiredKeys: ["kill_chain_name", "phase_name"])
    }

    private func checkRequired(_ check: inout ObjectCheck, type: STIXObjectType) {
        for property in type.requiredProperties { check.require(property) }
        for group in type.requiredOneOf where !group.contains(where: { check.object[$0] != nil }) {
            check.error(nil, "needs at least one of the properties \(group.map { "'\($0)'" }.joined(separator: ", "))")
        }
    }

    private func checkTimestamps(_ check: inout ObjectCheck, type: STIXObjectType) {
        let isObservable = type.category == .cyberObservable
        for member in check.object.properties {
            let isTimestamp = STIXValidator.commonTimestamps.contains(member.key)
                || (isObservable && STIXValidator.observableTimestamps.contains(member.key))
            guard isTimestamp else { continue }
            guard let text = member.value.stringValue else {
                check.error(member.key, "must be a timestamp string, not \(member.value.kindName)")
                continue
            }
            do {
                _ = try STIXTimestamp(text)
            } catch {
                check.error(member.key, error.description)
            }
        }
        // Two well-formed times out of order: the object is kept as published (the store
        // orders versions by `modified`), with a warning that --strict refuses.
        check.expectOrder("created", before: "modified", strictly: false, keptAsPublished: true)
        check.expectOrder("first_seen", before: "last_seen", strictly: false)
        check.expectOrder("first_observed", before: "last_observed", strictly: false)
        check.expectOrder("valid_from", before: "valid_until", strictly: true)
    }

    private func checkReferences(_ check: inout ObjectCheck) {
        for member in check.object.properties {
            if member.key.hasSuffix("_ref") {
                guard let text = member.value.stringValue else {
                    check.error(member.key, "must be an identifier string, not \(member.value.kindName)")
                    continue
                }
                checkIdentifier(&check, text, property: member.key)
            } else if member.key.hasSuffix("_refs") {
                guard let values = member.value.arrayValue else {
                    check.error(member.key, "must be a list of identifiers, not \(member.value.kindName)")
                    continue
                }
                if values.isEmpty {
                    check.issue(member.key == "object_refs" ? .error : .warning, member.key, "must not be an empty list")
                }
                for (position, value) in values.enumerated() {
                    guard let text = value.stringValue else {
                        check.error("\(member.key)[\(position)]", "must be an identifier string, not \(value.kindName)")
                        continue
                    }
                    checkIdentifier(&check, text, property: "\(member.key)[\(position)]")
                }
            }
        }
        check.expectReferenceType("created_by_ref", ["identity"])
        check.expectReferenceType("object_marking_refs", ["marking-definition"])
    }

    private func checkIdentifier(_ check: inout ObjectCheck, _ text: String, property: String) {
        do {
            let id = try STIXIdentifier(validating: text)
            if !isKnownType(id.type) {
                check.error(property, "unknown object type '\(id.type)' in '\(text)'")
            }
        } catch {
            check.error(property, "'\(text)' \(error)")
        }
    }

    /// A URL as STIX requires (an RFC 3986 URI): a scheme, then no white space or control
    /// characters anywhere.
    public static func isURL(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard let colon = bytes.firstIndex(of: UInt8(ascii: ":")), colon > 0 else { return false }
        for (index, byte) in bytes[..<colon].enumerated() {
            let isLetter = (byte | 0x20) >= UInt8(ascii: "a") && (byte | 0x20) <= UInt8(ascii: "z")
            let isOther = (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "+")
                || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
            guard isLetter || (index > 0 && isOther) else { return false }
        }
        return !bytes.contains { $0 <= 0x20 || $0 == 0x7F }
    }

    /// A type a reference may name: the specification's, a custom `x-` type, or one seen in context.
    public func isKnownType(_ type: String) -> Bool {
        STIXObjectType.isDefined(type) || STIXObjectType.isCustomName(type) || knownTypes.contains(type)
    }

    private func checkTypeRules(_ check: inout ObjectCheck) {
        let object = check.object
        switch object.type {
        case "relationship":
            for property in ["source_ref", "target_ref"] {
                if let ref = object[property]?.stringValue, let id = try? STIXIdentifier(validating: ref),
                    STIXValidator.notRelatable.contains(id.type)
                {
                    check.error(property, "a relationship cannot point to a \(id.type) ('\(ref)')")
                }
            }
            if let kind = object["relationship_type"], kind.stringValue == nil {
                check.error("relationship_type", "must be a string, not \(kind.kindName)")
            }
        case "sighting":
            if let ref = object["sighting_of_ref"]?.stringValue, let id = try? STIXIdentifier(validating: ref),
                STIXObjectType.named(id.type).category != .domain && STIXObjectType.named(id.type).category != .custom
            {
                check.error("sighting_of_ref", "must point to a domain object, not a \(id.type)")
            }
            check.expectReferenceType("where_sighted_refs", ["identity", "location"])
            check.expectReferenceType("observed_data_refs", ["observed-data"])
            check.expectIntegerRange("count", 0...999_999_999)
        case "malware":
            if let family = object["is_family"] {
                if let isFamily = family.boolValue {
                    if isFamily && object["name"] == nil { check.error("name", "required when is_family is true") }
                } else {
                    check.error("is_family", "must be a boolean, not \(family.kindName)")
                }
            }
        case "observed-data":
            check.expectIntegerRange("number_observed", 1...999_999_999)
            if object["objects"] != nil && object["object_refs"] != nil {
                check.error("objects", "must not be present together with 'object_refs'")
            }
        case "opinion":
            let allowed = ["strongly-disagree", "disagree", "neutral", "agree", "strongly-agree"]
            if let opinion = object["opinion"], !allowed.contains(opinion.stringValue ?? "") {
                check.error("opinion", "must be one of \(allowed.joined(separator: ", ")), found \(opinion.description)")
            }
        case "location":
            if let latitude = object["latitude"] {
                if let value = latitude.doubleValue, (-90...90).contains(value) {
                } else {
                    check.error("latitude", "must be a number from -90 to 90")
                }
                if object["longitude"] == nil { check.error("longitude", "required when latitude is present") }
            }
            if let longitude = object["longitude"], !(longitude.doubleValue.map { (-180...180).contains($0) } ?? false) {
                check.error("longitude", "must be a number from -180 to 180")
            }
        case "indicator":
            if let pattern = object["pattern"], pattern.stringValue?.isEmpty ?? true {
                check.error("pattern", "must be a non-empty string")
            }
        case "marking-definition":
            if object["definition_type"] == nil && object["extensions"] == nil {
                check.error("definition_type", "needs 'definition_type' and 'definition', or 'extensions'")
            }
            if object["definition_type"] != nil && object["definition"] == nil {
                check.error("definition", "required when definition_type is present")
            }
            // STIX 2.1 section 7.2.1.4: TLP markings MUST be the predefined definitions.
            if object["definition_type"]?.stringValue == "tlp" && TLPMarkings.wellKnown[object.id.rawValue] == nil {
                check.error("definition_type", "a 'tlp' marking definition must be one of the predefined TLP markings")
            }
        default:
            break
        }
    }
}

/// The issues found so far in one object, with helpers that phrase them consistently.
struct ObjectCheck {
    let object: STIXObject
    let index: Int?
    var issues: [ValidationIssue] = []

    /// Records an issue. An error in a custom property is the publisher's business: it
    /// becomes a warning that keeps the object as published, and that `--strict` refuses.
    mutating func issue(_ severity: ValidationIssue.Severity, _ property: String?, _ message: String) {
        let custom = severity == .error && property.map(isCustomProperty) == true
        issues.append(
            ValidationIssue(
                custom ? .warning : severity, objectID: object.id.rawValue, objectIndex: index, objectType: object.type,
                objectName: object.name, property: property,
                message: custom ? message + " (a custom property: kept as published; --strict refuses it)" : message,
                refusedWhenStrict: custom))
    }

    /// Whether a property path names a custom property: `x_`-prefixed, or any property of a
    /// custom object type beyond the properties common to every object.
    func isCustomProperty(_ path: String) -> Bool {
        let name = path.prefix { $0 != "[" && $0 != "." }
        if name.hasPrefix("x_") { return true }
        return object.objectType.category == .custom && !ObjectCheck.commonProperties.contains(String(name))
    }

    /// STIX 2.1 section 3.2's common properties, which keep their rules on custom objects.
    static let commonProperties: Set<String> = [
        "type", "spec_version", "id", "created_by_ref", "created", "modified", "revoked", "labels", "confidence",
        "lang", "external_references", "object_marking_refs", "granular_markings", "extensions",
    ]

    mutating func error(_ property: String?, _ message: String) { issue(.error, property, message) }

    mutating func require(_ property: String) {
        if object[property] == nil { error(property, "missing required property") }
    }

    mutating func expectKind(_ property: String, _ kind: String, _ test: (JSONValue) -> Bool) {
        if let value = object[property], !test(value) { error(property, "must be a \(kind), not \(value.kindName)") }
    }

    mutating func expectStringList(_ property: String) {
        guard let value = object[property] else { return }
        guard let values = value.arrayValue, values.allSatisfy({ $0.stringValue != nil }) else {
            error(property, "must be a list of strings")
            return
        }
    }

    /// A list of objects, each with string values for `requiredKeys`.
    mutating func expectObjectList(_ property: String, requiredKeys: [String]) {
        guard let value = object[property] else { return }
        guard let entries = value.arrayValue else {
            error(property, "must be a list, not \(value.kindName)")
            return
        }
        for (position, entry) in entries.enumerated() {
            let path = "\(property)[\(position)]"
            guard let entry = entry.objectValue else {
                error(path, "must be an object")
                continue
            }
            for key in requiredKeys where entry[key]?.stringValue == nil {
                error("\(path).\(key)", "missing required property")
            }
        }
    }

    mutating func expectIntegerRange(_ property: String, _ range: ClosedRange<Int64>) {
        guard let value = object[property] else { return }
        guard let number = value.intValue, range.contains(number) else {
            error(property, "must be an integer from \(range.lowerBound) to \(range.upperBound), found \(value.description)")
            return
        }
    }

    /// Reports `later` earlier than `earlier` (or equal, when `strictly`), when both parse.
    mutating func expectOrder(_ earlier: String, before later: String, strictly: Bool, keptAsPublished: Bool = false) {
        guard let first = object.timestamp(earlier), let second = object.timestamp(later) else { return }
        if second < first || (strictly && second == first) {
            let message = "'\(second.text)' is \(strictly && second == first ? "equal to" : "earlier than") \(earlier) '\(first.text)'"
            if keptAsPublished {
                issues.append(
                    ValidationIssue(
                        .warning, objectID: object.id.rawValue, objectIndex: index, objectType: object.type, objectName: object.name,
                        property: later, message: message + " (kept as published; --strict refuses it)", refusedWhenStrict: true))
            } else {
                error(later, message)
            }
        }
    }

    mutating func expectReferenceType(_ property: String, _ types: Set<String>) {
        let values: [String]
        if let single = object[property]?.stringValue {
            values = [single]
        } else {
            values = object[property]?.arrayValue?.compactMap(\.stringValue) ?? []
        }
        for value in values {
            if let id = try? STIXIdentifier(validating: value), !types.contains(id.type) {
                error(property, "must point to \(types.sorted().joined(separator: " or ")), not '\(value)'")
            }
        }
    }
}

extension JSONValue: CustomStringConvertible {
    /// Compact JSON text, for messages.
    public var description: String {
        let text = JSONWriter().string(self)
        return text.count > 80 ? String(text.prefix(77)) + "..." : text
    }
}
