import EventLog
import IntelStore
import STIX

/// How a case's timeline is written: an aligned table, CSV, or one JSON object per line (the
/// keys of `vigil hunt --format jsonl`, plus `software`).
public enum TimelineFormat: String, Sendable, CaseIterable {
    case table, csv, jsonl

    public func render(_ findings: [CaseFinding]) -> String {
        switch self {
        case .table:
            var text = pad("TIME (UTC)", 30) + pad("LEVEL", 14) + pad("EVENT", 7) + pad("COMPUTER", 22) + pad("TECHNIQUES", 22) + "RULE\n"
            for finding in findings {
                text += pad(finding.timestamp ?? "-", 30) + pad(finding.level ?? "-", 14) + pad(finding.eventID ?? "-", 7)
                    + pad(finding.computer ?? "-", 22) + pad(finding.techniques.joined(separator: ","), 22) + finding.ruleTitle + "\n"
            }
            return text
        case .csv:
            var text = Self.csvColumns.joined(separator: ",") + "\n"
            for finding in findings {
                let values = [
                    finding.timestamp ?? "", finding.computer ?? "", finding.channel ?? "", finding.eventID ?? "",
                    finding.recordID.map(String.init) ?? "", finding.level ?? "", finding.ruleTitle, finding.ruleID ?? "",
                    finding.techniques.joined(separator: ";"), finding.tactics.joined(separator: ";"),
                    finding.software.joined(separator: ";"),
                    finding.fields.keys.sorted().map { "\($0)=\(finding.fields[$0] ?? "")" }.joined(separator: "; "),
                    finding.evidence, finding.evidenceSHA256,
                ]
                text += values.map(CSVParser.field).joined(separator: ",") + "\n"
            }
            return text
        case .jsonl:
            return findings.map { JSONWriter().string(Self.json($0)) + "\n" }.joined()
        }
    }

    static let csvColumns = [
        "timestamp", "computer", "channel", "event_id", "record_id", "level", "rule_title", "rule_id", "techniques", "tactics",
        "software", "fields", "evidence", "evidence_sha256",
    ]

    static func json(_ finding: CaseFinding) -> JSONValue {
        var object = JSONObject()
        object["timestamp"] = finding.timestamp.map(JSONValue.string) ?? .null
        object["computer"] = finding.computer.map(JSONValue.string) ?? .null
        object["channel"] = finding.channel.map(JSONValue.string) ?? .null
        object["event_id"] = finding.eventID.map { Int64($0).map(JSONValue.int) ?? .string($0) } ?? .null
        object["record_id"] = finding.recordID.map(JSONValue.int) ?? .null
        object["rule_id"] = finding.ruleID.map(JSONValue.string) ?? .null
        object["rule_title"] = .string(finding.ruleTitle)
        object["level"] = finding.level.map(JSONValue.string) ?? .null
        object["techniques"] = .array(finding.techniques.map(JSONValue.string))
        object["tactics"] = .array(finding.tactics.map(JSONValue.string))
        object["software"] = .array(finding.software.map(JSONValue.string))
        var fields = JSONObject()
        for key in finding.fields.keys.sorted() { fields[key] = .string(finding.fields[key] ?? "") }
        object["fields"] = .object(fields)
        object["evidence"] = .string(finding.evidence)
        object["evidence_sha256"] = .string(finding.evidenceSHA256)
        return .object(object)
    }

    func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
    }
}
