import EVTX
import Foundation
import Hunt
import TestSupport
import Testing

/// A real log (`deepbluecli/smb-password-guessing-security.evtx`, 3,561 records) damaged in
/// the ways disks, copies and attackers damage logs. The expected counts are worked out from
/// the intact file's layout, walked here independently of the parser: every record that the
/// damage does not touch must still come out, and what is lost must be reported.
@Suite("EVTX damaged files", .enabled(if: SharedData.isUsable, SharedData.skipReason))
struct DamagedFileTests {
    static let chunkSize = 65536
    static let headerSize = 4096

    /// Where one record lies in the intact file.
    struct Span {
        let chunk: Int
        let start: Int
        let end: Int
    }

    static func original() throws -> [UInt8] {
        try SharedData.bytes("evtx/deepbluecli/smb-password-guessing-security.evtx")
    }

    static func u32(_ bytes: [UInt8], _ offset: Int) -> Int {
        (0..<4).reduce(0) { $0 | Int(bytes[offset + $1]) << (8 * $1) }
    }

    /// The records of every chunk, found by their `**\0\0` magic and size, up to each chunk's
    /// free-space offset.
    static func spans(_ bytes: [UInt8]) -> [Span] {
        var result: [Span] = []
        var chunk = 0
        while headerSize + (chunk + 1) * chunkSize <= bytes.count {
            let base = headerSize + chunk * chunkSize
            guard bytes[base..<(base + 8)].elementsEqual("ElfChnk\0".utf8) else { break }
            let free = u32(bytes, base + 48)
            var offset = 512
            while offset + 24 <= free, bytes[(base + offset)..<(base + offset + 4)].elementsEqual([0x2A, 0x2A, 0, 0]) {
                let size = u32(bytes, base + offset + 4)
                result.append(Span(chunk: chunk, start: base + offset, end: base + offset + size))
                offset += size
            }
            chunk += 1
        }
        return result
    }

    static func read(_ bytes: [UInt8], threads: Int = 2, carve: Bool = false) throws -> EVTXFileSummary {
        var summary: EVTXFileSummary?
        try RecordDump(format: .jsonl, options: .init(threads: threads, carve: carve)).run([MemoryByteStream(bytes, path: "damaged.evtx")]) { _ in
        } finished: { summary = $0 }
        return try #require(summary)
    }

    @Test("the intact file: every record, no complaint")
    func intact() throws {
        let bytes = try Self.original()
        let spans = Self.spans(bytes)
        #expect(spans.count == 3561)
        let summary = try Self.read(bytes)
        #expect(summary.records == spans.count)
        #expect(summary.skipped.isEmpty && summary.warnings.isEmpty, "\(summary.skipped) \(summary.warnings)")
    }

    @Test("a copy cut short keeps every record before the cut and reports the one it cuts")
    func truncated() throws {
        let bytes = try Self.original()
        let spans = Self.spans(bytes)
        let cut = Self.headerSize + 2 * Self.chunkSize + 30000
        let summary = try Self.read(Array(bytes[..<cut]))
        let whole = spans.filter { $0.end <= cut }.count
        let straddling = spans.filter { $0.start < cut && $0.end > cut }.count
        #expect(whole > 200)
        #expect(summary.records == whole)
        #expect(summary.skipped.count == straddling, "\(summary.skipped)")
    }

    @Test("a chunk wiped with zeros loses its records only, and is reported")
    func zeroedChunk() throws {
        var bytes = try Self.original()
        let spans = Self.spans(bytes)
        let base = Self.headerSize + Self.chunkSize
        for index in base..<(base + Self.chunkSize) { bytes[index] = 0 }
        let summary = try Self.read(bytes)
        #expect(summary.records == spans.filter { $0.chunk != 1 }.count)
        #expect(summary.skipped.count == 1)
        #expect(summary.skipped.first?.description.contains("chunk 1") ?? false, "\(summary.skipped)")
    }

    @Test("flipped bits inside a record's timestamp: all records, and a checksum warning")
    func flippedBits() throws {
        var bytes = try Self.original()
        let spans = Self.spans(bytes)
        for span in spans.filter({ $0.chunk == 1 }).prefix(4) { bytes[span.start + 16] ^= 0x01 }
        let summary = try Self.read(bytes)
        #expect(summary.records == spans.count)
        #expect(summary.skipped.isEmpty)
        #expect(summary.warnings.count == 1, "\(summary.warnings)")
        #expect(summary.warnings.first?.description.lowercased().contains("checksum") ?? false, "\(summary.warnings)")
    }

    @Test("a record whose size points past its chunk ends the chunk's list: the records after it are recovered with --carve")
    func sizePastChunk() throws {
        var bytes = try Self.original()
        let spans = Self.spans(bytes)
        let victim = spans[2]
        bytes.replaceSubrange((victim.start + 4)..<(victim.start + 8), with: [0, 0, 2, 0])
        let after = spans.dropFirst(3).filter { $0.chunk == victim.chunk }.count
        #expect(after > 50)
        let summary = try Self.read(bytes)
        #expect(summary.records == spans.count - 1 - after)
        #expect(summary.skipped.count == 1, "\(summary.skipped)")
        #expect(summary.warnings.contains { $0.description.contains("\(after) record(s) after the corrupt record") }, "\(summary.warnings)")
        let carved = try Self.read(bytes, carve: true)
        #expect(carved.records == spans.count - 1 - after)
        #expect(carved.recovered == after)
    }

    @Test("random bytes are refused as not EVTX")
    func randomBytes() throws {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<200_000).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let summary = try Self.read(bytes)
        #expect(summary.records == 0)
        #expect(summary.failure != nil)
    }

    @Test("a valid header followed by garbage: no records, each counted chunk reported")
    func headerThenRandom() throws {
        var bytes = Array(try Self.original()[..<Self.headerSize])
        var generator = SystemRandomNumberGenerator()
        bytes += (0..<(3 * Self.chunkSize)).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let summary = try Self.read(bytes)
        #expect(summary.records == 0)
        #expect(summary.failure == nil)
        #expect(summary.skipped.count == 3, "\(summary.skipped)")
    }

    @Test("a dirty header that counts too few chunks: the chunks after it are still read")
    func dirtyHeader() throws {
        var bytes = try Self.original()
        let spans = Self.spans(bytes)
        bytes[42] = 10; bytes[43] = 0  // chunk count
        let summary = try Self.read(bytes)
        #expect(summary.records == spans.count)
        #expect(summary.skipped.isEmpty)
    }

    @Test("a file header checksum mismatch is a warning, not a loss")
    func headerChecksum() throws {
        var bytes = try Self.original()
        bytes[124] ^= 0xFF
        let summary = try Self.read(bytes)
        #expect(summary.records == Self.spans(bytes).count)
        #expect(summary.warnings.count == 1, "\(summary.warnings)")
    }

    @Test("one thread and four threads read the same records in the same order")
    func threadCountsAgree() throws {
        let bytes = try Self.original()
        func lines(_ threads: Int) throws -> [UInt8] {
            var output: [UInt8] = []
            try RecordDump(format: .jsonl, options: .init(threads: threads)).run([MemoryByteStream(bytes, path: "x.evtx")]) { output += $0 } finished: { _ in }
            return output
        }
        #expect(try lines(1) == lines(4))
    }

    @Test("a gzip-compressed log reads as the log itself")
    func gzip() throws {
        let folder = try TemporaryFolder()
        let plain = folder.path("smb.evtx")
        try Data(try Self.original()).write(to: URL(fileURLWithPath: plain))
        let zipped = try runProcess("/bin/gzip", ["-k", plain])
        try #require(zipped.status == 0, "\(zipped.stderr)")
        let file = try EvidenceFile(path: plain + ".gz")
        #expect(file.compressed && file.format == .evtx)
        var summary: EVTXFileSummary?
        try RecordDump(format: .jsonl, options: .init(threads: 2)).run([file.stream]) { _ in } finished: { summary = $0 }
        #expect(summary?.records == 3561)
    }
}
