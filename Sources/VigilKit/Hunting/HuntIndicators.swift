import Foundation
import Indicators
import IntelStore
import STIX

/// The indicators a hunt matches: the store's STIX `indicator`s (from STIX feeds, MISP events,
/// TAXII pulls) with their provenance, optionally only those of some sources, and the
/// warninglists that suppress hits on benign values.
public enum HuntIndicators {
    /// What was loaded, for the hunt and for the analyst.
    public struct Loaded: Sendable {
        public var matcher: EventIndicatorMatcher
        public var report: IndicatorSet.LoadReport
        /// Indicators left out: not STIX patterns, or not of the sources asked for.
        public var otherPatternTypes = 0
        public var otherSources = 0
        public var warninglistProblems: [String] = []
        public var seconds = 0.0
    }

    /// Loads the indicators of the store. `sources` (names or ids of the creating identity or
    /// of a report holding the indicator, e.g. a MISP event; any case) limits them when not
    /// empty; `warninglists` are MISP warninglist files or folders of them.
    public static func load(
        from store: any IntelStore, sources: [String] = [], warninglists: [String] = [], mapping: ObservableMapping = .standard
    ) async throws(VigilError) -> Loaded {
        let started = Date()
        // Indicators and what says where they come from; relationships by type (not all of
        // ATT&CK's), read only when there are indicators.
        let records = try await VigilError.wrapping { try await store.indicatorRecords() }
        guard !records.isEmpty else { return Loaded(matcher: EventIndicatorMatcher(indicators: IndicatorSet()), report: IndicatorSet.LoadReport()) }
        let objects = try await VigilError.wrapping {
            try await store.objects(types: ["report", "identity"], includeRetired: false) + store.relationships(ofType: "indicates")
                + store.relationships(ofType: "attributed-to")
        }
        var identities: [String: String] = [:]
        var reportsOf: [String: [(id: String, name: String)]] = [:]
        var indicates: [String: [String]] = [:]
        // Threat actors (a galaxy's) stand behind intrusion sets: a hit that indicates the actor
        // is evidence for the sets attributed to it.
        var setsBehindActor: [String: [String]] = [:]
        for stored in objects {
            let object = stored.object
            switch stored.type {
            case "identity": identities[stored.id] = object.name ?? stored.id
            case "report":
                for ref in object["object_refs"]?.arrayValue ?? [] {
                    if let id = ref.stringValue, id.hasPrefix("indicator--") { reportsOf[id, default: []].append((stored.id, object.name ?? stored.id)) }
                }
            case "relationship":
                guard let source = object.sourceRef, let target = object.targetRef else { continue }
                if object.relationshipType == "indicates", source.hasPrefix("indicator--") { indicates[source, default: []].append(target) }
                if object.relationshipType == "attributed-to", source.hasPrefix("intrusion-set--"), target.hasPrefix("threat-actor--") {
                    setsBehindActor[target, default: []].append(source)
                }
            default: break
            }
        }
        let wanted = Set(sources.map { $0.lowercased() })
        var loaded: [(pattern: String, provenance: IndicatorProvenance)] = []
        var otherTypes = 0
        var otherSources = 0
        for record in records {
            guard record.patternType ?? "stix" == "stix", let pattern = record.pattern else {
                otherTypes += 1
                continue
            }
            let creator = record.createdBy
            let reports = reportsOf[record.id] ?? []
            if !wanted.isEmpty {
                let names = [creator, creator.flatMap { identities[$0] }].compactMap { $0 } + reports.flatMap { [$0.id, $0.name] }
                guard names.contains(where: { wanted.contains($0.lowercased()) }) else {
                    otherSources += 1
                    continue
                }
            }
            var source = creator.map { identities[$0] ?? $0 } ?? "unattributed"
            if let report = reports.first { source += " · \(report.name)" }
            var targets = indicates[record.id] ?? []
            for target in targets { targets += setsBehindActor[target] ?? [] }
            loaded.append(
                (
                    pattern,
                    IndicatorProvenance(
                        indicatorID: record.id, name: record.name, source: source, indicates: unique(targets), tlp: record.tlp,
                        validFrom: record.validFrom.flatMap { try? STIXTimestamp($0) },
                        validUntil: record.validUntil.flatMap { try? STIXTimestamp($0) })
                ))
        }
        var set = IndicatorSet()
        let report = set.load(loaded)
        var lists = Warninglists()
        var problems: [String] = []
        if !warninglists.isEmpty {
            let (files, empty) = try InputFiles.expand(warninglists, extensions: ["json"])
            problems += empty.map { "\($0): no .json files in this folder" }
            var contents: [(origin: String, json: [UInt8])] = []
            for file in files where (file as NSString).lastPathComponent != "schema.json" {
                do { contents.append((file, try InputFiles.read(file))) } catch { problems.append(error.description) }
            }
            problems += lists.add(files: contents)
        }
        var result = Loaded(matcher: EventIndicatorMatcher(indicators: set, warninglists: lists, mapping: mapping), report: report)
        result.otherPatternTypes = otherTypes
        result.otherSources = otherSources
        result.warninglistProblems = problems
        result.seconds = Date().timeIntervalSince(started)
        return result
    }

    private static func unique(_ ids: [String]) -> [String] {
        var seen: Set<String> = []
        return ids.filter { seen.insert($0).inserted }
    }
}
