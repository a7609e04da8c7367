import Attribution
import Foundation

/// The paragraphs a government could publish about a case: the assessment in ICD 203 words with
/// its confidence band, the evidence it rests on, who has publicly attributed the group to a
/// state (with sources), the influence-operation techniques the case records, and what was
/// withheld for TLP.
///
/// It is drawn from a `CaseReport`, so it holds only what the report's ceiling allows, and it
/// never states more than the evidence: thin evidence caps the confidence at low, contested
/// evidence (a close runner-up, indicators pointing elsewhere, much of it outside the group's
/// profile) at moderate with what contests it, and below moderate confidence no group and no
/// state is named.
public enum AttributionStatement {
    /// The confidence the statement uses: Vigil's, capped for thin or contested evidence.
    public static func confidence(_ assessment: CaseReport.Assessment) -> ConfidenceWords {
        var words = assessment.confidence
        if assessment.isThin { words = .low }
        if assessment.isContested && words == .high { words = .moderate }
        return words
    }

    public static func render(_ report: CaseReport) -> String {
        var paragraphs: [String] = ["\(report.marking.label) — statement on case \(report.caseName), drawn up \(report.generated)."]
        guard let assessment = report.assessment else {
            paragraphs.append(ReportWording.noAssessment(report))
            paragraphs.append(withheld(report))
            return paragraphs.map { wrapped($0, width: 100, indent: 0) }.joined(separator: "\n\n") + "\n"
        }
        let words = confidence(assessment)
        // ICD 203 stops at 99%: a model's rounding to 100 is not certainty.
        let percent = max(1, ConfidenceWords.statedConfidence(assessment.probability))
        var first: String
        if let group = assessment.group, words != .low {
            first = "We assess with \(words.rawValue) confidence (\(words.range.lowerBound)–\(words.range.upperBound) on a scale of 100) that it is "
                + "\(assessment.likelihood.rawValue) (\(percent)%) that the intrusion investigated in case \(report.caseName) was the work of \(group)."
            if words != assessment.confidence {
                first += " The model's own confidence was \(assessment.confidence.rawValue) (\(assessment.confidenceValue)/100); \(capReason(assessment))."
            }
            if assessment.isContested {
                first += " The evidence is not one-sided: " + joined(assessment.contradictions) + "."
            }
        } else if let group = assessment.group {
            first = "The evidence of case \(report.caseName) does not support an attribution. The closest known group is \(group) "
                + "(\(percent)%), but our confidence is low (\(capReason(assessment))), so we do not name it as responsible."
        } else {
            first = "We do not attribute the intrusion investigated in case \(report.caseName) to a known group: none of the \(report.groupsConsidered) "
                + "groups with an ATT&CK profile is more likely than not to be responsible, and the chance that it was a group we do not know is "
                + "\(assessment.confidenceValue)% (\(assessment.confidence.rawValue) confidence)."
            if let closest = assessment.closest {
                first += " The closest known group, \(closest.name), holds \(Int((closest.probability * 100).rounded()))%, too little to name it."
            }
        }
        paragraphs.append(first)
        paragraphs.append(evidence(report, assessment))
        if words != .low, let actor = report.actor {
            if let chain = sponsors(actor) { paragraphs.append(chain) }
        }
        if let influence = influence(report) { paragraphs.append(influence) }
        paragraphs.append(withheld(report))
        return paragraphs.map { wrapped($0, width: 100, indent: 0) }.joined(separator: "\n\n") + "\n"
    }

    static func capReason(_ assessment: CaseReport.Assessment) -> String {
        if assessment.isThin {
            return "the evidence is thin (\(assessment.techniques) technique\(assessment.techniques == 1 ? "" : "s"), no software, no indicator)"
        }
        if let contradiction = assessment.contradictions.first { return contradiction }
        return "the evidence does not single out one group"
    }

    static func evidence(_ report: CaseReport, _ assessment: CaseReport.Assessment) -> String {
        var text = report.findingCount == 0
            ? "The assessment rests on analysts' assertions alone, no finding"
            : "The assessment rests on \(grouped(report.findingCount)) finding\(report.findingCount == 1 ? "" : "s")"
        if !report.evidence.isEmpty { text += " in \(report.evidence.count) evidence file\(report.evidence.count == 1 ? "" : "s")" }
        if let from = report.observedFrom, let to = report.observedTo { text += ", observed from \(ReportWording.time(from)) to \(ReportWording.time(to))" }
        text += ": \(assessment.techniques) ATT&CK technique\(assessment.techniques == 1 ? "" : "s") (parents included), \(assessment.software) software"
        if !report.sightings.isEmpty { text += ", \(report.sightings.count) indicator\(report.sightings.count == 1 ? "" : "s") sighted" }
        return text + ", compared with the profiles of \(report.groupsConsidered) groups. Each step of the reasoning is listed in the report."
    }

    /// Who has publicly attributed the group, and to what: theirs, not ours.
    static func sponsors(_ actor: CaseReport.Actor) -> String? {
        let public_ = actor.sponsorLinks.filter { $0.basis != .suspected }
        let suspected = actor.sponsorLinks.filter { $0.basis == .suspected }
        guard !public_.isEmpty || !suspected.isEmpty else { return nil }
        var text = ""
        if !public_.isEmpty {
            let clauses = public_.map { link in "to \(link.sponsor) by \(link.by)\(link.date.map { " on \($0)" } ?? "") in \(link.basis.phrase)" }
            text = "\(actor.name) has been publicly attributed " + joined(clauses) + "."
        }
        if !suspected.isEmpty {
            let states = suspected.compactMap { $0.state?.name }
            if !states.isEmpty { text += (text.isEmpty ? "" : " ") + "MISP's threat-actor galaxy lists \(joined(Array(Set(states)).sorted())) as its suspected state sponsor." }
        }
        return text + " These are others' attributions of the group; this case is linked to them only through the assessment above."
    }

    static func influence(_ report: CaseReport) -> String? {
        var sentences: [String] = []
        if !report.influence.isEmpty {
            let named = report.influence.map { $0.name.isEmpty ? $0.id : "\($0.id) \($0.name)" }
            sentences.append("The case also records influence-operation techniques of the DISARM framework, asserted by analysts: \(joined(named)).")
        }
        if !report.influenceActors.isEmpty {
            let named = report.influenceActors.map { $0.name.isEmpty ? $0.id : "\($0.id) \($0.name)" }
            sentences.append("Analysts identified DISARM actor types among those involved: \(joined(named)).")
        }
        return sentences.isEmpty ? nil : sentences.joined(separator: " ")
    }

    static func withheld(_ report: CaseReport) -> String {
        guard !report.withheld.isEmpty else { return "Nothing was withheld: this statement may be shared as \(report.marking.label)." }
        let items = report.withheld.map { "\($0.what) (\($0.tlp.label))" }
        return "Withheld from this statement, which holds only what is marked \(report.ceiling.label) or lower: \(joined(items))."
    }

    static func joined(_ items: [String]) -> String {
        switch items.count {
        case 0: return ""
        case 1: return items[0]
        case 2: return "\(items[0]) and \(items[1])"
        default: return items.dropLast().joined(separator: "; ") + "; and " + items[items.count - 1]
        }
    }
}
