import Foundation
import STIX

/// How each source form's field names become the field names Sigma rules use. It is data: a
/// JSON document (`DefaultFieldMappings.json` is built in; `--field-map FILE` replaces it).
///
/// A source field is named by its path (`Event.System.Provider.#attributes.Name`,
/// `winlog.event_data.CommandLine`, `id.orig_h`). For each form, `rename` maps a path to a
/// name, a path ending in `.*` maps every path under it (`"winlog.event_data.*": "*"` keeps the
/// last part); other paths are named by the form's `naming`: `last` (the last part that is
/// not `#attributes`/`#text`) or `path` (the whole path). `aliases` then add second names
/// for some events (Security 4688's `NewProcessName` is also `Image`), keeping the first.
public struct FieldMappings: Sendable {
    /// The rules of one form.
    public struct Form: Sendable {
        public enum Naming: String, Sendable { case last, path }

        public var renames: [String: String]
        /// Path prefixes (without the `*`) and what replaces them (`*` keeps the rest).
        public var prefixes: [(prefix: String, replacement: String)]
        public var naming: Naming
        /// Fields that hold the event's time, tried in order.
        public var timeFields: [String]

        /// The name of the field at a path, or nil if the form drops it.
        public func name(forPath path: String) -> String? {
            resolve(path)?.name
        }

        /// The name of the field at a path and whether an exact `rename` gave it, or nil if
        /// the form drops it. Readers let a renamed field yield to a field that carries the
        /// name itself (ECS `process.executable` yields to `winlog.event_data.Image`).
        public func resolve(_ path: String) -> (name: String, renamed: Bool)? {
            if let exact = renames[path] { return exact.isEmpty ? nil : (exact, true) }
            for rule in prefixes where path.hasPrefix(rule.prefix) {
                let rest = String(path.dropFirst(rule.prefix.count))
                return (rule.replacement == "*" ? Form.lastComponent(rest) : rule.replacement, false)
            }
            switch naming {
            case .path: return (path, false)
            case .last: return (Form.lastComponent(path), false)
            }
        }

        /// The last part of a path that is not `#attributes`/`#text`, without spaces: Sigma
        /// names Windows fields "as they appear in the log source" with spaces stripped
        /// (`Threat Name` is `ThreatName`).
        static func lastComponent(_ path: String) -> String {
            let parts = path.split(separator: ".").filter { $0 != "#attributes" && $0 != "#text" }
            let last = parts.last.map(String.init) ?? path
            return last.contains(" ") ? last.replacingOccurrences(of: " ", with: "") : last
        }
    }

    /// A condition on an event and the extra names it gets.
    public struct Alias: Sendable {
        /// Field name → required value (compared as text, ignoring case).
        public var when: [(field: FieldName, value: String)]
        /// Existing field → additional name.
        public var fields: [(from: FieldName, to: FieldName)]
    }

    public var forms: [String: Form]
    public var aliases: [Alias]

    /// The rules of a form; an unknown form names fields by their whole path.
    public func form(_ name: String) -> Form {
        forms[name] ?? Form(renames: [:], prefixes: [], naming: .path, timeFields: [])
    }

    /// Adds the alias names that apply to an event.
    public func applyAliases(to event: inout Event) {
        for alias in aliases {
            let applies = alias.when.allSatisfy { condition in
                guard let value = event.value(condition.field) else { return false }
                return FieldMappings.equalIgnoringCase(value.text, condition.value)
            }
            guard applies else { continue }
            for (from, to) in alias.fields {
                if let value = event.value(from) { event.add(to, value) }
            }
        }
    }

    /// Whether two texts are equal ignoring case. This runs for every event read: ASCII text
    /// (nearly always) is compared byte by byte, anything else through Unicode lower case.
    public static func equalIgnoringCase(_ left: String, _ right: String) -> Bool {
        let ascii = left.utf8.withContiguousStorageIfAvailable { a in
            right.utf8.withContiguousStorageIfAvailable { b in FieldMappings.equalIgnoringASCIICase(a, b) } ?? nil
        } ?? nil
        return ascii ?? (left.lowercased() == right.lowercased())
    }

    /// Whether UTF-8 text equals a string ignoring case, as `equalIgnoringCase` of two strings.
    package static func equalIgnoringCase(_ text: UnsafeRawBufferPointer, _ other: String) -> Bool {
        var other = other
        let ascii = other.withUTF8 { FieldMappings.equalIgnoringASCIICase(text.assumingMemoryBound(to: UInt8.self), $0) }
        return ascii ?? (String(decoding: text, as: UTF8.self).lowercased() == other.lowercased())
    }

    /// Whether two ASCII texts are equal ignoring case; nil when either is not ASCII (Unicode
    /// lower case may then make texts of different lengths equal).
    private static func equalIgnoringASCIICase(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool? {
        guard UnsafeRawBufferPointer(a).isASCII && UnsafeRawBufferPointer(b).isASCII else { return nil }
        guard a.count == b.count else { return false }
        func lower(_ byte: UInt8) -> UInt8 { byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte }
        for index in a.indices where lower(a[index]) != lower(b[index]) { return false }
        return true
    }

    /// Why a mapping document cannot be used.
    public struct Problem: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// Reads a mapping document.
    public init(json bytes: [UInt8]) throws(Problem) {
        let document: JSONValue
        do {
            document = try JSONParser.parse(bytes)
        } catch {
            throw Problem(description: "field mapping: \(error)")
        }
        guard let top = document.objectValue, let forms = top["forms"]?.objectValue else {
            throw Problem(description: "field mapping: expected an object with \"forms\"")
        }
        var parsedForms: [String: Form] = [:]
        for (name, value) in forms {
            guard let form = value.objectValue else { throw Problem(description: "field mapping: form \"\(name)\" is not an object") }
            var renames: [String: String] = [:]
            var prefixes: [(String, String)] = []
            for (path, target) in form["rename"]?.objectValue ?? JSONObject() {
                guard let target = target.stringValue else {
                    throw Problem(description: "field mapping: form \"\(name)\": rename of \"\(path)\" is not a string")
                }
                if path.hasSuffix(".*") { prefixes.append((String(path.dropLast()), target)) } else { renames[path] = target }
            }
            let namingText = form["naming"]?.stringValue ?? "path"
            guard let naming = Form.Naming(rawValue: namingText) else {
                throw Problem(description: "field mapping: form \"\(name)\": naming must be \"last\" or \"path\", not \"\(namingText)\"")
            }
            let times = form["time"]?.arrayValue?.compactMap(\.stringValue) ?? []
            // Longer prefixes first, so that the most specific rule wins.
            prefixes.sort { $0.0.count > $1.0.count }
            parsedForms[name] = Form(renames: renames, prefixes: prefixes, naming: naming, timeFields: times)
        }
        var parsedAliases: [Alias] = []
        for (index, value) in (top["aliases"]?.arrayValue ?? []).enumerated() {
            guard let alias = value.objectValue, let when = alias["when"]?.objectValue, let fields = alias["fields"]?.objectValue else {
                throw Problem(description: "field mapping: aliases[\(index)] needs \"when\" and \"fields\" objects")
            }
            parsedAliases.append(
                Alias(
                    when: when.map { (FieldName($0.key), $0.value.stringValue ?? $0.value.description) },
                    fields: fields.compactMap { member in member.value.stringValue.map { (FieldName(member.key), FieldName($0)) } }))
        }
        self.forms = parsedForms
        self.aliases = parsedAliases
    }

    /// The mapping Vigil ships with.
    public static let standard: FieldMappings = {
        do {
            return try FieldMappings(json: Array(DefaultFieldMappings.json.utf8))
        } catch {
            // The built-in document is part of the program; tests read it.
            preconditionFailure("the built-in field mapping does not parse: \(error)")
        }
    }()
}
