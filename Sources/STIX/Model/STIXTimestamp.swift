/// A STIX timestamp: RFC 3339 in UTC (`2024-04-10T21:08:50.123Z`), with the text and its
/// precision kept exactly as written.
///
/// Two timestamps compare by the instant they name, to the nanosecond; `2024-01-01T00:00:00Z`
/// and `2024-01-01T00:00:00.000Z` are the same instant with different precision. Digits beyond
/// nanoseconds are kept in the text but do not take part in comparisons. It refuses offsets
/// other than `Z`, because STIX requires UTC.
public struct STIXTimestamp: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The text as written.
    public let text: String
    /// Seconds since 1970-01-01T00:00:00Z (leap seconds count as the second before).
    public let secondsSinceEpoch: Int64
    /// Nanoseconds within the second.
    public let nanoseconds: Int32
    /// Number of fractional-second digits written (0 when there is no fraction).
    public let fractionDigits: Int

    /// Why a text is not a STIX timestamp.
    public struct Problem: Error, Sendable, Equatable, CustomStringConvertible {
        public let description: String
    }

    public init(_ text: String) throws(Problem) {
        let bytes = Array(text.utf8)
        func fail(_ why: String) -> Problem { Problem(description: "'\(text)' is not an RFC 3339 UTC timestamp (\(why))") }
        guard bytes.count >= 20 else { throw fail("too short; expected YYYY-MM-DDTHH:MM:SS[.s]Z") }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for index in range {
                let byte = bytes[index]
                guard byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") else { return nil }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
            }
            return value
        }
        guard bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"), bytes[10] == UInt8(ascii: "T"),
            bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":")
        else { throw fail("expected YYYY-MM-DDTHH:MM:SS") }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
            let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19)
        else { throw fail("non-digit in a date or time field") }
        guard (1...12).contains(month) else { throw fail("month \(month)") }
        guard (1...STIXTimestamp.daysIn(month: month, year: year)).contains(day) else { throw fail("day \(day) of month \(month)") }
        guard hour <= 23 else { throw fail("hour \(hour)") }
        guard minute <= 59 else { throw fail("minute \(minute)") }
        guard second <= 60 else { throw fail("second \(second)") }
        var index = 19
        var nanos = 0
        var digits = 0
        if bytes[index] == UInt8(ascii: ".") {
            index += 1
            while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") {
                if digits < 9 { nanos = nanos * 10 + Int(bytes[index] - UInt8(ascii: "0")) }
                digits += 1
                index += 1
            }
            guard digits > 0 else { throw fail("no digits after the decimal point") }
            for _ in min(digits, 9)..<9 { nanos *= 10 }
        }
        guard index == bytes.count - 1, bytes[index] == UInt8(ascii: "Z") else {
            throw fail("must end in 'Z' (UTC)")
        }
        let days = CivilDate.daysSinceEpoch(year: year, month: month, day: day)
        self.text = text
        self.secondsSinceEpoch = Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + min(second, 59))
        self.nanoseconds = Int32(nanos)
        self.fractionDigits = digits
    }

    /// A timestamp for an instant, written with millisecond precision as STIX producers usually do.
    public init(secondsSinceEpoch: Int64, nanoseconds: Int32 = 0) {
        let millis = Int(nanoseconds) / 1_000_000
        self.text = Self.format(secondsSinceEpoch: secondsSinceEpoch, fraction: millis, digits: 3)
        self.secondsSinceEpoch = secondsSinceEpoch
        self.nanoseconds = Int32(millis * 1_000_000)
        self.fractionDigits = 3
    }

    /// A timestamp for an instant to the microsecond, written with six fraction digits (as
    /// TAXII servers write `date_added`).
    public init(microsecondsSinceEpoch micros: Int64) {
        let seconds = micros >= 0 ? micros / 1_000_000 : (micros - 999_999) / 1_000_000
        let fraction = Int(micros - seconds * 1_000_000)
        self.text = Self.format(secondsSinceEpoch: seconds, fraction: fraction, digits: 6)
        self.secondsSinceEpoch = seconds
        self.nanoseconds = Int32(fraction * 1_000)
        self.fractionDigits = 6
    }

    /// `YYYY-MM-DDTHH:MM:SS.fffZ` with `digits` fraction digits, written into one buffer: servers
    /// write one for every record of a manifest page.
    private static func format(secondsSinceEpoch: Int64, fraction: Int, digits: Int) -> String {
        let days = Int(secondsSinceEpoch >= 0 ? secondsSinceEpoch / 86_400 : (secondsSinceEpoch - 86_399) / 86_400)
        let secondOfDay = Int(secondsSinceEpoch - Int64(days) * 86_400)
        let (year, month, day) = CivilDate.from(daysSinceEpoch: days)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(21 + digits)
        func put(_ value: Int, _ width: Int) {
            var divisor = 1
            for _ in 1..<width { divisor *= 10 }
            var rest = max(0, value)
            // A year past 9999 keeps all its digits.
            while rest / divisor >= 10 { divisor *= 10 }
            while divisor > 0 {
                bytes.append(UInt8(ascii: "0") + UInt8(rest / divisor))
                rest %= divisor
                divisor /= 10
            }
        }
        put(year, 4); bytes.append(UInt8(ascii: "-")); put(month, 2); bytes.append(UInt8(ascii: "-")); put(day, 2)
        bytes.append(UInt8(ascii: "T")); put(secondOfDay / 3600, 2); bytes.append(UInt8(ascii: ":"))
        put(secondOfDay / 60 % 60, 2); bytes.append(UInt8(ascii: ":")); put(secondOfDay % 60, 2)
        bytes.append(UInt8(ascii: ".")); put(fraction, digits); bytes.append(UInt8(ascii: "Z"))
        return String(decoding: bytes, as: UTF8.self)
    }

    public var description: String { text }

    /// A fixed-width text that sorts as the instants do: nine fraction digits, always.
    public var sortKey: String {
        let fraction = String(nanoseconds)
        let padded = String(repeating: "0", count: 9 - fraction.count) + fraction
        return String(text.prefix(19)) + "." + padded + "Z"
    }

    public static func == (lhs: STIXTimestamp, rhs: STIXTimestamp) -> Bool {
        lhs.secondsSinceEpoch == rhs.secondsSinceEpoch && lhs.nanoseconds == rhs.nanoseconds
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(secondsSinceEpoch)
        hasher.combine(nanoseconds)
    }

    public static func < (lhs: STIXTimestamp, rhs: STIXTimestamp) -> Bool {
        (lhs.secondsSinceEpoch, lhs.nanoseconds) < (rhs.secondsSinceEpoch, rhs.nanoseconds)
    }

    static func isLeap(_ year: Int) -> Bool { (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}
