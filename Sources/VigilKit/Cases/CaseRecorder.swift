import Foundation
import Hunt
import IntelStore

extension CaseFinding {
    /// A hunt's finding as the case stores it.
    public init(_ finding: Finding) {
        var fields: [String: String] = [:]
        for (name, value) in finding.fields { fields[name] = value }
        self.init(
            timestamp: finding.time?.description, computer: finding.computer, channel: finding.channel, eventID: finding.eventID,
            recordID: finding.recordID.map { Int64(clamping: $0) }, ruleID: finding.ruleID, ruleTitle: finding.ruleTitle,
            level: finding.level?.rawValue, techniques: finding.techniques, tactics: finding.tactics, software: finding.software,
            fields: fields, evidence: finding.evidence, evidenceSHA256: finding.evidenceSHA256)
    }
}

/// Putting a hunt's results into a case.
public enum CaseRecorder {
    /// The current time as RFC 3339 UTC with milliseconds.
    public static func now() -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: Date())
    }

    /// Who is acting on this machine: `$VIGIL_ANALYST`, else `$USER`, else "analyst".
    public static var analyst: String {
        let environment = ProcessInfo.processInfo.environment
        return [environment["VIGIL_ANALYST"], environment["USER"]].compactMap { $0 }.first { !$0.isEmpty } ?? "analyst"
    }

    /// Stores the hunted files (with hash and size) and the findings in the case; a file that
    /// could not be hashed or read whole is stored with the reason, never left out.
    public static func record(_ summary: HuntSummary, findings: [Finding], inCase name: String, store: any CaseStore) async throws(VigilError) {
        let added = now()
        let files = summary.files.map { file -> CaseEvidenceFile in
            let path = URL(fileURLWithPath: file.path).standardizedFileURL.path
            let size = (try? FileManager.default.attributesOfItem(atPath: file.path)[.size] as? NSNumber)?.int64Value ?? 0
            return CaseEvidenceFile(path: path, sha256: file.sha256 ?? "", size: size, added: added, error: file.error)
        }
        try await VigilError.wrapping {
            try await store.addToCase(name, evidence: files, findings: findings.map(CaseFinding.init))
        }
    }
}
