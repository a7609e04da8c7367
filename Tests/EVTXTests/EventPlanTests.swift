import EVTX
import EventLog
import Foundation
import TestSupport
import Testing

/// Events built through per-shape plans equal events built from each record's tree, for
/// every record of every shared EVTX file; the plans are reused across chunks and files as a
/// hunt reuses them.
@Suite("Event plans", .enabled(if: SharedData.isUsable, SharedData.skipReason))
struct EventPlanTests {
    /// The events of a file's chunks, read with `scratch` and `names`.
    static func events(_ data: Data, scratch: EVTXChunkScratch, names: FieldNameCache) -> [Event] {
        var events: [Event] = []
        EVTXRecords.forEach(in: data, scratch: scratch) { events.append($0.event(names: names)) }
        return events
    }

    @Test("planned events equal tree-built events for every shared record")
    func plannedEqualsTreeBuilt() throws {
        let planned = EVTXChunkScratch()
        let plannedNames = FieldNameCache()
        let built = EVTXChunkScratch(eventPlans: false)
        let builtNames = FieldNameCache()
        var records = 0
        var differences: [String] = []
        for path in try CrateConformanceTests.sharedEVTXFiles() {
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            // Twice over, so that the second pass meets only shapes whose plans exist.
            for _ in 0..<2 {
                let fromPlans = Self.events(data, scratch: planned, names: plannedNames)
                let fromTrees = Self.events(data, scratch: built, names: builtNames)
                #expect(fromPlans.count == fromTrees.count, "\(path)")
                for (position, (left, right)) in zip(fromPlans, fromTrees).enumerated() where left != right {
                    differences.append("\(path) #\(position): \(left) vs \(right)")
                }
                records += fromTrees.count
            }
        }
        #expect(records >= 30_000)
        #expect(differences.isEmpty, "\(differences.count) events differ: \(differences.prefix(3))")
    }
}

/// A record read through its field reader answers as the event the record builds: the same
/// names (aliases included), texts, values, time and position, for every shared record whose
/// shape has a plan.
@Suite("Field readers", .enabled(if: SharedData.isUsable, SharedData.skipReason))
struct FieldReaderTests {
    @Test("field readers answer as the events of every shared record")
    func readersAnswerAsEvents() throws {
        let scratch = EVTXChunkScratch()
        let names = FieldNameCache()
        var read = 0
        var built = 0
        var aliased = 0
        var listed = 0
        var formatted = 0
        var textKinds = 0
        var listItems = 0
        var differences: [String] = []
        for path in try CrateConformanceTests.sharedEVTXFiles() {
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            EVTXRecords.forEach(in: data, scratch: scratch) { record in
                let event = record.event(names: names)
                record.withFieldReader(names: names) { reader in
                    guard let reader else {
                        built += 1
                        return
                    }
                    read += 1
                    if let difference = Self.difference(reader, event, formatted: &formatted, textKinds: &textKinds, listItems: &listItems) {
                        differences.append("\(path) record \(record.recordID): \(difference)")
                    }
                    if event.value("NewProcessName") != nil && event.value("Image") != nil { aliased += 1 }
                    if event.fields.contains(where: { if case .list = $0.value { true } else { false } }) { listed += 1 }
                }
            }
        }
        // Every shape's first record is built from its tree, and so are shapes without a plan.
        #expect(read > 10_000 && read > 2 * built, "\(read) read, \(built) built")
        // Security 4688 events get Image from NewProcessName through the alias.
        #expect(aliased > 0)
        // Records whose arrays repeat an element (classic events' insertion strings) have plans too.
        #expect(listed > 1_000, "\(listed) read records with lists")
        // Their items are read one by one, without building the list.
        #expect(listItems > 5_000, "\(listItems) list items read one by one")
        // GUIDs, SIDs, times and hexadecimal numbers are known as such without decoding them.
        #expect(formatted > 10_000, "\(formatted) formatted texts")
        #expect(textKinds > 100_000, "\(textKinds) fields' kinds known from their plans")
        #expect(differences.isEmpty, "\(differences.count) records differ: \(differences.prefix(3))")
    }

    /// How the reader differs from the event, or nil.
    static func difference(
        _ reader: EventFieldReader, _ event: Event, formatted: inout Int, textKinds: inout Int, listItems: inout Int
    ) -> String? {
        if reader.event() != event { return "event() differs" }
        if Array(reader.fieldNames) != event.fields.map(\.name) { return "names \(Array(reader.fieldNames)) vs \(event.fields.map(\.name))" }
        if reader.time != event.time || reader.position != event.origin.position || reader.format != event.origin.format {
            return "time, position or format"
        }
        var buffer = RenderBuffer()
        for (index, field) in event.fields.enumerated() {
            buffer.removeAll()
            let found = reader.appendText(index, to: &buffer)
            switch field.value {
            case .string(let text):
                if found != .appended || buffer.array() != Array(text.utf8) { return "\(field.name): text \(buffer.array()) vs \(text)" }
            case .list(let items):
                if found != .list || buffer.count != 0 || reader.textIsFormatted(index) { return "\(field.name): not a list" }
                if let count = reader.itemCount(index) {
                    if count != items.count { return "\(field.name): \(count) items vs \(items.count)" }
                    if let difference = itemDifference(reader, index, items) { return "\(field.name): \(difference)" }
                    listItems += count
                }
            default:
                if found != .value || buffer.count != 0 { return "\(field.name): not a value" }
            }
            if reader.textIsFormatted(index) {
                formatted += 1
                let folded = field.value.text.utf8.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }
                if !folded.allSatisfy(EventFieldReader.formattedCharacters.contains) { return "\(field.name): \(field.value) is not formatted text" }
            }
            if reader.fieldValue(index) != field.value { return "\(field.name): value \(reader.fieldValue(index)) vs \(field.value)" }
            // The kinds a reader gives for the whole record (a plan's, made once) say what it
            // says field by field.
            if let kinds = reader.fieldTextKinds {
                let expected: FieldTextKind = reader.textIsFormatted(index) ? .formatted : reader.utf16Text(index) != nil ? .utf16 : .other
                if kinds[index] != expected { return "\(field.name): kind \(kinds[index]) vs \(expected)" }
                textKinds += 1
            }
        }
        return nil
    }

    /// How the reader's items of a list field differ from the event's list, or nil.
    static func itemDifference(_ reader: EventFieldReader, _ index: Int, _ items: [FieldValue]) -> String? {
        var buffer = RenderBuffer()
        for (item, value) in items.enumerated() {
            buffer.removeAll()
            let found = reader.appendItemText(index, item, to: &buffer)
            if case .string(let text) = value {
                if found != .appended || buffer.array() != Array(text.utf8) {
                    return "item \(item): text \(String(decoding: buffer.array().prefix(60), as: UTF8.self)) vs \(text.prefix(60))"
                }
            } else if found != .value || buffer.count != 0 {
                return "item \(item): not a value"
            }
            if reader.itemValue(index, item) != value { return "item \(item): value \(reader.itemValue(index, item)) vs \(value)" }
            if let units = reader.itemUTF16Text(index, item) {
                let codeUnits = (0..<(units.count / 2)).map { units.loadUnaligned(fromByteOffset: $0 * 2, as: UInt16.self) }
                let decoded = String(decoding: codeUnits.prefix { $0 != 0 }, as: UTF16.self)
                if value != .string(decoded) { return "item \(item): units \(decoded) vs \(value)" }
            }
        }
        return nil
    }
}
