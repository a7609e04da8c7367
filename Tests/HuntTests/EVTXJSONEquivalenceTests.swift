import EVTX
import EventLog
import Foundation
import Hunt
import STIX
import TestSupport
import Testing

/// The same records reach the detectors the same way whether an investigator hands Vigil the
/// `.evtx` files or the evtx crate's JSON lines of them: for every shared EVTX file, the events
/// read natively equal the events read from `vigil dump`'s JSON (which equals the crate's).
@Suite("EVTX and its JSON lines give the same events", .enabled(if: SharedData.isUsable, SharedData.skipReason))
struct EVTXJSONEquivalenceTests {
    static func files() throws -> [String] {
        let root = try SharedData.file("evtx")
        var files: [String] = []
        let walker = FileManager.default.enumerator(atPath: root.path)
        while let relative = walker?.nextObject() as? String {
            if relative.hasSuffix(".evtx") { files.append(root.appendingPathComponent(relative).path) }
        }
        return files.sorted()
    }

    /// Each record's event and JSON line, read natively.
    static func native(_ path: String) throws -> [(event: Event, json: [UInt8])] {
        var result: [(Event, [UInt8])] = []
        try EVTXStreamReader(options: .init(threads: 2)).read([try FileByteStream(path: path)]) { input in
            let names = FieldNameCache()
            var records: [(Event, [UInt8])] = []
            let summary = EVTXChunk.read(input.bytes, index: input.index, fileOffset: input.fileOffset, scratch: input.scratch) { record in
                var line = RenderBuffer()
                record.appendJSON(to: &line)
                records.append((record.event(names: names), line.array()))
            }
            return (Box(records), summary)
        } deliver: { _, records, _ in
            result += records.value
        } finish: { _, _ in }
        return result
    }

    final class Box<T>: @unchecked Sendable {
        let value: T
        init(_ value: T) { self.value = value }
    }

    @Test("fields and times agree for every record", .timeLimit(.minutes(5)))
    func equivalence() throws {
        let reader = JSONEventReader()
        let names = reader.makeNameCache()
        var records = 0
        var mismatches: [String] = []
        for path in try Self.files() {
            for (native, line) in try Self.native(path) {
                records += 1
                let fromJSON = try line.withUnsafeBytes { try reader.event(fromJSON: $0, position: native.origin.position, names: names) }
                #expect(fromJSON.origin.format == "jsonl-evtx")
                let left = Dictionary(native.fields.map { ($0.name.name, $0.value.text) }, uniquingKeysWith: { a, _ in a })
                let right = Dictionary(fromJSON.fields.map { ($0.name.name, $0.value.text) }, uniquingKeysWith: { a, _ in a })
                // JSON carries SystemTime to the microsecond.
                let sameTime = native.time.map { $0.ticks / 10 } == fromJSON.time.map { $0.ticks / 10 }
                if left != right || !sameTime {
                    let differing = Set(left.keys).union(right.keys).filter { left[$0] != right[$0] }.sorted()
                    mismatches.append(
                        "\(path) record \(native.origin.position): "
                            + differing.prefix(3).map { "\($0): \(left[$0] ?? "-") | \(right[$0] ?? "-")" }.joined(separator: "; ")
                            + (sameTime ? "" : " time \(native.time?.description ?? "-") | \(fromJSON.time?.description ?? "-")"))
                }
            }
        }
        #expect(records >= 10_000)
        #expect(mismatches.isEmpty, "\(mismatches.count) of \(records) differ: \(mismatches.prefix(8).joined(separator: "\n"))")
    }

    @Test("every EVTX event has the System fields rules filter on; process creation has Image and CommandLine")
    func sigmaFields() throws {
        var processCreations = (sysmon: 0, security: 0)
        var withoutChannel: Set<String> = []
        for path in try Self.files() {
            for (event, _) in try Self.native(path) {
                for name in ["EventID", "Provider_Name", "Computer", "EventRecordID"] {
                    #expect(event.value(FieldName(name)) != nil, "\(path) record \(event.origin.position): \(name)")
                }
                if event.value("Channel") == nil { withoutChannel.insert(URL(fileURLWithPath: path).lastPathComponent) }
                #expect(event.time != nil)
                let channel = event.text("Channel")
                let id = event.text("EventID")
                if channel == "Microsoft-Windows-Sysmon/Operational" && id == "1" {
                    processCreations.sysmon += 1
                } else if channel == "Security" && id == "4688" {
                    processCreations.security += 1
                } else {
                    continue
                }
                #expect(!(event.text("Image") ?? "").isEmpty, "\(path) record \(event.origin.position)")
                #expect(event.value("CommandLine") != nil, "\(path) record \(event.origin.position)")
            }
        }
        // An ETW capture saved as EVTX: its records have an empty <Channel/>.
        #expect(withoutChannel == ["etw_rpc_zerologon.evtx"])
        #expect(processCreations.sysmon > 50)
        #expect(processCreations.security > 10)
    }
}
