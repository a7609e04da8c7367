import Foundation
import TestSupport
import Testing

/// `vigil hunt` and `vigil rules lint` through the binary, against golden files.
@Suite("vigil hunt and rules (golden output)")
struct HuntCommandTests {
    /// Removes timings and rates, which change from run to run.
    static func stable(_ text: String) -> String {
        var text = text.replacingOccurrences(of: #"in \d+\.\d\d s"#, with: "in <t> s", options: .regularExpression)
        text = text.replacingOccurrences(of: #"\([\d,]+ events/s\)"#, with: "(<rate> events/s)", options: .regularExpression)
        if let root = SharedData.root?.path { text = text.replacingOccurrences(of: root, with: "$DATA") }
        return text
    }

    @Test("rules lint lists every rule that does not load, with file:line and reason, and exits 1")
    func lint() throws {
        let vigil = try VigilRun()
        let result = try vigil(["rules", "lint", Fixtures.url("rules").path], database: false)
        #expect(result.status == 1)
        try expectGolden(Self.stable(result.stdout + result.stderr), "rules-lint.txt")
    }

    @Test("hunt writes each finding in every format, and a summary on standard error")
    func formats() throws {
        let vigil = try VigilRun()
        let rules = Fixtures.url("rules/rundll32-public.yml").path
        let evidence = Fixtures.url("evidence").path
        for format in ["table", "csv", "jsonl", "timesketch"] {
            let result = try vigil(["hunt", evidence, "--rules", rules, "--format", format], database: false)
            #expect(result.status == 0, "\(result.stderr)")
            try expectGolden(result.stdout, "hunt-fixtures.\(format == "table" ? "txt" : format)")
            if format == "table" { try expectGolden(Self.stable(result.stderr), "hunt-fixtures-summary.txt") }
        }
        // A rule folder with broken rules: they are summarised and the good rule still runs.
        let mixed = try vigil(["hunt", evidence, "--rules", Fixtures.url("rules").path, "--format", "csv"], database: false)
        #expect(mixed.status == 0)
        #expect(mixed.stdout.split(separator: "\n").count == 2)
        #expect(mixed.stderr.contains("4 not loaded"))
    }

    @Test("hunt over shared EVTX samples with SigmaHQ's process creation rules", .enabled(if: SharedData.isUsable, SharedData.skipReason))
    func sharedSamples() throws {
        let vigil = try VigilRun()
        let result = try vigil(
            [
                "hunt", try SharedData.file("evtx/evtx-attack-samples/Execution").path, "--rules",
                try SharedData.file("sigma/rules/windows/process_creation").path, "--format", "csv", "--min-level", "high",
            ], database: false)
        #expect(result.status == 0, "\(result.stderr)")
        try expectGolden(Self.stable(result.stdout), "hunt-execution-high.csv")
    }
}
