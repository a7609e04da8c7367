import Attribution
import Foundation
import IntelStore
import Reports
import STIX

/// The forms `vigil report` writes.
public enum ReportFormat: String, Sendable, CaseIterable {
    case html, md, navigator, stix
    /// The paragraphs a government could publish (`AttributionStatement`).
    case statement
}

/// A case's report from the store: attributed, laid out, redacted to a TLP ceiling.
public enum CaseReporting {
    /// The report of a case, with what it was drawn from.
    public struct Drafted: Sendable {
        public var report: CaseReport
        public var attribution: CaseAttribution
        public var findings: [CaseFinding]
    }

    /// Attributes the case and draws up its report: the top groups as stored (for their
    /// markings) and the threat actors the intel says are behind the verdict's group.
    /// Without `requireKnowledge`, a store without ATT&CK groups gives a report without an
    /// assessment instead of an error.
    public static func draft(
        case name: String, store: any VigilStore, options: CaseReport.Options = .init(), victim: Victim = .none, requireKnowledge: Bool = true
    ) async throws(VigilError) -> Drafted {
        let (attribution, findings) = try await CaseAttribution.attributeReading(case: name, store: store, victim: victim, requireKnowledge: requireKnowledge)
        return try await VigilError.wrapping {
            let evidence = try await store.evidence(ofCase: name)
            let top = attribution.result.ranking.prefix(options.top).map(\.group.id)
            let groups = try await store.latest(ids: top)
            var actors: [StoredObject] = []
            if case .group(let group) = attribution.result.verdict {
                actors = try await store.related(to: group.id, through: "attributed-to", direction: .outgoing, types: ["threat-actor"]).map(\.object)
            }
            let report = CaseReport(attribution: attribution, findings: findings, evidence: evidence, groups: groups, actors: actors, options: options)
            return Drafted(report: report, attribution: attribution, findings: findings)
        }
    }

    /// The report in one format. Navigator layers and STIX carry the whole case, so they are
    /// refused when the case is marked above the ceiling.
    public static func render(case name: String, store: any VigilStore, format: ReportFormat, options: CaseReport.Options = .init(), victim: Victim = .none) async throws(VigilError) -> String {
        let drafted = try await draft(case: name, store: store, options: options, victim: victim)
        switch format {
        case .html: return ReportHTML.render(drafted.report)
        case .md: return ReportMarkdown.render(drafted.report)
        case .statement: return AttributionStatement.render(drafted.report)
        case .navigator, .stix:
            let what = format == .stix ? "STIX report" : "Navigator layer"
            guard drafted.report.caseTLP <= options.maxTLP else {
                throw .invalid("case \(name) is \(drafted.report.caseTLP.label), above --max-tlp \(options.maxTLP.label): a \(what) of it would carry all of it; use --format html or md, which leave out what is marked above the ceiling")
            }
            // Layers and bundles name the findings' rules and indicators: nothing may be withheld.
            if let highest = drafted.report.withheld.map(\.tlp).max() {
                throw .invalid("case \(name) holds intel marked \(highest.label), above --max-tlp \(options.maxTLP.label), which a \(what) would carry; use --format html or md, which leave it out")
            }
            if format == .navigator {
                return NavigatorLayer.write(NavigatorLayers.of(drafted.report, knowledge: drafted.attribution.knowledge, findings: drafted.findings))
            }
            do {
                return try drafted.attribution.render(.stix, top: min(options.top, 3), explain: false, now: options.generated)
            } catch {
                throw .report("the STIX report of case \(name) could not be built: \(error)")
            }
        }
    }
}

/// A case's findings that a filter selects, read page by page (the CLI's timeline; the web
/// pages read one page at a time).
public enum CaseFindingSelection {
    /// The first `limit` findings the filter selects (all when nil).
    public static func select(case name: String, store: any VigilStore, filter: FindingFilter, limit: Int? = nil) async throws(VigilError) -> [CaseFinding] {
        try await VigilError.wrapping {
            var findings: [CaseFinding] = []
            var cursor: FindingCursor?
            repeat {
                let wanted = limit.map { $0 - findings.count } ?? 1_000
                let page = try await store.findings(ofCase: name, filter: filter, after: cursor, limit: min(wanted, 1_000))
                findings += page.findings
                cursor = page.next
            } while cursor != nil && limit.map { findings.count < $0 } ?? true
            return findings
        }
    }
}
