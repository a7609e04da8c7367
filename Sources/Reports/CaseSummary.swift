import Attribution
import IntelStore
import STIX

/// What a case shows at a glance: findings by level and tactic, every technique observed with
/// its first and last sighting, software, and the analysts' notes and assertions.
public struct CaseSummary: Sendable {
    /// A technique or software seen in findings or asserted.
    public struct Observation: Sendable, Hashable {
        public var id: String
        public var findings: Int
        public var first: String?
        public var last: String?
        public var asserted: Bool
    }

    /// One indicator's hits in the case: the sighting a STIX export reports.
    public struct IndicatorSighting: Sendable, Hashable {
        public var indicatorID: String
        public var name: String
        public var source: String
        /// What the indicator indicates (STIX ids), and the values that matched.
        public var indicates: [String]
        public var observables: [String]
        public var count: Int
        public var first: String?
        public var last: String?
        /// The validity states the hits had (`valid`, `expired`, ...).
        public var validity: [String]
    }

    public var findingCount: Int
    public var byLevel: [String: Int]
    public var byTactic: [String: Int]
    public var techniques: [Observation]
    public var software: [Observation]
    public var notes: [CaseNote]
    /// DISARM influence-operation techniques analysts asserted (ids, sorted); not ATT&CK
    /// evidence, so attribution does not score them.
    public var influence: [String]
    /// DISARM actor types analysts asserted (ids, sorted).
    public var influenceActors: [String]
    /// Indicators that hit, by indicator (hits a warninglist suppressed are not sightings).
    public var sightings: [IndicatorSighting]
    /// Software that the programs and files in findings name, with where each was seen
    /// ("AdFind.exe in Image, rule AdFind recon (2 findings)"). Empty unless the caller, who
    /// has ATT&CK's names, fills it with `softwareNamed(by:recognizer:)`.
    public var softwareInFiles: [Feature: [String]] = [:]

    public init(findings: [CaseFinding], notes: [CaseNote]) {
        findingCount = findings.count
        var byLevel: [String: Int] = [:]
        var byTactic: [String: Int] = [:]
        var techniques: [String: Observation] = [:]
        var software: [String: Observation] = [:]
        var influence: Set<String> = []
        var influenceActors: Set<String> = []
        func see(_ id: String, at time: String?, in table: inout [String: Observation]) {
            var entry = table[id] ?? Observation(id: id, findings: 0, first: nil, last: nil, asserted: false)
            entry.findings += 1
            if let time {
                if entry.first.map({ time < $0 }) ?? true { entry.first = time }
                if entry.last.map({ time > $0 }) ?? true { entry.last = time }
            }
            table[id] = entry
        }
        for finding in findings {
            byLevel[finding.level ?? "none", default: 0] += 1
            for tactic in finding.tactics { byTactic[tactic, default: 0] += 1 }
            for technique in finding.techniques { see(technique, at: finding.timestamp, in: &techniques) }
            for id in finding.software { see(id, at: finding.timestamp, in: &software) }
        }
        for note in notes {
            switch note.kind {
            case .technique: techniques[note.text, default: Observation(id: note.text, findings: 0, asserted: true)].asserted = true
            case .software: software[note.text, default: Observation(id: note.text, findings: 0, asserted: true)].asserted = true
            case .influence: influence.insert(note.text)
            case .influenceActor: influenceActors.insert(note.text)
            case .note: break
            }
        }
        self.influence = influence.sorted()
        self.influenceActors = influenceActors.sorted()
        self.byLevel = byLevel
        self.byTactic = byTactic
        self.techniques = techniques.values.sorted { $0.id < $1.id }
        self.software = software.values.sorted { $0.id < $1.id }
        self.notes = notes
        sightings = Self.sightings(findings)
    }

    /// Whether a finding is a sighting: an indicator's hit no warninglist suppressed.
    static func isSighting(_ finding: CaseFinding) -> Bool {
        finding.isIndicatorHit && finding.fields["indicator.suppressed_by"] == nil
    }

    /// The indicator hits of findings, one sighting per indicator, in id order.
    public static func sightings(_ findings: [CaseFinding]) -> [IndicatorSighting] {
        var byIndicator: [String: IndicatorSighting] = [:]
        for finding in findings where isSighting(finding) {
            let id = finding.ruleID ?? ""
            let title = finding.ruleTitle.hasPrefix("Indicator: ") ? String(finding.ruleTitle.dropFirst(11)) : finding.ruleTitle
            var entry = byIndicator[id] ?? IndicatorSighting(
                indicatorID: id, name: title, source: finding.fields["indicator.source"] ?? "unknown",
                indicates: (finding.fields["indicator.indicates"] ?? "").split(separator: " ").map(String.init), observables: [], count: 0,
                first: nil, last: nil, validity: [])
            entry.count += 1
            if let observable = finding.fields["indicator.observable"], !entry.observables.contains(observable) { entry.observables.append(observable) }
            if let validity = finding.fields["indicator.validity"], !entry.validity.contains(validity) { entry.validity.append(validity) }
            if let time = finding.timestamp {
                if entry.first.map({ time < $0 }) ?? true { entry.first = time }
                if entry.last.map({ time > $0 }) ?? true { entry.last = time }
            }
            byIndicator[id] = entry
        }
        return byIndicator.values.sorted { $0.indicatorID < $1.indicatorID }
    }

    /// The software that `fieldValues` (of `SoftwareRecognizer.fields`) name, each with the
    /// file, field and rule that named it and the findings counted.
    public static func softwareNamed(by fieldValues: [FindingFieldValue], recognizer: SoftwareRecognizer) -> [Feature: [String]] {
        var byFile: [Feature: [String: Int]] = [:]
        for value in fieldValues {
            for (feature, file) in recognizer.software(in: value.value, field: value.key) {
                byFile[feature, default: [:]]["\(file) in \(value.key), rule \(value.ruleTitle)", default: 0] += value.count
            }
        }
        return byFile.mapValues(counted)
    }

    /// Sources in name order, each with its count of findings.
    static func counted(_ sources: [String: Int]) -> [String] {
        sources.keys.sorted().map { source in
            let count = sources[source] ?? 0
            return "\(source) (\(count) finding\(count == 1 ? "" : "s"))"
        }
    }

    /// The evidence attribution scores: techniques and software from findings (with the rules
    /// that showed them; not operating-system utilities, which every intruder runs) and from
    /// assertions (with who asserted them), groups, software and campaigns that indicators
    /// which hit indicate (`software` names the ATT&CK software a
    /// malware or tool id stands for, `campaign` a campaign's name and the intrusion set it is
    /// attributed to), and software the programs and files in findings name (`fieldValues` of
    /// `SoftwareRecognizer.fields`, read by `recognizer`).
    public static func evidence(
        findings: [CaseFinding], notes: [CaseNote], victim: Victim = .none, software: (String) -> Feature? = { _ in nil },
        campaign: (String) -> (name: String, group: String)? = { _ in nil }, fieldValues: [FindingFieldValue] = [],
        recognizer: SoftwareRecognizer? = nil
    ) -> CaseEvidence {
        var evidence = CaseEvidence(victim: victim)
        // The intrusion is dated by its earliest finding (findings come in time order).
        evidence.observedAt = findings.lazy.compactMap { $0.timestamp.flatMap { try? STIXTimestamp($0) } }.first?.secondsSinceEpoch
        // Findings counted per feature and source: the rules that tag it, then the files that name it.
        var byRule: [Feature: [String: Int]] = [:]
        for finding in findings {
            for id in finding.techniques { byRule[.technique(id), default: [:]]["rule \(finding.ruleTitle)", default: 0] += 1 }
            // A rule's tag naming an operating-system utility says no more than the file name would.
            for id in finding.software where !SoftwareRecognizer.operatingSystemUtilities.contains(.software(id)) {
                byRule[.software(id), default: [:]]["rule \(finding.ruleTitle)", default: 0] += 1
            }
        }
        for (feature, sources) in byRule {
            for source in counted(sources) { evidence.observe(feature, source: source) }
        }
        let namedByFiles: [Feature: [String]] = recognizer.map { softwareNamed(by: fieldValues, recognizer: $0) } ?? [:]
        for (feature, sources) in namedByFiles {
            for source in sources { evidence.observe(feature, source: source) }
        }
        // Indicators that indicate a group are evidence for it directly (a threat actor's hits
        // were resolved to the intrusion sets attributed to it when the hunt loaded them).
        for sighting in sightings(findings) {
            let validity = sighting.validity.filter { $0 != "valid" }
            let source = "indicator \(sighting.name) (\(sighting.source)) hit \(sighting.observables.prefix(3).joined(separator: ", "))"
                + " (\(sighting.count) event\(sighting.count == 1 ? "" : "s")\(validity.isEmpty ? "" : ", " + validity.joined(separator: ", ")))"
            for target in sighting.indicates {
                if target.hasPrefix("intrusion-set--") {
                    evidence.indicatedGroups[target, default: []].append(source)
                } else if let feature = software(target) {
                    evidence.observe(feature, source: source + ", which indicates it")
                } else if let (name, group) = campaign(target) {
                    evidence.indicatedGroups[group, default: []].append(source + ", which indicates the campaign \(name), attributed to it")
                }
            }
        }
        for note in notes {
            let asserted = "asserted by \(note.author) at \(note.at)" + (note.comment.isEmpty ? "" : ": \(note.comment)")
            switch note.kind {
            case .technique: evidence.observe(.technique(note.text), source: asserted)
            case .software: evidence.observe(.software(note.text), source: asserted)
            case .note, .influence, .influenceActor: break
            }
        }
        return evidence
    }

    /// The summary as text.
    public func text() -> String {
        var lines: [String] = []
        lines.append("\nFindings: \(findingCount)")
        let levels = ["critical", "high", "medium", "low", "informational", "none"]
        if !byLevel.isEmpty {
            lines.append("  by level: " + levels.compactMap { level in byLevel[level].map { "\(level) \($0)" } }.joined(separator: ", "))
        }
        if !byTactic.isEmpty {
            lines.append("  by tactic: " + byTactic.sorted { ($1.value, $0.key) < ($0.value, $1.key) }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        }
        for (title, list) in [("Techniques", techniques), ("Software", software)] where !list.isEmpty {
            lines.append("\n\(title) observed (\(list.count))")
            for item in list {
                let seen = item.findings > 0 ? "\(item.findings) finding\(item.findings == 1 ? "" : "s"), first \(item.first ?? "-"), last \(item.last ?? "-")" : "no findings"
                // Said here so that the case and its attribution do not seem to disagree.
                let unweighed = title == "Software" && !item.asserted && SoftwareRecognizer.operatingSystemUtilities.contains(.software(item.id))
                lines.append(
                    "  " + item.id.padding(toLength: 11, withPad: " ", startingAt: 0) + seen + (item.asserted ? " · asserted" : "")
                        + (unweighed ? " · an operating-system utility: attribution does not weigh it" : ""))
            }
        }
        if !softwareInFiles.isEmpty {
            lines.append("\nSoftware named by programs and files (\(softwareInFiles.count))")
            for (feature, sources) in softwareInFiles.sorted(by: { $0.key < $1.key }) {
                let shown = sources.prefix(3).joined(separator: "; ") + (sources.count > 3 ? "; … \(sources.count - 3) more" : "")
                lines.append("  " + feature.id.padding(toLength: 11, withPad: " ", startingAt: 0) + shown)
            }
        }
        if !sightings.isEmpty {
            lines.append("\nIndicators sighted (\(sightings.count))")
            for sighting in sightings {
                lines.append("  \(sighting.name): \(sighting.count) hit\(sighting.count == 1 ? "" : "s"), first \(sighting.first ?? "-"), last \(sighting.last ?? "-")")
                lines.append("    \(sighting.observables.prefix(3).joined(separator: ", ")) · from \(sighting.source)" + (sighting.validity.contains { $0 != "valid" } ? " · " + sighting.validity.joined(separator: ", ") : ""))
            }
        }
        if !notes.isEmpty {
            lines.append("\nNotes and assertions")
            for note in notes {
                let what = note.kind == .note ? note.text : "asserts \(note.kind.rawValue) \(note.text)" + (note.comment.isEmpty ? "" : ": \(note.comment)")
                lines.append("  \(note.at) \(note.author): \(what)")
            }
        }
        return lines.joined(separator: "\n")
    }
}
