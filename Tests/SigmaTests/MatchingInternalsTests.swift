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

    /// A small alphabet makes needles overlap and nest (and sets nearly every start filter
    /// bit); a large one with few needles makes the start filters rule most positions out,
    /// and long needles over it end in long chains of single children (tails);
    /// long `contains` needles only make the scanner skip through windows (Wu-Manber), over
    /// a small alphabet (many candidate windows) and a large one (long shifts); texts longer
    /// than `NeedleScanner.shortSearchLength` look for short needles apart.
    @Test(
        "scanner finds exactly what per-needle tests find",
        arguments: [
            ("ab\\c", 400, 0, 5, 12, false), ("abcdefghijklmnopqrstuvwxyz0123456789 -", 60, 0, 7, 40, false),
            ("abcdefghijklmnopqrstuvwxyz0123456789 -", 80, 5, 16, 60, false),
            ("ab:c", 50, 6, 9, 40, true), ("abcdefghijklmnopqrstuvwxyz0123456789 -:", 30, 6, 12, 80, true),
            // Long texts with a few two- and three-byte needles: those are looked for apart.
            ("abcdefghijklmnopqrstuvwxyz0123456789 -", 80, 0, 10, 900, false),
            // Keywords of the joined text skip from four bytes up.
            ("ab:c", 30, 4, 6, 40, true), ("abcdefghijklmnopqrstuvwxyz0123456789 -:", 70, 4, 9, 80, true),
        ])
    func scannerAgreesWithNaive(
        _ letters: String, _ needleCount: Int, _ minNeedle: Int, _ maxNeedle: Int, _ maxText: Int, _ containsOnly: Bool
    ) {
        var random = Generator(state: 42)
        let alphabet = Array(letters.utf8)
        var needles: [NeedleScanner.Needle] = []
        let kinds: [NeedleScanner.Kind] = containsOnly ? [.contains] : [.contains, .prefix, .equals, .suffix]
        for id in 0..<needleCount {
            var bytes = random.text(alphabet, maxLength: maxNeedle - minNeedle)
            bytes += (0..<minNeedle).map { _ in alphabet[random.next(alphabet.count)] }
            needles.append(NeedleScanner.Needle(bytes: bytes, kind: kinds[id % kinds.count], id: Int32(id)))
        }
        let scanner = NeedleScanner(needles, joined: minNeedle < 6)
        #expect(scanner.skipsWindows == containsOnly)
        // A field's scanner of the same needles skips only from six bytes up.
        #expect(NeedleScanner(needles).skipsWindows == (containsOnly && minNeedle >= 6))
        let context = EventContext()
        context.prepare(predicates: 0, needles: needles.count, scanners: 1, variants: 0)
        var checked = 0
        var foundContains = 0
        var shortInLongTexts = [0, 0]
        for round in 0..<2_000 {
            // Some texts are built around a needle, so that long needles are found too.
            var text = random.text(alphabet, maxLength: maxText)
            if round % 2 == 1 {
                let planted = needles[random.next(needles.count)].bytes
                let at = random.next(text.count + 1)
                text.insert(contentsOf: planted, at: at)
            }
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
                if found && needle.kind == .contains && needle.bytes.count >= 4 { foundContains += 1 }
                if needle.kind == .contains && (2...3).contains(needle.bytes.count) && text.count >= NeedleScanner.shortSearchLength {
                    shortInLongTexts[found ? 1 : 0] += 1
                }
            }
            // Each found needle is listed once.
            let listed = (0..<context.foundCount).map { context.foundNeedles[$0] }
            #expect(Set(listed).count == listed.count)
        }
        #expect(checked == needleCount * 2_000)
        #expect(foundContains > 100)
        // Where long texts were scanned, short needles were both found and not found there.
        #expect(maxText < NeedleScanner.shortSearchLength || shortInLongTexts.allSatisfy { $0 > 100 }, "\(shortInLongTexts)")
    }

    /// Scanning stored UTF-16 finds the needles that scanning the decoded text, folded to
    /// ASCII lower case, finds: texts of upper and lower case ASCII, non-ASCII characters (one
    /// and two units), and NUL units, which end a text as decoding ends it.
    @Test("UTF-16 scanning finds what scanning the decoded folded text finds", arguments: [6, 4])
    func utf16ScanningAgrees(shortest: Int) {
        var random = Generator(state: 7)
        let lower = Array("abcd:".utf8)
        var needles: [NeedleScanner.Needle] = []
        for id in 0..<40 {
            let bytes = random.text(lower, maxLength: 4) + (0..<shortest).map { _ in lower[random.next(lower.count)] }
            needles.append(NeedleScanner.Needle(bytes: bytes, kind: .contains, id: Int32(id)))
        }
        // Keyword scanners (of the joined text) skip from four bytes up.
        let scanner = NeedleScanner(needles, joined: shortest < 6)
        #expect(scanner.scansUTF16)
        let characters: [Character] = ["a", "b", "c", "d", ":", "A", "B", "C", "D", "é", "€", "𝄞", "\u{0}"]
        let context = EventContext()
        context.prepare(predicates: 0, needles: needles.count, scanners: 1, variants: 0)
        var found = 0
        for round in 0..<3_000 {
            var text = String((0..<random.next(60)).map { _ in characters[random.next(characters.count)] })
            if round % 2 == 1 {
                // A needle, some of its letters upper case, somewhere in the text.
                let planted = String(decoding: needles[random.next(needles.count)].bytes, as: UTF8.self)
                let cased = String(planted.map { random.next(2) == 0 ? Character($0.uppercased()) : $0 })
                let at = text.index(text.startIndex, offsetBy: random.next(text.count + 1))
                text.insert(contentsOf: cased, at: at)
            }
            let units = Array(text.utf16)
            let decoded = String(decoding: units.prefix { $0 != 0 }, as: UTF16.self)
            let folded = decoded.utf8.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }
            context.load(Event())
            folded.withUnsafeBytes { scanner.scan($0, context) }
            let expected = Set((0..<context.foundCount).map { context.foundNeedles[$0] })
            context.load(Event())
            let bytes = units.flatMap { [UInt8(truncatingIfNeeded: $0), UInt8(truncatingIfNeeded: $0 >> 8)] }
            bytes.withUnsafeBytes { scanner.scanUTF16($0, context) }
            let listed = (0..<context.foundCount).map { context.foundNeedles[$0] }
            #expect(Set(listed) == expected && listed.count == expected.count, "\(text.debugDescription)")
            found += expected.count
        }
        #expect(found > 500)
    }

    @Test(
        "required literals",
        arguments: [
            ("net\\s+user", ["net", "user"]), ("(?i)echo.*clip", ["echo", "clip"]), ("a|b", []), ("ab?c", ["a", "c"]),
            ("abc*", ["ab"]), ("x{0,3}yz", ["yz"]), ("x{2}yz", ["x", "yz"]), ("\\.exe$", [".exe"]), ("[abc]def(g|h)", ["def"]),
            ("\\Qa.b\\E", ["a.b"]), ("\\x41bc", []), ("(?x) a b", []), ("(?ix)a b", []), ("a(?s)b", ["a", "b"]), ("C:\\\\Windows", ["c:\\windows"]),
        ])
    func requiredLiterals(_ source: String, _ expected: [String]) {
        let found = RegexLiteral.required(in: source, caseInsensitive: false).map { String(decoding: $0, as: UTF8.self) }
        #expect(found == expected)
    }

    /// Checks a shortcut of each expression against ICU on random texts over `alphabet`
    /// (folded, as the shortcuts read them); fails when an expression has no shortcut.
    static func shortcutsAgreeWithICU(
        _ sources: [(String, Bool)], alphabet: String, seed: UInt64, maxLength: Int,
        _ shortcut: (RegexMatcher) -> ((UnsafeRawBufferPointer) -> Bool)?
    ) throws {
        var random = Generator(state: seed)
        for (source, insensitive) in sources {
            let regex = try RegexMatcher(source, options: insensitive ? [.caseInsensitive] : [])
            let matches = try #require(shortcut(regex), "\(source)")
            for _ in 0..<3_000 {
                let text = random.text(Array(alphabet.utf8), maxLength: maxLength)
                let viaShortcut = text.map(Pattern.fold).withUnsafeBytes { matches($0) }
                #expect(viaShortcut == regex.matches(String(decoding: text, as: UTF8.self)), "\(source) on \(String(decoding: text, as: UTF8.self))")
            }
        }
    }

    /// The kind of a text (all ASCII? a line break?), read sixteen bytes at a time, is what a
    /// byte-by-byte reading finds, on texts of every length around the bytes that decide it.
    @Test("text kinds read by sixteen bytes agree with byte by byte")
    func textKinds() {
        var random = Generator(state: 9)
        let alphabet: [UInt8] = [0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x20, 0x41, 0x7F, 0x80, 0xC3, 0xFF]
        var seen = Set<[Bool]>()
        for _ in 0..<5_000 {
            // Mostly plain letters, so that both answers are often "no".
            let text = (0..<random.next(50)).map { _ in random.next(12) == 0 ? alphabet[random.next(alphabet.count)] : UInt8(0x61 + random.next(26)) }
            let expected = (text.allSatisfy { $0 < 0x80 }, text.contains { $0 >= 0x0A && $0 <= 0x0D })
            let found = text.withUnsafeBytes { CompiledProgram.kind(of: $0) }
            #expect(found == expected, "\(text)")
            seen.insert([found.ascii, found.lineBreaks])
        }
        #expect(seen.count == 4)
    }

    /// The scan memo answers a text with the needles remembered for that very text or not at
    /// all: texts that share a slot (2,000 texts, 64 slots) replace each other, the last one
    /// remembered is always known, and another program's memo starts empty.
    @Test("presence says which of the names the event has, a bit each, up to 64")
    func presence() {
        let context = EventContext()
        let names = (0..<70).map { FieldName("PresenceField\($0)") }
        context.load(Event(fields: [0, 5, 63, 64].map { Field(name: names[$0], value: .string("x")) }))
        #expect(context.presence(of: names) == (1 as UInt64) | 1 << 5 | 1 << 63)
        #expect(context.presence(of: []) == 0)
        context.load(Event())
        #expect(context.presence(of: names) == 0)
    }

    @Test("the scan memo answers only for the text it remembered")
    func scanMemo() {
        let memo = ScanMemo()
        memo.use(program: 1, scanners: 3)
        var random = Generator(state: 3)
        var remembered: [[UInt8]: [Int32]] = [:]
        var answered = 0
        for round in 0..<2_000 {
            let scanner = round % 3
            let text = random.text(Array("ab\\.".utf8), maxLength: 12) + [UInt8(scanner)]
            let needles = (0..<random.next(4)).map { _ in Int32(random.next(1_000)) }
            text.withUnsafeBytes { bytes in
                let hash = ScanMemo.hash(bytes)
                if let known = memo.needles(scanner, bytes, hash: hash) {
                    #expect(Array(known) == remembered[text], "\(text)")
                    answered += 1
                }
                needles.withUnsafeBufferPointer { memo.remember(scanner, bytes, hash: hash, needles: $0) }
                remembered[text] = needles
                #expect(memo.needles(scanner, bytes, hash: hash).map(Array.init) == needles)
                // The same text under another scanner is another entry.
                #expect(memo.needles((scanner + 1) % 3, bytes, hash: hash) == nil || remembered[text] != nil)
            }
        }
        #expect(answered > 100)
        let text: [UInt8] = Array("ab".utf8) + [0]
        text.withUnsafeBytes { bytes in
            let hash = ScanMemo.hash(bytes)
            memo.remember(0, bytes, hash: hash, needles: UnsafeBufferPointer(start: nil, count: 0))
            #expect(memo.needles(0, bytes, hash: hash)?.count == 0)
            memo.use(program: 2, scanners: 3)
            #expect(memo.needles(0, bytes, hash: hash) == nil)
        }
    }

    /// `RegexMatcher` runs ICU through its C interface on UTF-16 it transcodes itself; it must
    /// answer as `NSRegularExpression` (the same ICU, through an `NSString`) does, with every
    /// flag a rule can set, on texts with line breaks, letters that fold beyond ASCII
    /// (`ſ`, `K`, `İ`), characters outside the BMP and invalid UTF-8 (repaired as a `String`
    /// repairs it).
    @Test("regular expressions answer as NSRegularExpression does")
    func regexAgreesWithFoundation() throws {
        let sources = [
            "^a.c$", "s+k", "(?i)sk", "\\w+\\.exe", "a.b", "^b", "c$", "[^a]{2}", "\\bk", "\\x{1F600}", "i\\s*\\S", ".", "^$",
            "(a|b)*c+?", "\\p{L}{3}",
        ]
        let flagSets: [NSRegularExpression.Options] = [
            [], [.caseInsensitive], [.anchorsMatchLines], [.dotMatchesLineSeparators], [.caseInsensitive, .anchorsMatchLines, .dotMatchesLineSeparators],
        ]
        let pieces: [[UInt8]] = ["a", "b", "c", "k", "s", "i", "S", "K", ".exe", "\n", "\r\n", " ", "ſ", "K", "İ", "😀", "é"].map { Array($0.utf8) }
            + [[0xFF], [0xC3], [0xE2, 0x84], [0x00]]
        var random = Generator(state: 11)
        var matched = 0
        for source in sources {
            for flags in flagSets {
                let regex = try RegexMatcher(source, options: flags)
                let reference = try NSRegularExpression(pattern: source, options: flags)
                let scratch = RegexScratch()
                for _ in 0..<300 {
                    let text = (0..<random.next(9)).flatMap { _ in pieces[random.next(pieces.count)] }
                    let string = String(decoding: text, as: UTF8.self)
                    let expected = reference.firstMatch(in: string, range: NSRange(string.startIndex..., in: string)) != nil
                    let found = text.withUnsafeBytes { regex.matches(utf8: $0, scratch) }
                    #expect(found == expected, "\(source) \(flags) on \(string.debugDescription)")
                    if found { matched += 1 }
                }
            }
        }
        // Both answers occur often (22,500 texts in all).
        #expect(matched > 3_000 && matched < 19_500)
        #expect(throws: RegexMatcher.Invalid.self) { try RegexMatcher("a(b", options: []) }
    }

    /// A text's key lets the scratch keep its UTF-16 for the next expression that searches the
    /// same text; a text without a key is converted every time, and leaves no key behind.
    @Test("a keyed text is converted once, an unkeyed one every time")
    func regexTextKeys() throws {
        let regex = try RegexMatcher("b", options: [])
        let scratch = RegexScratch()
        let match = { (text: String, key: UInt64) in Array(text.utf8).withUnsafeBytes { regex.matches(utf8: $0, scratch, textKey: key) } }
        #expect(match("abc", 7))
        // The key stands for the text it was given with (the caller's promise).
        #expect(match("xyz", 7))
        #expect(!match("xyz", 8))
        #expect(match("abc", 0))
        // The unkeyed text replaced key 8's.
        #expect(!match("xyz", 8))
        #expect(!match("xyz", 0))
        #expect(match("abc", 0))
    }

    @Test("wildcard forms of regular expressions agree with ICU")
    func wildcardsAgreeWithICU() throws {
        // Letters only with `i`: case-sensitive letters are not turned into wildcards.
        let sources = [
            ("\\+.*\\+.*\\+", false), ("^a.c$", true), ("a.+b", true), ("^\\{.*\\}", false), ("`.*`.*`", false), ("\\^.*\\^", false),
            ("x.y.*z$", true),
        ]
        try Self.shortcutsAgreeWithICU(sources, alphabet: "+aB{}`^xYz.", seed: 7, maxLength: 14) { regex in regex.wildcard.map { $0.matches } }
        #expect(RegexLiteral.wildcardPattern(of: "a(b)", caseInsensitive: false) == nil)
        #expect(RegexLiteral.wildcardPattern(of: "ab", caseInsensitive: false) == nil)  // letters, case-sensitive
    }

    /// Texts of several lines over a small alphabet: whenever ICU finds a match of an
    /// expression, some stretch of the text with at most as many line breaks as the expression
    /// can match holds all its required literals (the test that rules a text out without
    /// ICU). Expressions that could match line breaks without bound have no limit.
    @Test("required literals lie within as many line breaks as a match can hold")
    func literalsWithinLineBreaks() throws {
        let bounded: [(source: String, limit: Int)] = [
            ("cmd.{0,5}(?:/c|/r).+power.+(?:\\$?\\{?in\\}?|no).+\"", 0), ("ab.*cd", 0), ("(?i)AB[a-d]+CD", 0), ("a\\d+b\\w*c", 0),
            ("^ab.*cd$", 0), ("ab(?:x|y)+cd", 0), ("a[ -z]b.c", 0), ("(?i)(?:set).*&&\\s?set.*(?:in|power).*&&.*\"", 1),
            ("ab\\s{0,2}cd", 2), ("ab\\sc.*d\\s?ew", 2), ("ab[^x]cd.*e", 1), ("ab\\Rcd", 2), ("ab\\n{3}cd", 3),
        ]
        var random = Generator(state: 5)
        let alphabet = Array("abcdmpowerinst&/\"{}$ \n\r".utf8)
        var ruledOut = 0
        for (source, limit) in bounded {
            #expect(RegexLiteral.lineBreakLimit(source) == limit, "\(source)")
            let regex = try RegexMatcher(source, options: [])
            #expect(regex.lineBreakLimit == limit && regex.requiredLiterals.count > 1, "\(source)")
            for round in 0..<3_000 {
                var text = random.text(alphabet, maxLength: 30)
                // Plant the literals, sometimes on one line, sometimes apart.
                for literal in regex.requiredLiterals { text.insert(contentsOf: literal, at: random.next(text.count + 1)) }
                for _ in 0..<(round % 4) { text.insert(UInt8(ascii: "\n"), at: random.next(text.count + 1)) }
                let folded = text.map(Pattern.fold)
                let holds = folded.withUnsafeBytes { RegexLiteral.someStretch(of: $0, lineBreaks: limit, holdsAll: regex.requiredLiterals) }
                if !holds { ruledOut += 1 }
                if regex.matches(String(decoding: text, as: UTF8.self)) { #expect(holds, "\(source) on \(String(decoding: text, as: UTF8.self))") }
            }
        }
        #expect(ruledOut > 1_000)
        let counted = [
            ("a\\sb", 1), ("a\\Wb", 1), ("a\\Db", 1), ("a[^x]b", 1), ("a[\\s]b", 1), ("a\\nb", 1), ("a[\\x00-z]b", 1), ("a[\t-z]b", 1),
            ("a\\Rb", 2), ("a\\s?b\\s{2}c\\s{1,3}?d", 6), ("a\\s|b\\n", 2),
        ]
        for (source, limit) in counted { #expect(RegexLiteral.lineBreakLimit(source) == limit, "\(source)") }
        for source in ["a\\s*b", "a\\s+b", "a(\\s)b", "a(?:x\\s)?b", "a\\s{2,}b", "(?s)a.b", "(?x)a b", "a\\x0ab", "a(?=\\n)", "a\\p{Zl}b", "a[\\s]*b"] {
            #expect(RegexLiteral.lineBreakLimit(source) == nil, "\(source)")
        }
        #expect(try RegexMatcher("ab.*cd", options: [.dotMatchesLineSeparators]).lineBreakLimit == nil)
    }

    /// Short texts over a small alphabet make the classes' runs, repetitions and anchors meet
    /// every case (too short, exactly long enough, too long, at the start, at the end).
    @Test("class sequences of regular expressions agree with ICU")
    func classSequencesAgreeWithICU() throws {
        let sources = [
            ("^[A-Za-z0-9]{4}$", false), ("://\\d{1,3}\\.\\d{1,3}", false), (" [0-7]{2,3}", false), (":[^ \\\\]", false),
            ("\\s+-\\s*\\d", false), ("a.?b+c*", true), ("(?i)x\\w{2}z", false), ("^\\W*.{2,}$", false), ("[-a-c_]+\\.", true),
            ("^$", false), ("b{2,}?", true), ("[\\d\\s]{3}", false), ("^a", true), ("z$", true), ("\\S\\D", false),
        ]
        try Self.shortcutsAgreeWithICU(sources, alphabet: "aAbBcCxXzZ01789 -_.:/\\", seed: 11, maxLength: 12) { regex in
            regex.classes.map { $0.matches }
        }
        // Left to ICU: case-sensitive letters, groups, alternation, word boundaries, negated
        // classes under case folding, possessive repetition, nested sets.
        for source in ["[FTd]", "ab", "(ab)+", "a|b", "\\bx", "(?i)[^a]", "x++", "[[a]]", "a{2", "\\1", "[a-c-e]"] {
            #expect(ClassSequence.parse(source, caseInsensitive: false) == nil, "\(source)")
        }
    }
}

/// Address text as `cidr` reads event fields.
@Suite("IP address parsing")
struct IPAddressParsingTests {
    @Test(
        "IPv4 text",
        arguments: [
            ("10.1.2.3", "0a010203"), (" 192.168.0.1\t", "c0a80001"), ("255.255.255.255", "ffffffff"), ("0.0.0.0", "00000000"),
            ("1.2.3", nil), ("1.2.3.4.5", nil), ("256.1.1.1", nil), ("1..2.3", nil), ("1.2.3.", nil), (".1.2.3", nil), ("1.2.3.4x", nil),
            ("1234.1.1.1", nil), ("", nil), ("a.b.c.d", nil), ("001.002.003.004", "01020304"),
        ] as [(String, String?)])
    func ipv4(_ text: String, _ expected: String?) {
        let parsed = IPAddress(text).flatMap { $0.isV4 ? UInt32(truncatingIfNeeded: $0.low) : nil }
        #expect(parsed.map { String(format: "%08x", $0) } == expected)
        // Event fields are read from their bytes.
        #expect(Array(text.utf8).withUnsafeBytes { IPAddress(utf8: $0) } == IPAddress(text))
    }

    @Test("IPv6 and IPv4-mapped text")
    func ipv6() {
        #expect(IPAddress("::1")?.isV4 == false)
        #expect(IPAddress("::ffff:10.0.0.1")?.isV4 == true)
        #expect(IPAddress("fe80::1%eth0") != nil)
        #expect(IPAddress("1:2:3") == nil)
        for text in ["::1", " ::ffff:10.0.0.1\t", "fe80::1%eth0", "1:2:3", "2001:db8::8a2e:370:7334", "\u{00A0}10.0.0.1", "10.0.0.1\u{2003}"] {
            #expect(Array(text.utf8).withUnsafeBytes { IPAddress(utf8: $0) } == IPAddress(text), "\(text)")
        }
        #expect(IPAddress("\u{00A0}10.0.0.1") != nil)
    }
}

@Suite("Search identifier patterns")
struct SearchPatternTests {
    @Test(
        "a pattern's stars stand for any run, the ends stay apart",
        arguments: [
            ("selection", "selection", true), ("selection", "select", false), ("selection", "sel*", true), ("selection", "*tion", true),
            ("selection", "*", true), ("", "*", true), ("", "**", true), ("a", "a*a", false), ("aa", "a*a", true), ("abab", "*ab*b", true),
            ("xab", "*ab*b", false), ("sel_img_1", "sel*img*", true), ("sel_img_1", "sel*1*img", false), ("filter_main_x", "filter_main_*", true),
            ("filter_main", "filter_main_*", false), ("selection1", "sel*ion*1", true), ("Selection", "sel*", false),
        ])
    func matches(name: String, pattern: String, expected: Bool) {
        #expect(SearchPattern.matches(name, pattern) == expected)
    }
}
