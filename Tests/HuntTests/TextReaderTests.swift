import EventLog
import Foundation
import Hunt
import TestSupport
import Testing

/// Reads text evidence as `vigil` does: sniffed, framed in blocks, headers in order, records
/// on worker threads.
func readText(_ bytes: [UInt8], path: String = "evidence", blockSize: Int = 1 << 20, threads: Int = 2) throws -> (events: [Event], summary: TextFileSummary) {
    let format = try #require(TextFormat.sniff(bytes), "\(path): format not recognised")
    return try readText(TextStreamReader.Source(stream: MemoryByteStream(bytes, path: path), format: format), blockSize: blockSize, threads: threads)
}

/// Reads one source to the end, collecting its events in order.
func readText(_ source: TextStreamReader.Source, blockSize: Int = 1 << 20, threads: Int = 2) throws -> (events: [Event], summary: TextFileSummary) {
    var events: [Event] = []
    var summary: TextFileSummary?
    try TextStreamReader(options: .init(threads: threads, blockSize: blockSize)).read([source]) { batch, _ in
        var found: [Event] = []
        let outcome = batch.read { event, _ in found.append(event) }
        return (found, outcome.records, outcome.skipped)
    } deliver: { _, found in
        events += found
    } finish: { _, finished in
        summary = finished
    }
    return (events, try #require(summary))
}

extension Event {
    /// A field's text, for expectations.
    func text(_ name: String) -> String? { value(FieldName(name))?.text }
}

@Suite("Text evidence readers")
struct TextReaderTests {
    @Test("Winlogbeat/ECS: Image and CommandLine for Sysmon 1, Security 4688 and ECS-only events")
    func winlogbeat() throws {
        let (events, summary) = try readText(try Fixtures.bytes("evidence/winlogbeat-process.jsonl"))
        #expect(summary.skipped.isEmpty, "\(summary.skipped)")
        try #require(events.count == 3)
        #expect(events.allSatisfy { $0.origin.format == "winlogbeat" })
        // Sysmon: event_data wins over the ECS copy.
        #expect(events[0].text("Image") == #"C:\Windows\System32\rundll32.exe"#)
        #expect(events[0].text("CommandLine") == #"rundll32.exe C:\Users\Public\hh.dll,Start"#)
        #expect(events[0].text("ParentImage") == #"C:\Windows\explorer.exe"#)
        #expect(events[0].text("EventID") == "1")
        #expect(events[0].text("Channel") == "Microsoft-Windows-Sysmon/Operational")
        #expect(events[0].text("Computer") == "ws-0142.mfa.example")
        #expect(events[0].time?.description == "2024-03-12T09:15:02.4170000Z")
        // Security 4688: NewProcessName is also Image.
        #expect(events[1].text("Image") == #"C:\Windows\System32\cmd.exe"#)
        #expect(events[1].text("NewProcessName") == #"C:\Windows\System32\cmd.exe"#)
        #expect(events[1].text("CommandLine") == "cmd.exe /c whoami /all")
        #expect(events[1].text("ParentImage") == #"C:\Windows\System32\rundll32.exe"#)
        // ECS only.
        #expect(events[2].text("Image") == #"C:\Windows\System32\nltest.exe"#)
        #expect(events[2].text("CommandLine") == "nltest /domain_trusts")
        #expect(events[2].text("ParentCommandLine") == "cmd.exe /c whoami /all")
        #expect(events[2].text("host.name") == "ws-0142.mfa.example")
    }

    @Test("Zeek TSV: typed values, sets, unset and empty fields, escapes, several logs in one file")
    func zeekTSV() throws {
        let (events, summary) = try readText(try Fixtures.bytes("evidence/conn.log"))
        #expect(summary.format == .zeekTSV)
        #expect(summary.skipped.isEmpty, "\(summary.skipped)")
        try #require(events.count == 4)
        let first = events[0]
        #expect(first.origin.position == 9)
        #expect(first.text("_path") == "conn")
        #expect(first.value("id.orig_h") == .string("10.20.4.17"))
        #expect(first.value("id.resp_p") == .integer(443))
        #expect(first.value("duration") == .double(61.20331))
        #expect(first.value("local_orig") == .bool(true))
        #expect(first.value("tunnel_parents") == .list([]))
        #expect(first.time?.description == "2024-03-12T09:15:02.4173010Z")
        #expect(events[1].value("tunnel_parents") == nil)
        #expect(events[2].value("service") == nil)
        #expect(events[2].value("tunnel_parents") == .list([.string("CHhAvVGS1DHFjwGM9"), .string("C4J4Th3PJpwUYZZ6gc")]))
        let dns = events[3]
        #expect(dns.text("_path") == "dns")
        #expect(dns.text("query") == "update\tcheck.example")
        #expect(dns.value("answers") == .list([.string("185.225.17.42"), .string("185.225.17.43")]))
        #expect(dns.value("TTLs") == .list([.double(300), .double(300)]))
        #expect(dns.value("rejected") == .bool(false))
    }

    @Test("Zeek TSV: a record with the wrong number of values is skipped with its line")
    func zeekTSVBadRow() throws {
        var text = try Fixtures.text("evidence/conn.log")
        text = text.replacingOccurrences(of: "\tDd\t-\n", with: "\tDd\n")
        let (events, summary) = try readText(Array(text.utf8))
        #expect(events.count == 3)
        #expect(summary.skipped.map(\.line) == [10])
    }

    @Test("CSV: delimiter from the header, quotes, a line break in a field, ragged rows, times")
    func csv() throws {
        let (events, summary) = try readText(try Fixtures.bytes("evidence/process.csv"))
        #expect(summary.format == .csv)
        #expect(summary.skipped.isEmpty, "\(summary.skipped)")
        try #require(events.count == 3)
        #expect(events[0].text("CommandLine") == #"rundll32.exe "C:\Users\Public\hh.dll",Start"#)
        #expect(events[0].text("Notes") == "two\r\nlines; with a semicolon")
        #expect(events[0].time?.description == "2024-03-12T09:15:02.4170000Z")
        #expect(events[1].origin.position == 4)
        #expect(events[1].time?.description == "2024-03-12T09:16:40.0000000Z")
        #expect(events[2].text("Image") == "")
        #expect(events[2].text("Notes") == "extra")
        #expect(events[2].text("column7") == "value")
    }

    @Test("audit log: pairs, the stamp's time and serial, nested msg pairs")
    func auditd() throws {
        let (events, summary) = try readText(try Fixtures.bytes("evidence/audit.log"))
        #expect(summary.format == .auditd)
        #expect(summary.skipped.isEmpty)
        try #require(events.count == 3)
        #expect(events[0].text("type") == "SYSCALL")
        #expect(events[0].text("exe") == "/usr/bin/crontab")
        #expect(events[0].text("serial") == "5511")
        #expect(events[0].time?.description == "2024-03-12T09:15:02.4170000Z")
        #expect(events[1].text("a2") == "root")
        #expect(events[2].text("exe") == "/usr/bin/sudo")
        #expect(events[2].text("cmd") == "636174202F6574632F736861646F77")
        #expect(events[2].text("pid") == "2301")
    }

    @Test("broken JSON lines cost one line each and are reported with their line")
    func brokenJSONLines() throws {
        let text = "{\"EventID\":1,\"Image\":\"a.exe\"}\n{\"EventID\":\n[1,2]\n{\"EventID\":3}\n"
        let (events, summary) = try readText(Array(text.utf8))
        #expect(events.map { $0.text("EventID") } == ["1", "3"])
        #expect(summary.skipped.map(\.line) == [2, 3])
    }

    @Test("a JSON list spread over lines reads like JSON lines")
    func jsonList() throws {
        let text = "[\n  {\"EventID\": 4688, \"NewProcessName\": \"C:\\\\x.exe\", \"Channel\": \"Security\"},\n  {\"EventID\": 1}\n]\n"
        let (events, summary) = try readText(Array(text.utf8))
        #expect(summary.skipped.isEmpty)
        #expect(events.count == 2)
        #expect(events[0].text("Image") == #"C:\x.exe"#)
        #expect(events[1].origin.position == 3)
    }

    @Test("reading in tiny blocks on one thread gives what large blocks on two give")
    func blockSizes() throws {
        for fixture in ["evidence/winlogbeat-process.jsonl", "evidence/conn.log", "evidence/process.csv", "evidence/audit.log"] {
            let bytes = try Fixtures.bytes(fixture)
            let large = try readText(bytes)
            let small = try readText(bytes, blockSize: 7, threads: 1)
            #expect(large.events == small.events, "\(fixture)")
        }
    }

    @Test("gzip-compressed text evidence is sniffed and read through the decompression")
    func gzipText() throws {
        let folder = try TemporaryFolder()
        let plain = folder.path("conn.log")
        try Data(try Fixtures.bytes("evidence/conn.log")).write(to: URL(fileURLWithPath: plain))
        let zipped = try runProcess("/bin/gzip", [plain])
        try #require(zipped.status == 0, "\(zipped.stderr)")
        let file = try EvidenceFile(path: plain + ".gz")
        #expect(file.compressed)
        #expect(file.format == .text(.zeekTSV))
        let (events, summary) = try readText(TextStreamReader.Source(stream: EvidenceFile.deferredStream(path: plain + ".gz"), format: .zeekTSV))
        #expect(summary.skipped.isEmpty)
        #expect(events == (try readText(try Fixtures.bytes("evidence/conn.log"))).events)
    }
}
