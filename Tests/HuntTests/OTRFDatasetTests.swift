import EventLog
import Foundation
import Hunt
import STIX
import TestSupport
import Testing

/// The OTRF Security Datasets under `../shared/data/logs/otrf`: every file read with zero
/// errors, as many events as `INDEX.jsonl` counts JSON lines, the same per-channel and
/// per-event-id counts (which shows the fields are where Sigma looks for them), and process
/// creation events carrying `Image` and `CommandLine`.
@Suite("OTRF datasets", .enabled(if: SharedData.isUsable, SharedData.skipReason))
struct OTRFDatasetTests {
    struct Entry {
        let path: String
        let jsonLines: Int?
        let channels: [String: Int]
        let topEventIDs: [String: Int]
    }

    static func index() throws -> [Entry] {
        let text = try String(contentsOf: try SharedData.file("logs/otrf/INDEX.jsonl"), encoding: .utf8)
        return try text.split(separator: "\n").map { line in
            let object = try #require(try JSONParser.parse(String(line)).objectValue)
            let file = try #require(object["file"]?.stringValue)
            let relative = "logs/otrf/" + file.split(separator: "/", maxSplits: 1)[1]
            func counts(_ key: String) -> [String: Int] {
                var result: [String: Int] = [:]
                for (name, count) in object[key]?.objectValue ?? JSONObject() { result[name] = count.intValue.map(Int.init) }
                return result
            }
            return Entry(
                path: try SharedData.file(relative).path, jsonLines: object["json_lines_ok"]?.intValue.map(Int.init),
                channels: counts("channels"), topEventIDs: counts("top_event_ids"))
        }
    }

    static func read(_ path: String) throws -> (events: [Event], summary: TextFileSummary) {
        let file = try EvidenceFile(path: path)
        guard case .text(let format) = file.format else { throw EvidenceError.format(path: path, reason: "not text: \(file.format.name)") }
        return try readText(TextStreamReader.Source(stream: file.stream, format: format))
    }

    @Test("every dataset file reads with zero errors and the indexed counts", .timeLimit(.minutes(5)))
    func everyFile() throws {
        let entries = try Self.index()
        #expect(entries.count >= 38)
        var files = 0
        for entry in entries {
            let (events, summary) = try Self.read(entry.path)
            files += 1
            #expect(summary.skipped.isEmpty, "\(entry.path): \(summary.skipped.prefix(3))")
            if let expected = entry.jsonLines, expected > 0 {
                #expect(events.count == expected, "\(entry.path)")
            } else {
                // Audit logs and CSV: one event per non-blank line or row.
                #expect(!events.isEmpty, "\(entry.path)")
            }
            var channels: [String: Int] = [:]
            var eventIDs: [String: Int] = [:]
            for event in events {
                if let channel = event.text("Channel") { channels[channel, default: 0] += 1 }
                if let id = event.text("EventID"), !entry.topEventIDs.isEmpty { eventIDs[id, default: 0] += 1 }
            }
            #expect(channels == entry.channels, "\(entry.path)")
            for (id, count) in entry.topEventIDs { #expect(eventIDs[id] == count, "\(entry.path): EventID \(id)") }
        }
        #expect(files == entries.count)
    }

    @Test("process creation carries Image and CommandLine: Sysmon 1 and Security 4688")
    func processCreation() throws {
        var sysmon = 0
        var security = 0
        var withoutCommandLine = 0
        for entry in try Self.index() where entry.path.contains("/windows/") {
            for event in try Self.read(entry.path).events {
                let channel = event.text("Channel")?.lowercased()
                let id = event.text("EventID")
                let isSysmon = channel == "microsoft-windows-sysmon/operational" && id == "1"
                let isSecurity = channel == "security" && id == "4688"
                guard isSysmon || isSecurity else { continue }
                if isSysmon { sysmon += 1 } else { security += 1 }
                #expect(!(event.text("Image") ?? "").isEmpty, "\(entry.path) line \(event.origin.position)")
                if event.value("CommandLine") == nil { withoutCommandLine += 1 }
                #expect(event.time != nil)
            }
        }
        // Counted independently with Python's json module over the same files.
        #expect(sysmon == 85)
        #expect(security == 84)
        // One 4688 event of the Process Herpaderping dataset has "CommandLine": null.
        #expect(withoutCommandLine == 1)
    }

    @Test("Zeek logs of the APT29 evaluation: every record, addresses under Zeek's names, times")
    func zeekAPT29() throws {
        for (day, count) in [("day1", 2140), ("day2", 5664)] {
            let (events, summary) = try Self.read(try SharedData.file("logs/otrf/datasets/compound/apt29/\(day)/zeek/combined_zeek.log").path)
            #expect(summary.skipped.isEmpty)
            #expect(events.count == count)
            #expect(events.allSatisfy { $0.origin.format == "zeek-json" })
            let connections = events.filter { $0.text("@stream") == "conn" }
            #expect(!connections.isEmpty)
            #expect(connections.allSatisfy { $0.value("id.orig_h") != nil && $0.value("id.resp_p") != nil && $0.time != nil })
        }
    }
}
