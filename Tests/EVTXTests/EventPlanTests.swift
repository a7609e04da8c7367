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
        data.withUnsafeBytes { file in
            var offset = 4096
            var index = 0
            while offset + 65536 <= file.count {
                let chunk = UnsafeRawBufferPointer(rebasing: file[offset..<(offset + 65536)])
                _ = EVTXChunk.read(chunk, index: index, fileOffset: offset, scratch: scratch) { record in
                    events.append(record.event(names: names))
                }
                offset += 65536
                index += 1
            }
        }
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
