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
    }
}
