import STIX

/// A point in time in UTC with 100-nanosecond precision: Windows FILETIME ticks since
/// 1601-01-01T00:00:00Z, the precision EVTX records carry.
public struct EventTime: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// 100 ns intervals since 1601-01-01T00:00:00Z.
    public var ticks: Int64

    /// Ticks between 1601-01-01 and 1970-01-01.
    static let unixEpochTicks: Int64 = 116_444_736_000_000_000

    public init(ticks: Int64) { self.ticks = ticks }

    /// From a FILETIME value.
    public init(fileTime: UInt64) { ticks = Int64(bitPattern: fileTime) }

    /// From seconds and a fraction of a second in 100 ns units since 1970.
    public init(unixSeconds: Int64, ticksOfSecond: Int64 = 0) {
        ticks = unixSeconds * 10_000_000 + ticksOfSecond + EventTime.unixEpochTicks
    }

    public var unixSeconds: Int64 {
        let since = ticks - EventTime.unixEpochTicks
        return since >= 0 ? since / 10_000_000 : (since - 9_999_999) / 10_000_000
    }

    /// 100 ns units within the second.
    public var ticksOfSecond: Int64 { ticks - EventTime.unixEpochTicks - unixSeconds * 10_000_000 }

    /// RFC 3339 in UTC with 7 fraction digits (`2017-08-30T19:13:38.1984820Z`).
    public var description: String { formatted(fractionDigits: 7) }

    /// RFC 3339 in UTC with 0 to 7 fraction digits (the fraction is cut, not rounded).
    public func formatted(fractionDigits: Int) -> String {
        let (year, month, day) = CivilDate.from(daysSinceEpoch: Int(floorDiv(unixSeconds, 86_400)))
        let secondOfDay = Int(unixSeconds - floorDiv(unixSeconds, 86_400) * 86_400)
        var text = pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2) + "T" + pad(secondOfDay / 3600, 2) + ":"
            + pad(secondOfDay / 60 % 60, 2) + ":" + pad(secondOfDay % 60, 2)
        let digits = max(0, min(7, fractionDigits))
        if digits > 0 {
            var fraction = Int(ticksOfSecond)
            for _ in digits..<7 { fraction /= 10 }
            text += "." + pad(fraction, digits)
        }
        return text + "Z"
    }

    public static func < (lhs: EventTime, rhs: EventTime) -> Bool { lhs.ticks < rhs.ticks }

    /// The calendar date and time of day in UTC.
    public var components: (year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int) {
        let days = floorDiv(unixSeconds, 86_400)
        let (year, month, day) = CivilDate.from(daysSinceEpoch: Int(days))
        let secondOfDay = Int(unixSeconds - days * 86_400)
        return (year, month, day, secondOfDay / 3600, secondOfDay / 60 % 60, secondOfDay % 60)
    }

    /// The ISO 8601 week of the year (1 to 53; weeks start on Monday, week 1 holds the first
    /// Thursday).
    public var isoWeek: Int {
        let days = Int(floorDiv(unixSeconds, 86_400))
        // 1970-01-01 was a Thursday; Monday is 0.
        let weekday = ((days + 3) % 7 + 7) % 7
        let thursday = days - weekday + 3
        let year = CivilDate.from(daysSinceEpoch: thursday).year
        return (thursday - CivilDate.daysSinceEpoch(year: year, month: 1, day: 1)) / 7 + 1
    }

    private func floorDiv(_ value: Int64, _ divisor: Int64) -> Int64 {
        value >= 0 ? value / divisor : (value - divisor + 1) / divisor
    }

    private func pad(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
    }
}

