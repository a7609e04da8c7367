import EventLog
import STIX

/// Indicators matched against events: each event's observables (read through an
/// `ObservableMapping`) looked up in the indicator sets, and, when there are patterns the
/// sets cannot hold, the event as a STIX observation for `PatternMatcher`. A hit on a value a
/// warninglist holds is kept but marked suppressed, with the list's name.
///
/// A class: a hunt's workers share one, and a struct of this many tables costs a retain and a
/// release of each per copy, per event.
public final class EventIndicatorMatcher: Sendable {
    public let indicators: IndicatorSet
    public let warninglists: Warninglists
    public let mapping: ObservableMapping
    private let generalIndex: GeneralPatternIndex
    /// Per observable kind (`ObservableKind.ordinal`), whether its values can hold an anchor
    /// of the general patterns; and the event fields beyond the observables that can.
    private let scannedKinds: [Bool]
    private let scannedFields: [FieldName]
    /// Per mapped field, whether its observables can be left unread when its text hit nothing
    /// a moment ago: they are only looked up, not scanned for the general patterns' anchors.
    private let skippableFields: [Bool]
    /// Per mapped field, whether it need not be read at all: skippable, and no indexed value
    /// is of a kind it holds (a feed of addresses and domains needs no image or hash).
    private let unreadFields: [Bool]
    private let hasGeneralPatterns: Bool

    public init(indicators: IndicatorSet, warninglists: Warninglists = Warninglists(), mapping: ObservableMapping = .standard) {
        self.indicators = indicators
        self.warninglists = warninglists
        self.mapping = mapping
        let generalIndex = GeneralPatternIndex(indicators.general)
        self.generalIndex = generalIndex
        scannedKinds = ObservableKind.allCases.map { generalIndex.holdsAnchors(EventObservation.types(of: $0)) }
        scannedFields = EventObservation.textFields.filter { generalIndex.holdsAnchors($0.1) }.map(\.0)
        hasGeneralPatterns = !indicators.general.isEmpty
        let scannedKinds = scannedKinds
        let skippableFields = (0..<mapping.fieldCount).map { field in !mapping.kinds(ofField: field).contains { scannedKinds[$0.ordinal] } }
        self.skippableFields = skippableFields
        unreadFields = (0..<mapping.fieldCount).map { field in
            skippableFields[field] && !mapping.kinds(ofField: field).contains(where: indicators.holdsValues(of:))
        }
    }

    /// One indicator an event hit.
    public struct Hit: Sendable, Hashable {
        public var provenance: IndicatorProvenance
        /// The value that matched; nil for a pattern matched as a whole.
        public var observable: Observable?
        /// The network or parent domain the indicator names, when not the value itself.
        public var via: String?
        /// Whether the indicator was valid when the event happened (nil: the event has no time).
        public var validity: IndicatorProvenance.Validity?
        /// The warninglist that holds the value: the hit is suppressed.
        public var suppressedBy: String?
    }

    /// The indicators the event hits, suppressed ones included.
    public func hits(in event: Event) -> [Hit] {
        hits(observables: mapping.observables(in: event), time: event.time, field: { event[$0]?.text }, event: { event })
    }

    /// The indicators an event hits, reading its fields as a hunt does: `text` gives a field's
    /// text (nil when the event lacks it), `event` the event itself, built only when a pattern
    /// the sets cannot hold may match it. A field whose text hit nothing lately (`misses`
    /// keeps a few per field) is not read again: events repeat their images, hashes and keys;
    /// a field of kinds no indicator has is not read at all. `present` may say which fields the
    /// event has: bit `n` clear means field `n` of `mapping.readFields` (of the first 64) is
    /// absent, and it is not asked for.
    public func hits(reading text: (FieldName) -> String?, present: UInt64 = .max, time: EventTime?, event: () -> Event, misses: MissCache) -> [Hit] {
        // Locals, copied once: a property of `self` read around the calls of `text` is
        // retained and released at each read.
        let mapping = mapping
        let skippableFields = skippableFields
        let unreadFields = unreadFields
        var observables: [Observable] = []
        var found: [IndicatorSet.Hit] = []
        var skipped = false
        for field in 0..<mapping.fieldCount {
            if field < 64 && present & 1 << UInt64(field) == 0 { continue }
            if unreadFields[field] {
                skipped = true
                continue
            }
            guard let value = text(mapping.fieldName(at: field)) else { continue }
            let quietSlot = skippableFields[field] ? misses.quietSlot(field: field, value) : nil
            if let quietSlot, misses.isQuiet(quietSlot, value) {
                skipped = true
                continue
            }
            let start = observables.count
            let hitsBefore = found.count
            mapping.read(field: field, value, into: &observables)
            lookUp(observables[start...], into: &found, misses: misses)
            if let quietSlot, found.count == hitsBefore { misses.noteQuiet(quietSlot, value) }
        }
        // A pattern the sets cannot hold sees every observable: the skipped ones are read
        // again when it may match.
        return hits(found: found, observables: observables, time: time, field: text, event: event, misses: misses) {
            skipped ? mapping.observables(reading: text) : observables
        }
    }

    /// The indicators an event hits, from its observables (`mapping.observables`), its time,
    /// the text of its fields, and the event itself, built only when a pattern the sets
    /// cannot hold may match it.
    public func hits(
        observables: [Observable], time: EventTime?, field: (FieldName) -> String?, event: () -> Event, misses: MissCache? = nil
    ) -> [Hit] {
        var found: [IndicatorSet.Hit] = []
        lookUp(observables[...], into: &found, misses: misses)
        return hits(found: found, observables: observables, time: time, field: field, event: event) { observables }
    }

    private func lookUp(_ observables: ArraySlice<Observable>, into found: inout [IndicatorSet.Hit], misses: MissCache?) {
        for observable in observables {
            // Events repeat their values (the same images, hashes, servers): a value that
            // missed a moment ago is not looked up in the large tables again.
            if misses?.contains(observable) == true { continue }
            let before = found.count
            indicators.lookup(observable, into: &found)
            if found.count == before { misses?.insert(observable) }
        }
    }

    /// The hits of the sets' `found` with their provenance and warninglist, and those of the
    /// general patterns; `allObservables` gives every observable of the event.
    private func hits(
        found: [IndicatorSet.Hit], observables: [Observable], time: EventTime?, field: (FieldName) -> String?, event: () -> Event,
        misses: MissCache? = nil, allObservables: () -> [Observable]
    ) -> [Hit] {
        if found.isEmpty && !hasGeneralPatterns { return [] }
        // Made only for a hit: formatting a timestamp is not free.
        lazy var instant = time.map(EventObservation.timestamp)
        var hits: [Hit] = []
        var seen: Set<Int32> = []
        for hit in found where seen.insert(hit.indicator).inserted {
            let provenance = indicators.provenance(of: hit.indicator)
            hits.append(
                Hit(
                    provenance: provenance, observable: hit.observable, via: hit.via, validity: instant.map(provenance.validity(at:)),
                    suppressedBy: warninglists.list(containing: hit.observable)))
        }
        guard hasGeneralPatterns else { return hits }
        // Most events hold no text the anchors could be in: for them the index, whose call
        // retains each of its tables, is not asked.
        let scannedFields = scannedFields
        guard observables.contains(where: { scannedKinds[$0.kind.ordinal] }) || scannedFields.contains(where: { field($0) != nil }) else {
            hits += generalHits(generalIndex.unanchored, skipping: seen, time: time) {
                EventObservation.observation(of: event(), observables: allObservables())
            }
            return hits
        }
        // The texts an observation of the event holds: its observables and the fields
        // `EventObservation` reads beyond them.
        let candidates = generalIndex.candidates { scan in
            for observable in observables where scannedKinds[observable.kind.ordinal] { _ = scan(observable.value) }
            for (position, name) in scannedFields.enumerated() {
                // A command line or image that held no anchor a moment ago is not scanned again.
                guard let text = field(name) else { continue }
                let quietSlot = misses?.quietSlot(field: mapping.fieldCount + position, text)
                if let quietSlot, misses?.isQuiet(quietSlot, text) == true { continue }
                if !scan(text), let quietSlot { misses?.noteQuiet(quietSlot, text) }
            }
        }
        hits += generalHits(candidates, skipping: seen, time: time) {
            EventObservation.observation(of: event(), observables: allObservables())
        }
        return hits
    }

    /// The hits of the general patterns at `candidates` (positions in `indicators.general`)
    /// on the event's observation, made only when there is a candidate.
    private func generalHits(_ candidates: [Int], skipping seen: Set<Int32>, time: EventTime?, observation: () -> Observation) -> [Hit] {
        guard !candidates.isEmpty else { return [] }
        let observation = observation()
        let instant = time.map(EventObservation.timestamp)
        var hits: [Hit] = []
        for position in candidates {
            let (matcher, index) = indicators.general[position]
            guard !seen.contains(index) else { continue }
            // A value the pattern cannot compare (PatternError) means no match for this event.
            guard (try? matcher.match([observation])) != nil else { continue }
            let provenance = indicators.provenance(of: index)
            hits.append(Hit(provenance: provenance, observable: nil, via: nil, validity: instant.map(provenance.validity(at:)), suppressedBy: nil))
        }
        return hits
    }
}

/// Values that hit no indicator lately, for one thread's events (not shared between threads):
/// a direct-mapped table, so it stays small and a new value simply replaces an old one.
public final class MissCache {
    private var entries: [Observable?]
    private let mask: Int

    public init(size: Int = 4_096) {
        var capacity = 1
        while capacity < size { capacity <<= 1 }
        entries = Array(repeating: nil, count: capacity)
        mask = capacity - 1
    }

    /// Per mapped field, texts that hit nothing lately, and after them, per field scanned for
    /// the general patterns' anchors, texts that held none: `quietWays` slots per field,
    /// direct-mapped by a hash of the text (an image or a key returns, if not at once).
    private var quietTexts: [String?] = []
    private static let quietWays = 64

    func contains(_ observable: Observable) -> Bool { entries[slot(observable)] == observable }
    func insert(_ observable: Observable) { entries[slot(observable)] = observable }

    /// Where a field's text would be kept among its quiet texts.
    func quietSlot(field: Int, _ text: String) -> Int {
        var text = text
        let hash = text.withUTF8 { ByteHash.hash(UnsafeRawBufferPointer($0), seed: 0) }
        return field * Self.quietWays + Int(truncatingIfNeeded: hash) & (Self.quietWays - 1)
    }

    /// Whether the text in its slot is one that hit nothing lately. `EventContext` hands out
    /// the same string for a text repeated at once, so that comparison is of references.
    func isQuiet(_ slot: Int, _ text: String) -> Bool { slot < quietTexts.count && quietTexts[slot] == text }

    func noteQuiet(_ slot: Int, _ text: String) {
        if slot >= quietTexts.count { quietTexts += Array(repeating: nil, count: (slot / Self.quietWays + 1) * Self.quietWays - quietTexts.count) }
        quietTexts[slot] = text
    }

    /// A hash of the value's bytes (not `hashValue`: SipHash costs more than the rest of a
    /// look-up that misses), the kind and the role folded into the seed.
    private func slot(_ observable: Observable) -> Int {
        var value = observable.value
        let seed = UInt64(observable.kind.ordinal) << 2 | (observable.role == nil ? 0 : observable.role == .source ? 1 : 2)
        return Int(truncatingIfNeeded: value.withUTF8 { ByteHash.hash(UnsafeRawBufferPointer($0), seed: seed) }) & mask
    }
}

/// An event as one STIX observation, for patterns the indicator sets cannot hold: its
/// addresses (in a `network-traffic` with ports and protocol when the event has them),
/// domains, URLs, e-mail addresses, mutexes, registry keys, a `file` with its name and
/// hashes, and a `process` with its command line and image.
public enum EventObservation {
    private static let ports = [("DestinationPort", "dst_port"), ("SourcePort", "src_port"), ("id.resp_p", "dst_port"), ("id.orig_p", "src_port")]
        .map { (FieldName($0.0), $0.1) }
    private static let protocols = [FieldName("Protocol"), FieldName("proto")]
    private static let commandLine = FieldName("CommandLine")
    private static let images = [FieldName("Image"), FieldName("NewProcessName")]
    private static let processID = FieldName("ProcessId")
    /// The fields whose text an observation holds besides the observables', with the object
    /// types that hold it. An image's name is in the `file` its process refers to, not in the
    /// process: anchors of process patterns (on its command line) need not look at images.
    static let textFields = [(commandLine, ["process", "*"])] + images.map { ($0, ["file", "*"]) } + protocols.map { ($0, ["network-traffic", "*"]) }

    /// The object types an observation puts an observable's value in (`*`: reached through a
    /// reference from another object), by `ObservableKind` case order.
    static func types(of kind: ObservableKind) -> [String] { observableTypes[kind.ordinal] }

    private static let observableTypes: [[String]] = ObservableKind.allCases.map { kind in
        switch kind {
        case .address: ["ipv4-addr", "ipv6-addr", "*"]
        case .domain: ["domain-name", "*"]
        case .url: ["url", "*"]
        case .email: ["email-addr", "*"]
        case .mutex: ["mutex", "*"]
        case .registryKey: ["windows-registry-key", "*"]
        case .fileName, .md5, .sha1, .sha224, .sha256, .sha384, .sha512: ["file", "*"]
        }
    }

    public static func observation(of event: Event, observables: [Observable]) -> Observation {
        var objects: [(id: String, object: JSONObject)] = []
        func add(_ type: String, _ properties: JSONObject) -> String {
            let id = "\(type)--\(objects.count)"
            var object: JSONObject = ["type": .string(type), "id": .string(id)]
            for (key, value) in properties { object[key] = value }
            objects.append((id, object))
            return id
        }
        var traffic: JSONObject = [:]
        var hashes: JSONObject = [:]
        var fileName: String?
        for observable in observables {
            switch observable.kind {
            case .address:
                let family = IPNetwork(observable.value)?.family == .v6 ? "ipv6-addr" : "ipv4-addr"
                let id = add(family, ["value": .string(observable.value)])
                switch observable.role {
                case .destination: traffic["dst_ref"] = .string(id)
                case .source: traffic["src_ref"] = .string(id)
                case nil: break
                }
            case .domain: _ = add("domain-name", ["value": .string(observable.value)])
            case .url: _ = add("url", ["value": .string(observable.value)])
            case .email: _ = add("email-addr", ["value": .string(observable.value)])
            case .mutex: _ = add("mutex", ["name": .string(observable.value)])
            case .registryKey: _ = add("windows-registry-key", ["key": .string(observable.value)])
            case .fileName: if fileName == nil { fileName = observable.value }
            case .md5, .sha1, .sha224, .sha256, .sha384, .sha512:
                hashes[hashName(observable.kind)] = .string(observable.value)
            }
        }
        if !traffic.isEmpty {
            for (field, key) in ports {
                if let port = event[field]?.integerValue { traffic[key] = .int(port) }
            }
            for field in protocols {
                if let protocolName = event[field]?.text, !protocolName.isEmpty { traffic["protocols"] = [.string(protocolName.lowercased())] }
            }
            _ = add("network-traffic", traffic)
        }
        if fileName != nil || !hashes.isEmpty {
            var file: JSONObject = [:]
            if let fileName { file["name"] = .string(fileName) }
            if !hashes.isEmpty { file["hashes"] = .object(hashes) }
            _ = add("file", file)
        }
        let commandLine = event[Self.commandLine]?.text
        let image = images.lazy.compactMap { event[$0]?.text }.first
        if commandLine != nil || image != nil {
            var process: JSONObject = [:]
            if let commandLine { process["command_line"] = .string(commandLine) }
            if let image {
                var found: [Observable] = []
                ObservableMapping.read(image, ObservableMapping.Rule(field: "", kind: .fileName, reading: .fileName), into: &found)
                if let name = found.first?.value { process["image_ref"] = .string(add("file", ["name": .string(name)])) }
            }
            if let pid = event[processID]?.integerValue { process["pid"] = .int(pid) }
            _ = add("process", process)
        }
        let time = event.time.map(timestamp) ?? STIXTimestamp(secondsSinceEpoch: 0)
        return Observation(id: "event@\(event.origin.position)", firstObserved: time, lastObserved: time, objects: objects)
    }

    static func timestamp(_ time: EventTime) -> STIXTimestamp {
        STIXTimestamp(secondsSinceEpoch: time.unixSeconds, nanoseconds: Int32(time.ticksOfSecond * 100))
    }

    private static func hashName(_ kind: ObservableKind) -> String {
        switch kind {
        case .md5: "MD5"
        case .sha1: "SHA-1"
        case .sha224: "SHA-224"
        case .sha384: "SHA-384"
        case .sha512: "SHA-512"
        default: "SHA-256"
        }
    }
}
