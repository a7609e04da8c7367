import STIX

extension EventTime {
    /// Reads the timestamps log exports write: ISO 8601 / RFC 3339 dates with `T` or a space,
    /// 0 to 9 fraction digits (cut to 100 ns), `Z`, an offset (`+02:00`, `+0200`) or no zone
    /// (taken as UTC); US dates `M/D/YYYY h:mm:ss[.f] [AM|PM]` as Event Viewer exports them;
    /// and Unix epoch numbers (seconds with a fraction as Zeek writes them, or milliseconds,
    /// microseconds, nanoseconds by magnitude). Nil when the text is none of these.
    public init?(parsing text: String) {
        var copy = text
        let parsed = copy.withUTF8 { EventTime.parse(UnsafeRawBufferPointer($0)) }
        guard let parsed else { return nil }
        self = parsed
    }

    /// From a number of seconds, milliseconds, microseconds or nanoseconds since 1970, told
    /// apart by magnitude (seconds up to the year 5138).
    public init?(epoch value: Double) {
        guard value.isFinite, value >= 0 else { return nil }
        var seconds = value
        for _ in 0..<3 where seconds >= 1e11 { seconds /= 1000 }
        guard seconds < 1e11 else { return nil }
        let whole = seconds.rounded(.down)
        self.init(unixSeconds: Int64(whole), ticksOfSecond: Int64(((seconds - whole) * 1e7).rounded()))
    }

    /// The time a field value holds: text in one of the forms above, or an epoch number.
    public init?(_ value: FieldValue) {
        switch value {
        case .string(let text): self.init(parsing: text)
        case .integer(let number): self.init(epoch: Double(number))
        case .unsigned(let number): self.init(epoch: Double(number))
        case .double(let number):
            // The shortest decimal text of the number is what the source wrote (Zeek's
            // `1588205199.82437`), read exactly; exponents go through `epoch`.
            let text = number.description
            if !text.contains("e"), let time = EventTime(parsing: text) { self = time } else { self.init(epoch: number) }
        default: return nil
        }
    }

    static func parse(_ bytes: UnsafeRawBufferPointer) -> EventTime? {
        var scanner = DigitScanner(bytes: bytes)
        scanner.skipSpaces()
        let start = scanner.position
        guard let first = scanner.number(maxDigits: 19) else { return nil }
        let firstDigits = scanner.position - start
        switch scanner.peek {
        case UInt8(ascii: "-") where firstDigits == 4:
            return isoDate(year: first, &scanner)
        case UInt8(ascii: "/"):
            return usDate(month: first, &scanner)
        default:
            // An epoch number, possibly with a fraction, read exactly (no binary floating point).
            let fraction = scanner.fraction()
            scanner.skipSpaces()
            guard scanner.atEnd else { return nil }
            return EventTime(epochInteger: first, fractionTicks: fraction)
        }
    }

    /// Seconds (below 10^11), milliseconds, microseconds or nanoseconds since 1970 by
    /// magnitude, with the fraction of the unit in 100 ns ticks of a second.
    private init?(epochInteger value: Int, fractionTicks: Int) {
        guard value >= 0 else { return nil }
        switch value {
        case ..<100_000_000_000:
            self.init(unixSeconds: Int64(value), ticksOfSecond: Int64(fractionTicks))
        case ..<100_000_000_000_000:
            self.init(unixSeconds: Int64(value / 1000), ticksOfSecond: Int64(value % 1000 * 10_000 + fractionTicks / 1000))
        case ..<100_000_000_000_000_000:
            self.init(unixSeconds: Int64(value / 1_000_000), ticksOfSecond: Int64(value % 1_000_000 * 10 + fractionTicks / 1_000_000))
        default:
            self.init(unixSeconds: Int64(value / 1_000_000_000), ticksOfSecond: Int64(value % 1_000_000_000 / 100))
        }
    }

    private static func isoDate(year: Int, _ scanner: inout DigitScanner) -> EventTime? {
        guard scanner.take(UInt8(ascii: "-")), let month = scanner.fixed(2), scanner.take(UInt8(ascii: "-")),
            let day = scanner.fixed(2)
        else { return nil }
        guard scanner.take(UInt8(ascii: "T")) || scanner.take(UInt8(ascii: "t")) || scanner.take(UInt8(ascii: " ")) else {
            scanner.skipSpaces()
            return scanner.atEnd ? make(year, month, day, 0, 0, 0, 0, offset: 0) : nil
        }
        guard let (hour, minute, second, ticks) = clock(&scanner, hourDigits: 2) else { return nil }
        var offset = 0
        if scanner.take(UInt8(ascii: "Z")) || scanner.take(UInt8(ascii: "z")) {
        } else if let sign = scanner.peek, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
            scanner.position += 1
            guard let hours = scanner.fixed(2) else { return nil }
            _ = scanner.take(UInt8(ascii: ":"))
            let minutes = scanner.fixed(2) ?? 0
            offset = (hours * 60 + minutes) * 60 * (sign == UInt8(ascii: "-") ? -1 : 1)
        } else if scanner.take(UInt8(ascii: "U")) {
            guard scanner.take(UInt8(ascii: "T")), scanner.take(UInt8(ascii: "C")) else { return nil }
        }
        scanner.skipSpaces()
        guard scanner.atEnd else { return nil }
        return make(year, month, day, hour, minute, second, ticks, offset: offset)
    }

    private static func usDate(month: Int, _ scanner: inout DigitScanner) -> EventTime? {
        guard scanner.take(UInt8(ascii: "/")), let day = scanner.number(maxDigits: 2), scanner.take(UInt8(ascii: "/")),
            let year = scanner.fixed(4)
        else { return nil }
        scanner.skipSpaces()
        guard !scanner.atEnd else { return make(year, month, day, 0, 0, 0, 0, offset: 0) }
        guard let (clockHour, minute, second, ticks) = clock(&scanner, hourDigits: 1) else { return nil }
        var hour = clockHour
        if scanner.take(UInt8(ascii: "P")) || scanner.take(UInt8(ascii: "p")) {
            guard scanner.take(UInt8(ascii: "M")) || scanner.take(UInt8(ascii: "m")), (1...12).contains(hour) else { return nil }
            hour = hour % 12 + 12
        } else if scanner.take(UInt8(ascii: "A")) || scanner.take(UInt8(ascii: "a")) {
            guard scanner.take(UInt8(ascii: "M")) || scanner.take(UInt8(ascii: "m")), (1...12).contains(hour) else { return nil }
            hour %= 12
        }
        scanner.skipSpaces()
        guard scanner.atEnd else { return nil }
        return make(year, month, day, hour, minute, second, ticks, offset: 0)
    }

    /// `hh:mm[:ss][.fraction]` and the spaces after it; `hourDigits` 1 allows `9:05`.
    private static func clock(_ scanner: inout DigitScanner, hourDigits: Int) -> (Int, Int, Int, Int)? {
        let start = scanner.position
        guard let hour = scanner.number(maxDigits: 2), scanner.position - start >= hourDigits, scanner.take(UInt8(ascii: ":")),
            let minute = scanner.fixed(2)
        else { return nil }
        var second = 0
        if scanner.take(UInt8(ascii: ":")) {
            guard let value = scanner.fixed(2) else { return nil }
            second = value
        }
        let ticks = scanner.fraction()
        scanner.skipSpaces()
        return (hour, minute, second, ticks)
    }

    private static func make(_ year: Int, _ month: Int, _ day: Int, _ hour: Int, _ minute: Int, _ second: Int, _ ticks: Int, offset: Int)
        -> EventTime?
    {
        guard (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second <= 60 else { return nil }
        let days = CivilDate.daysSinceEpoch(year: year, month: month, day: day)
        // A day that does not exist in its month (February 30) comes back as another date.
        guard CivilDate.from(daysSinceEpoch: days) == (year, month, day) else { return nil }
        let seconds = Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + second) - Int64(offset)
        return EventTime(unixSeconds: seconds, ticksOfSecond: Int64(ticks))
    }
}

/// Reads ASCII digits and punctuation from the front of a byte buffer.
private struct DigitScanner {
    let bytes: UnsafeRawBufferPointer
    var position = 0

    var atEnd: Bool { position >= bytes.count }
    var peek: UInt8? { position < bytes.count ? bytes[position] : nil }

    mutating func skipSpaces() {
        while let byte = peek, byte == 0x20 || byte == 0x09 { position += 1 }
    }

    mutating func take(_ byte: UInt8) -> Bool {
        guard peek == byte else { return false }
        position += 1
        return true
    }

    mutating func digit() -> Int? {
        guard let byte = peek, byte >= 0x30, byte <= 0x39 else { return nil }
        position += 1
        return Int(byte - 0x30)
    }

    /// One to `maxDigits` digits; nil when they overflow.
    mutating func number(maxDigits: Int) -> Int? {
        var value = 0
        var count = 0
        var overflow = false
        while count < maxDigits, let digit = digit() {
            let (times, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times.addingReportingOverflow(digit)
            overflow = overflow || o1 || o2
            value = sum
            count += 1
        }
        return count > 0 && !overflow ? value : nil
    }

    /// Exactly `count` digits.
    mutating func fixed(_ count: Int) -> Int? {
        let start = position
        guard let value = number(maxDigits: count), position - start == count else {
            position = start
            return nil
        }
        return value
    }

    /// `.digits` or `,digits` as 100 ns ticks (digits past the seventh are cut); 0 if absent.
    mutating func fraction() -> Int {
        guard take(UInt8(ascii: ".")) || take(UInt8(ascii: ",")) else { return 0 }
        var ticks = 0
        var digits = 0
        while let digit = digit() {
            if digits < 7 { ticks = ticks * 10 + digit }
            digits += 1
        }
        for _ in min(digits, 7)..<7 { ticks *= 10 }
        return ticks
    }
}
