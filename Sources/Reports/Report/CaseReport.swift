import Attribution
import Foundation
import IntelStore
import STIX

/// Everything a case report shows, with what is marked above the reader's TLP ceiling taken
/// out and named in `withheld`. The HTML and Markdown renderers only lay it out.
///
/// What the case holds (findings, evidence, notes, the period, the heat map and the
/// attribution drawn from them) carries the case's TLP (AMBER when unmarked); an indicator's
/// details carry the indicator's; what the intel says of an actor carries its object's
/// (unmarked intel counts as `Options.unmarkedIntel`: ATT&CK and the MISP galaxies are public).
public struct CaseReport: Sendable {
    /// How a report is drawn up.
    public struct Options: Sendable {
        /// The highest TLP the report may contain.
        public var maxTLP: TLPLevel
        /// The TLP of intel objects without a marking.
        public var unmarkedIntel: TLPLevel
        /// Groups in the ranking.
        public var top: Int
        public var generated: Date

        public init(maxTLP: TLPLevel = .red, unmarkedIntel: TLPLevel = .clear, top: Int = 5, generated: Date = Date()) {
            self.maxTLP = maxTLP
            self.unmarkedIntel = unmarkedIntel
            self.top = top
            self.generated = generated
        }
    }

    /// Something left out because its marking is above the ceiling.
    public struct Withheld: Sendable, Hashable {
        public var what: String
        public var tlp: TLPLevel
    }

    /// What the intel says of the actor: who it is, and who is said to be behind it.
    public struct Actor: Sendable {
        public var name: String
        public var attackID: String?
        public var aliases: [String]
        /// Countries and state sponsors the intel names, each with where it says so.
        public var countries: [String]
        public var sponsors: [String]
        public var sources: [Source]
        /// Public attributions of the group to states and their organs, within the ceiling.
        public var sponsorLinks: [SponsorLink] = []
    }

    /// A reference with a URL when it has one.
    public struct Source: Sendable, Hashable {
        public var name: String
        public var url: String?
    }

    /// ATT&CK software the case shows, with where it was seen (withheld indicators redacted).
    public struct SoftwareSeen: Sendable, Hashable {
        public var id: String
        /// ATT&CK's name; empty when the store's ATT&CK does not know the software.
        public var name: String
        public var sources: [String]
    }

    /// An influence-operation technique (DISARM) the case records.
    public struct InfluenceTechnique: Sendable, Hashable {
        public var id: String
        /// Empty when the store does not hold DISARM.
        public var name: String
        /// DISARM's tactics (phase names), never ATT&CK's.
        public var tactics: [String]
    }

    /// The assessment in the words of ICD 203.
    public struct Assessment: Sendable {
        /// The top group, nil when the verdict is "unknown actor".
        public var group: String?
        public var probability: Double
        public var likelihood: EstimativeLikelihood
        public var confidence: ConfidenceWords
        /// The confidence Vigil states (0–100) and the probability of an unknown actor.
        public var confidenceValue: Int
        public var unknownProbability: Double
        /// The closest group when the verdict is "unknown actor".
        public var closest: (name: String, probability: Double)?
        /// The second group when the verdict names one.
        public var runnerUp: (name: String, probability: Double)?
        /// How much evidence the assessment rests on: techniques (parents included), software,
        /// and groups indicators point at.
        public var techniques: Int
        public var software: Int
        public var indicatedGroups: Int

        /// What in the evidence speaks against the verdict's group: a runner-up close behind,
        /// indicators pointing at another group, much of the evidence outside its profile.
        public var contradictions: [String]

        /// Fewer than 5 techniques, no software and no indicator: a ranking says little.
        public var isThin: Bool { techniques < 5 && software == 0 && indicatedGroups == 0 }

        /// Something in the evidence speaks against the verdict's group.
        public var isContested: Bool { !contradictions.isEmpty }
    }

    /// A rule's findings under one tactic.
    public struct RuleRow: Sendable, Hashable {
        public var title: String
        public var level: String
        public var techniques: [String]
        public var count: Int
        public var first: String?
        public var last: String?
        /// Hosts, most findings first (at most five), and how many there were.
        public var hosts: [String]
        public var hostCount: Int
    }

    /// Findings grouped by the tactic their rules name.
    public struct TacticGroup: Sendable, Hashable {
        public var tactic: String
        public var findings: Int
        public var rules: [RuleRow]
    }

    /// A technique seen (or asserted) in the case, in one tactic's column.
    public struct HeatCell: Sendable, Hashable {
        public var techniqueID: String
        /// ATT&CK's name; empty when the store's ATT&CK does not know the technique.
        public var name: String
        public var findings: Int
        public var asserted: Bool
    }

    /// One column of the ATT&CK matrix.
    public struct HeatColumn: Sendable, Hashable {
        public var tactic: String
        public var cells: [HeatCell]
    }

    public var caseName: String
    public var caseTLP: TLPLevel
    /// The marking of the report: the highest of what it contains.
    public var marking: TLPLevel
    /// The highest marking it was allowed to contain (`--max-tlp`).
    public var ceiling: TLPLevel
    public var generated: String
    public var withheld: [Withheld]
    /// Nil when the case's content is withheld.
    public var description: String?
    public var assessment: Assessment?
    public var actor: Actor?
    public var observedFrom: String?
    public var observedTo: String?
    public var findingCount: Int
    public var byLevel: [(level: String, count: Int)]
    public var timeline: FindingTimeline?
    public var tactics: [TacticGroup]
    public var heatMap: [HeatColumn]
    public var ranking: [RankedGroup]
    public var featureNames: [Feature: String]
    public var evidence: [CaseEvidenceFile]
    public var notes: [CaseNote]
    public var sightings: [CaseSummary.IndicatorSighting]
    public var software: [SoftwareSeen]
    /// DISARM techniques and actor types asserted in the case.
    public var influence: [InfluenceTechnique]
    public var influenceActors: [(id: String, name: String)]
    /// Groups the ranking considered (with a profile).
    public var groupsConsidered: Int

    /// Draws up the report of an attributed case. `findings` are the case's (in time order),
    /// `groups` the top groups as stored (for their markings), `actors` the threat actors the
    /// intel says are behind the verdict's group.
    public init(
        attribution: CaseAttribution, findings: [CaseFinding], evidence: [CaseEvidenceFile], groups: [StoredObject] = [],
        actors: [StoredObject] = [], options: Options = Options()
    ) {
        let caseTLP = attribution.info.tlp ?? .amber
        let showCase = caseTLP <= options.maxTLP
        var included: [TLPLevel] = []
        var withheld: [Withheld] = []
        self.caseName = attribution.info.name
        self.caseTLP = caseTLP
        ceiling = options.maxTLP
        generated = ISO8601DateFormatter().string(from: options.generated)
        let summary = attribution.summary
        let result = attribution.result
        featureNames = attribution.knowledge.featureNames
        groupsConsidered = result.ranking.count

        // Indicators' markings; those above the ceiling lose their names, sources and values.
        var indicatorTLP: [String: TLPLevel] = [:]
        for finding in findings where finding.isIndicatorHit {
            if let id = finding.ruleID { indicatorTLP[id] = finding.fields["indicator.tlp"].flatMap(TLPLevel.init(name:)) ?? options.unmarkedIntel }
        }
        let hiddenIndicators = Set(indicatorTLP.filter { $0.value > options.maxTLP }.keys)
        if showCase {
            included.append(caseTLP)
            description = attribution.info.description
            findingCount = summary.findingCount
            byLevel = ["critical", "high", "medium", "low", "informational", "none"].compactMap { level in summary.byLevel[level].map { (level, $0) } }
            observedFrom = findings.first { $0.timestamp != nil }?.timestamp
            observedTo = findings.last { $0.timestamp != nil }?.timestamp
            timeline = FindingTimeline(findings: findings)
            tactics = Self.tacticGroups(findings, hiddenIndicators: hiddenIndicators)
            heatMap = Self.heatMap(summary, attackPatterns: attribution.attackPatterns, findings: findings)
            self.evidence = evidence
            notes = summary.notes
            influence = summary.influence.map { id in
                let pattern = attribution.influencePatterns[id]
                return InfluenceTechnique(id: id, name: pattern?.name ?? "", tactics: pattern?.disarmTactics ?? [])
            }
            influenceActors = summary.influenceActors.map { ($0, attribution.influenceActorTypes[$0]?.name ?? "") }
            var sightings: [CaseSummary.IndicatorSighting] = []
            for sighting in summary.sightings {
                if hiddenIndicators.contains(sighting.indicatorID) {
                    let tlp = indicatorTLP[sighting.indicatorID] ?? .red
                    withheld.append(Withheld(what: "the details of an indicator sighted \(sighting.count) time\(sighting.count == 1 ? "" : "s")", tlp: tlp))
                } else {
                    sightings.append(sighting)
                    if let tlp = indicatorTLP[sighting.indicatorID] { included.append(tlp) }
                }
            }
            self.sightings = sightings
            // Without ATT&CK groups there is nothing to assess against.
            assessment = result.ranking.isEmpty ? nil : Self.assessment(result)
            let hidden = summary.sightings.filter { hiddenIndicators.contains($0.indicatorID) }
            ranking = Self.redacted(Array(result.ranking.prefix(options.top)), hiding: hidden)
            software = result.evidence.features.sorted().filter { $0.kind == .software }.map { feature in
                SoftwareSeen(
                    id: feature.id, name: attribution.knowledge.featureNames[feature] ?? "",
                    sources: result.evidence.sources(of: feature).map { Self.redacted($0, hiding: hidden) })
            }
        } else {
            withheld.append(Withheld(what: "the case's findings, timeline, techniques, evidence, notes and the attribution drawn from them", tlp: caseTLP))
            description = nil
            findingCount = 0
            byLevel = []
            tactics = []
            heatMap = []
            self.evidence = []
            notes = []
            influence = []
            influenceActors = []
            sightings = []
            ranking = []
            software = []
        }

        // The actor: the verdict's group (as stored, with its marking) and who is behind it.
        if showCase, case .group(let group) = result.verdict {
            let stored = groups.first { $0.id == group.id }
            let groupTLP = stored?.tlp ?? options.unmarkedIntel
            if groupTLP <= options.maxTLP {
                included.append(groupTLP)
                var actor = Actor(name: group.name, attackID: group.attackID, aliases: group.aliases, countries: [], sponsors: [], sources: [])
                if let url = stored?.object.attackURL { actor.sources.append(Source(name: "MITRE ATT&CK \(group.attackID ?? "")", url: url)) }
                for link in attribution.sponsorLinks(of: group.id) {
                    let tlp = link.tlp ?? options.unmarkedIntel
                    guard tlp <= options.maxTLP else {
                        withheld.append(Withheld(what: "a link of \(group.name) to a state sponsor (\(link.by))", tlp: tlp))
                        continue
                    }
                    included.append(tlp)
                    actor.sponsorLinks.append(link)
                }
                for threatActor in actors {
                    let tlp = threatActor.tlp ?? options.unmarkedIntel
                    guard tlp <= options.maxTLP else {
                        withheld.append(Withheld(what: "what the intel says of who is behind \(group.name)", tlp: tlp))
                        continue
                    }
                    included.append(tlp)
                    let object = threatActor.object
                    for value in object.texts("x_misp_country") where !actor.countries.contains(value) { actor.countries.append(value) }
                    for value in object.texts("x_misp_state_sponsor") where !actor.sponsors.contains(value) { actor.sponsors.append(value) }
                    for alias in object.aliases + [object.name].compactMap({ $0 }) where alias != group.name && !actor.aliases.contains(alias) {
                        actor.aliases.append(alias)
                    }
                    for reference in object.externalReferences.prefix(6) where reference.url != nil || reference.description != nil {
                        let source = Source(name: reference.description ?? reference.sourceName, url: reference.url)
                        if !actor.sources.contains(source) { actor.sources.append(source) }
                    }
                }
                self.actor = actor
            } else {
                withheld.append(Withheld(what: "the intel on \(group.name)", tlp: groupTLP))
            }
        }
        self.withheld = withheld
        marking = included.max() ?? .clear
    }

    // MARK: - Parts

    static func assessment(_ result: AttributionResult) -> Assessment {
        let features = result.evidence.features
        let techniques = features.filter { $0.kind == .technique }.count
        let software = features.count - techniques
        let indicated = result.evidence.indicatedGroups.count
        switch result.verdict {
        case .group(let group):
            let probability = result.topProbability
            let runnerUp = result.ranking.dropFirst().first
            return Assessment(
                group: group.name + (group.attackID.map { " (\($0))" } ?? ""), probability: probability,
                likelihood: EstimativeLikelihood(probability: probability), confidence: result.words, confidenceValue: result.confidence,
                unknownProbability: result.unknownProbability, closest: nil,
                runnerUp: runnerUp.map { ($0.group.name, $0.probability) },
                techniques: techniques, software: software, indicatedGroups: indicated, contradictions: contradictions(result, group: group))
        case .unknown:
            return Assessment(
                group: nil, probability: result.unknownProbability, likelihood: EstimativeLikelihood(probability: result.unknownProbability),
                confidence: result.words, confidenceValue: result.confidence, unknownProbability: result.unknownProbability,
                closest: result.ranking.first.map { ($0.group.name, $0.probability) }, runnerUp: nil,
                techniques: techniques, software: software, indicatedGroups: indicated, contradictions: [])
        }
    }

    /// What speaks against the verdict's group, in sentences.
    static func contradictions(_ result: AttributionResult, group: AttackKnowledge.Group) -> [String] {
        var found: [String] = []
        let percent = { (p: Double) in "\(max(1, ConfidenceWords.statedConfidence(p)))%" }
        if let top = result.ranking.first, let runnerUp = result.ranking.dropFirst().first, runnerUp.probability >= top.probability / 2 {
            found.append("\(runnerUp.group.name) explains the evidence almost as well (\(percent(runnerUp.probability)) against \(percent(top.probability)))")
        }
        let names = Dictionary(result.ranking.map { ($0.group.id, $0.group.name) }, uniquingKeysWith: { first, _ in first })
        for other in result.evidence.indicatedGroups.keys.sorted() where other != group.id {
            found.append("indicators sighted in the case point to \(names[other] ?? other), not to \(group.name)")
        }
        if let top = result.ranking.first {
            let unexplained = top.contributions.filter { $0.kind == .unexplained }.count
            let observed = result.evidence.features.count
            if observed >= 6 && unexplained * 3 >= observed {
                found.append("\(unexplained) of the \(observed) techniques and software observed are not in \(group.name)'s profile")
            }
        }
        return found
    }

    /// Findings by tactic (ATT&CK's order; findings whose rules name none last), then by rule.
    static func tacticGroups(_ findings: [CaseFinding], hiddenIndicators: Set<String>) -> [TacticGroup] {
        struct Key: Hashable { var tactic: String; var title: String }
        struct Tally { var key: Key; var row: RuleRow; var hosts: [String: Int] }
        // Tallies are changed in place in their array: a copy taken out of a dictionary
        // would copy its hosts on every finding.
        var tallies: [Tally] = []
        var index: [Key: Int] = [:]
        var perTactic: [String: Int] = [:]
        for finding in findings {
            let hidden = finding.ruleID.map(hiddenIndicators.contains) ?? false
            let title = hidden ? "Indicator (withheld)" : finding.ruleTitle
            let tactics = finding.tactics.isEmpty ? [""] : finding.tactics.map(ATTACKMatrix.phaseName)
            for tactic in tactics {
                perTactic[tactic, default: 0] += 1
                let key = Key(tactic: tactic, title: title)
                let position = index[key] ?? {
                    tallies.append(Tally(
                        key: key,
                        row: RuleRow(title: title, level: finding.level ?? "none", techniques: finding.techniques, count: 0, first: nil, last: nil, hosts: [], hostCount: 0),
                        hosts: [:]))
                    index[key] = tallies.count - 1
                    return tallies.count - 1
                }()
                tallies[position].row.count += 1
                if let time = finding.timestamp {
                    if tallies[position].row.first.map({ time < $0 }) ?? true { tallies[position].row.first = time }
                    if tallies[position].row.last.map({ time > $0 }) ?? true { tallies[position].row.last = time }
                }
                if let host = finding.computer, !host.isEmpty { tallies[position].hosts[host, default: 0] += 1 }
            }
        }
        let levels = ["critical": 0, "high": 1, "medium": 2, "low": 3, "informational": 4]
        let tacticNames = perTactic.keys.sorted { ATTACKMatrix.order($0) < ATTACKMatrix.order($1) }
        return tacticNames.map { tactic in
            let rows = tallies.filter { $0.key.tactic == tactic }.map { tally -> RuleRow in
                var row = tally.row
                row.hosts = tally.hosts.sorted { ($1.value, $0.key) < ($0.value, $1.key) }.prefix(5).map(\.key)
                row.hostCount = tally.hosts.count
                return row
            }.sorted { (levels[$0.level] ?? 5, -$0.count, $0.title) < (levels[$1.level] ?? 5, -$1.count, $1.title) }
            return TacticGroup(tactic: tactic, findings: perTactic[tactic] ?? 0, rules: rows)
        }
    }

    /// Observed and asserted techniques under each tactic ATT&CK files them under (the
    /// findings' own tactics for techniques the store does not know).
    static func heatMap(_ summary: CaseSummary, attackPatterns: [String: STIXObject], findings: [CaseFinding]) -> [HeatColumn] {
        var columns: [String: [HeatCell]] = [:]
        var fallback: [String: Set<String>] = [:]
        for finding in findings where !finding.techniques.isEmpty {
            for technique in finding.techniques where attackPatterns[technique] == nil {
                fallback[technique, default: []].formUnion(finding.tactics.map(ATTACKMatrix.phaseName))
            }
        }
        for technique in summary.techniques {
            let pattern = attackPatterns[technique.id]
            var tactics = pattern?.tactics ?? fallback[technique.id].map { $0.sorted() } ?? []
            if tactics.isEmpty { tactics = [""] }
            let cell = HeatCell(techniqueID: technique.id, name: pattern?.name ?? "", findings: technique.findings, asserted: technique.asserted)
            for tactic in tactics { columns[tactic, default: []].append(cell) }
        }
        return columns.keys.sorted { ATTACKMatrix.order($0) < ATTACKMatrix.order($1) }.map { tactic in
            HeatColumn(tactic: tactic, cells: (columns[tactic] ?? []).sorted { ($1.findings, $0.techniqueID) < ($0.findings, $1.techniqueID) })
        }
    }

    /// The ranking with the sources of withheld indicators replaced by a mention of the marking.
    static func redacted(_ ranking: [RankedGroup], hiding sightings: [CaseSummary.IndicatorSighting]) -> [RankedGroup] {
        guard !sightings.isEmpty else { return ranking }
        return ranking.map { group in
            var group = group
            group.contributions = group.contributions.map { contribution in
                var contribution = contribution
                contribution.sources = contribution.sources.map { redacted($0, hiding: sightings) }
                return contribution
            }
            return group
        }
    }

    /// An evidence source, or a mention of the marking when it is a withheld indicator's hit.
    static func redacted(_ source: String, hiding sightings: [CaseSummary.IndicatorSighting]) -> String {
        sightings.contains { source.hasPrefix("indicator \($0.name) (") } ? "an indicator whose details are withheld" : source
    }
}

/// The likelihood words of ICD 203 (Intelligence Community Directive 203, "Analytic
/// Standards"): each stands for a range of probability.
public enum EstimativeLikelihood: String, Sendable, CaseIterable {
    case almostNoChance = "almost no chance"
    case veryUnlikely = "very unlikely"
    case unlikely
    case roughlyEven = "roughly even chance"
    case likely
    case veryLikely = "very likely"
    case almostCertain = "almost certain"

    public init(probability: Double) {
        switch probability {
        case ..<0.05: self = .almostNoChance
        case ..<0.20: self = .veryUnlikely
        case ..<0.45: self = .unlikely
        case ..<0.55: self = .roughlyEven
        case ..<0.80: self = .likely
        case ..<0.95: self = .veryLikely
        default: self = .almostCertain
        }
    }

    /// The range in percent the words stand for.
    public var range: String {
        switch self {
        case .almostNoChance: return "1–5%"
        case .veryUnlikely: return "5–20%"
        case .unlikely: return "20–45%"
        case .roughlyEven: return "45–55%"
        case .likely: return "55–80%"
        case .veryLikely: return "80–95%"
        case .almostCertain: return "95–99%"
        }
    }
}

/// The Enterprise matrix's tactics in ATT&CK's order, by the kill chain phase names STIX uses.
public enum ATTACKMatrix {
    public static let tactics = [
        "reconnaissance", "resource-development", "initial-access", "execution", "persistence", "privilege-escalation",
        "defense-evasion", "credential-access", "discovery", "lateral-movement", "collection", "command-and-control",
        "exfiltration", "impact",
    ]
    static let index = Dictionary(uniqueKeysWithValues: tactics.enumerated().map { ($1, $0) })

    /// Tactic ids of the Enterprise matrix and the ICS-only ones, by phase name.
    static let ids: [String: String] = [
        "TA0043": "reconnaissance", "TA0042": "resource-development", "TA0001": "initial-access", "TA0002": "execution",
        "TA0003": "persistence", "TA0004": "privilege-escalation", "TA0005": "defense-evasion", "TA0006": "credential-access",
        "TA0007": "discovery", "TA0008": "lateral-movement", "TA0009": "collection", "TA0011": "command-and-control",
        "TA0010": "exfiltration", "TA0040": "impact", "TA0107": "inhibit-response-function", "TA0106": "impair-process-control",
        "TA0103": "evasion",
    ]

    /// The phase name of a tactic as findings carry it: `TA0005` (an id) or `defense_evasion`
    /// (a Sigma tag) → `defense-evasion`.
    public static func phaseName(_ tactic: String) -> String {
        // Findings carry ids in upper case: the first look-up answers without a copy.
        ids[tactic] ?? ids[tactic.uppercased()] ?? tactic.lowercased().replacingOccurrences(of: "_", with: "-")
    }

    /// The tactic id of a phase name (`execution` → `TA0002`), nil for one ATT&CK does not have.
    public static func id(ofPhase phase: String) -> String? { phaseIDs[phase] }
    static let phaseIDs = Dictionary(ids.map { ($1, $0) }, uniquingKeysWith: { first, _ in first })

    /// The tactic's place in the matrix; others after, by name; "" (no tactic) last.
    static func order(_ tactic: String) -> (Int, String) {
        if tactic.isEmpty { return (Int.max, "") }
        return (index[tactic] ?? tactics.count, tactic)
    }

    /// `command-and-control` → `Command and Control`.
    public static func title(_ tactic: String) -> String {
        if tactic.isEmpty { return "No tactic" }
        let small: Set<String> = ["and", "of", "or"]
        return tactic.split(separator: "-").enumerated().map { index, word in
            index > 0 && small.contains(String(word)) ? String(word) : word.prefix(1).uppercased() + word.dropFirst()
        }.joined(separator: " ")
    }
}
