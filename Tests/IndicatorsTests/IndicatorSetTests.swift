import EventLog
import Foundation
@testable import Indicators
import STIX
import Testing
import TestSupport

/// Indicator sets: which patterns are indexed, what each observable hits, and how.
@Suite("Indicator sets")
struct IndicatorSetTests {
    static func set(_ patterns: [String]) throws -> IndicatorSet {
        var set = IndicatorSet()
        for (index, pattern) in patterns.enumerated() {
            try set.add(Indicator(pattern: try STIXPattern(pattern), provenance: IndicatorProvenance(indicatorID: "indicator--\(index)", source: "test")))
        }
        return set
    }

    /// The same set, loaded in bulk as feeds are (runs of patterns read on other threads).
    static func loaded(_ patterns: [String], executor: ParallelExecutor = .shared) -> (IndicatorSet, IndicatorSet.LoadReport) {
        var set = IndicatorSet()
        let report = set.load(patterns.enumerated().map { ($1, IndicatorProvenance(indicatorID: "indicator--\($0)", source: "test")) }, executor: executor)
        return (set, report)
    }

    static func hits(_ set: IndicatorSet, _ observable: Observable) -> [String] {
        var found: [IndicatorSet.Hit] = []
        set.lookup(observable, into: &found)
        return found.map { set.provenance(of: $0.indicator).indicatorID }.sorted()
    }

    @Test(
        "placement: simple patterns are indexed, the rest go to the matcher",
        arguments: [
            ("[file:hashes.'SHA-256' = 'AEC070645FE53EE3B3763059376134F058CC337247C978ADD178B6CCDFB0019F']", IndicatorSet.Placement.indexed(1)),
            ("[ipv4-addr:value = '198.51.100.7' OR ipv4-addr:value = '203.0.113.0/24']", .indexed(2)),
            ("[domain-name:value IN ('evil.example', 'bad.example', 'worse.example')]", .indexed(3)),
            ("[domain-name:value LIKE '%.evil.example']", .indexed(1)),
            ("[ipv4-addr:value ISSUBSET '10.0.0.0/8']", .indexed(1)),
            ("([url:value = 'http://evil.example/a'])", .indexed(1)),
            ("[file:name = 'a.exe' OR mutex:name = 'm']", .indexed(2)),
            ("[file:name = 'a.exe' AND file:size > 5]", .general),
            ("[file:name != 'a.exe']", .general),
            ("[file:name NOT = 'a.exe']", .general),
            ("[domain-name:value LIKE 'evil%']", .general),
            ("[file:name = 'a.exe'] WITHIN 5 SECONDS", .general),
            ("[file:name = 'a.exe'] OR [mutex:name = 'm']", .general),
            ("[process:command_line LIKE '%-enc%']", .general),
            ("[ipv4-addr:value = 'not an address']", .general),
        ])
    func placement(_ pattern: String, _ expected: IndicatorSet.Placement) throws {
        var set = IndicatorSet()
        let placement = try set.add(Indicator(pattern: try STIXPattern(pattern), provenance: IndicatorProvenance(indicatorID: "i", source: "test")))
        #expect(placement == expected)
    }

    static let patterns = [
        "[file:hashes.'SHA-256' = 'AEC070645FE53EE3B3763059376134F058CC337247C978ADD178B6CCDFB0019F']",  // 0
        "[ipv4-addr:value = '198.51.100.7']",  // 1
        "[ipv4-addr:value ISSUBSET '203.0.113.0/24']",  // 2
        "[network-traffic:dst_ref.value = '192.0.2.1']",  // 3
        "[ipv6-addr:value = '2001:db8::/32']",  // 4
        "[domain-name:value = 'evil.example']",  // 5
        "[domain-name:value LIKE '%.evil.example']",  // 6
        "[url:value = 'http://evil.example/Path?q=1']",  // 7
        "[email-addr:value = 'Attacker@Mail.Example']",  // 8
        "[file:name = 'Evil.exe']",  // 9
        "[mutex:name = 'Global\\\\APT31']",  // 10
        "[windows-registry-key:key = 'HKEY_LOCAL_MACHINE\\\\Software\\\\Microsoft\\\\Windows\\\\CurrentVersion\\\\Run']",  // 11
        "[file:hashes.MD5 IN ('3b8a4c1b2f9f0a1e5f6d7c8b9a0e1f2d', '0cc175b9c0f1b6a831c399e269772661')]",  // 12
        "[ipv4-addr:value = '10.0.0.0/8']",  // 13
    ]

    @Test(
        "lookups",
        arguments: [
            (Observable(.sha256, "aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f"), ["indicator--0"]),
            (Observable(.sha256, "0ec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f"), []),
            (Observable(.md5, "0CC175B9C0F1B6A831C399E269772661"), ["indicator--12"]),
            (Observable(.address, "198.51.100.7"), ["indicator--1"]),
            (Observable(.address, "198.51.100.8"), []),
            (Observable(.address, "203.0.113.77", role: .source), ["indicator--2"]),
            (Observable(.address, "192.0.2.1", role: .destination), ["indicator--3"]),
            (Observable(.address, "192.0.2.1", role: .source), []),
            (Observable(.address, "192.0.2.1"), []),
            (Observable(.address, "2001:db8:1::5"), ["indicator--4"]),
            (Observable(.address, "2001:db9::5"), []),
            (Observable(.address, "10.200.3.4"), ["indicator--13"]),
            (Observable(.domain, "evil.example"), ["indicator--5"]),
            (Observable(.domain, "EVIL.example."), ["indicator--5"]),
            (Observable(.domain, "a.b.evil.example"), ["indicator--6"]),
            (Observable(.domain, "notevil.example"), []),
            (Observable(.url, "HTTP://Evil.Example:80/Path?q=1#top"), ["indicator--7"]),
            (Observable(.url, "http://evil.example/path?q=1"), []),
            (Observable(.email, "attacker@mail.example"), ["indicator--8"]),
            (Observable(.fileName, "Evil.exe"), ["indicator--9"]),
            (Observable(.fileName, "evil.exe"), []),
            (Observable(.mutex, "Global\\APT31"), ["indicator--10"]),
            (Observable(.registryKey, "HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run"), ["indicator--11"]),
            (Observable(.registryKey, "\\REGISTRY\\MACHINE\\Software\\Microsoft\\Windows\\CurrentVersion\\Run"), ["indicator--11"]),
        ])
    func lookup(_ observable: Observable, _ expected: [String]) throws {
        #expect(Self.hits(try Self.set(Self.patterns), observable) == expected)
        #expect(Self.hits(Self.loaded(Self.patterns).0, observable) == expected)
    }

    @Test("a bulk load places, refuses and notes as adding one by one does, on any executor", arguments: [1, 2, 4])
    func bulkLoad(width: Int) throws {
        // Enough patterns for several runs, each kind of outcome in each run.
        var patterns: [String] = []
        for index in 0..<20_000 {
            switch index % 5 {
            case 0: patterns.append(Self.patterns[index / 5 % Self.patterns.count])
            case 1: patterns.append("[ipv4-addr:value = '100.\(index % 256).\(index / 256 % 256).1/16']")
            case 2: patterns.append("[domain-name:value = 'host\(index).example']")
            case 3: patterns.append("[process:command_line LIKE '%run\(index)%']")
            default: patterns.append(index % 10 == 4 ? "[file:name = ]" : "[mutex:name = 'm\(index)' OR mutex:name = 'n\(index)']")
            }
        }
        let (set, report) = Self.loaded(patterns, executor: ParallelExecutor(width: width))
        #expect(report.indexed == 14_000)
        #expect(report.general == 4_000)
        #expect(report.refused.count == 2_000)
        #expect(report.refused.first?.indicatorID == "indicator--4")
        #expect(report.notes.count == 4_000)
        #expect(report.notes.first == "indicator--1: network 100.1.0.1/16 has host bits set; read as 100.1.0.0/16")
        #expect(set.count == 18_000)
        #expect(set.general.count == 4_000)
        #expect(Self.hits(set, Observable(.domain, "HOST19997.example")) == ["indicator--19997"])
        #expect(Self.hits(set, Observable(.mutex, "n19999")) == ["indicator--19999"])
        #expect(Self.hits(set, Observable(.address, "100.7.200.200")).count == (0..<20_000).count { $0 % 5 == 1 && $0 % 256 == 7 })
    }

    @Test("a hit says through which network or parent domain it matched")
    func via() throws {
        let set = try Self.set(Self.patterns)
        var found: [IndicatorSet.Hit] = []
        set.lookup(Observable(.address, "203.0.113.77"), into: &found)
        set.lookup(Observable(.domain, "c2.evil.example"), into: &found)
        set.lookup(Observable(.address, "198.51.100.7"), into: &found)
        #expect(found.map(\.via) == ["203.0.113.0/24", "evil.example", nil])
    }

    @Test("a network with host bits set is read as its network, with a note")
    func hostBits() throws {
        var set = IndicatorSet()
        var notes: [String] = []
        try set.add(
            Indicator(pattern: try STIXPattern("[ipv4-addr:value = '10.1.2.3/8']"), provenance: IndicatorProvenance(indicatorID: "i", source: "t")),
            notes: { notes.append($0) })
        #expect(notes == ["i: network 10.1.2.3/8 has host bits set; read as 10.0.0.0/8"])
        #expect(Self.hits(set, Observable(.address, "10.9.9.9")) == ["i"])
    }

    @Test("validity: an expired indicator still matches and says so")
    func validity() throws {
        let provenance = IndicatorProvenance(
            indicatorID: "i", source: "t", validFrom: try STIXTimestamp("2024-01-01T00:00:00Z"), validUntil: try STIXTimestamp("2024-06-01T00:00:00Z"))
        #expect(provenance.validity(at: try STIXTimestamp("2023-12-31T23:59:59Z")) == .notYetValid)
        #expect(provenance.validity(at: try STIXTimestamp("2024-03-01T00:00:00Z")) == .valid)
        #expect(provenance.validity(at: try STIXTimestamp("2024-06-01T00:00:00Z")) == .expired)
    }
}

/// Observables read from events, and indicators matched against them.
@Suite("Indicators against events")
struct EventIndicatorTests {
    static func event(_ fields: [(String, FieldValue)], time: String = "2024-03-01T10:00:30Z") throws -> Event {
        let instant = try STIXTimestamp(time)
        return Event(time: EventTime(unixSeconds: instant.secondsSinceEpoch), fields: fields.map { Field(name: FieldName($0.0), value: $0.1) })
    }

    @Test("Sysmon, Security and Zeek fields become observables")
    func observables() throws {
        let event = try Self.event([
            ("Hashes", .string("SHA1=A94A8FE5CCB19BA61C4C0873D391E987982FBBD3,MD5=3B8A4C1B2F9F0A1E5F6D7C8B9A0E1F2D,IMPHASH=00")),
            ("Image", .string("C:\\Users\\Public\\evil.exe")),
            ("DestinationIp", .string("::ffff:198.51.100.7")),
            ("QueryResults", .string("type:  5 cdn.example;::ffff:203.0.113.9;2001:db8::1;")),
            ("TargetObject", .string("HKLM\\Software\\Run\\Updater")),
            ("id.orig_h", .string("10.0.0.5")),
            ("mailfrom", .string("IT <attacker@mail.example>")),
            ("IpAddress", .string("-")),
        ])
        #expect(
            ObservableMapping.standard.observables(in: event).map(\.description) == [
                "sha1 A94A8FE5CCB19BA61C4C0873D391E987982FBBD3", "md5 3B8A4C1B2F9F0A1E5F6D7C8B9A0E1F2D", "file-name evil.exe",
                "address 198.51.100.7 (destination)", "address 203.0.113.9", "address 2001:db8:0:0:0:0:0:1",
                "registry-key HKLM\\Software\\Run\\Updater", "registry-key HKLM\\Software\\Run", "address 10.0.0.5 (source)",
                "email attacker@mail.example",
            ])
    }

    @Test("a replacement mapping is read from JSON")
    func mappingFromJSON() throws {
        let mapping = try ObservableMapping(json: Array(#"[{"field": "c2", "kind": "domain"}, {"field": "dst", "kind": "address", "role": "destination"}]"#.utf8))
        let event = try Self.event([("c2", .string("evil.example")), ("dst", .string("192.0.2.1"))])
        #expect(mapping.observables(in: event).map(\.description) == ["domain evil.example", "address 192.0.2.1 (destination)"])
        #expect(throws: PatternError.self) { try ObservableMapping(json: Array(#"[{"field": "x", "kind": "colour"}]"#.utf8)) }
    }

    @Test("an event hits set and pattern indicators, with provenance, validity and suppression")
    func hits() throws {
        var set = IndicatorSet()
        let expired = IndicatorProvenance(
            indicatorID: "indicator--c2", name: "APT31 C2", source: "partner CZ", indicates: ["intrusion-set--apt31"], tlp: .amber,
            validFrom: try STIXTimestamp("2023-01-01T00:00:00Z"), validUntil: try STIXTimestamp("2024-01-01T00:00:00Z"))
        try set.add(Indicator(pattern: try STIXPattern("[network-traffic:dst_ref.value = '198.51.100.7']"), provenance: expired))
        try set.add(
            Indicator(
                pattern: try STIXPattern("[process:command_line LIKE '%-enc%' AND process:image_ref.name = 'powershell.exe']"),
                provenance: IndicatorProvenance(indicatorID: "indicator--ps", source: "feed")))
        try set.add(
            Indicator(pattern: try STIXPattern("[domain-name:value = 'dns.google']"), provenance: IndicatorProvenance(indicatorID: "indicator--dns", source: "feed")))
        var lists = Warninglists()
        try lists.add(
            json: Array(#"{"name": "Public DNS", "type": "hostname", "list": ["dns.google"], "matching_attributes": ["domain", "hostname"]}"#.utf8),
            origin: "test")
        let matcher = EventIndicatorMatcher(indicators: set, warninglists: lists)
        let event = try Self.event([
            ("Image", .string("C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe")),
            ("CommandLine", .string("powershell.exe -nop -enc SQBFAFgA")), ("DestinationIp", .string("198.51.100.7")),
            ("QueryName", .string("dns.google")),
        ])
        let hits = matcher.hits(in: event)
        #expect(hits.map(\.provenance.indicatorID) == ["indicator--c2", "indicator--dns", "indicator--ps"])
        #expect(hits[0].validity == .expired && hits[0].provenance.indicates == ["intrusion-set--apt31"] && hits[0].suppressedBy == nil)
        #expect(hits[1].suppressedBy == "Public DNS")
        #expect(hits[2].observable == nil && hits[2].validity == .valid)

        // Told which fields the event has, a field said to be absent is not read.
        let readFields = matcher.mapping.readFields
        let query = try #require(readFields.firstIndex(of: FieldName("QueryName")))
        let withoutQuery = matcher.hits(reading: { event[$0]?.text }, present: ~(1 << UInt64(query)), time: event.time, event: { event }, misses: MissCache())
        #expect(withoutQuery.map(\.provenance.indicatorID) == ["indicator--c2", "indicator--ps"])
        let told = matcher.hits(reading: { event[$0]?.text }, present: .max, time: event.time, event: { event }, misses: MissCache())
        #expect(told.map(\.provenance.indicatorID) == hits.map(\.provenance.indicatorID))

        // With a cache of recent misses, the same event gives the same hits, again and again.
        let misses = MissCache(size: 8)
        let observables = matcher.mapping.observables(in: event)
        for _ in 0..<3 {
            let cached = matcher.hits(observables: observables, time: event.time, field: { event[$0]?.text }, event: { event }, misses: misses)
            #expect(cached.map(\.provenance.indicatorID) == hits.map(\.provenance.indicatorID))
        }
        // Read field by field as a hunt does, fields whose text hit nothing skipped the next
        // times: still the same hits, the general pattern's included.
        // (The pattern anchors on a file name here, so no field can be skipped; with the
        // patterns the sets hold alone, every field can.)
        var simple = IndicatorSet()
        try simple.add(Indicator(pattern: try STIXPattern("[domain-name:value = 'dns.google']"), provenance: IndicatorProvenance(indicatorID: "indicator--dns", source: "feed")))
        let quiet = try Self.event([("Image", .string("C:\\Windows\\explorer.exe")), ("QueryName", .string("example.org"))])
        for reader in [matcher, EventIndicatorMatcher(indicators: simple)] {
            let misses = MissCache(size: 8)
            for repeated in [event, quiet, event, event, quiet, quiet, event] {
                let read = reader.hits(reading: { repeated[$0]?.text }, time: repeated.time, event: { repeated }, misses: misses)
                #expect(read.map(\.provenance.indicatorID) == reader.hits(in: repeated).map(\.provenance.indicatorID))
            }
        }
    }
}

/// MISP warninglists: the shared lists load, and suppress what they hold.
@Suite("Warninglists")
struct WarninglistTests {
    @Test("all 136 shared lists load and suppress what they hold", .enabled(if: SharedData.isUsable, SharedData.skipReason))
    func sharedLists() throws {
        var lists = Warninglists()
        let folder = try SharedData.file("misp/warninglists/lists")
        let files = (FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil)?.compactMap { $0 as? URL } ?? [])
            .filter { $0.lastPathComponent == "list.json" }
        let refused = lists.add(files: try files.map { ($0.path, [UInt8](try Data(contentsOf: $0))) })
        #expect(refused.isEmpty, "\(refused)")
        #expect(lists.lists.count == 136)
        #expect(Set(lists.lists.map(\.type)) == ["string", "substring", "hostname", "cidr", "regex"])
        #expect(lists.list(containing: Observable(.address, "8.8.8.8")) != nil)
        #expect(lists.list(containing: Observable(.domain, "www.google.com")) != nil)
        #expect(lists.list(containing: Observable(.email, "abuse@example.org")) != nil)
        #expect(lists.list(containing: Observable(.domain, "x4z9arb-apt31-c2.cn")) == nil)
    }

    @Test("each list type", arguments: [
        (#"{"name": "s", "type": "string", "list": ["ABC"]}"#, Observable(.fileName, "abc"), true),
        (#"{"name": "s", "type": "string", "list": ["abc"], "matching_attributes": ["md5"]}"#, Observable(.fileName, "abc"), false),
        (#"{"name": "sub", "type": "substring", "list": ["any.run"], "matching_attributes": ["url"]}"#, Observable(.url, "https://app.any.run/tasks/1"), true),
        (#"{"name": "h", "type": "hostname", "list": [".example.com"], "matching_attributes": ["domain"]}"#, Observable(.domain, "a.example.com"), true),
        (#"{"name": "h", "type": "hostname", "list": ["example.com"], "matching_attributes": ["url"]}"#, Observable(.url, "http://user@www.example.com:8080/x"), true),
        (#"{"name": "h", "type": "hostname", "list": ["example.com"], "matching_attributes": ["domain"]}"#, Observable(.domain, "example.co"), false),
        (#"{"name": "c", "type": "cidr", "list": ["192.0.2.0/24", "2001:db8::/32", "not a network"], "matching_attributes": ["ip-dst"]}"#, Observable(.address, "2001:db8::9"), true),
        (#"{"name": "c", "type": "cidr", "list": ["192.0.2.0/24"], "matching_attributes": ["ip-dst"]}"#, Observable(.address, "192.0.3.1"), false),
        (#"{"name": "r", "type": "regex", "list": ["/^(security|abuse)@/i"], "matching_attributes": ["email-src"]}"#, Observable(.email, "Abuse@x.org"), true),
    ])
    func types(_ json: String, _ observable: Observable, _ suppressed: Bool) throws {
        var lists = Warninglists()
        try lists.add(json: Array(json.utf8), origin: "test")
        #expect((lists.list(containing: observable) != nil) == suppressed)
    }

    @Test("a list that is not one is refused with its reason")
    func refused() {
        var lists = Warninglists()
        #expect(throws: PatternError.self) { try lists.add(json: Array("{".utf8), origin: "broken.json") }
        #expect(throws: PatternError.self) { try lists.add(json: Array(#"{"name": "x", "type": "glob", "list": ["a"]}"#.utf8), origin: "glob.json") }
        #expect(throws: PatternError.self) { try lists.add(json: Array(#"{"name": "x"}"#.utf8), origin: "empty.json") }
    }
}

/// Addresses and networks, and the fast reading of simple patterns.
@Suite("Addresses and simple patterns")
struct AddressAndScannerTests {
    @Test(
        "IP addresses and networks read as RFC 791 and RFC 4291 write them",
        arguments: [
            ("10.0.0.5", "10.0.0.5"), ("10.0.0.0/8", "10.0.0.0/8"), ("::", "0:0:0:0:0:0:0:0"), ("::1", "0:0:0:0:0:0:0:1"),
            ("1::", "1:0:0:0:0:0:0:0"), ("2001:db8::1", "2001:db8:0:0:0:0:0:1"), ("2001:DB8:0:0:8:800:200C:417A", "2001:db8:0:0:8:800:200c:417a"),
            ("::ffff:1.2.3.4", "0:0:0:0:0:ffff:102:304"), ("2001:db8::/32", "2001:db8:0:0:0:0:0:0/32"),
            ("256.0.0.1", nil), ("1.2.3", nil), ("1.2.3.4.5", nil), ("01234.1.1.1", nil), ("10.0.0.0/0", nil), ("10.0.0.0/33", nil),
            ("1:2:3:4:5:6:7:8:9", nil), ("1::2::3", nil), (":1::", nil), ("1:", nil), ("12345::", nil), ("evil.exe", nil), ("", nil),
        ] as [(String, String?)])
    func addresses(_ text: String, _ expected: String?) {
        #expect(IPNetwork(text)?.description == expected)
    }

    @Test("the scanner reads what the parser reads, or leaves the pattern to it")
    func scannerAgreesWithParser() throws {
        var patterns = PatternConformanceTests.cases.map(\.pattern)
        patterns += IndicatorSetTests.patterns
        patterns += [
            "[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']",
            "[ipv4-addr:value = '198.51.100.7' OR ipv4-addr:value = '10.0.0.1/8']", "[ipv4-addr:value='1.2.3.4'OR ipv4-addr:value ='5.6.7.8']",
            "[url:value == 'http://x/']", "[file:name = 'a' OR mutex:name = 'b']", "[file:hashes.MD5 = 'abc']", "[file:name = 'it\\'s']",
            "[ipv4-addr:value = 'x']", " [domain-name:value = 'évil.example'] ", "[domain-name:value = 'a']]", "[domain-name:value = 'a' OR]",
        ]
        var scanned = 0
        for pattern in patterns {
            guard let values = SimplePatternScanner.values(pattern) else { continue }
            scanned += 1
            let parsed = try STIXPattern(pattern)
            #expect(IndicatorSet.simpleValues(parsed) == values, "\(pattern)")
        }
        #expect(scanned >= 30)
    }
}

extension SimplePatternScanner {
    /// The pattern's values as `IndicatorSet.simpleValues` gives them, or nil.
    static func values(_ text: String) -> [IndicatorSet.SimpleValue]? {
        var text = text
        return text.withUTF8 { bytes in
            var ranges: [Range<Int>] = []
            guard let (kind, role) = scan(bytes, values: &ranges) else { return nil }
            return ranges.map { IndicatorSet.SimpleValue(kind: kind, value: String(decoding: bytes[$0], as: UTF8.self), role: role) }
        }
    }
}
