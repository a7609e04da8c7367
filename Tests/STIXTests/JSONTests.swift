import STIX
import Testing

@Suite("JSON parsing and writing")
struct JSONTests {
    @Test(
        "valid documents read back as written",
        arguments: [
            #"{"a":1,"b":[true,false,null],"c":"x"}"#,
            #"[]"#, #"{}"#, #""""#, #"-0"#, #"12.5"#, #"1e-07"#, #"[{"nested":{"deep":[1,[2,[3]]]}}]"#,
            #"{"text":"tab\tquote\"backslash\\newline\ncontrol\u0001"}"#,
            #"{"unicode":"Praha – Černín, 北京, 🛰"}"#,
        ])
    func roundTrip(_ text: String) throws {
        let value = try JSONParser.parse(text)
        let written = JSONWriter().string(value)
        #expect(try JSONParser.parse(written) == value)
    }

    @Test("escapes and surrogate pairs decode")
    func escapes() throws {
        let value = try JSONParser.parse(#"["\u00e9\u010D", "\ud83d\udef0", "a\/b"]"#)
        #expect(value == ["éč", "🛰", "a/b"])
    }

    @Test("numbers keep integer-ness; 1 equals 1.0")
    func numbers() throws {
        #expect(try JSONParser.parse("9007199254740993") == .int(9_007_199_254_740_993))
        #expect(try JSONParser.parse("1.0") == .double(1.0))
        #expect(JSONValue.int(1) == JSONValue.double(1.0))
    }

    @Test("objects keep their member order and compare without it")
    func order() throws {
        let value = try JSONParser.parse(#"{"z":1,"a":2,"m":3}"#)
        #expect(value.objectValue?.keys == ["z", "a", "m"])
        #expect(value == (try JSONParser.parse(#"{"a":2,"m":3,"z":1}"#)))
        #expect(JSONWriter().string(value) == #"{"z":1,"a":2,"m":3}"#)
    }

    struct Invalid: Sendable, CustomTestStringConvertible {
        var text: String
        var reason: String
        var line: Int
        var column: Int
        var testDescription: String { text }
    }

    @Test(
        "invalid documents are refused with the position",
        arguments: [
            Invalid(text: "", reason: "unexpected end of input", line: 1, column: 1),
            Invalid(text: #"{"a":1,}"#, reason: "expected a property name", line: 1, column: 8),
            Invalid(text: "[1,2", reason: "unexpected end of input in an array", line: 1, column: 5),
            Invalid(text: "{\n  \"a\": tru\n}", reason: "invalid literal", line: 2, column: 8),
            Invalid(text: #"{"a":"open"#, reason: "unterminated string", line: 1, column: 6),
            Invalid(text: "\"a\u{01}b\"", reason: "unescaped control character", line: 1, column: 3),
            Invalid(text: #"{"a":1,"a":2}"#, reason: "duplicate property name", line: 1, column: 8),
            Invalid(text: "01", reason: "leading zero", line: 1, column: 1),
            Invalid(text: #""\ud800""#, reason: "lone high surrogate", line: 1, column: 2),
            Invalid(text: "[1] x", reason: "unexpected content after", line: 1, column: 5),
            Invalid(text: "// comment\n{}", reason: "unexpected character '/'", line: 1, column: 1),
            Invalid(text: "1e999", reason: "number out of range", line: 1, column: 1),
        ])
    func invalid(_ invalid: Invalid) {
        #expect {
            _ = try JSONParser.parse(invalid.text)
        } throws: { error in
            guard case .invalidJSON(let reason, _, let line, let column) = error as? STIXError else { return false }
            return reason.contains(invalid.reason) && line == invalid.line && column == invalid.column
        }
    }

    @Test("invalid UTF-8 is refused")
    func invalidUTF8() {
        #expect(throws: STIXError.self) { try JSONParser.parse([0x22, 0xC3, 0x28, 0x22]) }
    }

    @Test("nesting beyond the limit is refused, not a crash")
    func deepNesting() {
        let text = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: STIXError.self) { try JSONParser.parse(text) }
    }

    @Test("pretty output indents and reads back")
    func pretty() throws {
        let value: JSONValue = ["a": [1, 2], "b": ["c": "d"], "e": [], "f": [:]]
        let text = JSONWriter(pretty: true).string(value)
        #expect(text == "{\n  \"a\": [\n    1,\n    2\n  ],\n  \"b\": {\n    \"c\": \"d\"\n  },\n  \"e\": [],\n  \"f\": {}\n}")
        #expect(try JSONParser.parse(text) == value)
    }
}

@Suite("JSON parsing in parallel")
struct ParallelJSONTests {
    @Test(
        "the parallel parse gives what the serial parse gives",
        arguments: [
            #"{"type":"bundle","objects":[1,"two",{"three":[3,{"x":"]}"}]},[],null,true,-1.5e3, "\"q\""]}"#,
            #"[{"a":1},{"b":[2,3]},"s",4]"#, #"{"objects":[]}"#, #"{"other":[1],"objects":{"not":"a list"}}"#,
            #"{"a":1}"#, "[]", "5",
        ])
    func sameResult(_ text: String) throws {
        // Repeat the list so that it is long enough to be split across threads.
        let bytes = Array(text.utf8)
        #expect(try JSONParser.parse(bytes, parallelListKey: "objects") == (try JSONParser.parse(bytes)))
        let long = "[" + Array(repeating: text, count: 2_000).joined(separator: ",") + "]"
        #expect(try JSONParser.parse(Array(long.utf8), parallelListKey: "objects") == (try JSONParser.parse(long)))
    }

    @Test(
        "errors inside list elements are found with the same position",
        arguments: [
            #"{"objects":[{"a":1},{"b":tru}]}"#, #"{"objects":[{"a":1},{"b":[1}]]}"#, #"{"objects":[1,2"#,
            #"{"objects":[{"a":"x}]}"#, #"{"objects":[1 2]}"#, #"{"objects":[01]}"#, #"{"objects":[1,]}"#,
            #"{"objects":[1],"objects":[2]}"#, #"[{"a":1}} ]"#, #"{"objects":[1]} x"#,
        ])
    func sameErrors(_ text: String) {
        let bytes = Array(text.utf8)
        var serial: STIXError?
        var parallel: STIXError?
        do { _ = try JSONParser.parse(bytes) } catch { serial = error }
        do { _ = try JSONParser.parse(bytes, parallelListKey: "objects") } catch { parallel = error }
        #expect(serial != nil)
        #expect(parallel != nil)
        if case .invalidJSON(_, let serialOffset, _, _)? = serial, case .invalidJSON(_, let parallelOffset, _, _)? = parallel {
            // Both name the element that is wrong; the parallel reader may stop at its start.
            #expect(abs(serialOffset - parallelOffset) <= text.count)
        }
    }
}
