import EVTX
import EventLog
import Foundation
import Indicators
import Sigma

/// What a hunt is asked to do besides matching: which findings to keep, which events to look
/// at, how to read them.
public struct HuntOptions: Sendable {
    public var threads: Int
    /// Findings below this level are not reported.
    public var minimumLevel: SigmaLevel?
    /// Events before `from` or after `to` are not matched.
    public var from: EventTime?
    public var to: EventTime?
    public var fieldMappings: FieldMappings
    /// Indicators matched alongside the rules; nil matches none.
    public var indicators: EventIndicatorMatcher?
    /// Whether hits on warninglisted values are reported (as informational findings saying
    /// which list holds the value) rather than only counted.
    public var showSuppressed: Bool

    public init(
        threads: Int = 1, minimumLevel: SigmaLevel? = nil, from: EventTime? = nil, to: EventTime? = nil, fieldMappings: FieldMappings = .standard,
        indicators: EventIndicatorMatcher? = nil, showSuppressed: Bool = false
    ) {
        self.threads = max(1, threads)
        self.minimumLevel = minimumLevel
        self.from = from
        self.to = to
        self.fieldMappings = fieldMappings
        self.indicators = indicators
        self.showSuppressed = showSuppressed
    }
}

/// What a hunt read and found.
public struct HuntSummary: Sendable {
    public struct FileResult: Sendable {
        public var path: String
        public var format: String
        public var events = 0
        public var skipped: [String] = []
        public var failure: String?
        /// The file's SHA-256, or why there is none; nil until the file is read.
        public var digest: EvidenceDigest?
        /// The SHA-256 (lower-case hex) when it was computed.
        public var sha256: String? { digest.flatMap { $0.error == nil ? $0.text : nil } }
    }

    public var files: [FileResult] = []
    public var events = 0
    /// Events left out by `--from`/`--to`.
    public var outsideTimeRange = 0
    public var findings = 0
    public var byLevel: [String: Int] = [:]
    public var byRule: [String: Int] = [:]
    public var byTactic: [String: Int] = [:]
    /// Indicator findings reported, and hits left out because a warninglist holds the value
    /// (reported with `showSuppressed`).
    public var indicatorHits = 0
    public var suppressedHits = 0
    public var seconds = 0.0
}

/// The live counters of a hunt, for a progress line.
public struct HuntProgress: Sendable {
    public var filesDone: Int
    public var files: Int
    public var events: Int
    public var findings: Int
    public var seconds: Double
}

/// Runs compiled rules over evidence: EVTX chunks and text batches are read into events on
/// worker threads, each worker matching its events with its own `EventContext`; findings are
/// handed out in file and record order as soon as their file's SHA-256 is known (computed on
/// a thread of its own, ahead of the hunt: see `EvidenceDigests`), so they do not pile up in
/// memory; correlation alerts come last.
public final class HuntRunner {
    public let rules: LoadedRuleSet
    public let options: HuntOptions
    /// Computes a file's SHA-256 (replaced in tests to make it fail).
    var hash: @Sendable (String) -> EvidenceDigest = EvidenceDigests.sha256(of:)

    public init(rules: LoadedRuleSet, options: HuntOptions) {
        self.rules = rules
        self.options = options
    }

    /// An evidence file to hunt in, and its format.
    public struct Source {
        public let path: String
        public let format: EvidenceFile.Format

        public init(path: String, format: EvidenceFile.Format) {
            self.path = path
            self.format = format
        }
    }

    /// A file opened when its reader reaches it; hashed as it is read when `hashing` (a file
    /// that `EvidenceDigests` cannot read a second time).
    final class Handle: @unchecked Sendable {
        let path: String
        let hashing: Bool
        var file: EvidenceFile?
        lazy var stream: any ByteStream = DeferredByteStream(path: path) { [unowned self] () throws(EvidenceError) -> any ByteStream in
            let file = try EvidenceFile(path: self.path, hashing: self.hashing)
            self.file = file
            return file.stream
        }

        init(path: String, hashing: Bool) {
            self.path = path
            self.hashing = hashing
        }

        /// The file's SHA-256 from the stream that read it, or why there is none.
        func sha256() -> EvidenceDigest {
            guard let file else { return .unavailable(reason: "SHA-256 not computed: the file was not opened") }
            do {
                guard let digest = try file.file.sha256() else { return .unavailable(reason: "SHA-256 not computed") }
                return .sha256(digest)
            } catch {
                return .unavailable(reason: "SHA-256 not computed: \(error)")
            }
        }
    }

    /// What workers found in one chunk or batch.
    final class Found: @unchecked Sendable {
        var findings: [Finding] = []
        var samples: [CorrelationSample] = []
        var events = 0
        var outside = 0
        var suppressed = 0
    }

    /// Per-thread state of the workers.
    final class WorkerState: @unchecked Sendable {
        let context = EventContext()
        let names = FieldNameCache(formCount: JSONEventReader.Form.allCases.count)
        /// Observables that hit no indicator lately, on this thread.
        let misses = MissCache()
        /// Per rule of the engine, what its findings show, made at its first match.
        var findingRules: [FindingRule?]

        init(rules: Int) { findingRules = Array(repeating: nil, count: rules) }

        func findingRule(_ index: Int, of engine: RuleEngine) -> FindingRule {
            if let made = findingRules[index] { return made }
            let made = FindingRule(engine.rules[index])
            findingRules[index] = made
            return made
        }
    }

    public func run(_ sources: [Source], output: (Finding) throws -> Void, progress: ((HuntProgress) -> Void)? = nil) throws -> HuntSummary {
        let started = Date()
        var summary = HuntSummary()
        let evtx = sources.enumerated().filter { $0.element.format == .evtx }
        let text = sources.enumerated().compactMap { item -> (Int, String, TextFormat)? in
            if case .text(let format) = item.element.format { return (item.offset, item.element.path, format) }
            return nil
        }
        let digests = EvidenceDigests(paths: sources.map(\.path), order: evtx.map(\.offset) + text.map(\.0), hash: hash)
        let handles = zip(sources, digests.separate).map { Handle(path: $0.path, hashing: !$1) }
        summary.files = sources.map { HuntSummary.FileResult(path: $0.path, format: $0.format.name) }
        let engine = rules.engine
        let workers = (0..<options.threads).map { _ in WorkerState(rules: engine.rules.count) }
        let correlations = rules.correlations
        let minimum = options.minimumLevel
        let from = options.from
        let to = options.to
        let evtxMapping = EVTXFieldMapping(options.fieldMappings)
        let indicators = options.indicators
        let showSuppressed = options.showSuppressed
        // Findings waiting to be written, in output order: each chunk's or batch's list as the
        // workers made it (moved here, not copied finding by finding), from `pendingStart` on,
        // `next` being the first of a list not written yet.
        var pending: [(file: Int, findings: [Finding], next: Int)] = []
        var pendingStart = 0
        var hashes: [Int: EvidenceDigest] = [:]
        var samples: [CorrelationSample] = []
        var filesDone = 0
        var lastProgress = Date.distantPast

        /// Whether an event falls outside `--from`/`--to`.
        @Sendable func outside(_ time: EventTime?) -> Bool {
            guard let time else { return false }
            return (from.map { time < $0 } ?? false) || (to.map { time > $0 } ?? false)
        }

        /// Matches the event loaded in a worker's context.
        @Sendable func match(evidence: Int, worker: WorkerState, into found: Found) {
            let context = worker.context
            engine.match(context) { index in
                if correlations.needs(index) {
                    // A reader's event is built whole only here, for correlation rules.
                    let event = context.event
                    found.samples += correlations.samples(
                        rule: index, event: event, reference: EventReference(evidence: Int32(evidence), position: event.origin.position))
                }
                let rule = engine.rules[index]
                guard !correlations.suppressed.contains(index) else { return }
                if let minimum, (rule.rule.level ?? .informational) < minimum { return }
                found.findings.append(Finding(rule: worker.findingRule(index, of: engine), context: context))
            }
            if let indicators { matchIndicators(indicators, context: context, misses: worker.misses, into: found) }
        }

        /// Looks up the observables of the event in a context in the indicator sets.
        @Sendable func matchIndicators(_ indicators: EventIndicatorMatcher, context: EventContext, misses: MissCache, into found: Found) {
            // Which mapped fields the event has, asked at once: most are absent from any event.
            let present = context.presence(of: indicators.mapping.readFields)
            for hit in indicators.hits(reading: context.text(of:), present: present, time: context.time, event: { context.event }, misses: misses) {
                if hit.suppressedBy != nil && !showSuppressed {
                    found.suppressed += 1
                    continue
                }
                let finding = Finding(hit: hit, context: context)
                if let minimum, (finding.level ?? .informational) < minimum { continue }
                found.findings.append(finding)
            }
        }

        /// Matches one event on a worker.
        @Sendable func hunt(_ event: Event, evidence: Int, worker: WorkerState, into found: Found) {
            found.events += 1
            if outside(event.time) {
                found.outside += 1
                return
            }
            worker.context.load(event)
            match(evidence: evidence, worker: worker, into: found)
        }

        func collect(_ file: Int, _ found: Found) throws {
            summary.events += found.events
            summary.outsideTimeRange += found.outside
            summary.suppressedHits += found.suppressed
            summary.files[file].events += found.events
            let added = found.findings.count
            if added > 0 {
                pending.append((file, found.findings, 0))
                found.findings = []
            }
            // Findings that waited for a digest are written a few at a time here, and more
            // while the workers are busy (`idle`): written at once, they held this thread long
            // enough to leave the workers without chunks.
            try flush(limit: added + 8)
            samples += found.samples
            if let progress, Date().timeIntervalSince(lastProgress) > 0.25 {
                lastProgress = Date()
                progress(HuntProgress(filesDone: filesDone, files: sources.count, events: summary.events, findings: summary.findings, seconds: Date().timeIntervalSince(started)))
            }
        }

        func finish(_ file: Int) throws {
            filesDone += 1
            let hash = digests.wait(file) ?? handles[file].sha256()
            hashes[file] = hash
            summary.files[file].digest = hash
            try flush(limit: 8)
        }

        /// Writes at most `limit` of the waiting findings, in order, up to the first whose
        /// file's digest is not known yet; returns how many it wrote.
        @discardableResult
        func flush(limit: Int = .max) throws -> Int {
            var written = 0
            while pendingStart < pending.count && written < limit {
                let file = pending[pendingStart].file
                let hash: EvidenceDigest
                if let known = hashes[file] {
                    hash = known
                } else if let ready = digests.digest(file) {
                    hashes[file] = ready
                    hash = ready
                } else {
                    break
                }
                // Completed where it waits: a copy would retain each of its strings and lists.
                while pending[pendingStart].next < pending[pendingStart].findings.count && written < limit {
                    let index = pending[pendingStart].next
                    pending[pendingStart].findings[index].evidence = sources[file].path
                    pending[pendingStart].findings[index].evidenceSHA256 = hash.text
                    pending[pendingStart].next += 1
                    written += 1
                    count(pending[pendingStart].findings[index], into: &summary)
                    try output(pending[pendingStart].findings[index])
                }
                guard pending[pendingStart].next == pending[pendingStart].findings.count else { break }
                pending[pendingStart].findings = []
                pendingStart += 1
            }
            if pendingStart == pending.count {
                pending.removeAll(keepingCapacity: true)
                pendingStart = 0
            } else if pendingStart >= 256 && pendingStart * 2 >= pending.count {
                pending.removeFirst(pendingStart)
                pendingStart = 0
            }
            return written
        }

        /// A step of writing findings that waited, while the workers are busy; false when
        /// none is left that can be written.
        func idle() throws -> Bool {
            let step = 16
            return try flush(limit: step) == step
        }

        // EVTX.
        let evtxFiles = evtx.map(\.offset)
        try EVTXStreamReader(options: .init(threads: options.threads)).read(evtxFiles.map { handles[$0].stream }) { input in
            let found = Found()
            let worker = workers[input.worker]
            let evidence = evtxFiles[input.file]
            let chunk = EVTXChunk.read(input.bytes, index: input.index, fileOffset: input.fileOffset, scratch: input.scratch) { record in
                record.withFieldReader(names: worker.names) { reader in
                    guard let reader else {
                        hunt(record.event(mapping: evtxMapping, names: worker.names), evidence: evidence, worker: worker, into: found)
                        return
                    }
                    found.events += 1
                    if (from != nil || to != nil) && outside(reader.time) {
                        found.outside += 1
                        return
                    }
                    worker.context.load(reader)
                    match(evidence: evidence, worker: worker, into: found)
                }
            }
            return (found, chunk)
        } deliver: { file, found, _ in
            try collect(evtxFiles[file], found)
        } finish: { file, fileSummary in
            let index = evtxFiles[file]
            summary.files[index].skipped = fileSummary.skipped.map(\.description)
            summary.files[index].failure = fileSummary.failure?.description
            try finish(index)
        } idle: {
            try idle()
        }

        // Text.
        let textSources = text.map { TextStreamReader.Source(stream: handles[$0.0].stream, format: $0.2, mappings: options.fieldMappings) }
        try TextStreamReader(options: .init(threads: options.threads)).read(textSources) { batch, workerIndex in
            let found = Found()
            let worker = workers[workerIndex]
            let evidence = text[batch.file].0
            let outcome = batch.read(names: worker.names) { event, _ in
                hunt(event, evidence: evidence, worker: worker, into: found)
            }
            return (found, outcome.records, outcome.skipped)
        } deliver: { file, found in
            try collect(text[file].0, found)
        } finish: { file, fileSummary in
            let index = text[file].0
            summary.files[index].skipped = fileSummary.skipped.map(\.description)
            summary.files[index].failure = fileSummary.failure?.description
            try finish(index)
        } idle: {
            try idle()
        }

        try flush()

        // Correlations, over all evidence.
        for alert in correlations.evaluate(samples) {
            let correlation = correlations.correlations[alert.correlation]
            if let minimum, (correlation.level ?? .informational) < minimum { continue }
            let last = alert.events.last
            let file = last.map { Int($0.evidence) }.flatMap { $0 >= 0 && $0 < sources.count ? $0 : nil }
            let finding = Finding(
                alert: alert, correlation: correlation, evidence: file.map { sources[$0].path } ?? "",
                evidenceSHA256: file.flatMap { summary.files[$0].sha256 } ?? "", recordID: last?.position)
            count(finding, into: &summary)
            try output(finding)
        }
        summary.seconds = Date().timeIntervalSince(started)
        return summary
    }

    private func count(_ finding: Finding, into summary: inout HuntSummary) {
        summary.findings += 1
        if case .indicator = finding.kind { summary.indicatorHits += 1 }
        summary.byLevel[finding.level?.rawValue ?? "none", default: 0] += 1
        summary.byRule[finding.ruleTitle, default: 0] += 1
        for tactic in finding.tactics { summary.byTactic[tactic, default: 0] += 1 }
    }
}
