import EventLog
import STIX

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
            return JSONWriter().string(json(finding)) + "\n"
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

    private func json(_ finding: Finding) -> JSONValue {
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

private func pad(_ text: String, _ width: Int) -> String {
    text.count >= width ? String(text.prefix(width - 1)) + " " : text + String(repeating: " ", count: width - text.count)
}

import Foundation
