import Attribution
import Foundation
import Hunt
import IntelStore
import Reports
import STIX
import Sigma

/// The main job: hunt the evidence into a case (new, or one that exists), attribute it, and
/// render the timeline and the reports. When ATT&CK or the rules are not installed it installs
/// them from the official sources first (or says what to run).
public struct Investigation {
    public var location: StoreLocation
    public var store: any VigilStore
    public var evidence: [String]
    public var rules: RuleSelection
    /// The case; nil: `case-<date>-<time>`.
    public var caseName: String?
    /// The TLP of a new case.
    public var tlp: TLPLevel
    /// Who was hit (countries, sectors), for attribution.
    public var victim: Victim
    public var hunt: HuntOptions
    /// Whether the store's indicators are matched (when `hunt` brings none), with the
    /// warninglists in the folder beside the database.
    public var matchIndicators = true

    public init(
        location: StoreLocation, store: any VigilStore, evidence: [String], rules: RuleSelection, caseName: String? = nil,
        tlp: TLPLevel = .amber, victim: Victim = .none, hunt: HuntOptions = HuntOptions()
    ) {
        self.location = location
        self.store = store
        self.evidence = evidence
        self.rules = rules
        self.caseName = caseName
        self.tlp = tlp
        self.victim = victim
        self.hunt = hunt
    }

    /// What an investigation did and the files it rendered.
    public struct Result: Sendable {
        public var caseName: String
        public var hunt: HuntSession.Outcome
        /// Rules loaded, and those that were not.
        public var rulesLoaded: Int
        public var ruleProblems: Int
        public var attribution: CaseAttribution
        /// File name and text: timeline.csv, timeline.jsonl, attribution.txt, attribution.stix.json,
        /// report.html, report.md.
        public var outputs: [(name: String, text: String)]
    }

    public func run(progress: @escaping ProgressHandler = { _ in }) async throws(VigilError) -> Result {
        try await ensureInstalled(progress: progress)
        let name = caseName ?? "case-" + String(CaseRecorder.now().prefix(19)).replacingOccurrences(of: ":", with: "").replacingOccurrences(of: "T", with: "-")
        try await VigilError.wrapping {
            if try await store.caseInfo(named: name) == nil {
                try await store.createCase(CaseInfo(name: name, created: CaseRecorder.now(), tlp: tlp, description: "created by vigil investigate"))
            }
        }
        let loaded = try rules.load(installed: location.installedRules)
        var options = hunt
        if options.indicators == nil && matchIndicators {
            let indicators = try await HuntIndicators.load(from: store, warninglists: location.installedWarninglists)
            if indicators.matcher.indicators.count > 0 { options.indicators = indicators.matcher }
        }
        let session = HuntSession(evidence: EvidenceSelection(paths: evidence), rules: loaded, options: options)
        let (outcome, findings): (HuntSession.Outcome, [Finding])
        do {
            (outcome, findings) = try session.collect()
        } catch {
            throw .report("the hunt stopped: \(error)")
        }
        try await CaseRecorder.record(outcome.summary, findings: findings, inCase: name, store: store)
        let drafted = try await CaseReporting.draft(case: name, store: store, victim: victim)
        let attribution = drafted.attribution
        // The timeline files carry every field; the report read only indicators' fields.
        let caseFindings = try await VigilError.wrapping { try await store.findings(ofCase: name) }
        let outputs: [(String, String)]
        do {
            outputs = [
                ("timeline.csv", TimelineFormat.csv.render(caseFindings)),
                ("timeline.jsonl", TimelineFormat.jsonl.render(caseFindings)),
                ("attribution.txt", try attribution.render(.text, top: 10, explain: true)),
                ("attribution.stix.json", try attribution.render(.stix, top: 3, explain: false)),
                ("report.html", ReportHTML.render(drafted.report)),
                ("report.md", ReportMarkdown.render(drafted.report)),
            ]
        } catch {
            throw .report("the STIX report of case \(name) could not be built: \(error)")
        }
        return Result(
            caseName: name, hunt: outcome, rulesLoaded: loaded.engine.rules.count, ruleProblems: loaded.problems.count,
            attribution: attribution, outputs: outputs)
    }

    /// Makes sure ATT&CK and rules are installed: updates from the official sources when they
    /// are missing, or says what to run.
    func ensureInstalled(progress: @escaping ProgressHandler) async throws(VigilError) {
        let groups = try await VigilError.wrapping { try await store.statistics().objectsByType["intrusion-set"] ?? 0 }
        let rulesMissing = rules.paths.isEmpty && location.installedRules == nil
        guard groups == 0 || rulesMissing else { return }
        progress(.note("ATT&CK or Sigma rules are not installed; trying `vigil update` from the official sources"))
        do {
            try await Updater(location: location, store: store, progress: progress).update(from: nil, allReleases: false)
        } catch {
            throw .update("\(error.description)\nnothing to attribute with: run `vigil update --from DIR` with an offline mirror (DIR/attack/enterprise-attack*.json, DIR/sigma/rules*), or give --rules and import ATT&CK with `vigil intel import`")
        }
    }
}
