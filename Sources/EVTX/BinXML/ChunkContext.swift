import EventLog
import Synchronization
/// What the records of one chunk share: the chunk's bytes, and the names and template
/// definitions they reference by offset, each decoded once.
///
/// Everything a record points to must lie inside its chunk; offsets outside are errors, never
/// reads. The bytes are borrowed for as long as the chunk is being parsed.
final class ChunkContext {
    let bytes: UnsafeRawBufferPointer
    /// The chunk's position in the file (for messages).
    let index: Int

    private(set) var names: [String] = []
    private(set) var nameUTF8: [[UInt8]] = []
    /// All names' UTF-8 bytes one after another, and each name's (start, length) in them.
    private(set) var nameBytes: [UInt8] = []
    private(set) var nameSpans: [NameSpan] = []
    private var nameIDs: [UInt32: Int32] = [:]
    /// The same name stored at several offsets gets one id, so ids compare as names do.
    private var idsByName: [String: Int32] = [:]
    private var templates: [UInt32: [BinXMLToken]] = [:]
    private var templatesBeingRead: Set<UInt32> = []

    /// Template identities shared by the chunks one thread reads, so that plans made in one
    /// chunk serve the next.
    let registry: TemplateRegistry
    private var identities: [UInt32: UInt32] = [:]

    init(bytes: UnsafeRawBufferPointer, index: Int, registry: TemplateRegistry = TemplateRegistry()) {
        self.bytes = bytes
        self.index = index
        self.registry = registry
    }

    /// An identity of the template defined at `offset` that is the same in every chunk where
    /// the same definition appears: its GUID, size and the CRC-32 of its data.
    func templateIdentity(at offset: UInt32) -> UInt32? {
        if let identity = identities[offset] { return identity }
        let start = Int(offset)
        guard start >= 0, start <= bytes.count - 24 else { return nil }
        let size = Int(bytes.u32(at: start + 20))
        guard size >= 0, start + 24 <= bytes.count - size else { return nil }
        let crc = CRC32.checksum(UnsafeRawBufferPointer(rebasing: bytes[(start + 24)..<(start + 24 + size)]))
        let key = TemplateRegistry.Key(
            guidLow: bytes.u64(at: start + 4), guidHigh: bytes.u64(at: start + 12), size: UInt32(size), crc: crc)
        let identity = registry.identity(key)
        identities[offset] = identity
        return identity
    }

    /// The id of the name stored at `offset`, decoding it the first time.
    func name(at offset: UInt32) throws(EVTXError) -> Int32 {
        if let id = nameIDs[offset] { return id }
        let start = Int(offset)
        guard start >= 0, start <= bytes.count - 8 else {
            throw .binXML(chunkOffset: start, field: "name", reason: "offset \(offset) is outside the chunk")
        }
        let count = Int(bytes.u16(at: start + 6))
        guard start + 8 + count * 2 <= bytes.count else {
            throw .binXML(chunkOffset: start, field: "name", reason: "\(count) characters run past the chunk")
        }
        let name = UTF16Text.string(bytes, offset: start + 8, count: count)
        if let id = idsByName[name] {
            nameIDs[offset] = id
            return id
        }
        let id = Int32(names.count)
        names.append(name)
        nameUTF8.append(Array(name.utf8))
        nameSpans.append(NameSpan(start: Int32(nameBytes.count), count: Int32(name.utf8.count)))
        nameBytes.append(contentsOf: name.utf8)
        nameIDs[offset] = id
        idsByName[name] = id
        return id
    }

    /// Pointers to the names' bytes, for renderers.
    func withNames<R>(_ body: (NameView) -> R) -> R {
        nameBytes.withUnsafeBufferPointer { bytes in
            nameSpans.withUnsafeBufferPointer { spans in
                body(NameView(bytes: bytes.baseAddress ?? UnsafePointer(bitPattern: 1)!, spans: spans.baseAddress ?? UnsafePointer(bitPattern: 8)!))
            }
        }
    }

    /// Where an `Event` field comes from in this chunk, by name ids and template text spans
    /// rather than by path text: building and hashing a path string per field was most of
    /// the cost of turning a record into an `Event`.
    struct FieldKey: Hashable {
        var kind: Int32
        var a: Int32
        var b: Int32
        var c: Int32
        var d: Int32
    }

    /// The field name a key resolved to (nil: the mapping drops it), for `EventBuilder`; valid
    /// for one `FieldNameCache` (one mapping), whose identity is kept beside it.
    var fieldNames: [FieldKey: FieldName?] = [:]
    var fieldNamesOwner: ObjectIdentifier?

    /// Ids of the names the JSON renderer treats specially, -1 when unused so far; looked up
    /// again only when names were added.
    private var wellKnownCache: (names: Int, ids: WellKnownNames)?

    struct WellKnownNames {
        var data: Int32
        var name: Int32
        var eventData: Int32
        var userData: Int32
        var timeCreated: Int32
        var systemTime: Int32
    }

    var wellKnownNames: WellKnownNames {
        if let cache = wellKnownCache, cache.names == names.count { return cache.ids }
        let ids = WellKnownNames(
            data: id(of: "Data") ?? -1, name: id(of: "Name") ?? -1, eventData: id(of: "EventData") ?? -1,
            userData: id(of: "UserData") ?? -1, timeCreated: id(of: "TimeCreated") ?? -1, systemTime: id(of: "SystemTime") ?? -1)
        wellKnownCache = (names.count, ids)
        return ids
    }

    /// The id of a name if a record of this chunk used it.
    func id(of name: String) -> Int32? { idsByName[name] }

    /// The size of a name's record at `offset` (to step over a name stored inline).
    func nameSize(at offset: Int) throws(EVTXError) -> Int {
        guard offset >= 0, offset <= bytes.count - 8 else {
            throw .binXML(chunkOffset: offset, field: "name", reason: "inline name runs past the chunk")
        }
        return 8 + Int(bytes.u16(at: offset + 6)) * 2 + 2
    }

    /// The tokens of the template definition at `offset`, read the first time it is used.
    ///
    /// The definition is: next-definition offset (4), GUID (16), data size (4), then the
    /// BinXML data. A definition that (directly or through its own content) is being read
    /// already is refused, so a corrupt chunk cannot make templates recurse.
    func template(at offset: UInt32) throws(EVTXError) -> [BinXMLToken] {
        if let tokens = templates[offset] { return tokens }
        let start = Int(offset)
        guard start >= 0, start <= bytes.count - 24 else {
            throw .binXML(chunkOffset: start, field: "template definition", reason: "offset \(offset) is outside the chunk")
        }
        guard templatesBeingRead.insert(offset).inserted else {
            throw .binXML(chunkOffset: start, field: "template definition", reason: "the template refers to itself")
        }
        defer { templatesBeingRead.remove(offset) }
        let size = Int(bytes.u32(at: start + 20))
        let dataStart = start + 24
        guard size >= 0, dataStart <= bytes.count - size else {
            throw .binXML(chunkOffset: start, field: "template definition", reason: "data size \(size) runs past the chunk")
        }
        var tokenizer = BinXMLTokenizer(context: self, range: dataStart..<(dataStart + size), dependencyIDs: true)
        let tokens = try tokenizer.tokenize()
        templates[offset] = tokens
        return tokens
    }
}

/// Where one name's UTF-8 bytes are in `ChunkContext.nameBytes`.
struct NameSpan {
    var start: Int32
    var count: Int32
}

/// The UTF-8 bytes of a chunk's names, without reference counting.
struct NameView {
    let bytes: UnsafePointer<UInt8>
    let spans: UnsafePointer<NameSpan>

    @inline(__always)
    func utf8(_ id: Int32) -> UnsafeRawBufferPointer {
        let span = spans[Int(id)]
        return UnsafeRawBufferPointer(start: bytes + Int(span.start), count: Int(span.count))
    }
}

/// Numbers template definitions by content, across chunks; and keeps the JSON plans made for
/// them. One per reading thread: it is not synchronised. With `shared`, identities and plans
/// are also those of the other threads of the run, so a template is compiled once, not once
/// per thread (which matters when a corpus has many templates and few records of each).
final class TemplateRegistry {
    struct Key: Hashable {
        var guidLow: UInt64
        var guidHigh: UInt64
        var size: UInt32
        var crc: UInt32
    }

    let shared: SharedTemplates?
    private var identities: [Key: UInt32] = [:]
    /// JSON plans by record shape; shapes name templates by identity, so plans hold across chunks.
    private var plans: [PlanKey: JSONPlan] = [:]

    /// Event plans by record shape (nil: the shape has none), for the `FieldNameCache` whose
    /// identity is `eventPlanOwner`. Not shared between threads: each has its own cache.
    private var eventPlans: [PlanKey: EventPlan?] = [:]
    private(set) var eventPlanOwner: ObjectIdentifier?

    /// Plans are dropped when there are more than this many (bounded memory on odd files).
    static let maximumPlans = 4096

    init(shared: SharedTemplates? = nil) { self.shared = shared }

    func identity(_ key: Key) -> UInt32 {
        if let identity = identities[key] { return identity }
        let identity = shared?.identity(key) ?? UInt32(identities.count)
        identities[key] = identity
        return identity
    }

    func plan(_ key: PlanKey) -> JSONPlan? {
        if let plan = plans[key] { return plan }
        guard let plan = shared?.plan(key) else { return nil }
        keep(plan, for: key)
        return plan
    }

    func store(_ plan: JSONPlan, for key: PlanKey) {
        keep(plan, for: key)
        shared?.store(plan, for: key)
    }

    /// The event plan of a shape: nil when none was recorded yet, `.some(nil)` when the shape
    /// has none. Plans name fields through one `FieldNameCache` (`EventPlan.owner`).
    func eventPlan(_ key: PlanKey) -> EventPlan?? {
        eventPlans[key]
    }

    func storeEventPlan(_ plan: EventPlan?, for key: PlanKey, owner: ObjectIdentifier) {
        if eventPlanOwner != owner || eventPlans.count >= TemplateRegistry.maximumPlans {
            eventPlans.removeAll(keepingCapacity: true)
            eventPlanOwner = owner
        }
        eventPlans[key] = .some(plan)
    }

    private func keep(_ plan: JSONPlan, for key: PlanKey) {
        if plans.count >= TemplateRegistry.maximumPlans { plans.removeAll(keepingCapacity: true) }
        plans[key] = plan
    }
}

/// Template identities and JSON plans shared by the reading threads of one run (see
/// `TemplateRegistry`); threads ask it only when their own registry misses.
public final class SharedTemplates: Sendable {
    private struct State: ~Copyable {
        var identities: [TemplateRegistry.Key: UInt32] = [:]
        var plans: [PlanKey: JSONPlan] = [:]
    }

    private let state = Mutex(State())

    public init() {}

    func identity(_ key: TemplateRegistry.Key) -> UInt32 {
        state.withLock { state in
            if let identity = state.identities[key] { return identity }
            let identity = UInt32(state.identities.count)
            state.identities[key] = identity
            return identity
        }
    }

    func plan(_ key: PlanKey) -> JSONPlan? {
        state.withLock { $0.plans[key] }
    }

    func store(_ plan: JSONPlan, for key: PlanKey) {
        state.withLock { state in
            if state.plans.count >= TemplateRegistry.maximumPlans { state.plans.removeAll(keepingCapacity: true) }
            state.plans[key] = plan
        }
    }
}
