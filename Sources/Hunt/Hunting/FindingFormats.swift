import EventLog
import STIX
import Sigma

/// How findings are written: a table for the terminal, CSV, JSON lines, or Timesketch's
/// JSON lines (`message`, `datetime`, `timestamp_desc`).
public enum FindingFormat: String, Sendable, CaseIterable {
    case table, csv, jsonl, timesketch

    /// Text before the first finding (a header row), if any.
    public var header: String? {
        switch self {
        case .table:
            return pad("TIME (UTC)", 24) + pad("LEVEL", 14) + pad("EVENT", 7) + pad("COMPUTER", 22) + "RULE\n"
        case .csv:
            return FindingFormat.csvColumns.joined(separator: ",") + "\n"
        case .jsonl, .timesketch:
            return nil
        }
    }

    static let csvColumns = [
        "timestamp", "computer", "channel", "event_id", "record_id", "level", "rule_title", "rule_id", "techniques", "tactics", "fields",
        "evidence", "evidence_sha256",
    ]

    /// One finding as one line (with its newline), as UTF-8.
    public func bytes(_ finding: Finding) -> [UInt8] {
        guard self == .jsonl else { return Array(line(finding).utf8) }
        var output: [UInt8] = []
        output.reserveCapacity(512)
        FindingJSONWriter.write(finding, into: &output)
        output.append(UInt8(ascii: "\n"))
        return output
    }

    /// One finding as one line (with its newline).
    public func line(_ finding: Finding) -> String {
        switch self {
        case .table:
            let time = finding.time.map { $0.formatted(fractionDigits: 3) } ?? "-"
            var title = finding.ruleTitle
            if case .correlation(_, let aggregate, let events, _, _) = finding.kind {
                title += " (\(events) events, \(FindingFormat.number(aggregate)))"
            }
            return pad(time, 24) + pad(finding.level?.rawValue ?? "-", 14) + pad(finding.eventID ?? "-", 7)
                + pad(finding.computer ?? "-", 22) + title + "\n"
        case .csv:
            let values = [
                finding.time?.description ?? "", finding.computer ?? "", finding.channel ?? "", finding.eventID ?? "",
                finding.recordID.map(String.init) ?? "", finding.level?.rawValue ?? "", finding.ruleTitle, finding.ruleID ?? "",
                finding.techniques.joined(separator: ";"), finding.tactics.joined(separator: ";"),
                finding.fields.map { "\($0.name)=\($0.value)" }.joined(separator: "; "), finding.evidence, finding.evidenceSHA256,
            ]
            return values.map(CSVParser.field).joined(separator: ",") + "\n"
        case .jsonl:
            return String(decoding: bytes(finding), as: UTF8.self)
        case .timesketch:
            var object = JSONObject()
            let what = finding.fields.prefix(4).map { "\($0.name)=\($0.value)" }.joined(separator: " ")
            object["message"] = .string("[\(finding.level?.rawValue ?? "-")] \(finding.ruleTitle)" + (what.isEmpty ? "" : ": " + what))
            object["datetime"] = .string(finding.time?.formatted(fractionDigits: 6) ?? "")
            object["timestamp"] = .int(finding.time.map { $0.unixSeconds * 1_000_000 + $0.ticksOfSecond / 10 } ?? 0)
            object["timestamp_desc"] = .string("Event Recorded")
            for (key, value) in json(finding).objectValue ?? JSONObject() where key != "timestamp" { object[key] = value }
            return JSONWriter().string(.object(object)) + "\n"
        }
    }

    /// The finding as a JSON tree (`FindingJSONWriter` writes the same text without one).
    func json(_ finding: Finding) -> JSONValue {
        var object = JSONObject()
        object["timestamp"] = finding.time.map { .string($0.description) } ?? .null
        object["computer"] = finding.computer.map(JSONValue.string) ?? .null
        object["channel"] = finding.channel.map(JSONValue.string) ?? .null
        object["event_id"] = finding.eventID.map { Int64($0).map(JSONValue.int) ?? .string($0) } ?? .null
        object["record_id"] = finding.recordID.map { .int(Int64(clamping: $0)) } ?? .null
        object["rule_id"] = finding.ruleID.map(JSONValue.string) ?? .null
        object["rule_title"] = .string(finding.ruleTitle)
        object["level"] = finding.level.map { .string($0.rawValue) } ?? .null
        object["techniques"] = .array(finding.techniques.map(JSONValue.string))
        object["tactics"] = .array(finding.tactics.map(JSONValue.string))
        var fields = JSONObject()
        for (name, value) in finding.fields { fields[name] = .string(value) }
        object["fields"] = .object(fields)
        object["evidence"] = .string(finding.evidence)
        object["evidence_sha256"] = .string(finding.evidenceSHA256)
        if case .correlation(let group, let aggregate, let events, let first, let last) = finding.kind {
            var correlation = JSONObject()
            var groupObject = JSONObject()
            for (field, value) in group { groupObject[field] = .string(value) }
            correlation["group"] = .object(groupObject)
            correlation["aggregate"] = .double(aggregate)
            correlation["events"] = .int(Int64(events))
            correlation["first"] = .string(first.description)
            correlation["last"] = .string(last.description)
            object["correlation"] = .object(correlation)
        }
        return .object(object)
    }

    static func number(_ value: Double) -> String {
        value.rounded() == value && abs(value) < 1e15 ? String(Int64(value)) : String(format: "%.2f", value)
    }
}

/// Writes a finding's JSON object straight to bytes, keys in the order of
/// `FindingFormat.json`: this runs for every finding, and building a JSON tree first cost more
/// than the writing.
struct FindingJSONWriter {
    private(set) var output: [UInt8]
    /// Whether the innermost open object has no member yet. No stack is needed: an object
    /// that closes is a member of the one around it, which is then not empty either.
    private var empty = true

    static func write(_ finding: Finding, into output: inout [UInt8]) {
        var writer = FindingJSONWriter(output: output)
        output = []
        writer.write(finding)
        output = writer.output
    }

    private init(output: [UInt8]) { self.output = output }

    /// The members from `rule_id` to `tactics` (no comma before the first), which depend on
    /// the rule alone: `FindingRule` keeps them, written once.
    static func ruleMembers(id: String?, title: String, level: SigmaLevel?, techniques: [String], tactics: [String]) -> [UInt8] {
        var writer = FindingJSONWriter(output: [])
        writer.key("rule_id")
        writer.string(id)
        writer.key("rule_title")
        writer.string(title)
        writer.key("level")
        writer.string(level?.rawValue)
        writer.key("techniques")
        writer.strings(techniques)
        writer.key("tactics")
        writer.strings(tactics)
        return writer.output
    }

    private mutating func write(_ finding: Finding) {
        open()
        key("timestamp")
        string(finding.time?.description)
        key("computer")
        string(finding.computer)
        key("channel")
        string(finding.channel)
        key("event_id")
        if let eventID = finding.eventID, let number = Int64(eventID) { raw(String(number)) } else { string(finding.eventID) }
        key("record_id")
        raw(finding.recordID.map { String(Int64(clamping: $0)) } ?? "null")
        separate()
        output.append(contentsOf: finding.rule.json)
        key("fields")
        members(finding.fields)
        key("evidence")
        string(finding.evidence)
        key("evidence_sha256")
        string(finding.evidenceSHA256)
        if case .correlation(let group, let aggregate, let events, let first, let last) = finding.kind {
            key("correlation")
            open()
            key("group")
            members(group.map { (name: $0.field, value: $0.value) })
            key("aggregate")
            JSONWriter().write(.double(aggregate), into: &output)
            key("events")
            raw(String(events))
            key("first")
            string(first.description)
            key("last")
            string(last.description)
            close()
        }
        close()
    }

    private mutating func open() {
        output.append(UInt8(ascii: "{"))
        empty = true
    }

    private mutating func close() {
        output.append(UInt8(ascii: "}"))
        empty = false
    }

    /// The comma before a member, unless it is the object's first.
    private mutating func separate() {
        if empty { empty = false } else { output.append(UInt8(ascii: ",")) }
    }

    private mutating func key(escaping name: String) {
        separate()
        JSONWriter.writeString(name, into: &output)
        output.append(UInt8(ascii: ":"))
    }

    /// A key of the finding object itself, a plain word: written as it is, not escaped.
    private mutating func key(_ name: StaticString) {
        separate()
        output.append(UInt8(ascii: "\""))
        name.withUTF8Buffer { output.append(contentsOf: $0) }
        output.append(UInt8(ascii: "\""))
        output.append(UInt8(ascii: ":"))
    }

    private mutating func raw(_ text: String) { output.append(contentsOf: text.utf8) }

    private mutating func string(_ text: String?) {
        if let text { JSONWriter.writeString(text, into: &output) } else { raw("null") }
    }

    private mutating func strings(_ list: [String]) {
        output.append(UInt8(ascii: "["))
        for (index, item) in list.enumerated() {
            if index > 0 { output.append(UInt8(ascii: ",")) }
            JSONWriter.writeString(item, into: &output)
        }
        output.append(UInt8(ascii: "]"))
    }

    /// An object of string members; a repeated name keeps its first place and its last
    /// value, as `JSONObject` does. (Lists are a few fields: looking back and ahead costs
    /// less than the arrays a dictionary-like pass made for every finding.)
    private mutating func members(_ list: [(name: String, value: String)]) {
        open()
        for index in list.indices where !(0..<index).contains(where: { list[$0].name == list[index].name }) {
            let last = ((index + 1)..<list.count).last { list[$0].name == list[index].name } ?? index
            key(escaping: list[index].name)
            string(list[last].value)
        }
        close()
    }
}

private func pad(_ text: String, _ width: Int) -> String {
    text.count >= width ? String(text.prefix(width - 1)) + " " : text + String(repeating: " ", count: width - text.count)
}

import Foundation
