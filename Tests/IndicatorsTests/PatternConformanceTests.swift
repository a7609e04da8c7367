import Foundation
import Indicators
import STIX
import Testing
import TestSupport

/// STIX patterns against the OASIS reference: every case of `Tests/Fixtures/patterns/cases.tsv`
/// (expected results computed by stix2-matcher, `Scripts/pattern_cases.py`) and every refused
/// pattern of `invalid.tsv` (refused by the stix2-patterns validator or the matcher).
@Suite("STIX patterns agree with the OASIS matcher and validator")
struct PatternConformanceTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var expected: String
        var source: String
        var pattern: String
        var testDescription: String { pattern }
    }

    static func unescape(_ text: Substring) -> String {
        var result = ""
        var iterator = text.makeIterator()
        while let character = iterator.next() {
            guard character == "\\", let next = iterator.next() else {
                result.append(character)
                continue
            }
            switch next {
            case "n": result.append("\n")
            case "r": result.append("\r")
            case "t": result.append("\t")
            default: result.append(next)
            }
        }
        return result
    }

    static func rows(_ file: String) -> [[Substring]] {
        ((try? Fixtures.text("patterns/\(file)")) ?? "").split(separator: "\n").filter { !$0.hasPrefix("#") }
            .map { $0.split(separator: "\t", omittingEmptySubsequences: false) }
    }

    static let cases: [Case] = rows("cases.tsv").map { Case(expected: String($0[0]), source: String($0[1]), pattern: unescape($0[2])) }
    static let invalid: [(reason: String, pattern: String)] = rows("invalid.tsv").map { (String($0[0]), unescape($0[1])) }
    /// Observed file and pattern → (Vigil's answer, why it differs from the reference).
    static let differences: [String: (String, String)] = Dictionary(
        uniqueKeysWithValues: rows("differences.tsv").map { ("\($0[0]) \(unescape($0[1]))", (String($0[2]), String($0[3]))) })

    static func observations(_ source: String) throws -> [Observation] {
        let bundle = try JSONParser.parse(try Fixtures.bytes("patterns/\(source)"))
        return try Observation.from((bundle.objectValue?["objects"]?.arrayValue ?? []).compactMap(\.objectValue))
    }

    @Test("the tables hold enough cases: at least 200 patterns and 50 invalid ones")
    func sizes() {
        #expect(Self.cases.count >= 200)
        #expect(Self.invalid.count >= 50)
    }

    @Test("each pattern matches (or not) as the reference says", arguments: cases)
    func agrees(_ testCase: Case) throws {
        let observations = try Self.observations(testCase.source)
        let answer: String
        do {
            let matcher = try PatternMatcher(try STIXPattern(testCase.pattern))
            answer = try matcher.match(observations) != nil ? "true" : "false"
        } catch {
            answer = "error"
        }
        if let (vigil, why) = Self.differences["\(testCase.source) \(testCase.pattern)"] {
            #expect(testCase.expected != vigil, "listed as a difference but the reference agrees now: \(why)")
            #expect(answer == vigil, "\(why)")
        } else {
            #expect(answer == testCase.expected)
        }
    }

    @Test("each invalid pattern is refused, with a column when one can be named", arguments: invalid.map(\.pattern))
    func refuses(_ pattern: String) {
        #expect(throws: PatternError.self) { try PatternMatcher(try STIXPattern(pattern)) }
    }
}

/// Patterns written by others: every indicator pattern in the shared MISP-STIX data, and the
/// peers' own pattern fixture (`../shared/tools/fixtures/stix`).
@Suite("STIX patterns in the shared data")
struct SharedPatternTests {
    /// Every `pattern` of an indicator object anywhere in the JSON value.
    static func patterns(in value: JSONValue, into found: inout [String]) {
        switch value {
        case .object(let object):
            if object["type"]?.stringValue == "indicator", let pattern = object["pattern"]?.stringValue,
                (object["pattern_type"]?.stringValue ?? "stix") == "stix"
            {
                found.append(pattern)
            }
            for (_, member) in object { patterns(in: member, into: &found) }
        case .array(let list):
            for member in list { patterns(in: member, into: &found) }
        default: break
        }
    }

    @Test("every indicator pattern in the shared MISP data parses", .enabled(if: SharedData.isUsable, SharedData.skipReason))
    func sharedPatternsParse() throws {
        let folder = try SharedData.file("misp")
        var found: [String] = []
        let files = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil)?.compactMap { $0 as? URL } ?? []
        for file in files where file.pathExtension == "json" {
            guard let value = try? JSONParser.parse([UInt8](try Data(contentsOf: file))) else { continue }
            Self.patterns(in: value, into: &found)
        }
        #expect(found.count >= 20)
        for pattern in found {
            #expect(throws: Never.self, "\(pattern)") { _ = try PatternMatcher(try STIXPattern(pattern)) }
        }
    }

    @Test("the peers' pattern fixture: all 19 cases as stix2-matcher answers them", .enabled(if: SharedData.isUsable, SharedData.skipReason))
    func peersFixture() throws {
        let fixtures = try #require(Peers.tools).appendingPathComponent("fixtures/stix")
        let bundle = try JSONParser.parse([UInt8](try Data(contentsOf: fixtures.appendingPathComponent("observed.json"))))
        let observations = try Observation.from((bundle.objectValue?["objects"]?.arrayValue ?? []).compactMap(\.objectValue))
        let lines = try String(contentsOf: fixtures.appendingPathComponent("patterns_expected.tsv"), encoding: .utf8)
            .split(separator: "\n").filter { !$0.hasPrefix("#") }
        #expect(lines.count == 19)
        for line in lines {
            let fields = line.split(separator: "\t", maxSplits: 1)
            let answer: String
            do {
                answer = try PatternMatcher(try STIXPattern(String(fields[1]))).match(observations) != nil ? "true" : "false"
            } catch {
                answer = "error"
            }
            #expect(answer == String(fields[0]), "\(fields[1])")
        }
    }
}

/// Parser messages point at the place where a pattern goes wrong.
@Suite("STIX pattern errors name their column")
struct PatternErrorTests {
    @Test(
        "the column and the message",
        arguments: [
            ("[file:name = 'evil.exe'", 24, "expected ']'"),
            ("[file:name ~= 'evil.exe']", 12, "unexpected character '~'"),
            ("[file:hashes.SHA-256 = 'abc']", 14, "has a hyphen"),
            ("[file:name = 'a'] WITHIN 0 SECONDS", 26, "more than 0 seconds"),
            ("[file:name = 'a'] and [file:name = 'b']", 19, "expected FOLLOWEDBY, OR, AND"),
            ("[file:size > true]", 14, "cannot be ordered"),
            ("[file:hashes.MD5 = 'abc']", 2, "not a valid MD5 hash"),
            ("[file:name IN ('a', 1)]", 15, "mixes literals"),
            ("[file:name MATCHES '(unclosed']", 2, "not a valid regular expression"),
            ("[ipv4-addr:value ISSUBSET '10.0.0.5']", 2, "CIDR"),
            ("[file:ctime = t'2024-02-30T00:00:00Z']", 15, "not a valid timestamp"),
            ("[file:magic_number_hex = h'4d5']", 26, "not a valid hex literal"),
        ])
    func column(_ pattern: String, _ column: Int, _ message: String) {
        do {
            _ = try PatternMatcher(try STIXPattern(pattern))
            Issue.record("accepted \(pattern)")
        } catch {
            #expect(error.column == column, "\(error)")
            #expect(error.message.contains(message), "\(error)")
        }
    }
}

@Suite("Object paths read back")
struct ObjectPathTextTests {
    @Test(
        "a parsed path prints as a pattern writes it",
        arguments: [
            ("[EXISTS file:hashes.'SHA-256']", "file:hashes.'SHA-256'"), ("[network-traffic:protocols[*] = 'a']", "network-traffic:protocols[*]"),
            ("[x:'it\\'s'.b[2] = 'a']", "x:'it\\'s'.b[2]"), ("[file:'AND' = 'a']", "file:'AND'"), ("[file:name = 'a']", "file:name"),
        ])
    func path(_ pattern: String, _ expected: String) throws {
        guard case .observation(.test(let test)) = try STIXPattern(pattern).root else {
            Issue.record("not one test")
            return
        }
        #expect(test.path.description == expected)
    }
}
