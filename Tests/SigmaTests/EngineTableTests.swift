import EventLog
import Foundation
import Testing

@testable import Sigma

/// The Sigma engine, case by case: a detection (YAML), an event, whether it matches. Rules use
/// an unmapped log source, so they apply to these events (which come from no Windows reader).
@Suite("Sigma engine")
struct EngineTableTests {
    struct Case: CustomStringConvertible, Sendable {
        let detection: String
        let fields: [(String, FieldValue)]
        let matches: Bool
        let placeholders: [String: [String]]

        init(_ detection: String, _ fields: [(String, FieldValue)], _ matches: Bool, placeholders: [String: [String]] = [:]) {
            self.detection = detection
            self.fields = fields
            self.matches = matches
            self.placeholders = placeholders
        }

        var description: String { "\(detection.split(separator: "\n").joined(separator: " | ")) on \(fields.map { "\($0.0)=\($0.1.text)" })" }
    }

    static func rule(_ detection: String) -> String {
        "title: T\nid: 11111111-2222-3333-4444-555555555555\nlogsource:\n  product: testing\ndetection:\n"
            + detection.split(separator: "\n", omittingEmptySubsequences: false).map { "  " + $0 }.joined(separator: "\n") + "\nlevel: low\n"
    }

    static func matches(_ test: Case) throws -> Bool {
        let file = RuleLoader.load(rule(test.detection), path: "test.yml")
        guard file.problems.isEmpty, let rule = file.rules.first else { throw SigmaProblem("\(file.problems)", at: SourceLocation(file: "", line: 0)) }
        // `product: testing` is a product no mapping names: run it wherever unmapped rules run.
        let (engine, problems) = RuleEngine.compile([rule], placeholders: test.placeholders, unmapped: .run)
        guard problems.isEmpty else { throw problems[0] }
        let context = EventContext()
        // A different event first, so that per-event memory is exercised.
        context.load(Event(fields: [Field(name: "Other", value: .string("x"))]))
        engine.match(context) { _ in }
        context.load(Event(fields: test.fields.map { Field(name: FieldName($0.0), value: $0.1) }))
        var matched = false
        engine.match(context) { _ in matched = true }
        return matched
    }

    /// A context keeps its channel buckets from event to event; they must be the engine's
    /// that matches, even when that engine was allocated where a freed one lived.
    @Test("a context reused across engines takes each engine's channel buckets")
    func contextAcrossEngines() throws {
        let context = EventContext()
        let event = Event(fields: [
            Field(name: FieldName("Channel"), value: .string("Security")), Field(name: FieldName("EventID"), value: .integer(4624)),
            Field(name: FieldName("TargetUserName"), value: .string("alice")),
        ])
        for round in 0..<40 {
            let service = round % 2 == 0 ? "security" : "system"
            let text = "title: T\nid: 11111111-2222-3333-4444-555555555555\nlogsource:\n  product: windows\n  service: \(service)\n"
                + "detection:\n  sel:\n    TargetUserName: alice\n  condition: sel\nlevel: low\n"
            let rule = try #require(RuleLoader.load(text, path: "t.yml").rules.first)
            let (engine, _) = RuleEngine.compile([rule])
            context.load(event)
            var matched = false
            engine.match(context) { _ in matched = true }
            #expect(matched == (service == "security"), "round \(round)")
        }
    }

    static let cases: [Case] = [
        // Plain values: whole value, case-insensitive; lists are or; maps are and.
        Case("sel:\n  Image: 'C:\\Windows\\cmd.exe'\ncondition: sel", [("Image", .string("c:\\windows\\CMD.EXE"))], true),
        Case("sel:\n  Image: cmd.exe\ncondition: sel", [("Image", .string("C:\\cmd.exe"))], false),
        Case("sel:\n  Image:\n    - a\n    - b\ncondition: sel", [("Image", .string("B"))], true),
        Case("sel:\n  A: 1\n  B: 2\ncondition: sel", [("A", .integer(1)), ("B", .string("3"))], false),
        Case("sel:\n  - A: 1\n  - B: 2\ncondition: sel", [("A", .integer(0)), ("B", .string("2"))], true),
        // Wildcards and escapes.
        Case("sel:\n  C: 'a*c'\ncondition: sel", [("C", .string("abbbc"))], true),
        Case("sel:\n  C: 'a?c'\ncondition: sel", [("C", .string("abc"))], true),
        Case("sel:\n  C: 'a?c'\ncondition: sel", [("C", .string("abbc"))], false),
        Case("sel:\n  C: 'a\\*c'\ncondition: sel", [("C", .string("abc"))], false),
        Case("sel:\n  C: 'a\\*c'\ncondition: sel", [("C", .string("a*c"))], true),
        Case("sel:\n  C: 'a\\\\*'\ncondition: sel", [("C", .string("a\\xyz"))], true),
        Case("sel:\n  C: 'a\\b'\ncondition: sel", [("C", .string("a\\b"))], true),
        Case("sel:\n  C: '*+*+*+*+*+*+*+*+*+*+*+*+*+*+*+*'\ncondition: sel", [("C", .string(String(repeating: "+a", count: 14)))], false),
        // Modifiers.
        Case("sel:\n  C|contains: WHOAMI\ncondition: sel", [("C", .string("cmd /c whoami /all"))], true),
        Case("sel:\n  C|startswith: cmd\ncondition: sel", [("C", .string("xcmd"))], false),
        Case("sel:\n  C|endswith: .EXE\ncondition: sel", [("C", .string("a.exe"))], true),
        Case("sel:\n  C|contains|all:\n    - a\n    - z\ncondition: sel", [("C", .string("abc"))], false),
        Case("sel:\n  C|contains|all:\n    - a\n    - c\ncondition: sel", [("C", .string("abc"))], true),
        Case("sel:\n  C|contains|cased: Abc\ncondition: sel", [("C", .string("xabc"))], false),
        Case("sel:\n  C|contains|cased: Abc\ncondition: sel", [("C", .string("xAbc"))], true),
        Case("sel:\n  C|exists: true\ncondition: sel", [("C", .string(""))], true),
        Case("sel:\n  C|exists: false\ncondition: sel", [("D", .string(""))], true),
        Case("sel:\n  C: null\ncondition: sel", [("D", .string("x"))], true),
        Case("sel:\n  C: null\ncondition: sel", [("C", .string("x"))], false),
        Case("sel:\n  C: ''\ncondition: sel", [("C", .string(""))], true),
        Case("sel:\n  C: ''\ncondition: sel", [("D", .string(""))], false),
        Case("sel:\n  C|neq: x\ncondition: sel", [("C", .string("y"))], true),
        Case("sel:\n  C|neq: x\ncondition: sel", [("C", .string("X"))], false),
        Case("sel:\n  C|windash|contains: ' -enc '\ncondition: sel", [("C", .string("powershell /enc AAA"))], true),
        Case("sel:\n  C|windash|contains: ' -enc '\ncondition: sel", [("C", .string("powershell \u{2013}enc AAA"))], true),
        Case("sel:\n  C|re: '^a.c$'\ncondition: sel", [("C", .string("abc"))], true),
        Case("sel:\n  C|re: '^a.c$'\ncondition: sel", [("C", .string("ABC"))], false),
        Case("sel:\n  C|re|i: '^a.c$'\ncondition: sel", [("C", .string("ABC"))], true),
        Case("sel:\n  C|re: '^a.c$'\ncondition: sel", [("C", .string("a\nc"))], false),
        Case("sel:\n  C|re|s: '^a.c$'\ncondition: sel", [("C", .string("a\nc"))], true),
        // A regular expression anchors on its longest required literal (case-sensitive ones
        // only: ICU folds beyond ASCII), alone or or-ed with another field.
        Case("sel:\n  C|re: 'net\\s+user'\ncondition: sel", [("C", .string("cmd /c net   user bob"))], true),
        Case("sel:\n  C|re: 'net\\s+user'\ncondition: sel", [("C", .string("cmd /c NET USER bob"))], false),
        Case("sel:\n  C|re|i: 'net\\s+user'\ncondition: sel", [("C", .string("cmd /c NET USER bob"))], true),
        Case("sel:\n  C|re|i: 'net\\s+user'\ncondition: sel", [("C", .string("cmd /c NET USR bob"))], false),
        // Case-insensitive: the literal rules out ASCII text only; ICU folds the Kelvin sign to k.
        Case("sel:\n  C|re|i: 'kelvin\\d'\ncondition: sel", [("C", .string("\u{212A}ELVIN1"))], true),
        // ICU's full case folding: ß matches SS, which no ASCII-folded literal would find.
        Case("sel:\n  C|re|i: 'straße'\ncondition: sel", [("C", .string("STRASSE"))], true),
        Case("a:\n  C|re: 'net\\s+user'\nb:\n  D: x\ncondition: a or b", [("C", .string("net user")), ("D", .string("y"))], true),
        Case("a:\n  C|re: 'net\\s+user'\nb:\n  D: x\ncondition: a or b", [("C", .string("netuser")), ("D", .string("X"))], true),
        Case("a:\n  C|re: 'net\\s+user'\nb:\n  D: x\ncondition: a or b", [("C", .string("netuser")), ("D", .string("y"))], false),
        // Case folding is ASCII-only, in long texts as in short ones (eight bytes at a time).
        Case("sel:\n  Image|contains: '\\documents\\x.exe'\ncondition: sel", [("Image", .string("C:\\Users\\ÄBÇ\\DOCUMENTS\\X.EXE"))], true),
        Case("sel:\n  Image|contains: 'äbç'\ncondition: sel", [("Image", .string("C:\\Users\\ÄBÇ\\DOCUMENTS\\X.EXE"))], false),
        Case("sel:\n  Image|contains: '[\\]^_`@{'\ncondition: sel", [("Image", .string("xxxxxxxx[\\]^_`@{xxxxxxx"))], true),
        Case("sel:\n  Image|contains: '{\\]^_`@['\ncondition: sel", [("Image", .string("xxxxxxxx[\\]^_`@{xxxxxxx"))], false),
        Case("sel:\n  C|re|m: '^b$'\ncondition: sel", [("C", .string("a\nb\nc"))], true),
        Case("sel:\n  C|re: '\\+.*\\+.*\\+'\ncondition: sel", [("C", .string("a+b+c+"))], true),
        Case("sel:\n  C|re: '\\+.*\\+.*\\+'\ncondition: sel", [("C", .string("a+b\n+c+"))], false),
        Case("sel:\n  C|re: 'net\\s+user'\ncondition: sel", [("C", .string("NET  user"))], false),
        Case("sel:\n  C|re|i: 'net\\s+user'\ncondition: sel", [("C", .string("NET  user"))], true),
        Case("sel:\n  C|re|i: 'stra(ss|ß)e'\ncondition: sel", [("C", .string("STRASSE"))], true),
        Case("sel:\n  C|re|i: 'k'\ncondition: sel", [("C", .string("\u{212A}"))], true),
        Case("sel:\n  C|base64: 'abc'\ncondition: sel", [("C", .string("YWJj"))], true),
        Case("sel:\n  C|base64offset|contains: 'http://'\ncondition: sel", [("C", .string("xx" + Data("..http://a".utf8).base64EncodedString()))], true),
        Case("sel:\n  C|utf16le|base64offset|contains: 'ab'\ncondition: sel", [("C", .string(Data([0x78, 0, 0x61, 0, 0x62, 0]).base64EncodedString()))], true),
        Case("sel:\n  C|wide|base64: 'ab'\ncondition: sel", [("C", .string(Data([0x61, 0, 0x62, 0]).base64EncodedString()))], true),
        Case("sel:\n  C|utf16be|base64: 'ab'\ncondition: sel", [("C", .string(Data([0, 0x61, 0, 0x62]).base64EncodedString()))], true),
        Case("sel:\n  C|utf16|base64: 'a'\ncondition: sel", [("C", .string(Data([0xFF, 0xFE, 0x61, 0]).base64EncodedString()))], true),
        Case("sel:\n  N|gt: 10\ncondition: sel", [("N", .integer(11))], true),
        Case("sel:\n  N|gte: 10\ncondition: sel", [("N", .string("0x0a"))], true),
        Case("sel:\n  N|gte: 10\ncondition: sel", [("N", .string("10"))], true),
        Case("sel:\n  N|gte: 10\ncondition: sel", [("N", .integer(10))], true),
        Case("sel:\n  N|gte: 10\ncondition: sel", [("N", .string("0x0b"))], true),
        Case("sel:\n  N|gte: 10\ncondition: sel", [("N", .integer(12))], true),
        Case("sel:\n  N|gt: 10\ncondition: sel", [("N", .string("0x0b"))], true),
        Case("sel:\n  N|lt: 10\ncondition: sel", [("N", .string("abc"))], false),
        Case("sel:\n  N|lte: 1.5\ncondition: sel", [("N", .double(1.5))], true),
        Case("sel:\n  T|hour: 13\ncondition: sel", [("T", .string("2024-03-01T13:05:00Z"))], true),
        Case("sel:\n  T|week: 9\ncondition: sel", [("T", .string("2024-03-01T13:05:00Z"))], true),
        Case("sel:\n  T|year: 2023\ncondition: sel", [("T", .string("2024-03-01T13:05:00Z"))], false),
        Case("sel:\n  IP|cidr: 10.0.0.0/8\ncondition: sel", [("IP", .string("10.200.1.1"))], true),
        Case("sel:\n  IP|cidr: 10.0.0.0/8\ncondition: sel", [("IP", .string("11.0.0.1"))], false),
        Case("sel:\n  IP|cidr: 'fe80::/10'\ncondition: sel", [("IP", .string("FE80::1"))], true),
        Case("sel:\n  IP|cidr: 'fe80::/10'\ncondition: sel", [("IP", .string("fec0::1"))], false),
        Case("sel:\n  IP|cidr: 10.0.0.0/8\ncondition: sel", [("IP", .list([.string("-"), .string(" 10.9.8.7")]))], true),
        Case("sel:\n  IP|cidr: 10.0.0.0/8\ncondition: sel", [("IP", .integer(10))], false),
        Case("sel:\n  A|fieldref: B\ncondition: sel", [("A", .string("Same")), ("B", .string("same"))], true),
        Case("sel:\n  A|fieldref|startswith: B\ncondition: sel", [("A", .string("prefix-rest")), ("B", .string("prefix"))], true),
        Case("sel:\n  A|fieldref: B\ncondition: sel", [("A", .string("x"))], false),
        Case("sel:\n  A|expand: '%admins%'\ncondition: sel", [("A", .string("root"))], true, placeholders: ["admins": ["admin", "root"]]),
        Case("sel:\n  A|expand|contains: '%admins%'\ncondition: sel", [("A", .string("xrootx"))], true, placeholders: ["admins": ["root"]]),
        // Lists in events: any element.
        Case("sel:\n  L: b\ncondition: sel", [("L", .list([.string("a"), .string("B")]))], true),
        Case("sel:\n  L|contains: zz\ncondition: sel", [("L", .list([.string("a"), .string("b")]))], false),
        // Keywords: anywhere in any field.
        Case("keywords:\n  - mimikatz\ncondition: keywords", [("A", .string("x")), ("B", .string("run MIMIKATZ.exe"))], true),
        Case("keywords:\n  - mimikatz\ncondition: keywords", [("A", .string("mimi")), ("B", .string("katz"))], false),
        Case("keywords:\n  '|all':\n    - one\n    - two\ncondition: keywords", [("A", .string("one")), ("B", .string("two"))], true),
        // Conditions.
        Case("a:\n  A: 1\nb:\n  B: 1\ncondition: a and not b", [("A", .integer(1)), ("B", .integer(1))], false),
        Case("a:\n  A: 1\nb:\n  B: 1\ncondition: a or b", [("B", .integer(1))], true),
        Case("a:\n  A: 1\nb:\n  B: 1\nc:\n  C: 1\ncondition: a and (b or c)", [("A", .integer(1)), ("C", .integer(1))], true),
        Case("a:\n  A: 1\nb:\n  B: 1\nc:\n  C: 1\ncondition: a and b or c", [("C", .integer(1))], true),
        Case("a:\n  A: 1\nb:\n  B: 1\ncondition: not a and b", [("B", .integer(1))], true),
        Case("sel1:\n  A: 1\nsel2:\n  B: 1\ncondition: 1 of sel*", [("B", .integer(1))], true),
        Case("sel1:\n  A: 1\nsel2:\n  B: 1\ncondition: all of sel*", [("B", .integer(1))], false),
        Case("sel1:\n  A: 1\nsel2:\n  B: 1\ncondition: any of them", [("A", .integer(1))], true),
        Case("sel1:\n  A: 1\n_hidden:\n  B: 1\ncondition: all of them", [("A", .integer(1))], true),
        Case("sel1:\n  A: 1\nsel2:\n  B: 1\ncondition: all of them", [("A", .integer(1))], false),
        Case("sel:\n  EventID: 4624\nfilter:\n  EventID: 4625\ncondition: sel or filter", [("EventID", .integer(4625))], true),
        Case("sel:\n  EventID: 4624\ncondition: not sel", [("EventID", .integer(4625))], true),
        // An `or` over two fields anchors on the needles of both: either field wakes the rule;
        // a list in one of them (not scanned) cannot rule it out.
        Case("a:\n  Image|endswith: '\\finger.exe'\nb:\n  OriginalFileName: finger.exe\ncondition: a or b", [("OriginalFileName", .string("FINGER.EXE"))], true),
        Case("a:\n  Image|endswith: '\\finger.exe'\nb:\n  OriginalFileName: finger.exe\ncondition: a or b", [("Image", .string("C:\\finger.exe"))], true),
        Case("a:\n  Image|endswith: '\\finger.exe'\nb:\n  OriginalFileName: finger.exe\ncondition: a or b", [("Image", .string("C:\\f.exe")), ("OriginalFileName", .string("f.exe"))], false),
        Case("a:\n  Image|endswith: '\\finger.exe'\nb:\n  OriginalFileName: finger.exe\ncondition: a or b", [("OriginalFileName", .list([.string("x"), .string("finger.exe")]))], true),
        Case("a:\n  Image|endswith: '\\finger.exe'\nb:\n  OriginalFileName: finger.exe\nc:\n  CommandLine|contains: ' -h '\ncondition: (a or b) and c", [("OriginalFileName", .string("finger.exe")), ("CommandLine", .string("finger -h host"))], true),
        Case("a:\n  Image|endswith: '\\finger.exe'\nb:\n  OriginalFileName: finger.exe\nc:\n  CommandLine|contains: ' -h '\ncondition: (a or b) and c", [("OriginalFileName", .string("finger.exe")), ("CommandLine", .string("finger host"))], false),
    ]

    @Test("detections", arguments: cases)
    func detection(_ test: Case) throws {
        #expect(try Self.matches(test) == test.matches)
    }

    /// Items that must not load, with the reason: a bad value fails the rule where it is.
    static let refused: [(detection: String, reason: String)] = [
        ("sel:\n  C|nosuchmodifier: x\ncondition: sel", "nosuchmodifier"),
        ("sel:\n  C|re: '(unclosed'\ncondition: sel", "regular expression"),
        ("sel:\n  IP|cidr: 10.0.0.0/33\ncondition: sel", "CIDR"),
        ("sel:\n  N|gt: many\ncondition: sel", "number"),
        ("sel:\n  C: x\ncondition: sel and missing", "missing"),
        ("sel:\n  C: x\ncondition: sel and (", "condition"),
        ("sel:\n  A|expand: '%nothing%'\ncondition: sel", "nothing"),
    ]

    @Test("refused items name the problem and the line", arguments: 0..<refused.count)
    func refusedItem(_ index: Int) {
        let (detection, reason) = Self.refused[index]
        let file = RuleLoader.load(Self.rule(detection), path: "bad.yml")
        var problems = file.problems
        if problems.isEmpty { problems = RuleEngine.compile(file.rules).problems }
        #expect(problems.count == 1)
        let text = problems.first?.description ?? ""
        #expect(text.localizedCaseInsensitiveContains(reason), "\(text)")
        #expect(text.hasPrefix("bad.yml:"), "\(text)")
    }

    /// Each kind of event scans the joined text only for the keywords of the rules it meets
    /// (long ones by skipping through the text): every rule still finds its keywords, in its
    /// own channels only.
    @Test("keyword rules of different log sources each find their keywords")
    func keywordsByLogSource() throws {
        func rule(_ title: String, _ service: String?, _ keywords: [String]) -> String {
            "title: \(title)\nlogsource:\n  product: windows\n" + (service.map { "  service: \($0)\n" } ?? "")
                + "detection:\n  keywords:\n" + keywords.map { "    - '\($0)'\n" }.joined() + "  condition: keywords\nlevel: low\n"
        }
        let rules = [
            rule("Any", nil, ["sekurlsa::logonpasswords", "privilege::debug"]), rule("System", "system", ["kali", "mimikatz.exe"]),
            rule("Application", "application", ["powersploit", "hktl"]),
        ].flatMap { RuleLoader.load($0, path: "k.yml").rules }
        #expect(rules.count == 3)
        let (engine, problems) = RuleEngine.compile(rules)
        #expect(problems.isEmpty)
        let cases: [(channel: String, text: String, expected: Set<String>)] = [
            ("Microsoft-Windows-Sysmon/Operational", "x PRIVILEGE::DEBUG y", ["Any"]),
            ("Microsoft-Windows-Sysmon/Operational", "kali hktl", []),
            ("System", "found Kali tools", ["System"]),
            ("System", "kali then sekurlsa::logonpasswords", ["Any", "System"]),
            ("System", "hktl", []),
            ("Application", "HKTL detected", ["Application"]),
            ("Application", "nothing here", []),
        ]
        let context = EventContext()
        for (channel, text, expected) in cases {
            context.load(Event(fields: [Field(name: "Channel", value: .string(channel)), Field(name: "Message", value: .string(text))], origin: EventOrigin(format: "evtx")))
            var matched = Set<String>()
            engine.match(context) { matched.insert(engine.rules[$0].rule.title) }
            #expect(matched == expected, "\(channel): \(text)")
        }
    }

    @Test("long keywords are looked for field by field, as in the joined text")
    func longKeywordsFieldByField() throws {
        // Every keyword has six bytes or more, so the anchor's scanner skips through windows
        // and scans each field's text apart; a field too short for any keyword is not read.
        let rule = "title: Long\nlogsource:\n  product: windows\ndetection:\n  keywords:\n"
            + "    - 'sekurlsa::'\n    - 'gentilkiwi'\n    - '4294967296'\n  condition: keywords\nlevel: low\n"
        let rules = RuleLoader.load(rule, path: "k.yml").rules
        let (engine, problems) = RuleEngine.compile(rules)
        #expect(problems.isEmpty)
        let needles = ["sekurlsa::", "gentilkiwi", "4294967296"].enumerated().map {
            NeedleScanner.Needle(bytes: Array($0.element.utf8), kind: .contains, id: Int32($0.offset))
        }
        #expect(NeedleScanner(needles).partwise?.minimumLength == 10)
        #expect(NeedleScanner(needles).partwise?.integers == true)
        #expect(NeedleScanner(Array(needles.prefix(2))).partwise?.integers == false)
        // The digits could be in a number's text, which readers may pass over undecoded as
        // formatted text; the two words could not.
        #expect(NeedleScanner(needles).partwise?.words == false)
        #expect(NeedleScanner(Array(needles.prefix(2))).partwise?.words == true)
        let hexadecimal = NeedleScanner.Needle(bytes: Array("0xdeadbeef".utf8), kind: .contains, id: 3)
        #expect(NeedleScanner([needles[0], hexadecimal]).partwise?.words == false)
        let cases: [(fields: [FieldValue], expected: Bool)] = [
            ([.string("run SEKURLSA::logonpasswords")], true),
            ([.string("sekurlsa::")], true),
            ([.string("sekurlsa:")], false),
            ([.string("x sekur"), .string("lsa:: y")], false),
            ([.integer(7), .list([.string("a"), .string("www.GentilKiwi.com")])], true),
            ([.list([.string("gentil"), .string("kiwi")])], false),
            ([.unsigned(4_294_967_296)], true),
            ([.integer(-4_294_967_296)], true),
            ([.integer(429_496_729)], false),
            ([.null, .bool(true), .double(4294967296.5)], true),
        ]
        let context = EventContext()
        for (values, expected) in cases { #expect(Self.matchesAny(engine, context, values) == expected, "\(values)") }
    }

    /// Whether a Security event whose fields `F0`, `F1`, ... hold `values` matches any rule.
    static func matchesAny(_ engine: RuleEngine, _ context: EventContext, _ values: [FieldValue]) -> Bool {
        let fields = [Field(name: "Channel", value: .string("Security"))] + values.enumerated().map { Field(name: FieldName("F\($0.offset)"), value: $0.element) }
        context.load(Event(fields: fields, origin: EventOrigin(format: "evtx")))
        var matched = false
        engine.match(context) { _ in matched = true }
        return matched
    }

    @Test("short keywords are looked for field by field too, never across two fields")
    func shortKeywordsFieldByField() throws {
        let rule = "title: Short\nlogsource:\n  product: windows\ndetection:\n  keywords:\n"
            + "    - 'HKTL'\n    - 'x:'\n    - '-7'\n  condition: keywords\nlevel: low\n"
        let (engine, problems) = RuleEngine.compile(RuleLoader.load(rule, path: "k.yml").rules)
        #expect(problems.isEmpty)
        let needles = ["hktl", "x:", "-7"].enumerated().map { NeedleScanner.Needle(bytes: Array($0.element.utf8), kind: .contains, id: Int32($0.offset)) }
        let scanner = NeedleScanner(needles)
        #expect(!scanner.skipsWindows && scanner.partwise?.minimumLength == 2 && scanner.partwise?.integers == true)
        let cases: [(fields: [FieldValue], expected: Bool)] = [
            ([.string("found HackTool/HKTL.x")], true),
            ([.string("hk"), .string("tl")], false),
            ([.string("ab"), .string("x:")], true),
            ([.string("x"), .string(":")], false),
            ([.integer(-7)], true),
            ([.integer(7)], false),
            ([.list([.string("a"), .string("HKTL")])], true),
        ]
        let context = EventContext()
        for (values, expected) in cases { #expect(Self.matchesAny(engine, context, values) == expected, "\(values)") }
    }

    /// Anchored rules are evaluated only when woken, unanchored ones always; the rules an
    /// event matches are still reported in rule order, also when a list-valued field keeps
    /// anchors from ruling anything out.
    @Test("matches come in rule order, anchored or not")
    func matchOrder() throws {
        func rule(_ title: String, _ selection: String) -> String {
            "title: \(title)\nlogsource:\n  product: windows\n  category: process_creation\ndetection:\n  sel:\n\(selection)  condition: sel\nlevel: low\n"
        }
        let rules = [
            rule("A unanchored", "    CommandLine|exists: true\n"), rule("B anchored", "    Image|endswith: '\\tool.exe'\n"),
            rule("C unanchored", "    User|fieldref: ParentUser\n"), rule("D anchored", "    CommandLine|contains: 'secret'\n"),
            rule("E anchored, not met", "    CommandLine|contains: 'absent'\n"),
        ].flatMap { RuleLoader.load($0, path: "o.yml").rules }
        let (engine, problems) = RuleEngine.compile(rules)
        #expect(problems.isEmpty)
        let context = EventContext()
        for image: FieldValue in [.string("C:\\x\\tool.exe"), .list([.string("C:\\x\\tool.exe"), .string("other")])] {
            context.load(Event(fields: [
                Field(name: "Channel", value: .string("Microsoft-Windows-Sysmon/Operational")), Field(name: "EventID", value: .integer(1)),
                Field(name: "Image", value: image), Field(name: "CommandLine", value: .string("tool --secret")),
                Field(name: "User", value: .string("u")), Field(name: "ParentUser", value: .string("u")),
            ], origin: EventOrigin(format: "evtx")))
            var titles: [String] = []
            engine.match(context) { titles.append(engine.rules[$0].rule.title) }
            #expect(titles == ["A unanchored", "B anchored", "C unanchored", "D anchored"], "\(image)")
        }
    }

    @Test("numbers are matched as their decimal text")
    func numbersAsText() {
        let values: [FieldValue] = [.integer(0), .integer(7), .integer(-1), .integer(.min), .integer(.max), .unsigned(0), .unsigned(.max), .double(-2.5), .bool(false)]
        let context = EventContext()
        context.load(Event(fields: values.enumerated().map { Field(name: FieldName("N\($0.offset)"), value: $0.element) }))
        for (offset, value) in values.enumerated() {
            guard case .text(let text) = context.text(fieldID: Int(FieldName("N\(offset)").id), folded: false) else {
                Issue.record("no text for \(value)")
                continue
            }
            #expect(String(decoding: text, as: UTF8.self) == value.text)
        }
    }

    @Test("a file that is not YAML is one problem with its place")
    func notYAML() {
        let file = RuleLoader.load("title: [unclosed\n  - : :", path: "broken.yml")
        #expect(file.rules.isEmpty)
        #expect(file.problems.count == 1)
        #expect(file.problems.first?.description.hasPrefix("broken.yml:") == true)
    }
}

extension EngineTableTests.Case: CustomTestArgumentEncodable {
    func encodeTestArgument(to encoder: some Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
