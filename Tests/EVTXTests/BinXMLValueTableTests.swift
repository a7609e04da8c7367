import EVTX
import Foundation
import Hunt
import STIX
import TestSupport
import Testing

/// Every BinXML value type in every place the format allows a value: a substitution in
/// element content and in an attribute, a value-text token in element content and in an
/// attribute, an array substitution, a BinXML value holding a template instance, a BinXML
/// value holding a bare element, and a record whose BinXML is a bare element with no template.
/// Each case is one record of a synthetic file, rendered by Vigil and by the `evtx` crate and
/// compared whole; the few places where the two differ by design are listed with the reason.
@Suite("EVTX value types × positions")
struct BinXMLValueTableTests {
    typealias L = SyntheticEVTX

    /// Where a value sits.
    enum Position: String, CaseIterable {
        case substitution, attributeSubstitution, valueText, attributeValueText, array, attributeArray
        case nestedTemplate, nestedElement, recordElement
    }

    struct ValueSample {
        var name: String
        var type: UInt8
        var bytes: [UInt8]
        /// The bytes of an array of two items of this type (nil: the type has no array form).
        var array: [UInt8]?
        /// Whether a value-text token can hold it (its size follows from its type).
        var inValueText = true
    }

    static let sid: [UInt8] = [1, 4, 0, 0, 0, 0, 0, 5] + [21, 1, 2, 500].flatMap { L.le(UInt32($0)) }
    static let guid: [UInt8] = [0x25, 0x96, 0x84, 0x54, 0x78, 0x54, 0x94, 0x49, 0xA5, 0xBA, 0x3E, 0x3B, 0x03, 0x28, 0xC3, 0x0D]
    static let systime: [UInt8] = [2021, 3, 4, 4, 5, 6, 7, 890].flatMap { L.le(UInt16($0)) }

    static func twice(_ bytes: [UInt8]) -> [UInt8] { bytes + bytes }

    static let samples: [ValueSample] = [
        ValueSample(name: "null", type: 0x00, bytes: [], array: nil),
        ValueSample(name: "string", type: 0x01, bytes: "héllo <wörld> & \"x\"".utf16.flatMap { L.le($0) }, array: L.utf16z("a") + L.utf16z("bb")),
        ValueSample(name: "ansi", type: 0x02, bytes: Array("ansi".utf8), array: nil, inValueText: false),
        ValueSample(name: "int8", type: 0x03, bytes: L.le(Int8(-5)), array: twice(L.le(Int8(-5)))),
        ValueSample(name: "uint8", type: 0x04, bytes: L.le(UInt8(250)), array: twice(L.le(UInt8(250)))),
        ValueSample(name: "int16", type: 0x05, bytes: L.le(Int16(-300)), array: twice(L.le(Int16(-300)))),
        ValueSample(name: "uint16", type: 0x06, bytes: L.le(UInt16(60000)), array: twice(L.le(UInt16(60000)))),
        ValueSample(name: "int32", type: 0x07, bytes: L.le(Int32(-70000)), array: twice(L.le(Int32(-70000)))),
        ValueSample(name: "uint32", type: 0x08, bytes: L.le(UInt32(4_000_000_000)), array: twice(L.le(UInt32(4_000_000_000)))),
        ValueSample(name: "int64", type: 0x09, bytes: L.le(Int64(-5_000_000_000)), array: twice(L.le(Int64(-5_000_000_000)))),
        ValueSample(name: "uint64", type: 0x0A, bytes: L.le(UInt64(5_000_000_000)), array: twice(L.le(UInt64(5_000_000_000)))),
        ValueSample(name: "real32", type: 0x0B, bytes: L.le(Float(1.5).bitPattern), array: twice(L.le(Float(1.5).bitPattern))),
        ValueSample(name: "real64", type: 0x0C, bytes: L.le(Double(-2.25).bitPattern), array: twice(L.le(Double(-2.25).bitPattern))),
        ValueSample(name: "bool", type: 0x0D, bytes: L.le(UInt32(1)), array: L.le(UInt32(1)) + L.le(UInt32(0))),
        ValueSample(name: "irregularBool", type: 0x0D, bytes: L.le(UInt32(16)), array: nil),
        ValueSample(name: "binary", type: 0x0E, bytes: [0xDE, 0xAD, 0xBE, 0xEF], array: nil, inValueText: false),
        ValueSample(name: "guid", type: 0x0F, bytes: guid, array: twice(guid)),
        ValueSample(name: "sizet", type: 0x10, bytes: L.le(UInt64(0x1_0000_1234)), array: nil, inValueText: false),
        ValueSample(name: "filetime", type: 0x11, bytes: L.le(UInt64(132_000_000_001_234_567)), array: twice(L.le(UInt64(132_000_000_001_234_567)))),
        ValueSample(name: "systime", type: 0x12, bytes: systime, array: twice(systime)),
        ValueSample(name: "sid", type: 0x13, bytes: sid, array: twice(sid)),
        ValueSample(name: "hex32", type: 0x14, bytes: L.le(UInt32(0x1F)), array: twice(L.le(UInt32(0x1F)))),
        ValueSample(name: "hex64", type: 0x15, bytes: L.le(UInt64(0xDE_ADBE_EF00)), array: twice(L.le(UInt64(0xDE_ADBE_EF00)))),
    ]

    struct Case {
        var sample: ValueSample
        var position: Position
        var name: String { "\(sample.name)-\(position.rawValue)" }
    }

    /// Every combination the format allows.
    static let cases: [Case] = samples.flatMap { sample in
        Position.allCases.compactMap { position -> Case? in
            switch position {
            case .array, .attributeArray:
                return sample.array == nil ? nil : Case(sample: sample, position: position)
            case .valueText, .attributeValueText, .nestedElement, .recordElement:
                return sample.inValueText ? Case(sample: sample, position: position) : nil
            default:
                return Case(sample: sample, position: position)
            }
        }
    }

    // MARK: Writing the cases

    /// `<Event><Case>NAME</Case><EventData>BODY</EventData></Event>` as a template definition.
    static func eventDefinition(_ name: String, _ writer: inout BinXMLWriter, body: (inout BinXMLWriter) -> Void) {
        writer.fragmentHeader()
        writer.openElement("Event")
        writer.closeStart()
        writer.openElement("Case")
        writer.closeStart()
        writer.text(name)
        writer.endElement()
        writer.openElement("EventData")
        writer.closeStart()
        body(&writer)
        writer.endElement()
        writer.endElement()
        writer.endOfFragment()
    }

    /// `<Data Name="v">` content `</Data>`, or `<Item Value="` content `"/>` for attributes.
    static func holder(_ attribute: Bool, _ writer: inout BinXMLWriter, content: (inout BinXMLWriter) -> Void) {
        if attribute {
            writer.openElement("Item", attributes: true)
            writer.attribute("Value")
            content(&writer)
            writer.closeEmpty()
        } else {
            writer.openElement("Data", attributes: true)
            writer.attribute("Name")
            writer.text("v")
            writer.closeStart()
            content(&writer)
            writer.endElement()
        }
    }

    static func record(_ test: Case, id: UInt64, guid: UInt8, at offset: Int) -> [UInt8] {
        let sample = test.sample
        return L.record(id: id, at: offset) { writer in
            writer.fragmentHeader()
            switch test.position {
            case .substitution, .attributeSubstitution:
                writer.templateInstance(guid: guid, values: [(sample.type, sample.bytes)]) { body in
                    eventDefinition(test.name, &body) { data in
                        holder(test.position == .attributeSubstitution, &data) { $0.substitution(0, type: sample.type, optional: true) }
                    }
                }
            case .array, .attributeArray:
                let type = sample.type | 0x80
                writer.templateInstance(guid: guid, values: [(type, sample.array ?? [])]) { body in
                    eventDefinition(test.name, &body) { data in
                        holder(test.position == .attributeArray, &data) { $0.substitution(0, type: type, optional: true) }
                    }
                }
            case .valueText, .attributeValueText:
                writer.templateInstance(guid: guid, values: []) { body in
                    eventDefinition(test.name, &body) { data in
                        holder(test.position == .attributeValueText, &data) { $0.valueText(type: sample.type, bytes: sample.bytes) }
                    }
                }
            case .nestedTemplate, .nestedElement:
                // The outer template substitutes a BinXML value, written against its final
                // position (its names are chunk offsets): measure first, then write.
                var values: [(type: UInt8, bytes: [UInt8])] = [(0x21, [])]
                let definition: (inout BinXMLWriter) -> Void = { body in
                    eventDefinition(test.name, &body) { $0.substitution(0, type: 0x21, optional: true) }
                }
                var probe = writer
                probe.templateInstance(guid: guid, values: values, definition: definition)
                var nested = BinXMLWriter(base: probe.position)
                if test.position == .nestedTemplate {
                    nested.fragmentHeader()
                    nested.templateInstance(guid: guid &+ 128, values: [(sample.type, sample.bytes)]) { inner in
                        inner.fragmentHeader()
                        holder(false, &inner) { $0.substitution(0, type: sample.type, optional: true) }
                        inner.endOfFragment()
                    }
                } else {
                    holderWithoutDependencyIDs(&nested, sample)
                }
                nested.endOfFragment()
                values[0] = (0x21, nested.bytes)
                writer.templateInstance(guid: guid, values: values, definition: definition)
            case .recordElement:
                writer.openElement("Event", dependencyID: false)
                writer.closeStart()
                writer.openElement("Case", dependencyID: false)
                writer.closeStart()
                writer.text(test.name)
                writer.endElement()
                writer.openElement("EventData", dependencyID: false)
                writer.closeStart()
                holderWithoutDependencyIDs(&writer, sample)
                writer.endElement()
                writer.endElement()
            }
            writer.endOfFragment()
        }
    }

    /// `<Data Name="v">value text</Data>` written as BinXML outside templates writes it.
    static func holderWithoutDependencyIDs(_ writer: inout BinXMLWriter, _ sample: ValueSample) {
        writer.openElement("Data", attributes: true, dependencyID: false)
        writer.attribute("Name")
        writer.text("v")
        writer.closeStart()
        writer.valueText(type: sample.type, bytes: sample.bytes)
        writer.endElement()
    }

    /// The cases as an EVTX file, up to 48 records a chunk.
    static func file() -> [UInt8] {
        var chunks: [[UInt8]] = []
        var id: UInt64 = 1
        for start in stride(from: 0, to: cases.count, by: 48) {
            let slice = Array(cases[start..<min(start + 48, cases.count)])
            let first = id
            chunks.append(
                L.chunk(firstID: first, records: slice.enumerated().map { index, test in
                    { offset in record(test, id: first + UInt64(index), guid: UInt8(index + 1), at: offset) }
                }))
            id += UInt64(slice.count)
        }
        return L.file(chunks: chunks)
    }

    /// Each line keyed by its case name (the `Case` element), parsed.
    static func byCase(_ lines: [Substring]) throws -> [String: JSONValue] {
        var result: [String: JSONValue] = [:]
        for line in lines where !line.isEmpty {
            let value = try JSONParser.parse(String(line), duplicateKeys: .keepAll)
            guard case .string(let name)? = value.objectValue?["Event"]?.objectValue?["Case"] else { continue }
            result[name] = value
        }
        return result
    }

    /// Where Vigil renders a case differently from the crate, and why.
    static let differences: [String: String] = [:]

    @Test("every value type in every position is read, and a value-text token of an unsized type is refused with its reason")
    func everyCaseReads() throws {
        let (lines, summary) = try SyntheticRecordTests.dump(Self.file())
        #expect(summary.skipped.isEmpty, "\(summary.skipped)")
        let ours = try Self.byCase(lines.map { Substring($0) })
        #expect(ours.count == Self.cases.count)
        #expect(Self.cases.count >= 150)
        // An unsized type in a value-text token cannot be read: that record is skipped, named.
        for sample in Self.samples where !sample.inValueText {
            let test = Case(sample: sample, position: .recordElement)
            let file = L.file(chunks: [L.chunk(firstID: 1, records: [{ Self.record(test, id: 1, guid: 1, at: $0) }])])
            let (lines, summary) = try SyntheticRecordTests.dump(file)
            #expect(lines.isEmpty)
            #expect(summary.skipped.count == 1)
            #expect(summary.skipped.first?.description.contains("has no length") ?? false, "\(summary.skipped)")
        }
    }

    @Test("every case renders as the evtx crate renders it", .enabled(if: Peers.isUsable, Peers.skipReason))
    func againstCrate() throws {
        let folder = try TemporaryFolder()
        let path = folder.path("values.evtx")
        try Data(Self.file()).write(to: URL(fileURLWithPath: path))
        let tools = try #require(Peers.tools)
        let result = try runProcess(Peers.venv.appendingPathComponent("bin/python").path, [
            tools.appendingPathComponent("evtx2jsonl.py").path, "-q", path,
        ])
        let theirs = try Self.byCase(result.stdout.split(separator: "\n"))
        let ours = try Self.byCase(try SyntheticRecordTests.dump(Self.file()).lines.map { Substring($0) })
        var mismatches: [String] = []
        for test in Self.cases {
            let name = test.name
            let mine = ours[name]
            let reference = theirs[name]
            if Self.differences[name] != nil {
                // A listed difference must still be one, or the list is stale.
                #expect(mine != nil && mine.map(JSONCanonical.text) != reference.map(JSONCanonical.text), "\(name) no longer differs")
                continue
            }
            if mine.map(JSONCanonical.text) != reference.map(JSONCanonical.text) {
                mismatches.append("\(name): ours \(mine.map(JSONCanonical.text) ?? "missing")\n  crate \(reference.map(JSONCanonical.text) ?? "missing")")
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) cases differ:\n\(mismatches.joined(separator: "\n"))")
    }
}
