import EventLog
import Foundation
import Testing

@testable import Sigma

/// The one-pass needle scanner against plain per-needle tests, and the regular expression
/// shortcuts against ICU, on generated texts (fixed seed, small alphabet so that needles
/// occur, overlap and nest).
@Suite("Matching internals")
struct MatchingInternalsTests {
    struct Generator {
        var state: UInt64
        mutating func next(_ bound: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(bound))
        }
        mutating func text(_ alphabet: [UInt8], maxLength: Int) -> [UInt8] {
            (0..<next(maxLength + 1)).map { _ in alphabet[next(alphabet.count)] }
        }
    }

    @Test("scanner finds exactly what per-needle tests find")
    func scannerAgreesWithNaive() {
        var random = Generator(state: 42)
        let alphabet = Array("ab\\c".utf8)
        var needles: [NeedleScanner.Needle] = []
        let kinds: [NeedleScanner.Kind] = [.contains, .prefix, .equals, .suffix]
        for id in 0..<400 {
            needles.append(NeedleScanner.Needle(bytes: random.text(alphabet, maxLength: 5), kind: kinds[id % 4], id: Int32(id)))
        }
        let scanner = NeedleScanner(needles)
        let context = EventContext()
        context.prepare(predicates: 0, needles: needles.count, scanners: 1, variants: 0)
        var checked = 0
        for _ in 0..<2_000 {
            let text = random.text(alphabet, maxLength: 12)
            context.load(Event())
            text.withUnsafeBytes { scanner.scan($0, context) }
            for needle in needles {
                let found = context.needleStamps[Int(needle.id)] == context.generation
                let expected: Bool
                switch needle.kind {
                case .contains: expected = needle.bytes.isEmpty || (0...max(0, text.count - needle.bytes.count)).contains { start in
                        start + needle.bytes.count <= text.count && Array(text[start..<(start + needle.bytes.count)]) == needle.bytes
                    }
                case .prefix: expected = text.starts(with: needle.bytes)
                case .equals: expected = text == needle.bytes
                case .suffix: expected = text.reversed().starts(with: needle.bytes.reversed())
                }
                #expect(found == expected, "\(String(decoding: needle.bytes, as: UTF8.self)) \(needle.kind) in \(String(decoding: text, as: UTF8.self))")
                checked += 1
            }
            // Each found needle is listed once.
            let listed = (0..<context.foundCount).map { context.foundNeedles[$0] }
            #expect(Set(listed).count == listed.count)
        }
        #expect(checked == 800_000)
    }

    @Test(
        "required literals",
        arguments: [
            ("net\\s+user", ["net", "user"]), ("(?i)echo.*clip", ["echo", "clip"]), ("a|b", []), ("ab?c", ["a", "c"]),
            ("abc*", ["ab"]), ("x{0,3}yz", ["yz"]), ("x{2}yz", ["x", "yz"]), ("\\.exe$", [".exe"]), ("[abc]def(g|h)", ["def"]),
            ("\\Qa.b\\E", ["a.b"]), ("\\x41bc", []), ("(?x) a b", []), ("C:\\\\Windows", ["c:\\windows"]),
        ])
    func requiredLiterals(_ source: String, _ expected: [String]) {
        let found = RegexLiteral.required(in: source, caseInsensitive: false).map { String(decoding: $0, as: UTF8.self) }
        #expect(found == expected)
    }

    @Test("wildcard forms of regular expressions agree with ICU")
    func wildcardsAgreeWithICU() throws {
        var random = Generator(state: 7)
        // Letters only with `i`: case-sensitive letters are not turned into wildcards.
        let sources = [
            ("\\+.*\\+.*\\+", false), ("^a.c$", true), ("a.+b", true), ("^\\{.*\\}", false), ("`.*`.*`", false), ("\\^.*\\^", false),
            ("x.y.*z$", true),
        ]
        let alphabet = Array("+aB{}`^xYz.".utf8)
        for (source, insensitive) in sources {
            let regex = try RegexMatcher(source, options: insensitive ? [.caseInsensitive] : [])
            let wildcard = try #require(regex.wildcard, "\(source)")
            for _ in 0..<3_000 {
                let text = random.text(alphabet, maxLength: 14)
                let viaWildcard = text.map(Pattern.fold).withUnsafeBytes { wildcard.matches($0) }
                #expect(viaWildcard == regex.matches(String(decoding: text, as: UTF8.self)), "\(source) on \(String(decoding: text, as: UTF8.self))")
            }
        }
        #expect(RegexLiteral.wildcardPattern(of: "a(b)", caseInsensitive: false) == nil)
        #expect(RegexLiteral.wildcardPattern(of: "ab", caseInsensitive: false) == nil)  // letters, case-sensitive
    }
}
