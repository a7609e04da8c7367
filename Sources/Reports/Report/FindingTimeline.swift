import Foundation
import IntelStore

/// Findings counted over time, by the first tactic their rule names: hours for a case of two
/// days, days up to half a year, then months, then years. Every period from the first finding
/// to the last has a bucket, so gaps show.
public struct FindingTimeline: Sendable, Hashable {
    public enum Unit: String, Sendable {
        case hour, day, month, year

        /// Characters of an ISO 8601 time that name the bucket (`2024-03-05T14` for an hour).
        var prefixLength: Int {
            switch self {
            case .hour: return 13
            case .day: return 10
            case .month: return 7
            case .year: return 4
            }
        }
    }

    /// One period and its findings by tactic (`""`: rules that name no tactic).
    public struct Bucket: Sendable, Hashable {
        public var start: String
        public var counts: [String: Int]
        public var total: Int { counts.values.reduce(0, +) }
    }

    public var unit: Unit
    public var buckets: [Bucket]
    /// Tactics that occur, in ATT&CK's order.
    public var tactics: [String]
    /// Findings without a time this chart could read.
    public var untimed: Int

    /// Nil when no finding has a time.
    public init?(findings: [CaseFinding]) {
        let timed = findings.compactMap { finding -> (String, String)? in
            guard let time = finding.timestamp, Self.isTime(time) else { return nil }
            return (time, finding.tactics.first.map(ATTACKMatrix.phaseName) ?? "")
        }
        guard let first = timed.map(\.0).min(), let last = timed.map(\.0).max(), let start = Self.date(first), let end = Self.date(last) else {
            return nil
        }
        let span = end.timeIntervalSince(start)
        var unit: Unit = span <= 2 * 86_400 ? .hour : span <= 183 * 86_400 ? .day : .month
        if unit == .month && span > 20 * 366 * 86_400 { unit = .year }
        self.unit = unit
        untimed = findings.count - timed.count

        var counts: [String: [String: Int]] = [:]
        var tactics: Set<String> = []
        for (time, tactic) in timed {
            counts[String(time.prefix(unit.prefixLength)), default: [:]][tactic, default: 0] += 1
            tactics.insert(tactic)
        }
        self.tactics = tactics.sorted { ATTACKMatrix.order($0) < ATTACKMatrix.order($1) }
        buckets = Self.periods(from: start, to: end, unit: unit).map { Bucket(start: $0, counts: counts[$0] ?? [:]) }
    }

    /// The largest bucket's count.
    public var peak: Int { buckets.map(\.total).max() ?? 0 }

    static let calendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? calendar.timeZone
        return calendar
    }()

    /// The year, month, day and hour of an ISO 8601 time (`2024-03-05T14:02:11`), when it
    /// starts with a valid date.
    static func parts(_ text: String) -> (year: Int, month: Int, day: Int, hour: Int)? {
        var (year, month, day, hour) = (0, 0, 0, 0)
        var hourRead = true
        var position = 0
        for byte in text.utf8.prefix(13) {
            let digit = Int(byte) - 48
            let isDigit = (0...9).contains(digit)
            switch position {
            case 0...3: guard isDigit else { return nil }; year = year * 10 + digit
            case 5...6: guard isDigit else { return nil }; month = month * 10 + digit
            case 8...9: guard isDigit else { return nil }; day = day * 10 + digit
            case 11...12: if isDigit { hour = hour * 10 + digit } else { hourRead = false }
            default: break
            }
            position += 1
        }
        guard position >= 10, (1...12).contains(month), (1...31).contains(day) else { return nil }
        return (year, month, day, position == 13 && hourRead ? hour : 0)
    }

    static func isTime(_ text: String) -> Bool { parts(text) != nil }

    /// The UTC instant of an ISO 8601 time's date and hour.
    static func date(_ text: String) -> Date? {
        parts(text).flatMap { calendar.date(from: DateComponents(year: $0.year, month: $0.month, day: $0.day, hour: $0.hour)) }
    }

    /// The bucket names from the start's period to the end's.
    static func periods(from start: Date, to end: Date, unit: Unit) -> [String] {
        let component: Calendar.Component = unit == .hour ? .hour : unit == .day ? .day : unit == .month ? .month : .year
        let floor: Set<Calendar.Component> =
            unit == .hour ? [.year, .month, .day, .hour] : unit == .day ? [.year, .month, .day] : unit == .month ? [.year, .month] : [.year]
        guard var current = calendar.date(from: calendar.dateComponents(floor, from: start)) else { return [] }
        var result: [String] = []
        while current <= end && result.count < 10_000 {
            let parts = calendar.dateComponents([.year, .month, .day, .hour], from: current)
            let text = String(format: "%04d-%02d-%02dT%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0, parts.hour ?? 0)
            result.append(String(text.prefix(unit.prefixLength)))
            guard let next = calendar.date(byAdding: component, value: 1, to: current) else { break }
            current = next
        }
        return result
    }
}
