import EventLog
import Testing

@Suite("Text record framing")
struct TextRecordFramerTests {
    /// Frames `text` fed in blocks of `blockSize` bytes, as a stream reader feeds it.
    static func frame(_ text: String, _ syntax: TextRecordFramer.Syntax, blockSize: Int = 1 << 20) -> (records: [(String, UInt64)], problems: [TextRecordError]) {
        let bytes = Array(text.utf8)
        var framer = TextRecordFramer(syntax: syntax)
        var carry: [UInt8] = []
        var offset = 0
        var result: [(String, UInt64)] = []
        var problems: [TextRecordError] = []
        repeat {
            let end = min(bytes.count, offset + blockSize)
            let block = carry + bytes[offset..<end]
            offset = end
            var records: [TextRecordFramer.Record] = []
            let used = block.withUnsafeBytes { framer.frame($0, atEnd: offset == bytes.count, into: &records, problems: &problems) }
            result += records.map { (String(decoding: block[$0.range], as: UTF8.self), $0.line) }
            carry = Array(block[used...])
        } while offset < bytes.count
        return (result, problems)
    }

    static let cases: [(name: String, syntax: TextRecordFramer.Syntax, text: String, records: [String], lines: [UInt64])] = [
        ("lines", .lines, "a\nb\r\n\n  \nc", ["a", "b", "c"], [1, 2, 5]),
        ("csv quoted line break", .csv, "h1,h2\n\"x\ny\",z\nlast,row\n", ["h1,h2", "\"x\ny\",z", "last,row"], [1, 2, 4]),
        ("json lines", .json, "{\"a\":1}\n{\"b\":[1,\n", ["{\"a\":1}", "{\"b\":[1,"], [1, 2]),
        ("json lines keep a broken line to itself", .json, "{\"a\":1}\n{\"b\":\n{\"c\":3}\n", ["{\"a\":1}", "{\"b\":", "{\"c\":3}"], [1, 2, 3]),
        (
            "pretty-printed JSON list", .json, "[\n  {\n    \"a\": \"}\\\"{\"\n  },\n  {\"b\": [1, {\"c\": 2}]}\n]\n",
            ["{\n    \"a\": \"}\\\"{\"\n  }", "{\"b\": [1, {\"c\": 2}]}"], [2, 5]
        ),
        ("concatenated objects", .json, "{\"a\":\n1}{\"b\":2}", ["{\"a\":\n1}", "{\"b\":2}"], [1, 2]),
        ("byte order mark", .lines, "\u{FEFF}first\nsecond", ["first", "second"], [1, 2]),
    ]

    @Test("records and their lines, whatever the block size", arguments: cases)
    func frames(_ entry: (name: String, syntax: TextRecordFramer.Syntax, text: String, records: [String], lines: [UInt64])) {
        for blockSize in [1, 2, 3, 7, 64, 1 << 20] {
            let (records, problems) = Self.frame(entry.text, entry.syntax, blockSize: blockSize)
            #expect(records.map(\.0) == entry.records, "\(entry.name), blocks of \(blockSize)")
            #expect(records.map(\.1) == entry.lines, "\(entry.name), blocks of \(blockSize)")
            #expect(problems.isEmpty)
        }
    }

    @Test("a record longer than the limit is reported and skipped to the next line")
    func oversized() {
        let long = String(repeating: "x", count: TextRecordFramer.maximumRecordSize + 10)
        // Found within one block, and found only after it outgrew several blocks.
        for blockSize in [1 << 20, 64 << 20] {
            let (records, problems) = Self.frame("first\n" + long + "\nafter\n", .lines, blockSize: blockSize)
            // Compared by length: a failure must not print 16 MiB.
            #expect(records.map(\.0.count) == [5, 5])
            #expect(records.map(\.1) == [1, 3])
            #expect(problems.map(\.line) == [2])
        }
    }
}
