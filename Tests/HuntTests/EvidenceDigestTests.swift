import Foundation
import TestSupport
import Testing

@testable import Hunt

/// Findings name their evidence file's SHA-256 whether the file is hashed on a thread of its
/// own (a regular file, so findings are written as found) or as the hunt reads it (a pipe,
/// which cannot be read twice).
@Suite("Evidence digests", .enabled(if: SharedData.isUsable, SharedData.skipReason))
struct EvidenceDigestTests {
    /// The SHA-256 that coreutils computes, as an independent reference.
    static func referenceDigest(_ path: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["sha256sum", path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: output, as: UTF8.self).split(separator: " ").first.map(String.init) ?? ""
    }

    /// SigmaHQ's rules for the Security log.
    static func securityRules() throws -> LoadedRuleSet {
        RuleSetLoader.load(files: RuleSetLoader.ruleFiles([try SharedData.file("sigma/rules/windows/builtin/security").path]).files)
    }

    @Test("digest of a regular file, of a missing one, and of a pipe (not read twice)")
    func digests() throws {
        let file = try SharedData.file("evtx/deepbluecli/password-spray.evtx").path
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-digest-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let pipe = folder.appendingPathComponent("pipe").path
        #expect(mkfifo(pipe, 0o600) == 0)
        let digests = EvidenceDigests(paths: [file, folder.appendingPathComponent("missing").path, pipe], order: [0, 1, 2])
        #expect(digests.separate == [true, false, false])
        #expect(digests.wait(0) == .sha256(try EvidenceDigestTests.referenceDigest(file)))
        #expect(digests.wait(2) == nil)
        let missing = EvidenceDigests.sha256(of: folder.appendingPathComponent("missing").path)
        #expect(missing.text == "")
        #expect(missing.error?.contains("No such file") == true, "\(missing)")
    }

    @Test("findings carry the evidence SHA-256, from a file and from a pipe")
    func findingsCarryDigest() throws {
        let rules = try Self.securityRules()
        let file = try SharedData.file("evtx/deepbluecli/password-spray.evtx").path
        let expected = try EvidenceDigestTests.referenceDigest(file)

        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-digest-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let pipe = folder.appendingPathComponent("pipe.evtx").path
        #expect(mkfifo(pipe, 0o600) == 0)
        let bytes = try SharedData.bytes("evtx/deepbluecli/password-spray.evtx")
        let writer = Thread {
            let descriptor = open(pipe, O_WRONLY)
            guard descriptor >= 0 else { return }
            bytes.withUnsafeBytes { buffer in
                var offset = 0
                while offset < buffer.count {
                    let written = write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                    if written <= 0 { break }
                    offset += written
                }
            }
            close(descriptor)
        }
        writer.start()

        var findings: [Finding] = []
        let sources = [HuntRunner.Source(path: file, format: .evtx), HuntRunner.Source(path: pipe, format: .evtx)]
        let summary = try HuntRunner(rules: rules, options: HuntOptions(threads: 2)).run(sources) { findings.append($0) }
        let fromFile = findings.filter { $0.evidence == file }
        let fromPipe = findings.filter { $0.evidence == pipe }
        #expect(!fromFile.isEmpty)
        #expect(fromPipe.count == fromFile.count)
        #expect(findings.allSatisfy { $0.evidenceSHA256 == expected })
        #expect(summary.files.map(\.sha256) == [expected, expected])
        // File order is kept: every finding of the file comes before any of the pipe.
        #expect(findings.prefix(fromFile.count).allSatisfy { $0.evidence == file })
    }

    @Test("a file whose SHA-256 cannot be computed is an error on that file in the summary; its findings and the rest go on")
    func hashingFailure() throws {
        let rules = try Self.securityRules()
        let spray = try SharedData.file("evtx/deepbluecli/password-spray.evtx").path
        let other = try SharedData.file("evtx/deepbluecli/smb-password-guessing-security.evtx").path
        let runner = HuntRunner(rules: rules, options: HuntOptions(threads: 2))
        // The digest of the first file fails as a disk error would make it fail.
        runner.hash = { path in path == spray ? .unavailable(reason: "SHA-256 not computed: read error") : EvidenceDigests.sha256(of: path) }
        var findings: [Finding] = []
        let summary = try runner.run([HuntRunner.Source(path: spray, format: .evtx), HuntRunner.Source(path: other, format: .evtx)]) {
            findings.append($0)
        }
        #expect(summary.files.map(\.digest?.error) == ["SHA-256 not computed: read error", nil])
        #expect(summary.files[0].sha256 == nil)
        #expect(summary.files[1].sha256 == (try EvidenceDigestTests.referenceDigest(other)))
        #expect(findings.contains { $0.evidence == spray && $0.evidenceSHA256.isEmpty })
        #expect(findings.contains { $0.evidence == other && !$0.evidenceSHA256.isEmpty })
    }
}
