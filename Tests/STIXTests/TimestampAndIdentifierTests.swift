import STIX
import Testing

@Suite("STIX timestamps and identifiers")
struct TimestampAndIdentifierTests {
    @Test(
        "valid timestamps keep their text and precision",
        arguments: [
            ("2024-04-10T21:08:50Z", 0), ("2024-04-10T21:08:50.1Z", 1), ("2024-04-10T21:08:50.123Z", 3),
            ("2024-04-10T21:08:50.123456789Z", 9), ("2024-02-29T00:00:00Z", 0), ("2016-12-31T23:59:60Z", 0),
        ])
    func valid(_ text: String, _ digits: Int) throws {
        let timestamp = try STIXTimestamp(text)
        #expect(timestamp.text == text)
        #expect(timestamp.fractionDigits == digits)
    }

    @Test(
        "invalid timestamps are refused with the reason",
        arguments: [
            ("2024-13-01T00:00:00Z", "month 13"), ("2023-02-29T00:00:00Z", "day 29 of month 2"),
            ("2024-04-10T24:00:00Z", "hour 24"), ("2024-04-10T21:08:50+02:00", "must end in 'Z'"),
            ("2024-04-10 21:08:50Z", "expected YYYY-MM-DDTHH:MM:SS"), ("2024-04-10T21:08:50.Z", "no digits"),
            ("yesterday", "too short"),
        ])
    func invalid(_ text: String, _ reason: String) {
        #expect {
            _ = try STIXTimestamp(text)
        } throws: { error in
            (error as? STIXTimestamp.Problem)?.description.contains(reason) ?? false
        }
    }

    @Test("timestamps compare by instant, to the nanosecond")
    func comparison() throws {
        let coarse = try STIXTimestamp("2024-01-01T00:00:00Z")
        let fine = try STIXTimestamp("2024-01-01T00:00:00.000Z")
        let later = try STIXTimestamp("2024-01-01T00:00:00.000000001Z")
        #expect(coarse == fine)
        #expect(fine < later)
        #expect(fine.sortKey < later.sortKey)
        #expect(coarse.sortKey == fine.sortKey)
        #expect(try STIXTimestamp("1999-12-31T23:59:59.999Z") < coarse)
    }

    @Test("epoch conversion agrees both ways")
    func epoch() throws {
        let timestamp = try STIXTimestamp("2022-07-01T12:34:56.789Z")
        #expect(timestamp.secondsSinceEpoch == 1_656_678_896)
        let made = STIXTimestamp(secondsSinceEpoch: 1_656_678_896, nanoseconds: 789_000_000)
        #expect(made.text == "2022-07-01T12:34:56.789Z")
        #expect(made == timestamp)
    }

    @Test(
        "instants to the microsecond are written with six fraction digits and read back",
        arguments: [
            (Int64(0), "1970-01-01T00:00:00.000000Z"),
            (1_656_678_896_000_789, "2022-07-01T12:34:56.000789Z"),
            (951_825_600_123_456, "2000-02-29T12:00:00.123456Z"),
            (-1, "1969-12-31T23:59:59.999999Z"),
            (253_402_300_799_999_999, "9999-12-31T23:59:59.999999Z"),
        ])
    func microseconds(instant: Int64, text: String) throws {
        let made = STIXTimestamp(microsecondsSinceEpoch: instant)
        #expect(made.text == text)
        #expect(try STIXTimestamp(text) == made)
    }

    @Test(
        "identifiers",
        arguments: [
            ("intrusion-set--4283ae19-69c7-4347-a35e-b56f08eb660b", true),
            ("x-mitre-tactic--2558fd61-8c75-4730-94c4-11926db2a263", true),
            ("ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd", true),
            ("intrusion-set-4283ae19-69c7-4347-a35e-b56f08eb660b", false),
            ("Intrusion-Set--4283ae19-69c7-4347-a35e-b56f08eb660b", false),
            ("intrusion-set--4283ae19-69c7-4347-a35e", false),
            ("intrusion-set--4283ae19x69c7-4347-a35e-b56f08eb660b", false),
            ("ab--4283ae19-69c7-4347-a35e-b56f08eb660b", false),
        ])
    func identifiers(_ text: String, _ valid: Bool) {
        #expect(((try? STIXIdentifier(validating: text)) != nil) == valid)
    }

    @Test("random identifiers are version 4 UUIDs")
    func random() throws {
        let id = STIXIdentifier.random(type: "bundle")
        let parsed = try STIXIdentifier(validating: id.rawValue)
        #expect(parsed.type == "bundle")
        let uuid = Array(id.rawValue.dropFirst("bundle--".count))
        #expect(uuid[14] == "4")
        #expect("89ab".contains(uuid[19]))
    }

    @Test(
        "deterministic identifiers are the version 5 UUIDs Python's uuid5 gives",
        arguments: [
            (#"{"value":"198.51.100.3"}"#, "28bb3599-77cd-5a82-a950-b5bc3caf07c4"),
            ("", "541cb4a8-fbf0-5832-816e-d17fd10b36c4"),
            (String(repeating: "x", count: 200), "7754bd24-1a36-59b3-a9b7-43ed44773229"),
        ])
    func deterministic(_ name: String, _ uuid: String) {
        #expect(STIXIdentifier.deterministic(type: "ipv4-addr", name: name).rawValue == "ipv4-addr--" + uuid)
    }
}
