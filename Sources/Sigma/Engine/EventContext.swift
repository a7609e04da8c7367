import EventLog

/// The event being matched, with what matching needs of it computed once: where each field is
/// (by interned name, O(1)), each field's text and case-folded text, every field's folded text
/// joined (for keywords), and which predicates have been answered. One per thread, reused
/// from event to event without clearing (entries carry the number of the event they belong
/// to). Texts live in one growing byte buffer; a text handed out is valid until the next one
/// is computed.
public final class EventContext {
    @exclusivity(unchecked) private(set) var event = Event()
    @exclusivity(unchecked) private(set) var generation: UInt32 = 0

    // Field name id → index in `event.fields` + 1, valid when its stamp is the generation.
    @exclusivity(unchecked) private var slots: [Int32] = []
    @exclusivity(unchecked) private var slotStamps: [UInt32] = []

    // Per field index: where its text and folded text are in `buffer`, filled on first use.
    @exclusivity(unchecked) private var buffer: UnsafeMutablePointer<UInt8>
    @exclusivity(unchecked) private var capacity = 1 << 16
    @exclusivity(unchecked) private var used = 0
    @exclusivity(unchecked) private var rawRanges: [Range<Int>?] = []
    @exclusivity(unchecked) private var foldedRanges: [Range<Int>?] = []
    @exclusivity(unchecked) private var joinedRange: Range<Int>?

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
    /// Channel text as events spell it → the engine's bucket for it (no lower-casing per event).
    private var channelBuckets: [String: RuleEngine.Bucket?] = [:]
    private var channelEngine: ObjectIdentifier?

    /// The bucket of a channel, computed by `lookup` the first time this spelling is seen.
    func channelBucket(_ channel: String, engine: RuleEngine, _ lookup: (String) -> RuleEngine.Bucket?) -> RuleEngine.Bucket? {
        if channelEngine != ObjectIdentifier(engine) {
            channelBuckets.removeAll()
            channelEngine = ObjectIdentifier(engine)
        }
        if let known = channelBuckets[channel] { return known }
        let bucket = lookup(channel)
        if channelBuckets.count < 4096 { channelBuckets[channel] = bucket }
        return bucket
    }

    public init() {
        buffer = .allocate(capacity: capacity)
        answers = .allocate(capacity: 1)
        answerStamps = .allocate(capacity: 1)
        needleStamps = .allocate(capacity: 1)
        scannerStamps = .allocate(capacity: 1)
        foundNeedles = .allocate(capacity: 1)
        activeVariants = .allocate(capacity: 1)
        wokenVariants = .allocate(capacity: 1)
        candidates = .allocate(capacity: 1)
        unjudgedScanners = .allocate(capacity: 1)
    }

    deinit {
        buffer.deallocate()
        answers.deallocate()
        answerStamps.deallocate()
        needleStamps.deallocate()
        scannerStamps.deallocate()
        foundNeedles.deallocate()
        activeVariants.deallocate()
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
        self.event = event
        generation &+= 1
        if generation == 0 {
            // After 2^32 events the stamps wrap: start clean.
            for index in slotStamps.indices { slotStamps[index] = 0 }
            answerStamps.update(repeating: 0, count: answerCapacity)
            needleStamps.update(repeating: 0, count: needleCapacity)
            scannerStamps.update(repeating: 0, count: scannerCapacity)
            unjudgedScanners.update(repeating: 0, count: scannerCapacity)
            activeVariants.update(repeating: 0, count: variantCapacity)
            generation = 1
        }
        for (index, field) in event.fields.enumerated() {
            let id = Int(field.name.id)
            if id >= slots.count {
                let grown = max(id + 1, slots.count * 2, 256)
                slots += Array(repeating: 0, count: grown - slots.count)
                slotStamps += Array(repeating: 0, count: grown - slotStamps.count)
            }
            // The first of a repeated name wins, as `Event.value` does.
            if slotStamps[id] != generation {
                slots[id] = Int32(index + 1)
                slotStamps[id] = generation
            }
        }
        used = 0
        foundCount = 0
        wokenCount = 0
        joinedRange = nil
        let count = event.fields.count
        if rawRanges.count < count {
            rawRanges = Array(repeating: nil, count: count)
            foldedRanges = Array(repeating: nil, count: count)
        } else {
            for index in 0..<count {
                rawRanges[index] = nil
                foldedRanges[index] = nil
            }
        }
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

    @inline(__always)
    func activate(_ variant: Int) {
        guard activeVariants[variant] != generation else { return }
        activeVariants[variant] = generation
        wokenVariants[wokenCount] = Int32(variant)
        wokenCount += 1
    }

    @inline(__always)
    func isActive(_ variant: Int) -> Bool { activeVariants[variant] == generation }

    /// A field's value as a string (for regular expressions).
    func string(fieldID id: Int) -> String? {
        index(ofID: id).map { event.fields[$0].value.text }
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
        guard id < slots.count, slotStamps[id] == generation else { return nil }
        return Int(slots[id]) - 1
    }

    func value(_ name: FieldName) -> FieldValue? {
        index(of: name).map { event.fields[$0].value }
    }

    /// A field's text (folded to ASCII lower case when `folded`), by name id.
    @inline(__always)
    func text(fieldID id: Int, folded: Bool) -> FieldText {
        guard let index = index(ofID: id) else { return .absent }
        if folded, let range = foldedRanges[index] { return .text(bytes(range)) }
        if !folded, let range = rawRanges[index] { return .text(bytes(range)) }
        let value = event.fields[index].value
        if case .list = value { return .list }
        let start = used
        append(value)
        if folded { fold(start..<used) }
        if folded { foldedRanges[index] = start..<used } else { rawRanges[index] = start..<used }
        return .text(bytes(start..<used))
    }

    /// Every field's folded text, separated by NUL bytes (list elements too): what keyword
    /// searches look through.
    func joinedFoldedText() -> UnsafeRawBufferPointer {
        if let joinedRange { return bytes(joinedRange) }
        let start = used
        for (index, field) in event.fields.enumerated() {
            if case .list(let items) = field.value {
                for item in items {
                    append(item)
                    appendByte(0)
                }
            } else if let folded = foldedRanges[index] {
                appendCopy(folded)
                appendByte(0)
            } else {
                let fieldStart = used
                append(field.value)
                // Folded below with the rest: the field's folded text is this part of it.
                foldedRanges[index] = fieldStart..<used
                appendByte(0)
            }
        }
        fold(start..<used)
        joinedRange = start..<used
        return bytes(start..<used)
    }

    /// Calls `body` with the folded text of every field, and of every element of a list, that
    /// could hold a needle of `minimumLength` bytes: the parts of the joined text, for a
    /// scanner whose needles cannot span the NUL between them. Shorter texts are passed over
    /// without being folded, and integers too when `integers` is false (no needle is made of
    /// digits and minus signs alone). Field texts are kept for later tests.
    func forEachFoldedPart(minimumLength: Int, integers: Bool, _ body: (UnsafeRawBufferPointer) -> Void) {
        func long(_ value: FieldValue) -> Bool {
            switch value {
            case .string(let text): return text.utf8.count >= minimumLength
            case .integer, .unsigned: return integers
            case .null: return false
            default: return true
            }
        }
        for (index, field) in event.fields.enumerated() {
            if case .list(let items) = field.value {
                for item in items where long(item) {
                    let start = used
                    append(item)
                    fold(start..<used)
                    body(bytes(start..<used))
                }
                continue
            }
            if let folded = foldedRanges[index] {
                body(bytes(folded))
                continue
            }
            guard long(field.value) else { continue }
            let start = used
            append(field.value)
            fold(start..<used)
            foldedRanges[index] = start..<used
            body(bytes(start..<used))
        }
    }

    /// Calls `body` with the text of a field (each element, for a list) until it returns
    /// true; false when the field is absent.
    func withText(_ name: FieldName, folded: Bool, _ body: (UnsafeRawBufferPointer) -> Bool) -> Bool {
        switch text(fieldID: Int(name.id), folded: folded) {
        case .absent: return false
        case .text(let text): return body(text)
        case .list:
            guard case .list(let items)? = value(name) else { return false }
            for item in items where EventContext.withText(of: item, folded: folded, body) { return true }
            return false
        }
    }

    // MARK: Buffer

    @inline(__always)
    private func bytes(_ range: Range<Int>) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: buffer + range.lowerBound, count: range.count)
    }

    private func reserve(_ count: Int) {
        guard used + count > capacity else { return }
        var grown = capacity * 2
        while grown < used + count { grown *= 2 }
        let fresh = UnsafeMutablePointer<UInt8>.allocate(capacity: grown)
        fresh.update(from: buffer, count: used)
        buffer.deallocate()
        buffer = fresh
        capacity = grown
    }

    /// Appends a copy of bytes already in the buffer.
    private func appendCopy(_ range: Range<Int>) {
        reserve(range.count)
        (buffer + used).update(from: buffer + range.lowerBound, count: range.count)
        used += range.count
    }

    private func appendByte(_ byte: UInt8) {
        reserve(1)
        buffer[used] = byte
        used += 1
    }

    private func append(_ value: FieldValue) {
        switch value {
        case .string(let text):
            if text.utf8.withContiguousStorageIfAvailable({ append($0) }) == nil {
                var copy = text
                copy.withUTF8 { append($0) }
            }
        case .integer(let number):
            // As `FieldValue.text` writes it, without making a string.
            if number < 0 { appendByte(UInt8(ascii: "-")) }
            appendDecimal(number.magnitude)
        case .unsigned(let number):
            appendDecimal(number)
        case .null: break
        default:
            var text = value.text
            text.withUTF8 { append($0) }
        }
    }

    private func append(_ utf8: UnsafeBufferPointer<UInt8>) {
        reserve(utf8.count)
        if let base = utf8.baseAddress { (buffer + used).update(from: base, count: utf8.count) }
        used += utf8.count
    }

    private func appendDecimal(_ number: UInt64) {
        var digits = 1
        var rest = number / 10
        while rest > 0 {
            digits += 1
            rest /= 10
        }
        reserve(digits)
        rest = number
        for offset in stride(from: digits - 1, through: 0, by: -1) {
            buffer[used + offset] = UInt8(ascii: "0") + UInt8(rest % 10)
            rest /= 10
        }
        used += digits
    }

    /// ASCII upper case to lower case in place, eight bytes at a time: a byte gets 0x20 when
    /// it is below 0x80 and between `A` and `Z` (the additions cannot carry between bytes).
    private func fold(_ range: Range<Int>) {
        var position = range.lowerBound
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

    static func appendText(of value: FieldValue, to bytes: inout [UInt8]) {
        switch value {
        case .string(var text): text.withUTF8 { bytes.append(contentsOf: $0) }
        case .null: break
        default: bytes.append(contentsOf: value.text.utf8)
        }
    }

    static func withText(of value: FieldValue, folded: Bool, _ body: (UnsafeRawBufferPointer) -> Bool) -> Bool {
        var bytes: [UInt8] = []
        appendText(of: value, to: &bytes)
        if folded { bytes = bytes.map(Pattern.fold) }
        return bytes.withUnsafeBytes(body)
    }
}
