import Hunt
import Sigma

/// A hunt over selected evidence with loaded rules: what `vigil hunt`, `vigil investigate` and
/// a server's hunt share.
///
/// Findings go to `onFinding` as they are found, in file and record order; `progress` gets
/// the live counters. Nothing is printed and nothing outlives the call but what it returns.
public struct HuntSession {
    public var evidence: EvidenceSelection
    public var rules: LoadedRuleSet
    public var options: HuntOptions

    public init(evidence: EvidenceSelection, rules: LoadedRuleSet, options: HuntOptions) {
        self.evidence = evidence
        self.rules = rules
        self.options = options
    }

    /// What a hunt read and found.
    public struct Outcome: Sendable {
        public var summary: HuntSummary
        /// Paths refused before the hunt (missing, unreadable, not evidence), with the reason.
        public var refused: [String]
        /// Files that could not be read whole or hashed, with the reason.
        public var fileErrors: [String] {
            summary.files.compactMap { file in file.failure ?? file.digest?.error.map { "\(file.path): \($0)" } }
        }
        /// Whether anything given could not be used (the CLI's status 2).
        public var hasErrors: Bool { !refused.isEmpty || !fileErrors.isEmpty }
    }

    public func run(onFinding: (Finding) throws -> Void, progress: ((HuntProgress) -> Void)? = nil) throws -> Outcome {
        let runner = HuntRunner(rules: rules, options: options)
        let summary = try runner.run(evidence.sources.map { HuntRunner.Source(path: $0.path, format: $0.format) }, output: onFinding, progress: progress)
        return Outcome(summary: summary, refused: evidence.refused)
    }

    /// Runs the hunt and returns its findings too.
    public func collect(progress: ((HuntProgress) -> Void)? = nil) throws -> (outcome: Outcome, findings: [Finding]) {
        var findings: [Finding] = []
        let outcome = try run(onFinding: { findings.append($0) }, progress: progress)
        return (outcome, findings)
    }
}

extension HuntSummary.FileResult {
    /// Why the file was not read whole or not hashed; nil when it was both.
    public var error: String? { failure ?? digest?.error }
}
