import EventLog

/// The event being matched, with what matching needs of it computed once: where each field is
/// (by interned name, O(1)), each field's text and case-folded text, every field's folded text
/// joined (for keywords), and which predicates have been answered. One per thread, reused
/// from event to event without clearing (entries carry the number of the event they belong
/// to). Texts live in one growing byte buffer; a text handed out is valid until the next one
/// is computed.
///
/// The event is either an `Event` or an `EventFieldReader`, whose values are decoded into the
/// buffer only when a test reads them; `event` then builds the `Event` once, for findings.
public final class EventContext {
    /// The loaded `Event`; empty while a reader is loaded.
    @exclusivity(unchecked) var loadedEvent = Event()
    /// The loaded reader (kept alive by `readerOwner`), called without reference counting.
    @exclusivity(unchecked) private var readerOwner: EventFieldReader?
    @exclusivity(unchecked) private var unmanagedReader: Unmanaged<EventFieldReader>
    /// The reader of no fields, held while an `Event` is loaded.
    private let noFields = EventFieldReader()
    @exclusivity(unchecked) var lazy = false
    /// The reader's field names.
    @exclusivity(unchecked) private var lazyNames = UnsafeBufferPointer<FieldName>(start: nil, count: 0)
    /// The reader's event, once built for this generation.
    @exclusivity(unchecked) private var readerEvent: Event?
    @exclusivity(unchecked) private(set) var fieldCount = 0
    @exclusivity(unchecked) private(set) var generation: UInt32 = 0

    // Field name id → the field's index (in `Event.fields` or the reader's names) + 1, valid
    // when its stamp is the generation. Plain memory, as the tables below: writing an array
    // held by a class checks each time that it is not shared.
    @exclusivity(unchecked) private var slots: UnsafeMutablePointer<Int32> = .allocate(capacity: 1)
    @exclusivity(unchecked) private var slotStamps: UnsafeMutablePointer<UInt32> = .allocate(capacity: 1)
    @exclusivity(unchecked) private var slotCapacity = 0
    /// The last text `text(of:)` made for each field id.
    @exclusivity(unchecked) private var recentTexts: [String?] = []
    /// Per field id, the last integer `text(of:)` gave as text (an event id repeats).
    @exclusivity(unchecked) private var recentNumbers: [(signed: Bool, bits: UInt64, text: String)?] = []

    // Per field index: where its text and folded text are in `storage`, filled on first use.
    @exclusivity(unchecked) var storage = RenderBuffer(capacity: 1 << 16)
    @exclusivity(unchecked) private var rawRanges: UnsafeMutablePointer<Range<Int>?> = .allocate(capacity: 1)
    @exclusivity(unchecked) var foldedRanges: UnsafeMutablePointer<Range<Int>?> = .allocate(capacity: 1)
    @exclusivity(unchecked) private var fieldCapacity = 0
    @exclusivity(unchecked) var joinedRange: Range<Int>?
    /// Per field index of a reader's event, once its text is in `storage`: whether it was a
    /// string (`stringText`, `string` need to know; an `Event` says so itself).
    @exclusivity(unchecked) var rawIsString: UnsafeMutablePointer<Bool> = .allocate(capacity: 1)

    // Predicate answers: 0 unknown, 1 false, 2 true.
    @exclusivity(unchecked) private(set) var answers: UnsafeMutablePointer<UInt8>
    @exclusivity(unchecked) private(set) var answerStamps: UnsafeMutablePointer<UInt32>
    @exclusivity(unchecked) private var answerCapacity = 0

    // Needles found (stamped with the generation) and scanners run, per event.
    @exclusivity(unchecked) private(set) var needleStamps: UnsafeMutablePointer<UInt32>
    @exclusivity(unchecked) private var needleCapacity = 0
    /// The needles found in this event, in the order found (`foundCount` of them).
    @exclusivity(unchecked) private(set) var foundNeedles: UnsafeMutablePointer<Int32>
    @exclusivity(unchecked) var foundCount = 0
    /// Variants whose anchor needle was found (stamped with the generation).
    @exclusivity(unchecked) private(set) var activeVariants: UnsafeMutablePointer<UInt32>
    /// For variants with two anchor groups: the group found so far (stamped, two per variant).
    @exclusivity(unchecked) private var groupStamps: UnsafeMutablePointer<UInt32>
    @exclusivity(unchecked) private var variantCapacity = 0
    /// The variants woken in this event (`wokenCount` of them), in the order woken, and room
    /// for the engine to put a list's candidates in.
    @exclusivity(unchecked) private(set) var wokenVariants: UnsafeMutablePointer<Int32>
    @exclusivity(unchecked) private(set) var wokenCount = 0
    @exclusivity(unchecked) private(set) var candidates: UnsafeMutablePointer<Int32>
    /// Scanners whose text their anchors cannot judge in this event (see `markUnjudged`).
    @exclusivity(unchecked) private(set) var unjudgedScanners: UnsafeMutablePointer<UInt32>
    @exclusivity(unchecked) private var scannerStamps: UnsafeMutablePointer<UInt32>
    @exclusivity(unchecked) private var scannerCapacity = 0

    /// Rules matched for this event (reused storage).
    @exclusivity(unchecked) var matchedRules: [Int32] = []
    /// The engine's buckets by channel text, for `RuleEngine.match`.
    var channels = ChannelBuckets()
    /// This thread's regular expression matchers.
    let regexScratch = RegexScratch()
    /// The needles this thread's recent field texts held.
    let scanMemo = ScanMemo()

    public init() {
        unmanagedReader = Unmanaged.passUnretained(noFields)
        answers = .allocate(capacity: 1)
        answerStamps = .allocate(capacity: 1)
        needleStamps = .allocate(capacity: 1)
        scannerStamps = .allocate(capacity: 1)
        foundNeedles = .allocate(capacity: 1)
        activeVariants = .allocate(capacity: 1)
        groupStamps = .allocate(capacity: 2)
        wokenVariants = .allocate(capacity: 1)
        candidates = .allocate(capacity: 1)
        unjudgedScanners = .allocate(capacity: 1)
    }

    deinit {
        slots.deallocate()
        slotStamps.deallocate()
        rawRanges.deallocate()
        foldedRanges.deallocate()
        rawIsString.deallocate()
        answers.deallocate()
        answerStamps.deallocate()
        needleStamps.deallocate()
        scannerStamps.deallocate()
        foundNeedles.deallocate()
        activeVariants.deallocate()
        groupStamps.deallocate()
        wokenVariants.deallocate()
        candidates.deallocate()
        unjudgedScanners.deallocate()
    }

    /// What a field holds as text.
    enum FieldText {
        case absent
        /// A list: matched element by element, on the slow path.
        case list
        case text(UnsafeRawBufferPointer)
    }

    /// Makes `event` the one being matched.
    public func load(_ event: Event) {
        loadedEvent = event
        if lazy {
            lazy = false
            readerOwner = nil
            unmanagedReader = Unmanaged.passUnretained(noFields)
            lazyNames = UnsafeBufferPointer(start: nil, count: 0)
        }
        readerEvent = nil
        fieldCount = event.fields.count
        start()
    }

    /// Makes the reader's record the one being matched. The reader must stay on it until the
    /// next load (and `event` be asked for before then).
    public func load(_ reader: EventFieldReader) {
        if !loadedEvent.fields.isEmpty { loadedEvent = Event() }
        if readerOwner !== reader {
            readerOwner = reader
            unmanagedReader = Unmanaged.passUnretained(reader)
        }
        lazy = true
        readerEvent = nil
        lazyNames = reader.fieldNames
        fieldCount = lazyNames.count
        start()
    }

    /// The event being matched, built from its reader the first time it is asked for.
    public var event: Event {
        guard lazy else { return loadedEvent }
        if let readerEvent { return readerEvent }
        let built = withReader { $0.event() }
        readerEvent = built
        return built
    }

    /// Calls the loaded reader without retaining it.
    @inline(__always)
    func withReader<T>(_ body: (EventFieldReader) -> T) -> T {
        unmanagedReader._withUnsafeGuaranteedRef(body)
    }

    /// The name of the field at `index`.
    @inline(__always)
    func fieldName(at index: Int) -> FieldName {
        lazy ? lazyNames[index] : loadedEvent.fields[index].name
    }

    /// The value of the field at `index` (decoded now, from a reader).
    @inline(__always)
    func fieldValue(at index: Int) -> FieldValue {
        lazy ? withReader { $0.fieldValue(index) } : loadedEvent.fields[index].value
    }

    /// When the event happened.
    public var time: EventTime? { lazy ? withReader { $0.time } : loadedEvent.time }

    /// The event's position in its source (`EventOrigin.position`).
    public var position: UInt64 { lazy ? withReader { $0.position } : loadedEvent.origin.position }

    /// The format of the event's reader (`EventOrigin.format`).
    var format: String { lazy ? withReader { $0.format } : loadedEvent.origin.format }

    /// New stamps and empty tables for the event just loaded.
    private func start() {
        generation &+= 1
        if generation == 0 {
            // After 2^32 events the stamps wrap: start clean.
            slotStamps.update(repeating: 0, count: slotCapacity)
            answerStamps.update(repeating: 0, count: answerCapacity)
            needleStamps.update(repeating: 0, count: needleCapacity)
            scannerStamps.update(repeating: 0, count: scannerCapacity)
            unjudgedScanners.update(repeating: 0, count: scannerCapacity)
            activeVariants.update(repeating: 0, count: variantCapacity)
            groupStamps.update(repeating: 0, count: 2 * variantCapacity)
            generation = 1
        }
        for index in 0..<fieldCount {
            let id = Int(fieldName(at: index).id)
            if id >= slotCapacity { growSlots(id + 1) }
            // The first of a repeated name wins, as `Event.value` does.
            if slotStamps[id] != generation {
                slots[id] = Int32(index + 1)
                slotStamps[id] = generation
            }
        }
        storage.removeAll()
        foundCount = 0
        wokenCount = 0
        joinedRange = nil
        let count = fieldCount
        if fieldCapacity < count {
            let capacity = max(count, fieldCapacity * 2, 64)
            rawRanges.deallocate()
            foldedRanges.deallocate()
            rawIsString.deallocate()
            rawRanges = .allocate(capacity: capacity)
            rawRanges.initialize(repeating: nil, count: capacity)
            foldedRanges = .allocate(capacity: capacity)
            foldedRanges.initialize(repeating: nil, count: capacity)
            rawIsString = .allocate(capacity: capacity)
            rawIsString.initialize(repeating: false, count: capacity)
            fieldCapacity = capacity
        } else {
            for index in 0..<count {
                rawRanges[index] = nil
                foldedRanges[index] = nil
            }
        }
    }

    private func growSlots(_ count: Int) {
        let grown = max(count, slotCapacity * 2, 256)
        let freshSlots = UnsafeMutablePointer<Int32>.allocate(capacity: grown)
        let freshStamps = UnsafeMutablePointer<UInt32>.allocate(capacity: grown)
        freshSlots.initialize(repeating: 0, count: grown)
        freshStamps.initialize(repeating: 0, count: grown)
        freshSlots.update(from: slots, count: slotCapacity)
        freshStamps.update(from: slotStamps, count: slotCapacity)
        slots.deallocate()
        slotStamps.deallocate()
        slots = freshSlots
        slotStamps = freshStamps
        slotCapacity = grown
    }

    /// Sizes the per-event tables for a program.
    func prepare(predicates: Int, needles: Int, scanners: Int, variants: Int) {
        func grow<T: FixedWidthInteger>(_ pointer: inout UnsafeMutablePointer<T>, _ capacity: Int, _ count: Int) {
            guard capacity < count else { return }
            pointer.deallocate()
            pointer = .allocate(capacity: count)
            pointer.initialize(repeating: 0, count: count)
        }
        grow(&needleStamps, needleCapacity, needles)
        grow(&foundNeedles, needleCapacity, needles)
        needleCapacity = max(needleCapacity, needles)
        grow(&scannerStamps, scannerCapacity, scanners)
        grow(&unjudgedScanners, scannerCapacity, scanners)
        scannerCapacity = max(scannerCapacity, scanners)
        grow(&activeVariants, variantCapacity, variants)
        grow(&groupStamps, 2 * variantCapacity, 2 * variants)
        grow(&wokenVariants, variantCapacity, variants)
        grow(&candidates, variantCapacity, variants)
        variantCapacity = max(variantCapacity, variants)
        guard answerCapacity < predicates else { return }
        answers.deallocate()
        answerStamps.deallocate()
        answers = .allocate(capacity: predicates)
        answerStamps = .allocate(capacity: predicates)
        answers.initialize(repeating: 0, count: predicates)
        answerStamps.initialize(repeating: 0, count: predicates)
        answerCapacity = predicates
    }

    /// Adds needles to those found in this event (`ScanMemo`'s answer for a text).
    @inline(__always)
    func addFound(_ needles: UnsafeBufferPointer<Int32>) {
        for needle in needles where needleStamps[Int(needle)] != generation {
            needleStamps[Int(needle)] = generation
            foundNeedles[foundCount] = needle
            foundCount += 1
        }
    }

    /// Whether a scanner has run for this event; marks it run.
    @inline(__always)
    func scanned(_ scanner: Int) -> Bool {
        if scannerStamps[scanner] == generation { return true }
        scannerStamps[scanner] = generation
        return false
    }

    /// Marks a scanner whose text its anchors cannot judge in this event: the field held a
    /// list (not scanned), or non-ASCII text for an ASCII-only anchor.
    @inline(__always)
    func markUnjudged(_ scanner: Int) { unjudgedScanners[scanner] = generation }

    @inline(__always)
    func isUnjudged(_ scanner: Int) -> Bool { unjudgedScanners[scanner] == generation }

    /// Notes that a needle of anchor group `group` of a variant's `groups` was found; the
    /// variant is woken when every group has one.
    @inline(__always)
    func activate(_ variant: Int, group: Int = 0, of groups: Int = 1) {
        guard activeVariants[variant] != generation else { return }
        if groups > 1 {
            groupStamps[2 * variant + group] = generation
            guard groupStamps[2 * variant + 1 - group] == generation else { return }
        }
        activeVariants[variant] = generation
        wokenVariants[wokenCount] = Int32(variant)
        wokenCount += 1
    }

    @inline(__always)
    func isActive(_ variant: Int) -> Bool { activeVariants[variant] == generation }

    /// A field's value as a string (for regular expressions).
    func string(fieldID id: Int) -> String? {
        guard let index = index(ofID: id) else { return nil }
        if lazy, case .text(let text) = self.text(fieldID: id, folded: false), rawIsString[index] {
            return String(decoding: text, as: UTF8.self)
        }
        return fieldValue(at: index).text
    }

    /// Whether a regular expression matches a field's text as `string(fieldID:)` gives it (an
    /// absent field's as the empty text), without making the `String`.
    func regexMatches(_ regex: RegexMatcher, fieldID id: Int) -> Bool {
        guard let index = index(ofID: id) else {
            return regex.matches(utf8: UnsafeRawBufferPointer(start: nil, count: 0), regexScratch)
        }
        if lazy, case .text(let text) = self.text(fieldID: id, folded: false), rawIsString[index] {
            // A field's text stays the same for the event.
            return regex.matches(utf8: text, regexScratch, textKey: UInt64(generation) << 32 | UInt64(id))
        }
        return regex.matches(fieldValue(at: index).text, regexScratch)
    }

    /// A field's text when it holds a string (not a number, a list or null); valid until the
    /// next text is computed.
    func stringText(fieldID id: Int) -> UnsafeRawBufferPointer? {
        guard let index = index(ofID: id) else { return nil }
        if lazy {
            if let range = rawRanges[index] { return rawIsString[index] ? bytes(range) : nil }
            guard case .text(let text) = self.text(fieldID: id, folded: false), rawIsString[index] else { return nil }
            return text
        }
        guard case .string = loadedEvent.fields[index].value, case .text(let text) = text(fieldID: id, folded: false) else { return nil }
        return text
    }

    @inline(__always)
    func answer(_ predicate: Int) -> UInt8 {
        answerStamps[predicate] == generation ? answers[predicate] : 0
    }

    @inline(__always)
    func record(_ predicate: Int, _ value: Bool) {
        answers[predicate] = value ? 2 : 1
        answerStamps[predicate] = generation
    }

    /// The index of a field in the event, if present.
    @inline(__always)
    func index(of name: FieldName) -> Int? {
        index(ofID: Int(name.id))
    }

    @inline(__always)
    func index(ofID id: Int) -> Int? {
        guard id < slotCapacity, slotStamps[id] == generation else { return nil }
        return Int(slots[id]) - 1
    }

    /// Bit `n` set when the event has field `names[n]`, for the first 64 names: one call for a
    /// list of fields a caller would otherwise ask for one by one, most of them absent.
    public func presence(of names: [FieldName]) -> UInt64 {
        var present: UInt64 = 0
        for position in 0..<min(64, names.count) where index(of: names[position]) != nil { present |= 1 << UInt64(position) }
        return present
    }

    /// The value of a field, if present (the first of its name, as `Event.value` gives).
    public func value(_ name: FieldName) -> FieldValue? {
        index(of: name).map { fieldValue(at: $0) }
    }

    /// A field's text as `value(name)?.text` gives it; a reader's string is made straight
    /// from the text matching decoded, without building the value (findings show fields so).
    /// A text equal to the one this field last gave is that same string: the computer, the
    /// channel, a user or an image repeat from finding to finding, and each new string would
    /// be an allocation and a copy on the worker.
    public func text(of name: FieldName) -> String? {
        let id = Int(name.id)
        // Most fields asked for by name (an indicator mapping's) are absent: said first.
        guard let index = index(ofID: id) else { return nil }
        guard lazy else { return string(fieldID: id) }
        guard case .text(let text) = self.text(fieldID: id, folded: false), rawIsString[index] else {
            let value = fieldValue(at: index)
            let number: (signed: Bool, bits: UInt64)
            switch value {
            case .integer(let signed): number = (true, UInt64(bitPattern: signed))
            case .unsigned(let unsigned): number = (false, unsigned)
            default: return value.text
            }
            if id < recentNumbers.count, let recent = recentNumbers[id], recent.signed == number.signed, recent.bits == number.bits {
                return recent.text
            }
            if id >= recentNumbers.count { recentNumbers += Array(repeating: nil, count: id + 1 - recentNumbers.count) }
            let made = value.text
            recentNumbers[id] = (number.signed, number.bits, made)
            return made
        }
        if id < recentTexts.count, var recent = recentTexts[id],
            recent.withUTF8({ $0.count == text.count && (text.isEmpty || memcmp($0.baseAddress!, text.baseAddress!, text.count) == 0) })
        {
            return recent
        }
        let made = String(decoding: text, as: UTF8.self)
        if id >= recentTexts.count { recentTexts += Array(repeating: nil, count: id + 1 - recentTexts.count) }
        recentTexts[id] = made
        return made
    }

    /// A field's text (folded to ASCII lower case when `folded`), by name id.
    @inline(__always)
    func text(fieldID id: Int, folded: Bool) -> FieldText {
        guard let index = index(ofID: id) else { return .absent }
        if folded, let range = foldedRanges[index] { return .text(bytes(range)) }
        if !folded, let range = rawRanges[index] { return .text(bytes(range)) }
        let start = storage.count
        guard appendText(at: index) else { return .list }
        let range = start..<storage.count
        if folded { fold(range) }
        if folded { foldedRanges[index] = range } else { rawRanges[index] = range }
        return .text(bytes(range))
    }

    /// Appends the text of the field at `index` and returns true; false for a list (nothing
    /// appended). Notes whether a reader's field was a string.
    @inline(__always)
    func appendText(at index: Int) -> Bool {
        guard lazy else {
            let value = loadedEvent.fields[index].value
            if case .list = value { return false }
            append(value)
            return true
        }
        switch withReader({ $0.appendText(index, to: &storage) }) {
        case .appended:
            rawIsString[index] = true
        case .list:
            return false
        case .value:
            rawIsString[index] = false
            append(withReader { $0.fieldValue(index) })
        }
        return true
    }

    /// Calls `body` with the text of a field (each element, for a list) until it returns
    /// true; false when the field is absent.
    func withText(_ name: FieldName, folded: Bool, _ body: (UnsafeRawBufferPointer) -> Bool) -> Bool {
        switch text(fieldID: Int(name.id), folded: folded) {
        case .absent: return false
        case .text(let text): return body(text)
        case .list:
            if lazy, let index = index(ofID: Int(name.id)), let count = withReader({ $0.itemCount(index) }) {
                for item in 0..<count where withItemText(index, item, folded: folded, body) { return true }
                return false
            }
            guard case .list(let items)? = value(name) else { return false }
            for item in items where EventContext.withText(of: item, folded: folded, body) { return true }
            return false
        }
    }

    /// `body` of the text of item `item` of a reader's list-valued field, as the built list's
    /// item gives it, decoded into the buffer and let go again: a classic event's `Data`
    /// tested by a rule built the whole list of strings, and a copy of each, per test.
    private func withItemText(_ index: Int, _ item: Int, folded: Bool, _ body: (UnsafeRawBufferPointer) -> Bool) -> Bool {
        let start = storage.count
        defer { storage.truncate(to: start) }
        switch withReader({ $0.appendItemText(index, item, to: &storage) }) {
        case .appended:
            break
        case .list, .value:
            let value = withReader { $0.itemValue(index, item) }
            guard case .string = value else { return EventContext.withText(of: value, folded: folded, body) }
            append(value)
        }
        if folded { fold(start..<storage.count) }
        return body(bytes(start..<storage.count))
    }

    // MARK: Buffer

    @inline(__always)
    func bytes(_ range: Range<Int>) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: storage.baseAddress + range.lowerBound, count: range.count)
    }

    func append(_ value: FieldValue) {
        switch value {
        case .string(let text):
            storage.append(utf8: text)
        case .integer(let number):
            // As `FieldValue.text` writes it, without making a string.
            if number < 0 { storage.append(UInt8(ascii: "-")) }
            appendDecimal(number.magnitude)
        case .unsigned(let number):
            appendDecimal(number)
        case .null: break
        default:
            storage.append(utf8: value.text)
        }
    }

    private func appendDecimal(_ number: UInt64) {
        var digits = 1
        var rest = number / 10
        while rest > 0 {
            digits += 1
            rest /= 10
        }
        storage.append(repeating: UInt8(ascii: "0"), count: digits)
        let end = storage.baseAddress + storage.count
        rest = number
        for offset in 1...digits {
            end[-offset] = UInt8(ascii: "0") + UInt8(rest % 10)
            rest /= 10
        }
    }

    /// ASCII upper case to lower case in place, eight bytes at a time: a byte gets 0x20 when
    /// it is below 0x80 and between `A` and `Z` (the additions cannot carry between bytes).
    func fold(_ range: Range<Int>) {
        var position = range.lowerBound
        let buffer = storage.baseAddress
        let raw = UnsafeMutableRawPointer(buffer)
        while position + 8 <= range.upperBound {
            let word = raw.loadUnaligned(fromByteOffset: position, as: UInt64.self)
            let low7 = word & 0x7F7F_7F7F_7F7F_7F7F
            let atLeastA = low7 &+ 0x3F3F_3F3F_3F3F_3F3F
            let aboveZ = low7 &+ 0x2525_2525_2525_2525
            let upper = atLeastA & ~aboveZ & ~word & 0x8080_8080_8080_8080
            if upper != 0 { raw.storeBytes(of: word | (upper >> 2), toByteOffset: position, as: UInt64.self) }
            position += 8
        }
        while position < range.upperBound {
            let byte = buffer[position]
            if byte >= 0x41 && byte <= 0x5A { buffer[position] = byte | 0x20 }
            position += 1
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
