import EventLog
import Testing

@Suite struct CSVFieldTests {
    @Test(arguments: [
        ("plain", "plain"),
        ("", ""),
        ("a,b", "\"a,b\""),
        ("say \"hi\"", "\"say \"\"hi\"\"\""),
        ("two\nlines", "\"two\nlines\""),
        ("windows\r\nline", "\"windows\r\nline\""),
        ("C:\\Users\\Public\\hh.dll", "C:\\Users\\Public\\hh.dll"),
        ("Příliš, žluťoučký", "\"Příliš, žluťoučký\""),
    ])
    func field(value: String, expected: String) {
        #expect(CSVParser.field(value) == expected)
    }
}
