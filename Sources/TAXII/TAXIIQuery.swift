import IntelStore
import STIX
import VigilKit

/// The query of a TAXII request, read into a `SharingFilter`.
///
/// `match[id|type|version|spec_version]`, `added_after`, `next` and `limit` are read; another
/// `match[...]` field is refused (ignoring a filter would answer with more than was asked);
/// other parameters are ignored, as HTTP servers usually do.
public enum TAXIIQuery {
    /// Why a query is refused: the parameter and what is wrong with it.
    public struct Problem: Error, Sendable, CustomStringConvertible {
        public var parameter: String
        public var message: String
        public var description: String { "\(parameter): \(message)" }
    }

    /// The most values one `match[...]` may list, and the longest query read.
    static let maximumValues = 1_000
    static let maximumQueryBytes = 64 * 1024

    /// Reads a raw query string (`a=b&c=d`, percent-encoded).
    public static func filter(_ query: String?, allowed: Set<String> = ["id", "type", "version", "spec_version"]) throws(Problem) -> SharingFilter {
        var filter = SharingFilter()
        for (key, value) in try pairs(query) {
            switch key {
            case "limit":
                guard let limit = Int(value), limit > 0 else { throw Problem(parameter: key, message: "'\(value)' is not a positive integer") }
                filter.limit = limit
            case "next":
                guard let cursor = PageCursor(value) else { throw Problem(parameter: key, message: "'\(value)' is not a 'next' value this server gave") }
                filter.next = cursor
            case "added_after":
                guard let instant = try? STIXTimestamp(value) else {
                    throw Problem(parameter: key, message: "'\(value)' is not an RFC 3339 UTC timestamp (2026-12-06T10:00:00.000Z)")
                }
                filter.addedAfter = DateAdded(instant)
            case _ where key.hasPrefix("match[") && key.hasSuffix("]"):
                let field = String(key.dropFirst(6).dropLast())
                guard allowed.contains(field) else {
                    throw Problem(parameter: key, message: "this endpoint filters by \(allowed.sorted().map { "match[\($0)]" }.joined(separator: ", ")) only")
                }
                let values = value.split(separator: ",", omittingEmptySubsequences: false).map { String(TAXIIMediaType.trimmed($0)) }
                guard values.count <= maximumValues, !values.contains(where: \.isEmpty) else {
                    throw Problem(parameter: key, message: "expected 1 to \(maximumValues) comma-separated values")
                }
                try apply(field, values, to: &filter)
            default:
                continue
            }
        }
        return filter
    }

    private static func apply(_ field: String, _ values: [String], to filter: inout SharingFilter) throws(Problem) {
        let key = "match[\(field)]"
        switch field {
        case "id":
            for value in values {
                guard (try? STIXIdentifier(validating: value)) != nil else { throw Problem(parameter: key, message: "'\(value)' is not a STIX id") }
            }
            filter.ids = Set(values)
        case "type":
            for value in values where !STIXIdentifier.isValidTypeName(value) {
                throw Problem(parameter: key, message: "'\(value)' is not a STIX type name")
            }
            filter.types = Set(values)
        case "version":
            var selections: [VersionSelection] = []
            var instants: [STIXTimestamp] = []
            for value in values {
                switch value {
                case "last": selections.append(.last)
                case "first": selections.append(.first)
                case "all": selections.append(.all)
                default:
                    guard let instant = try? STIXTimestamp(value) else {
                        throw Problem(parameter: key, message: "'\(value)' is neither first, last, all nor a timestamp")
                    }
                    instants.append(instant)
                }
            }
            if !instants.isEmpty { selections.append(.at(instants)) }
            filter.versions = selections.count == 1 ? selections[0] : .anyOf(selections)
        case "spec_version":
            for value in values where !["2.0", "2.1"].contains(value) {
                throw Problem(parameter: key, message: "'\(value)' is not a STIX spec version (2.0, 2.1)")
            }
            filter.specVersions = Set(values)
        default:
            throw Problem(parameter: key, message: "unsupported filter")
        }
    }

    /// Percent-decoded key-value pairs; a key given twice is refused.
    static func pairs(_ query: String?) throws(Problem) -> [(String, String)] {
        guard let query, !query.isEmpty else { return [] }
        guard query.utf8.count <= maximumQueryBytes else { throw Problem(parameter: "query", message: "longer than \(maximumQueryBytes) bytes") }
        var seen: Set<String> = []
        var pairs: [(String, String)] = []
        for part in query.split(separator: "&") {
            let halves = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let key = decode(halves[0]), let value = decode(halves.count > 1 ? halves[1] : "") else {
                throw Problem(parameter: String(halves[0].prefix(64)), message: "malformed percent-encoding")
            }
            guard seen.insert(key).inserted else { throw Problem(parameter: key, message: "given twice (list values with commas)") }
            pairs.append((key, value))
        }
        return pairs
    }

    /// `+` as a space and `%XX` as a byte; nil for a malformed escape or bytes that are not UTF-8.
    private static func decode(_ text: Substring) -> String? {
        let utf8 = text.utf8
        guard utf8.contains(where: { $0 == UInt8(ascii: "%") || $0 == UInt8(ascii: "+") }) else { return String(text) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(utf8.count)
        var index = utf8.startIndex
        while index != utf8.endIndex {
            let byte = utf8[index]
            index = utf8.index(after: index)
            switch byte {
            case UInt8(ascii: "+"): bytes.append(UInt8(ascii: " "))
            case UInt8(ascii: "%"):
                guard index != utf8.endIndex, let high = hexValue(utf8[index]) else { return nil }
                index = utf8.index(after: index)
                guard index != utf8.endIndex, let low = hexValue(utf8[index]) else { return nil }
                index = utf8.index(after: index)
                bytes.append(high << 4 | low)
            default: bytes.append(byte)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
