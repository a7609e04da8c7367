import EVTX
import EventLog
import Foundation
import Hunt
import STIX
import TestSupport
import Testing

/// Records written by hand (`SyntheticEVTX`) for what the shared samples do not cover: every
/// value type, nested BinXML, arrays, empty and NULL values, and templates that refer to
/// themselves.
@Suite("EVTX synthetic records")
struct SyntheticRecordTests {
    typealias Value = (type: UInt8, bytes: [UInt8])
    typealias L = SyntheticEVTX

    static let values: [(name: String, value: Value)] = [
        ("string", (0x01, "héllo wörld".utf16.flatMap { L.le($0) })),
        ("ansi", (0x02, Array("ansi".utf8) + [0xE9])),
        ("int8", (0x03, L.le(Int8(-5)))),
        ("uint8", (0x04, L.le(UInt8(250)))),
        ("int16", (0x05, L.le(Int16(-300)))),
        ("uint16", (0x06, L.le(UInt16(60000)))),
        ("int32", (0x07, L.le(Int32(-70000)))),
        ("uint32", (0x08, L.le(UInt32(4_000_000_000)))),
        ("int64", (0x09, L.le(Int64(-5_000_000_000)))),
        ("uint64", (0x0A, L.le(UInt64(18_000_000_000_000_000_000)))),
        ("real32", (0x0B, L.le(Float(1.5).bitPattern))),
        ("real64", (0x0C, L.le(Double(-2.25).bitPattern))),
        ("bool", (0x0D, L.le(UInt32(1)))),
        ("binary", (0x0E, [0xDE, 0xAD, 0xBE, 0xEF])),
        ("guid", (0x0F, [0x25, 0x96, 0x84, 0x54, 0x78, 0x54, 0x94, 0x49, 0xA5, 0xBA, 0x3E, 0x3B, 0x03, 0x28, 0xC3, 0x0D])),
        ("sizet32", (0x10, L.le(UInt32(0x1234)))),
        ("sizet64", (0x10, L.le(UInt64(0x1_0000_1234)))),
        ("filetime", (0x11, L.le(UInt64(132_000_000_001_234_567)))),
        ("systime", (0x12, [2021, 3, 4, 4, 5, 6, 7, 890].flatMap { L.le(UInt16($0)) })),
        ("sid", (0x13, [1, 4, 0, 0, 0, 0, 0, 5] + [21, 1, 2, 500].flatMap { L.le(UInt32($0)) })),
        ("hex32", (0x14, L.le(UInt32(0x1F)))),
        ("hex64", (0x15, L.le(UInt64(0xDE_ADBE_EF00)))),
        ("empty", (0x01, [])),
        ("null", (0x00, [])),
        ("strings", (0x81, L.utf16z("a") + L.utf16z("bb"))),
        ("numbers", (0x86, [1, 2, 3].flatMap { L.le(UInt16($0)) })),
    ]

    /// One record: `<Event><EventData><Data Name="...">%N</Data>...<Data Name="nested">%M</Data>`,
    /// the last value a nested BinXML fragment.
    static func valuesFile() -> [UInt8] {
        let record = L.record(id: 1, at: 512) { writer in
            writer.fragmentHeader()
            var values = Self.values.map(\.value)
            // The nested BinXML value is written where the value data lands, so its offsets
            // must be known: it is built last, against its final position.
            values.append((0x21, []))
            var probe = writer
            probe.templateInstance(guid: 1, values: values, definition: Self.definition)
            let nestedStart = probe.position - 0
            var nested = BinXMLWriter(base: nestedStart)
            nested.fragmentHeader()
            nested.templateInstance(guid: 2, values: [(0x01, "inner".utf16.flatMap { L.le($0) })]) { inner in
                inner.fragmentHeader()
                inner.openElement("Inner")
                inner.closeStart()
                inner.substitution(0, type: 0x01)
                inner.endElement()
                inner.endOfFragment()
            }
            nested.endOfFragment()
            values[values.count - 1] = (0x21, nested.bytes)
            writer.templateInstance(guid: 1, values: values, definition: Self.definition)
            writer.endOfFragment()
        }
        return L.file(chunks: [L.chunk(firstID: 1, records: [{ _ in record }])])
    }

    static func definition(_ writer: inout BinXMLWriter) {
        writer.fragmentHeader()
        writer.openElement("Event")
        writer.closeStart()
        writer.openElement("EventData")
        writer.closeStart()
        for (index, entry) in (values.map(\.name) + ["nested"]).enumerated() {
            writer.openElement("Data", attributes: true)
            writer.attribute("Name")
            writer.text(entry)
            writer.closeStart()
            writer.substitution(UInt16(index), type: 0x01, optional: true)
            writer.endElement()
        }
        writer.endElement()
        writer.endElement()
        writer.endOfFragment()
    }

    static func dump(_ bytes: [UInt8], carve: Bool = false) throws -> (lines: [String], summary: EVTXFileSummary) {
        var output: [UInt8] = []
        var summary: EVTXFileSummary?
        try RecordDump(format: .jsonl, options: .init(threads: 2, carve: carve)).run([MemoryByteStream(bytes, path: "synthetic.evtx")]) { text in
            output.append(contentsOf: text)
        } finished: { summary = $0 }
        return (String(decoding: output, as: UTF8.self).split(separator: "\n").map(String.init), try #require(summary))
    }

    @Test("every value type renders as the evtx crate renders it")
    func valueTypes() throws {
        let (lines, summary) = try Self.dump(Self.valuesFile())
        #expect(summary.skipped.isEmpty, "\(summary.skipped)")
        #expect(summary.warnings.isEmpty, "\(summary.warnings)")
        let line = try #require(lines.first)
        let data = try #require(try JSONParser.parse(line, duplicateKeys: .lastWins).objectValue?["Event"]?.objectValue?["EventData"]?.objectValue)
        let expected: [String: JSONValue] = [
            "string": "héllo wörld", "ansi": "ansié", "int8": -5, "uint8": 250, "int16": -300, "uint16": 60000,
            "int32": -70000, "uint32": 4_000_000_000, "int64": -5_000_000_000, "real32": "1.5", "real64": "-2.25",
            "bool": true, "binary": "DEADBEEF", "guid": "54849625-5478-4994-A5BA-3E3B0328C30D", "sizet32": "0x1234",
            "sizet64": "0x100001234", "filetime": "2019-04-17T18:40:00.123456Z", "systime": "2021-03-04T05:06:07.890000Z",
            "sid": "S-1-5-21-1-2-500", "hex32": "0x1f", "hex64": "0xdeadbeef00", "empty": "", "null": "",
        ]
        for (name, value) in expected { #expect(data[name] == value, "\(name): \(data[name].map(\.description) ?? "missing")") }
        #expect(data["uint64"]?.doubleValue == 18_000_000_000_000_000_000)
        // Arrays repeat their element; nested BinXML becomes elements.
        #expect(data["nested"] == ["Inner": "inner"])
        #expect(line.contains("\"strings\":\"a\"") && line.contains("\"strings\":\"bb\""))
        #expect(line.contains("\"numbers\":1") && line.contains("\"numbers\":3"))
    }

    @Test("the synthetic record equals the crate's rendering", .enabled(if: Peers.isUsable, Peers.skipReason))
    func againstCrate() throws {
        let folder = try TemporaryFolder()
        let path = folder.path("values.evtx")
        try Data(Self.valuesFile()).write(to: URL(fileURLWithPath: path))
        let tools = try #require(SharedData.root?.deletingLastPathComponent().appendingPathComponent("tools"))
        let result = try runProcess(Peers.venv.appendingPathComponent("bin/python").path, [
            tools.appendingPathComponent("evtx2jsonl.py").path, "-q", path,
        ])
        let theirs = try JSONParser.parse(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines), duplicateKeys: .lastWins)
        let ours = try JSONParser.parse(try #require(try Self.dump(Self.valuesFile()).lines.first), duplicateKeys: .lastWins)
        let ourData = ours.objectValue?["Event"]?.objectValue?["EventData"]?.objectValue
        let theirData = theirs.objectValue?["Event"]?.objectValue?["EventData"]?.objectValue
        for (key, value) in try #require(theirData) {
            #expect(ourData?[key] == value, "\(key): ours \(ourData?[key].map(\.description) ?? "missing"), theirs \(value)")
        }
        #expect(ours == theirs)
    }

    @Test("a template that instantiates itself is refused, not followed forever")
    func recursiveTemplate() throws {
        let record = L.record(id: 7, at: 512) { writer in
            writer.fragmentHeader()
            // The definition holds a template instance pointing back at the definition.
            let definitionOffset = writer.position + 10
            writer.templateInstance(guid: 9, values: []) { body in
                body.fragmentHeader()
                body.openElement("Event")
                body.closeStart()
                body.templateInstance(definitionAt: definitionOffset, values: [])
                body.endElement()
                body.endOfFragment()
            }
            writer.endOfFragment()
        }
        let (lines, summary) = try Self.dump(L.file(chunks: [L.chunk(firstID: 7, records: [{ _ in record }])]))
        #expect(lines.isEmpty)
        #expect(summary.records == 0)
        #expect(summary.skipped.count == 1)
        #expect(summary.skipped.first?.description.contains("nested deeper") ?? false, "\(summary.skipped)")
    }
}
