import EventLog
@testable import Indicators
import STIX
import Testing

@Suite("Patterns the sets cannot hold, found by their anchors")
struct GeneralPatternIndexTests {
    @Test("the scanner finds every anchor that occurs, overlapping ones included")
    func scanner() {
        let anchors = ["he", "she", "his", "hers", "rs", "xyz"]
        let scanner = AnchorScanner(anchors.map { Array($0.utf8) })
        var found: Set<String> = []
        scanner.scan("ushers and this") { found.insert(anchors[$0]) }
        #expect(found == ["he", "she", "hers", "rs", "his"])
        var none = 0
        scanner.scan("") { _ in none += 1 }
        scanner.scan("abc") { _ in none += 1 }
        #expect(none == 0)
    }

    @Test("the scanner finds what a plain search finds, on many anchors and texts over a small alphabet")
    func scannerAgreesWithSearch() {
        // Deterministic: a small alphabet makes anchors share prefixes and suffixes, deep
        // states and long fail chains; bytes outside it take the rows' first column.
        var state: UInt64 = 0x2545_F491_4F6C_DD1D
        func next(_ bound: Int) -> Int {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return Int(state % UInt64(bound))
        }
        let alphabet = Array("abcab-".utf8)
        func word(_ length: Int) -> [UInt8] { (0..<length).map { _ in alphabet[next(alphabet.count)] } }
        let anchors = (0..<300).map { _ in word(1 + next(7)) }
        let scanner = AnchorScanner(anchors)
        for _ in 0..<300 {
            let text = word(next(40)) + [UInt8(ascii: "Z")] + word(next(10))
            var found: Set<Int> = []
            scanner.scan(String(decoding: text, as: UTF8.self)) { found.insert($0) }
            let expected = Set(anchors.indices.filter { index in
                let anchor = anchors[index]
                return text.count >= anchor.count && (0...(text.count - anchor.count)).contains { text[$0..<($0 + anchor.count)].elementsEqual(anchor) }
            })
            #expect(found == expected)
        }
    }

    @Test(
        "anchors are literals every match contains; patterns without one are tried on every event",
        arguments: [
            ("[process:command_line LIKE '%mimikatz%' AND process:pid > 4]", "mimikatz"),
            ("[process:command_line = 'whoami /all']", "whoami /all"),
            ("[file:name LIKE 'invoice_2024%.pdf.exe']", ".pdf.exe"),
            ("[process:command_line LIKE '%ab%']", nil),
            ("[process:command_line NOT LIKE '%mimikatz%']", nil),
            ("[process:command_line LIKE '%a%' OR process:command_line LIKE '%b%']", nil),
            ("[process:pid > 4]", nil),
            ("[process:command_line MATCHES 'mimi.*katz']", nil),
            ("[process:command_line LIKE '%mimikatz%'] WITHIN 10 SECONDS", "mimikatz"),
            ("[process:command_line LIKE '%mimikatz%'] AND [ipv4-addr:value = '1.2.3.4']", nil),
        ] as [(String, String?)])
    func anchors(_ pattern: String, _ anchor: String?) throws {
        #expect(GeneralPatternIndex.anchor(try STIXPattern(pattern).root)?.0 == anchor)
    }

    @Test("indexed matching finds what matching every pattern finds")
    func agreesWithEveryPattern() throws {
        var set = IndicatorSet()
        let words = ["mimikatz", "procdump", "rundll32", "vssadmin", "bitsadmin", "certutil", "wmic", "psexec"]
        var patterns: [String] = []
        for (index, word) in words.enumerated() {
            patterns.append("[process:command_line LIKE '%\(word)%' AND process:pid > \(index)]")
            patterns.append("[process:command_line = '\(word).exe -a']")
        }
        patterns.append("[process:pid >= 7]")
        for (index, pattern) in patterns.enumerated() {
            try set.add(Indicator(pattern: try STIXPattern(pattern), provenance: IndicatorProvenance(indicatorID: "indicator--\(index)", source: "test")))
        }
        #expect(set.general.count == patterns.count)
        let matcher = EventIndicatorMatcher(indicators: set)
        for (index, line) in ["cmd /c mimikatz.exe", "certutil -urlcache", "wmic.exe -a", "notepad", "rundll32 x,y && psexec \\\\host"].enumerated() {
            let event = Event(time: nil, fields: [Field(name: FieldName("CommandLine"), value: .string(line)), Field(name: FieldName("ProcessId"), value: .string("\(index * 3)"))])
            let indexed = Set(matcher.hits(in: event).map(\.provenance.indicatorID))
            let observation = EventObservation.observation(of: event, observables: matcher.mapping.observables(in: event))
            let everyPattern = Set(set.general.filter { (try? $0.matcher.match([observation])) != nil }.map { set.provenance(of: $0.indicator).indicatorID })
            #expect(indexed == everyPattern, "\(line)")
        }
        // No text an anchor could be in: the patterns without an anchor are still tried.
        let bare = Event(time: nil, fields: [Field(name: FieldName("Image"), value: .string("C:\\notepad.exe")), Field(name: FieldName("ProcessId"), value: .string("9"))])
        #expect(matcher.hits(in: bare).map(\.provenance.indicatorID) == ["indicator--\(patterns.count - 1)"])
    }

    @Test("an image is scanned for patterns on files and references, not for those on command lines")
    func imagesAndCommandLines() throws {
        var set = IndicatorSet()
        let patterns = [
            "[process:image_ref.name = 'evil.exe']", "[file:name LIKE '%payload%']", "[process:command_line LIKE '%evil.exe%']",
        ]
        for (index, pattern) in patterns.enumerated() {
            try set.add(Indicator(pattern: try STIXPattern(pattern), provenance: IndicatorProvenance(indicatorID: "indicator--\(index)", source: "test")))
        }
        // No observables: the image reaches the patterns only as the text of its field.
        let matcher = EventIndicatorMatcher(indicators: set, mapping: ObservableMapping(rules: []))
        for (image, commandLine, expected) in [
            ("C:\\Temp\\evil.exe", nil, ["indicator--0"]), ("C:\\payload_2.exe", nil, ["indicator--1"]),
            ("C:\\Windows\\cmd.exe", "cmd /c evil.exe", ["indicator--2"]), ("C:\\Temp\\evil.exe", "evil.exe", ["indicator--0", "indicator--2"]),
        ] as [(String, String?, [String])] {
            var fields = [Field(name: FieldName("Image"), value: .string(image))]
            if let commandLine { fields.append(Field(name: FieldName("CommandLine"), value: .string(commandLine))) }
            let hits = matcher.hits(in: Event(time: nil, fields: fields)).map(\.provenance.indicatorID)
            #expect(hits.sorted() == expected, "\(image) \(commandLine ?? "")")
        }
    }
}
