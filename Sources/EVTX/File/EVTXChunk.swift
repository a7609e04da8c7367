import EventLog

/// One record as the chunk reader hands it out: its identity, and renderers for its XML.
///
/// It is valid only inside the `visit` closure of `EVTXChunk.read`: it borrows the chunk's
/// bytes and the reader's reusable buffers. JSON is rendered through the chunk's compiled
/// plan for the record's shape when there is one; XML and events need the record's tree,
/// which is then built.
public struct EVTXRecordView {
    public let recordID: UInt64
    /// When the record was written (the record header's FILETIME).
    public let writtenTime: EventTime
    /// Found by scanning slack space or an unallocated chunk (`--carve`), not in the record list.
    public let recovered: Bool
    /// Where the record starts inside its chunk.
    public let chunkOffset: Int

    let context: ChunkContext
    let scratch: EVTXChunkScratch

    /// Appends the record as one line of `evtx`-crate-shaped JSON (no newline).
    public func appendJSON(to output: inout RenderBuffer) {
        scratch.appendJSON(context: context, to: &output)
    }

    /// Appends the record as an indented XML document (no XML declaration).
    public func appendXML(to output: inout RenderBuffer) {
        guard let tree = scratch.tree() else {
            output.append(utf8: "<!-- record \(recordID) could not be rendered: \(scratch.treeError.map { "\($0)" } ?? "") -->\n")
            return
        }
        XMLRenderer(context: context, tree: tree).render(to: &output)
    }

    /// The record as an `Event`, fields named as Sigma rules name them. `names` caches the
    /// names `mapping` gives paths: pass the same cache for many records of one thread.
    public func event(mapping: EVTXFieldMapping = .standard, names: FieldNameCache = FieldNameCache()) -> Event {
        scratch.event(self, mapping: mapping, names: names)
            ?? Event(time: writtenTime, origin: EventOrigin(format: "evtx", position: recordID, recovered: recovered))
    }

    /// Calls `body` with a reader that decodes the record's fields as they are asked for, when
    /// the record's shape allows (its event plan, recorded by `event` with the same `names`,
    /// is known); with nil otherwise, when `event` gives the fields. The reader answers as
    /// `event` would (with the mapping the plan was recorded with) and is valid only inside
    /// `body`.
    public func withFieldReader<T>(names: FieldNameCache, _ body: (EventFieldReader?) -> T) -> T {
        scratch.withFieldReader(self, names: names, body)
    }
}

/// What reading one chunk found.
public struct EVTXChunkSummary: Sendable {
    public var index: Int
    /// Records read from the record list.
    public var records = 0
    /// Records recovered from slack space or an unallocated chunk.
    public var recovered = 0
    /// Records that could not be read, with the reason for each.
    public var skipped: [EVTXError] = []
    /// Problems that cost no record (checksum mismatches).
    public var warnings: [EVTXError] = []
    /// Whether the chunk was unusable as a whole (no header): its records are lost unless carved.
    public var unreadable: EVTXError?
}

/// Reads the records of one 64 KiB chunk.
///
/// The record list runs from offset 512 to the header's free-space offset. A record whose
/// header is broken (signature, size, copy of the size) ends the list: the records after it
/// are recovered records, not live ones (libyal's description of corrupt event records), and
/// are read only when carving; a record whose XML cannot be built costs that record only.
/// With `carve`, the rest of the chunk after the list or the corrupt record (and a chunk
/// without a header) is scanned for record headers whose size and size copy agree; records
/// found there are marked recovered, except those whose identifier was already read
/// (`knownIDs`).
public enum EVTXChunk {
    static let recordSignature: UInt32 = 0x0000_2A2A
    static let recordHeaderSize = 24

    /// Reads the records of a chunk's bytes (64 KiB; a shorter buffer is read as far as it goes).
    public static func read(
        _ chunk: [UInt8], index: Int, fileOffset: Int, carve: Bool = false, knownIDs: Set<UInt64> = [], scratch: EVTXChunkScratch? = nil,
        visit: (EVTXRecordView) -> Void
    ) -> EVTXChunkSummary {
        chunk.withUnsafeBytes { bytes in
            read(bytes, index: index, fileOffset: fileOffset, carve: carve, knownIDs: knownIDs, scratch: scratch, visit: visit)
        }
    }

    package static func read(
        _ bytes: UnsafeRawBufferPointer, index: Int, fileOffset: Int, carve: Bool = false,
        knownIDs: Set<UInt64> = [], scratch: EVTXChunkScratch? = nil, visit: (EVTXRecordView) -> Void
    ) -> EVTXChunkSummary {
        var summary = EVTXChunkSummary(index: index)
        let scratch = scratch ?? EVTXChunkScratch()
        let context = ChunkContext(bytes: bytes, index: index, registry: scratch.registry)
        scratch.start(context)
        // Identifiers are only tracked when carving needs them to skip copies of records.
        var seen = knownIDs

        let header: EVTXChunkHeader
        do {
            header = try EVTXChunkHeader(bytes)
        } catch {
            let zeroed = bytes.allSatisfy { $0 == 0 }
            summary.unreadable = .chunk(index: index, fileOffset: fileOffset, reason: zeroed ? "all zeros (no chunk header)" : "no chunk header")
            if zeroed { return summary }
            if carve {
                scan(bytes, from: 0, to: bytes.count, recovered: true, context: context, scratch: scratch, seen: &seen, summary: &summary, visit: visit)
            }
            return summary
        }
        if !header.headerChecksumMatches {
            summary.warnings.append(
                .chunk(index: index, fileOffset: fileOffset, reason:
                    "header checksum \(hex32(header.computedHeaderChecksum)) does not match the stored \(hex32(header.storedHeaderChecksum))"))
        }
        let recordsEnd = min(header.recordsEnd(chunkSize: EVTXFileHeader.chunkSize), bytes.count)
        if recordsEnd > EVTXChunkHeader.recordsOffset {
            let computed = CRC32.checksum(UnsafeRawBufferPointer(rebasing: bytes[EVTXChunkHeader.recordsOffset..<recordsEnd]))
            if computed != header.storedRecordsChecksum {
                summary.warnings.append(
                    .chunk(index: index, fileOffset: fileOffset, reason:
                        "records checksum \(hex32(computed)) does not match the stored \(hex32(header.storedRecordsChecksum))"))
            }
        }

        var offset = EVTXChunkHeader.recordsOffset
        // Where carving starts: the slack after the record list, or the first corrupt record.
        var carveFrom = recordsEnd
        while offset + recordHeaderSize <= recordsEnd {
            if let size = validRecordSize(bytes, at: offset) {
                readRecord(bytes, at: offset, size: size, recovered: false, context: context, scratch: scratch, seen: &seen, summary: &summary, visit: visit, carving: carve)
                offset += size
                continue
            }
            if bytes.u32(at: offset) == 0 && allZero(bytes, offset..<recordsEnd) { break }
            // A corrupt record ends the record list: what follows it is recovered, not live
            // (libyal's EVTX description, "Corrupt event record"), and read only when carving.
            summary.skipped.append(
                .record(chunk: index, chunkOffset: offset, recordID: nil, reason: describeBadHeader(bytes, at: offset, end: recordsEnd)))
            carveFrom = offset + 8
            if !carve {
                let left = recordHeaders(bytes, after: offset, before: recordsEnd)
                if left > 0 {
                    summary.warnings.append(
                        .chunk(index: index, fileOffset: fileOffset, reason:
                            "\(left) record(s) after the corrupt record at chunk offset \(offset) are not read as live; --carve recovers them"))
                }
            }
            break
        }
        if carve && carveFrom < bytes.count {
            scan(bytes, from: carveFrom, to: bytes.count, recovered: true, context: context, scratch: scratch, seen: &seen, summary: &summary, visit: visit)
        }
        return summary
    }

    /// The size of the record at `offset` if its header is sound: signature, a size that fits,
    /// and the copy of the size at its end.
    static func validRecordSize(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> Int? {
        guard offset >= 0, offset + recordHeaderSize + 4 <= bytes.count, bytes.u32(at: offset) == recordSignature else { return nil }
        let size = Int(bytes.u32(at: offset + 4))
        guard size >= recordHeaderSize + 4, size <= bytes.count - offset else { return nil }
        guard Int(bytes.u32(at: offset + size - 4)) == size else { return nil }
        return size
    }

    private static func describeBadHeader(_ bytes: UnsafeRawBufferPointer, at offset: Int, end: Int) -> String {
        guard bytes.u32(at: offset) == recordSignature else { return "no record signature" }
        let size = Int(bytes.u32(at: offset + 4))
        guard size >= recordHeaderSize + 4, size <= bytes.count - offset else {
            return "record size \(size) points past the chunk"
        }
        return "record size \(size) does not match its copy \(bytes.u32(at: offset + size - 4))"
    }

    /// How many sound record headers follow `offset` (8-byte aligned, as records are) before `end`.
    private static func recordHeaders(_ bytes: UnsafeRawBufferPointer, after offset: Int, before end: Int) -> Int {
        var count = 0
        var position = offset + 8
        while position + recordHeaderSize <= end {
            if let size = validRecordSize(bytes, at: position) {
                count += 1
                position += size
            } else {
                position += 8
            }
        }
        return count
    }

    static func hex32(_ value: UInt32) -> String {
        let digits = String(value, radix: 16)
        return "0x" + String(repeating: "0", count: 8 - digits.count) + digits
    }

    private static func allZero(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) -> Bool {
        UnsafeRawBufferPointer(rebasing: bytes[range]).allSatisfy { $0 == 0 }
    }

    /// Scans a region for record headers (carving).
    private static func scan(
        _ bytes: UnsafeRawBufferPointer, from start: Int, to end: Int, recovered: Bool, context: ChunkContext,
        scratch: EVTXChunkScratch, seen: inout Set<UInt64>, summary: inout EVTXChunkSummary, visit: (EVTXRecordView) -> Void
    ) {
        var position = start + (8 - start % 8) % 8
        while position + recordHeaderSize <= end {
            guard let size = validRecordSize(bytes, at: position), position + size <= end else {
                position += 8
                continue
            }
            let id = bytes.u64(at: position + 8)
            if seen.contains(id) {
                position += size
                continue
            }
            let before = summary.recovered
            readRecord(bytes, at: position, size: size, recovered: true, context: context, scratch: scratch, seen: &seen, summary: &summary, visit: visit, quietFailures: true, carving: true)
            position += summary.recovered > before ? size : 8
        }
    }

    private static func readRecord(
        _ bytes: UnsafeRawBufferPointer, at offset: Int, size: Int, recovered: Bool, context: ChunkContext,
        scratch: EVTXChunkScratch, seen: inout Set<UInt64>, summary: inout EVTXChunkSummary,
        visit: (EVTXRecordView) -> Void, quietFailures: Bool = false, carving: Bool
    ) {
        let id = bytes.u64(at: offset + 8)
        let written = EventTime(fileTime: bytes.u64(at: offset + 16))
        do {
            try scratch.prepare(range: (offset + recordHeaderSize)..<(offset + size - 4), context: context)
        } catch {
            // Carving finds candidates; one that does not parse is not a lost record.
            if !quietFailures {
                summary.skipped.append(.record(chunk: context.index, chunkOffset: offset, recordID: id, reason: error.description))
            }
            return
        }
        if carving { seen.insert(id) }
        if recovered { summary.recovered += 1 } else { summary.records += 1 }
        visit(EVTXRecordView(recordID: id, writtenTime: written, recovered: recovered, chunkOffset: offset, context: context, scratch: scratch))
    }
}

/// Buffers a chunk reader reuses from chunk to chunk (one per thread), and the state of the
/// record being read: its shape scan, whether its tree is built. One thread uses a scratch at a
/// time, so its state is read and written without exclusivity checks.
public final class EVTXChunkScratch: @unchecked Sendable {
    @exclusivity(unchecked) private var builder: TreeBuilder
    @exclusivity(unchecked) private var scan = ShapeScan()
    @exclusivity(unchecked) private var range = 0..<0
    @exclusivity(unchecked) private var planKey: PlanKey?
    @exclusivity(unchecked) private var treeBuilt = false
    private(set) var treeError: EVTXError?
    let registry: TemplateRegistry
    /// Whether events are built through plans (off: always from the tree, for tests that
    /// compare the two).
    private let eventPlans: Bool
    /// Text of the value being decoded through an event plan.
    @exclusivity(unchecked) private var valueText = RenderBuffer(capacity: 4096)
    private let fieldReader = PlanFieldReader()
    /// What `prepare` found of the record's shape's event plan: nil when none was recorded
    /// yet, `.some(nil)` when the shape has none.
    @exclusivity(unchecked) private var shapeEventPlan: EventPlan??

    /// Buffers for one thread; threads of one run pass the same `shared` templates.
    public init(shared: SharedTemplates? = nil, eventPlans: Bool = true) {
        registry = TemplateRegistry(shared: shared)
        self.eventPlans = eventPlans
        builder = TreeBuilder(context: ChunkContext(bytes: UnsafeRawBufferPointer(start: nil, count: 0), index: -1))
    }

    func start(_ context: ChunkContext) { builder.context = context }

    /// Checks a record: its shape if it has a plan already, else by building its tree.
    func prepare(range: Range<Int>, context: ChunkContext) throws(EVTXError) {
        self.range = range
        treeError = nil
        // The previous record's key shares the scan's key buffer: let it go first, or clearing
        // the buffer for this record would copy it.
        planKey = nil
        scan.scan(context, range: range)
        planKey = scan.eligible ? PlanKey(scan.key) : nil
        shapeEventPlan = nil
        if let planKey {
            // Event plans first: a hunt never makes JSON plans, and asking for one goes to the
            // plans shared between threads, behind a lock, for every record.
            if eventPlans {
                shapeEventPlan = registry.eventPlan(planKey)
                if case .some(.some) = shapeEventPlan {
                    treeBuilt = false
                    return
                }
            }
            if registry.plan(planKey) != nil {
                treeBuilt = false
                return
            }
        }
        try builder.build(range: range, scan: scan.eligible ? scan : nil)
        treeBuilt = true
    }

    /// The record's tree, built now if the record went the plan path; nil if it fails.
    func tree() -> RecordTree? {
        if !treeBuilt && treeError == nil {
            do {
                try builder.build(range: range, scan: scan.eligible ? scan : nil)
                treeBuilt = true
            } catch {
                treeError = error
            }
        }
        return treeBuilt ? builder.tree : nil
    }

    /// Calls `body` with a reader of the record's fields when its shape's event plan is known
    /// (every record of a shape but the first), else with nil.
    func withFieldReader<T>(_ record: EVTXRecordView, names: FieldNameCache, _ body: (EventFieldReader?) -> T) -> T {
        guard eventPlans, planKey != nil, registry.eventPlanOwner == ObjectIdentifier(names),
            case .some(.some(let plan)) = shapeEventPlan
        else { return body(nil) }
        return scan.values.withUnsafeBufferPointer { values in
            fieldReader.start(
                plan, values: values, bytes: record.context.bytes, recordID: record.recordID, writtenTime: record.writtenTime,
                recovered: record.recovered)
            defer { fieldReader.finish() }
            return body(fieldReader)
        }
    }

    /// The record's event: through its shape's plan, recording the plan from the tree the
    /// first time; from the tree alone when the shape has none. Nil when the tree fails.
    func event(_ record: EVTXRecordView, mapping: EVTXFieldMapping, names: FieldNameCache) -> Event? {
        let owner = ObjectIdentifier(names)
        if eventPlans, let planKey, registry.eventPlanOwner == nil || registry.eventPlanOwner == owner {
            switch shapeEventPlan {
            case .some(.some(let plan)):
                return scan.values.withUnsafeBufferPointer { values in
                    plan.event(
                        values, record.context.bytes, recordID: record.recordID, writtenTime: record.writtenTime, recovered: record.recovered,
                        text: &valueText)
                }
            case .none:
                guard let tree = tree() else { return nil }
                let (event, plan) = EventBuilder(context: record.context, tree: tree, mapping: mapping, names: names)
                    .eventAndPlan(recordID: record.recordID, writtenTime: record.writtenTime, recovered: record.recovered)
                registry.storeEventPlan(plan, for: planKey, owner: owner)
                shapeEventPlan = .some(plan)
                return event
            case .some(.none):
                break
            }
        }
        guard let tree = tree() else { return nil }
        return EventBuilder(context: record.context, tree: tree, mapping: mapping, names: names)
            .event(recordID: record.recordID, writtenTime: record.writtenTime, recovered: record.recovered)
    }

    func appendJSON(context: ChunkContext, to output: inout RenderBuffer) {
        if let planKey {
            if let plan = registry.plan(planKey) {
                plan.render(scan, context.bytes, to: &output)
                return
            }
            if let tree = tree() {
                // The first record of this shape in the chunk: make its plan.
                var recorded = RenderBuffer(capacity: 4096)
                JSONRenderer.render(context: context, tree: tree, recording: true, to: &recorded)
                let plan = recorded.withBytes { JSONPlan(recorded: $0) }
                registry.store(plan, for: planKey)
                plan.render(scan, context.bytes, to: &output)
                return
            }
        }
        guard let tree = tree() else { return }
        JSONRenderer.render(context: context, tree: tree, to: &output)
    }
}
