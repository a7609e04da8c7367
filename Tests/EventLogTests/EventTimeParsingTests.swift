import EventLog
import Testing

@Suite("EventTime parsing")
struct EventTimeParsingTests {
    static let cases: [(text: String, expected: String?)] = [
        ("2020-10-29T08:23:18.073Z", "2020-10-29T08:23:18.0730000Z"),
        ("2020-10-29 08:23:18.073", "2020-10-29T08:23:18.0730000Z"),
        ("2017-08-30T19:13:38.198482000Z", "2017-08-30T19:13:38.1984820Z"),
        ("2017-08-30T19:13:38.19848219999Z", "2017-08-30T19:13:38.1984821Z"),
        ("2022-02-18T17:39:28.127636+00:00", "2022-02-18T17:39:28.1276360Z"),
        ("2024-03-12T11:15:02+02:00", "2024-03-12T09:15:02.0000000Z"),
        ("2024-03-12T04:15:02-0500", "2024-03-12T09:15:02.0000000Z"),
        ("2024-03-12", "2024-03-12T00:00:00.0000000Z"),
        ("2024-03-12T09:15Z", "2024-03-12T09:15:00.0000000Z"),
        ("3/12/2024 9:16:40 AM", "2024-03-12T09:16:40.0000000Z"),
        ("3/12/2024 9:16:40 PM", "2024-03-12T21:16:40.0000000Z"),
        ("12/31/2023 12:00:01 AM", "2023-12-31T00:00:01.0000000Z"),
        ("1588205199.82437", "2020-04-30T00:06:39.8243700Z"),
        ("1604994496.155", "2020-11-10T07:48:16.1550000Z"),
        ("1710234902417", "2024-03-12T09:15:02.4170000Z"),
        ("1710234902417301", "2024-03-12T09:15:02.4173010Z"),
        ("1710234902417301999", "2024-03-12T09:15:02.4173019Z"),
        ("  2020-10-29T08:23:18Z  ", "2020-10-29T08:23:18.0000000Z"),
        ("2023-02-30T00:00:00Z", nil),
        ("2023-13-01T00:00:00Z", nil),
        ("2023-01-01T24:00:00Z", nil),
        ("13/01/2023 10:00:00", nil),
        ("yesterday", nil),
        ("", nil),
        ("2023-01-01T00:00:00Zjunk", nil),
        ("-5", nil),
        ("99999999999999999999", nil),
    ]

    @Test("timestamps as exports write them", arguments: cases)
    func parse(_ entry: (text: String, expected: String?)) {
        #expect(EventTime(parsing: entry.text)?.description == entry.expected, "\(entry.text)")
    }

    @Test("numbers as field values are epoch times, read from their decimal text")
    func fieldValues() {
        #expect(EventTime(FieldValue.double(1588205199.82437))?.description == "2020-04-30T00:06:39.8243700Z")
        #expect(EventTime(FieldValue.integer(1_710_234_902))?.description == "2024-03-12T09:15:02.0000000Z")
        #expect(EventTime(FieldValue.bool(true)) == nil)
    }
}
