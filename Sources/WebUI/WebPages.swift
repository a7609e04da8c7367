import Foundation
import IntelStore
import Mustache
import Reports
import STIX
import VigilKit

/// What the layout shows around every page: the title, the TLP banner of the content (the
/// highest marking on the page; none on pages without intel or case content), who is signed
/// in, the search box and the form token of the sign-out button.
struct PageChrome {
    struct Banner {
        var label: String
        var top: String
        var bottom: String
    }

    var title: String
    var style: String
    var tlp: Banner?
    var user: String?
    var clearance = ""
    var csrf = ""
    var query = ""
    var onCases = false
    var onIntel = false

    init(title: String, tlp: TLPLevel? = nil, user: WebUser? = nil) {
        self.title = title
        style = ReportHTML.stylesheet(tlp) + WebPages.style
        self.tlp = tlp.map {
            Banner(label: $0.label, top: ReportHTML.tlpBanner($0, element: "header", id: "tlp-top"), bottom: ReportHTML.tlpBanner($0, element: "footer", id: "tlp-bottom"))
        }
        if let user {
            self.user = user.requester.user.name
            clearance = user.requester.user.clearance.label
            csrf = user.session.csrf
        }
    }
}

/// The values each page's template shows, built from what `CaseDesk` answers.
enum WebPages {
    // MARK: Cases

    struct CaseRow {
        var name, href, tlp, tlpStyle, findings, created, description: String
    }

    struct CasesPage {
        var rows: [CaseRow]
        var empty: Bool
        var count: Int
        var plural: String
    }

    static func cases(_ listings: [CaseDesk.CaseListing]) -> CasesPage {
        let rows = listings.map { listing in
            let tlp = listing.info.tlp ?? .amber
            let colours = ReportPalette.tlp(tlp)
            return CaseRow(
                name: listing.info.name, href: WebPaths.case(listing.info.name), tlp: tlp.label,
                tlpStyle: "color:\(colours.text);background:\(colours.background)", findings: grouped(listing.findings),
                created: ReportWording.time(listing.info.created), description: listing.info.description)
        }
        return CasesPage(rows: rows, empty: rows.isEmpty, count: rows.count, plural: rows.count == 1 ? "" : "s")
    }

    // MARK: A case

    struct Download {
        var label, href: String
    }

    struct NoteRow {
        var author, at, text: String
    }

    struct CasePage {
        var name, tlp, created, findings, plural, ceiling, csrf, notesHref: String
        var drafted: String?
        var description: String?
        var hasTimeline, hasHeatMap, hasRanking, hasEvidence, canWrite, hasNotes: Bool
        var withheld, summary, timeline, heatMap, findingsBlock, ranking, sightings, evidence: String
        var notes: [NoteRow]
        var downloads: [Download]
    }

    static func casePage(_ view: CaseDesk.CaseView, findingsBlock: String, ceiling: TLPLevel, csrf: String) -> CasePage {
        let report = view.report
        let name = view.info.name
        let notes = view.notes.map { NoteRow(author: $0.author, at: ReportWording.time($0.at), text: ReportWording.note($0)) }
        return CasePage(
            name: name, tlp: (view.info.tlp ?? .amber).label, created: ReportWording.time(view.info.created), findings: grouped(report.findingCount),
            plural: report.findingCount == 1 ? "" : "s", ceiling: ceiling.label, csrf: csrf, notesHref: WebPaths.case(name) + "/notes",
            drafted: ReportWording.time(report.generated), description: view.info.description.isEmpty ? nil : view.info.description,
            hasTimeline: !(report.timeline?.buckets.isEmpty ?? true), hasHeatMap: !report.heatMap.isEmpty, hasRanking: !report.ranking.isEmpty,
            hasEvidence: !report.evidence.isEmpty, canWrite: view.canWrite, hasNotes: !notes.isEmpty,
            withheld: ReportHTML.render(.withheld, of: report), summary: ReportHTML.render(.summary, of: report),
            timeline: ReportHTML.render(.timeline, of: report), heatMap: ReportHTML.render(.heatMap, of: report), findingsBlock: findingsBlock,
            ranking: ReportHTML.render(.ranking, of: report), sightings: ReportHTML.render(.sightings, of: report),
            evidence: ReportHTML.render(.evidence, of: report), notes: notes,
            downloads: [
                Download(label: "Report (HTML)", href: WebPaths.case(name) + "/report.html"),
                Download(label: "Report (Markdown)", href: WebPaths.case(name) + "/report.md"),
                Download(label: "ATT&CK Navigator layer (JSON)", href: WebPaths.case(name) + "/layer.json"),
                Download(label: "STIX 2.1 bundle (JSON)", href: WebPaths.case(name) + "/stix.json"),
            ])
    }

    // MARK: Findings

    struct Option {
        var value, label: String
        var selected: Bool
    }

    struct Field {
        var name, value: String
    }

    struct FindingRow {
        var time, level, levelClass, rule, techniques, host, event, evidence, fieldsPlural: String
        var fields: [Field]
        var hasFields: Bool
        var fieldCount: Int
    }

    struct FindingsBlock {
        var action, technique, host, from, to, total, plural, clearHref: String
        var levels, tactics: [Option]
        var filtered, hasRows: Bool
        var rows: [FindingRow]
        var first, last, pageSize: Int
        var firstHref, nextHref: String?
    }

    /// The findings' filter form, table and page links. `start` is the position of the
    /// page's first finding (1 on the first page).
    static func findingsBlock(case name: String, query: FindingQuery, page: FindingPage, start: Int) -> FindingsBlock {
        let filter = query.filter
        let levels = [("", "any")] + ["critical", "high", "medium", "low", "informational", "none"].map { ($0, $0) }
        let tactics = [("", "any")] + ATTACKMatrix.tactics.compactMap { phase in ATTACKMatrix.id(ofPhase: phase).map { ($0, ATTACKMatrix.title(phase)) } }
        let rows = page.findings.map { finding -> FindingRow in
            let fields = finding.fields.sorted { $0.key < $1.key }.prefix(24).map { Field(name: $0.key, value: ReportWording.clipped($0.value, 600)) }
            var event = [finding.channel, finding.eventID.map { "event \($0)" }, finding.recordID.map { "record \($0)" }].compactMap { $0 }.joined(separator: " · ")
            if event.isEmpty { event = "-" }
            let evidenceName = URL(fileURLWithPath: finding.evidence).lastPathComponent
            return FindingRow(
                time: ReportWording.time(finding.timestamp), level: finding.level ?? "none", levelClass: (finding.level ?? "none").filter(\.isLetter),
                rule: finding.ruleTitle, techniques: finding.techniques.joined(separator: ", "), host: finding.computer ?? "-", event: event,
                evidence: evidenceName, fieldsPlural: fields.count == 1 ? "" : "s", fields: Array(fields), hasFields: !fields.isEmpty, fieldCount: fields.count)
        }
        let base = WebPaths.case(name) + "/findings"
        let next = page.next.map { base + "?" + query.encoded(after: $0.token, start: start + rows.count) }
        return FindingsBlock(
            action: base, technique: filter.technique ?? "", host: filter.host ?? "", from: filter.from ?? "", to: filter.to ?? "",
            total: (page.totalIsExact ? "" : "more than ") + grouped(page.total), plural: page.total == 1 && page.totalIsExact ? "" : "s",
            clearHref: base,
            levels: levels.map { Option(value: $0.0, label: $0.1, selected: filter.levels.contains($0.0) || ($0.0.isEmpty && filter.levels.isEmpty)) },
            tactics: tactics.map { Option(value: $0.0, label: $0.1, selected: filter.tactic == $0.0 || ($0.0.isEmpty && filter.tactic == nil)) },
            filtered: query.isFiltered, hasRows: !rows.isEmpty, rows: rows, first: start, last: start + max(rows.count, 1) - 1, pageSize: query.limit,
            firstHref: query.after == nil ? nil : base + "?" + query.encoded(after: nil, start: nil), nextHref: next)
    }

    struct FindingsPage {
        var name, tlp, caseHref, findingsBlock: String
    }

    // MARK: Intel

    struct KindLink {
        var label, href: String
        var current: Bool
    }

    struct IntelRow {
        var attackID, name, href, type, tlp, aliases: String
    }

    struct IntelPage {
        var title: String
        var kinds: [KindLink]
        var rows: [IntelRow]
        var empty: Bool
        var count: Int
    }

    static func intel(_ kind: CaseDesk.IntelKind, objects: [StoredObject], unmarked: TLPLevel) -> IntelPage {
        IntelPage(
            title: kind.title,
            kinds: CaseDesk.IntelKind.allCases.map { KindLink(label: $0.title, href: WebPaths.intel($0), current: $0 == kind) },
            rows: objects.map { intelRow($0, unmarked: unmarked) }, empty: objects.isEmpty, count: objects.count)
    }

    static func intelRow(_ stored: StoredObject, unmarked: TLPLevel) -> IntelRow {
        let object = stored.object
        return IntelRow(
            attackID: object.attackID ?? object.disarmID.map { "DISARM \($0)" } ?? "-", name: object.name ?? stored.id, href: WebPaths.object(stored.id), type: stored.type,
            tlp: stored.tlp?.label ?? "unmarked (\(unmarked.label))", aliases: object.aliases.filter { $0 != object.name }.joined(separator: ", "))
    }

    /// An object at the other end of a relationship, and what the relationship says.
    struct RelatedRow {
        var object: IntelRow
        var how: String
    }

    struct RelatedGroup {
        var title, anchor: String
        var count: Int
        var rows: [RelatedRow]
    }

    struct Source {
        var name: String
        var url: String?
    }

    struct IntelObjectPage {
        var kindHref, kindTitle, name, type, tlp, versions, modified, id: String
        var attackID, aliases, description: String?
        var extras: [Field]
        var groups: [RelatedGroup]
        var sources: [Source]
        var hasSources: Bool
    }

    static func intelObject(_ view: CaseDesk.IntelView, unmarked: TLPLevel) -> IntelObjectPage {
        let stored = view.object
        let object = stored.object
        let kind = CaseDesk.IntelKind.allCases.first { $0.types.contains(stored.type) }
        var groups: [RelatedGroup] = []
        for related in view.related {
            let title = related.outgoing ? "\(related.relationship)" : "\(related.relationship) (from)"
            let row = RelatedRow(object: intelRow(related.other, unmarked: unmarked), how: ReportWording.clipped(related.description ?? "", 400))
            if let last = groups.indices.last, groups[last].title == title {
                groups[last].rows.append(row)
                groups[last].count += 1
            } else {
                groups.append(RelatedGroup(title: title, anchor: "related-\(groups.count + 1)", count: 1, rows: [row]))
            }
        }
        // Where the MISP galaxy says who is behind an actor.
        var extras: [Field] = []
        for (property, label) in [("x_misp_country", "Country"), ("x_misp_state_sponsor", "Suspected state sponsor"), ("x_misp_victims", "Suspected victims"), ("x_misp_target_categories", "Target categories")] {
            let values = object.texts(property)
            if !values.isEmpty { extras.append(Field(name: label, value: values.joined(separator: ", "))) }
        }
        let sources = object.externalReferences.prefix(40).compactMap { reference -> Source? in
            let name = reference.description.map { ReportWording.clipped($0, 300) } ?? reference.sourceName
            let url = reference.url.flatMap { $0.hasPrefix("https://") || $0.hasPrefix("http://") ? $0 : nil }
            return Source(name: name, url: url)
        }
        let aliases = object.aliases.filter { $0 != object.name }
        return IntelObjectPage(
            kindHref: kind.map(WebPaths.intel) ?? WebPaths.intel(.groups), kindTitle: kind?.title ?? "Groups", name: object.name ?? stored.id,
            type: stored.type, tlp: stored.tlp?.label ?? "unmarked (counted as \(unmarked.label))", versions: String(view.versions),
            modified: ReportWording.time(object.modified?.text ?? object.created?.text), id: stored.id, attackID: object.attackID,
            aliases: aliases.isEmpty ? nil : aliases.joined(separator: ", "), description: object.objectDescription, extras: extras, groups: groups,
            sources: sources, hasSources: !sources.isEmpty)
    }

    // MARK: Search

    struct FoundCase {
        var name, href, tlp: String
        var description: String?
    }

    struct SearchPage {
        var query: String?
        var cases: [FoundCase]
        var objects: [IntelRow]
        var caseCount, objectCount: Int
        var hasCases, hasObjects: Bool
    }

    static func search(_ query: String, result: CaseDesk.SearchResult, unmarked: TLPLevel) -> SearchPage {
        let cases = result.cases.map {
            FoundCase(name: $0.name, href: WebPaths.case($0.name), tlp: ($0.tlp ?? .amber).label, description: $0.description.isEmpty ? nil : ReportWording.clipped($0.description, 200))
        }
        let objects = result.objects.map { intelRow($0, unmarked: unmarked) }
        return SearchPage(
            query: query.isEmpty ? nil : query, cases: cases, objects: objects, caseCount: cases.count, objectCount: objects.count,
            hasCases: !cases.isEmpty, hasObjects: !objects.isEmpty)
    }

    // MARK: Others

    struct LoginPage {
        var next, user: String
        var problem: String?
    }

    struct ErrorPage {
        var title, message: String
    }

    /// What the pages add to the report's style sheet: the bar, forms, filters.
    static let style = """
        .bar { display: flex; flex-wrap: wrap; align-items: center; gap: 0.4rem 1.5rem; background: #1f2d3d; color: #ffffff; padding: 0.4rem 1.5rem; }
        .bar a, .bar label, .bar p { color: #ffffff; }
        .bar .brand { font-weight: bold; font-size: 1.2rem; margin: 0; }
        .bar ul, .sections ul, .pages ul { list-style: none; margin: 0; padding: 0; display: flex; flex-wrap: wrap; gap: 0.3rem 1.2rem; }
        .bar a.current, .sections a.current { font-weight: bold; }
        .bar form { display: flex; align-items: center; gap: 0.4rem; margin: 0; }
        .bar form p { margin: 0; font-size: 0.9rem; }
        .bar .search { margin-left: auto; }
        .sections { margin: 0.8rem 0; }
        .crumbs { margin: 0.6rem 0 0; }
        .chip { padding: 0 0.35rem; font-weight: bold; border-radius: 3px; }
        .problem { background: #fde8e8; border-left: 5px solid #a00000; padding: 0.5rem 1rem; }
        .filters fieldset { display: flex; flex-wrap: wrap; gap: 0.2rem 1rem; align-items: flex-end; border: 1px solid \(ReportPalette.rule); }
        .filters p { margin: 0.2rem 0; }
        .forms { display: flex; flex-wrap: wrap; gap: 1rem 2rem; }
        .note-form { flex: 1 1 20rem; }
        input, select, textarea, button { font: inherit; max-width: 100%; }
        textarea { width: 100%; }
        .login input { width: 20rem; }
        dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 0.2rem 1rem; }
        dl.facts dt { font-weight: bold; }
        dl.facts dd { margin: 0; }
        .prose { white-space: pre-wrap; }
        details dl { margin: 0.3rem 0; }
        details dl dt { font-weight: bold; }
        details dl dd { margin: 0 0 0.3rem 1rem; word-break: break-all; }
        tr.level-critical td:nth-child(2), tr.level-high td:nth-child(2) { font-weight: bold; }
        .notes li { margin-bottom: 0.3rem; }
        .note-text { white-space: pre-wrap; }
        @media print { .bar, .filters, .forms, .pages { display: none; } }

        """
}

/// The pages' addresses: names and ids are percent-encoded as one path segment.
enum WebPaths {
    static let segment: CharacterSet = {
        var allowed = CharacterSet.alphanumerics.intersection(CharacterSet(charactersIn: Unicode.Scalar(0)..<Unicode.Scalar(128)))
        allowed.insert(charactersIn: "-._~")
        return allowed
    }()

    static func encode(_ text: String) -> String { text.addingPercentEncoding(withAllowedCharacters: segment) ?? "" }

    static func `case`(_ name: String) -> String { "/ui/cases/" + encode(name) }
    static func intel(_ kind: CaseDesk.IntelKind) -> String { "/ui/intel?kind=" + kind.rawValue }
    static func object(_ id: String) -> String { "/ui/intel/" + encode(id) }
}

// The rows of long tables answer the templates' look-ups directly: found by reflection, their
// values cost more than the database query of the page.
extension WebPages.FindingRow: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "time": return time
        case "level": return level
        case "levelClass": return levelClass
        case "rule": return rule
        case "techniques": return techniques
        case "host": return host
        case "event": return event
        case "evidence": return evidence
        case "fieldsPlural": return fieldsPlural
        case "fields": return fields
        case "hasFields": return hasFields
        case "fieldCount": return fieldCount
        default: return nil
        }
    }
}

extension WebPages.Field: MustacheParent {
    func child(named name: String) -> Any? { name == "name" ? self.name : name == "value" ? value : nil }
}

extension WebPages.Option: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "value": return value
        case "label": return label
        case "selected": return selected
        default: return nil
        }
    }
}

extension WebPages.IntelRow: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "attackID": return attackID
        case "name": return self.name
        case "href": return href
        case "type": return type
        case "tlp": return tlp
        case "aliases": return aliases
        default: return nil
        }
    }
}

extension WebPages.RelatedRow: MustacheParent {
    func child(named name: String) -> Any? { name == "how" ? how : object.child(named: name) }
}
