import STIX

/// A MISP event as STIX 2.1: a `report` (the event's `info`, date, tags) created by the
/// organisation that wrote it (`identity`), an `indicator` for each attribute flagged `to_ids`,
/// `observed-data` for the other observable attributes, `indicates` relationships from every
/// indicator to the actors and malware the event's galaxy clusters name, and the event's TLP tag
/// as the marking of everything.
///
/// Ids come from MISP's uuids (`indicator--<attribute uuid>`, `report--<event uuid>`), so
/// importing an event again, or a newer version of it, updates the same objects.
public struct MISPEventConverter: Sendable {
    /// What became of the attributes of one event.
    public struct Counts: Sendable {
        public var attributes = 0
        public var indicators = 0
        public var observed = 0
        /// Skipped attributes by reason.
        public var skipped: [String: Int] = [:]
        public var skippedCount: Int { skipped.values.reduce(0, +) }

        public init() {}

        public static func + (lhs: Counts, rhs: Counts) -> Counts {
            var sum = lhs
            sum.attributes += rhs.attributes
            sum.indicators += rhs.indicators
            sum.observed += rhs.observed
            sum.skipped.merge(rhs.skipped, uniquingKeysWith: +)
            return sum
        }
    }

    /// One event converted.
    public struct Conversion: Sendable {
        public var eventID: String
        public var info: String
        public var objects: [JSONObject]
        public var counts: Counts
        /// Remarks on values kept in another form (host bits, composite values), and examples of
        /// skipped attributes.
        public var notes: [String]
    }

    /// Finds the STIX id of an actor or malware a galaxy tag names without a cluster
    /// (`misp-galaxy:threat-actor="APT31"` → `threat-actor`, `APT31`); nil leaves it out.
    public var resolveCluster: @Sendable (_ stixType: String, _ value: String) -> String?
    let mapping = MISPAttributeMapping()

    public init(resolveCluster: @escaping @Sendable (String, String) -> String? = { _, _ in nil }) {
        self.resolveCluster = resolveCluster
    }

    /// Converts one event; throws when it has no uuid.
    public func convert(event: JSONObject) throws(MISPError) -> Conversion {
        guard let uuid = event["uuid"]?.stringValue?.lowercased(), MISPDocument.isUUID(uuid) else {
            throw MISPError("an event without a valid uuid (\(event["info"]?.stringValue ?? "no info"))")
        }
        let info = event["info"]?.stringValue ?? "MISP event \(uuid)"
        let eventTime = Self.timestamp(event["timestamp"]) ?? Self.date(event["date"]) ?? STIXTimestamp(secondsSinceEpoch: 0)
        var builder = Builder(eventTime: eventTime)
        let tags = Self.tagNames(event)
        builder.marking = Self.tlp(tags)
        if let organisation = (event["Orgc"] ?? event["Org"])?.objectValue {
            builder.creator = builder.identity(organisation, at: eventTime)
        }
        builder.targets = clusterTargets(event, tags: tags, builder: &builder)

        for attribute in (event["Attribute"]?.arrayValue ?? []).compactMap(\.objectValue) {
            builder.add(attribute: attribute, object: nil, mapping: mapping)
        }
        for object in (event["Object"]?.arrayValue ?? []).compactMap(\.objectValue) {
            for attribute in (object["Attribute"]?.arrayValue ?? []).compactMap(\.objectValue) {
                builder.add(attribute: attribute, object: object, mapping: mapping)
            }
        }
        builder.report(uuid: uuid, info: info, published: Self.timestamp(event["publish_timestamp"]) ?? Self.date(event["date"]) ?? eventTime, tags: tags)
        return Conversion(eventID: "report--\(uuid)", info: info, objects: builder.finished(), counts: builder.counts, notes: builder.notes)
    }

    /// Converts attributes and objects that came without an event (a search result): no report.
    public func convert(attributes: [JSONObject], objects: [JSONObject]) -> Conversion {
        var builder = Builder(eventTime: STIXTimestamp(secondsSinceEpoch: 0))
        for attribute in attributes { builder.add(attribute: attribute, object: nil, mapping: mapping) }
        for object in objects {
            for attribute in (object["Attribute"]?.arrayValue ?? []).compactMap(\.objectValue) {
                builder.add(attribute: attribute, object: object, mapping: mapping)
            }
        }
        return Conversion(eventID: "", info: "MISP attributes", objects: builder.finished(), counts: builder.counts, notes: builder.notes)
    }

    /// The STIX ids the event's galaxy clusters name: threat actors (with their objects, when
    /// the event carries the cluster), ATT&CK intrusion sets, malware and tools.
    private func clusterTargets(_ event: JSONObject, tags: [String], builder: inout Builder) -> [String] {
        var targets: [String] = []
        var named: Set<String> = []
        for galaxy in (event["Galaxy"]?.arrayValue ?? []).compactMap(\.objectValue) {
            for cluster in (galaxy["GalaxyCluster"]?.arrayValue ?? []).compactMap(\.objectValue) {
                let type = cluster["type"]?.stringValue ?? galaxy["type"]?.stringValue ?? ""
                guard let uuid = cluster["uuid"]?.stringValue, let prefix = Self.targetType(type),
                    let id = MISPGalaxy.stixID(prefix, uuid: uuid)
                else { continue }
                if prefix == "threat-actor", let actor = try? MISPGalaxy.actor(cluster) { builder.objects.append(actor.object) }
                targets.append(id.rawValue)
                if let tag = cluster["tag_name"]?.stringValue { named.insert(tag) }
            }
        }
        for tag in tags where tag.hasPrefix("misp-galaxy:") && !named.contains(tag) {
            // misp-galaxy:TYPE="VALUE"
            let body = tag.dropFirst("misp-galaxy:".count)
            guard let equals = body.firstIndex(of: "=") else { continue }
            let type = String(body[..<equals])
            let value = String(body[body.index(after: equals)...].filter { $0 != "\"" })
            guard let stixType = Self.targetType(type) else { continue }
            if let id = resolveCluster(stixType, value) { targets.append(id) } else { builder.notes.append("galaxy tag \(tag): no such actor or software known; not linked") }
        }
        var seen: Set<String> = []
        return targets.filter { seen.insert($0).inserted }
    }

    /// Whether the event has galaxy tags of actors or software that `resolveCluster` must look
    /// up (tags without the cluster beside them).
    public static func hasTagsToResolve(_ event: JSONObject) -> Bool {
        tagNames(event).contains { tag in
            guard tag.hasPrefix("misp-galaxy:"), let equals = tag.firstIndex(of: "=") else { return false }
            return targetType(String(tag[tag.index(tag.startIndex, offsetBy: 12)..<equals])) != nil
        }
    }

    /// The STIX type a galaxy's clusters become as targets of `indicates`.
    static func targetType(_ galaxyType: String) -> String? {
        if MISPGalaxy.isActorGalaxy(galaxyType) { return "threat-actor" }
        switch galaxyType {
        case "mitre-intrusion-set", "mitre-enterprise-attack-intrusion-set": return "intrusion-set"
        case "mitre-malware", "mitre-enterprise-attack-malware": return "malware"
        case "mitre-tool", "mitre-enterprise-attack-tool": return "tool"
        default: return nil
        }
    }

    static func tagNames(_ item: JSONObject) -> [String] {
        (item["Tag"]?.arrayValue ?? []).compactMap { $0.objectValue?["name"]?.stringValue ?? $0.stringValue }
    }

    /// The most restrictive TLP tag (`tlp:amber`, `tlp:amber+strict`, `tlp:white`, ...).
    static func tlp(_ tags: [String]) -> TLPLevel? {
        tags.compactMap { tag in tag.lowercased().hasPrefix("tlp:") ? TLPLevel(name: tag) : nil }.max()
    }

    /// MISP's Unix seconds (a string or a number); nil for none or zero.
    static func timestamp(_ value: JSONValue?) -> STIXTimestamp? {
        guard let seconds = value?.intValue ?? value?.stringValue.flatMap({ Int64($0) }), seconds > 0 else { return nil }
        return STIXTimestamp(secondsSinceEpoch: seconds)
    }

    static func date(_ value: JSONValue?) -> STIXTimestamp? {
        guard let text = value?.stringValue, text.count == 10 else { return nil }
        return try? STIXTimestamp(text + "T00:00:00Z")
    }

    /// Collects the objects of one conversion.
    struct Builder {
        var eventTime: STIXTimestamp
        var marking: TLPLevel?
        var creator: String?
        var targets: [String] = []
        var objects: [JSONObject] = []
        var counts = Counts()
        var notes: [String] = []
        private var observableIDs: Set<String> = []
        private var noteLimit = 20

        init(eventTime: STIXTimestamp) { self.eventTime = eventTime }

        func base(_ id: String, at time: STIXTimestamp, marking: TLPLevel?) -> [(key: String, value: JSONValue)] {
            var members: [(key: String, value: JSONValue)] = [
                ("type", .string(Self.type(of: id))), ("spec_version", "2.1"), ("id", .string(id)), ("created", .string(time.text)),
                ("modified", .string(time.text)),
            ]
            if let creator { members.append(("created_by_ref", .string(creator))) }
            if let marking { members.append(("object_marking_refs", [.string(TLPMarkings.tlp2ID(marking))])) }
            return members
        }

        /// `indicator` of `indicator--…`.
        static func type(of id: String) -> String {
            (try? STIXIdentifier(validating: id))?.type ?? id
        }

        mutating func identity(_ organisation: JSONObject, at time: STIXTimestamp) -> String? {
            guard let uuid = organisation["uuid"]?.stringValue?.lowercased(), MISPDocument.isUUID(uuid) else { return nil }
            let id = "identity--\(uuid)"
            objects.append(JSONObject([
                ("type", "identity"), ("spec_version", "2.1"), ("id", .string(id)), ("created", .string(time.text)),
                ("modified", .string(time.text)), ("name", .string(organisation["name"]?.stringValue ?? uuid)),
                ("identity_class", "organization"),
            ]))
            return id
        }

        mutating func note(_ text: String) {
            guard notes.count < noteLimit else { return }
            notes.append(text)
        }

        /// One attribute as an indicator or observed data, or counted as skipped.
        mutating func add(attribute: JSONObject, object: JSONObject?, mapping: MISPAttributeMapping) {
            counts.attributes += 1
            let type = attribute["type"]?.stringValue ?? ""
            let value = attribute["value"]?.stringValue ?? attribute["value"].map { JSONWriter().string($0) } ?? ""
            if attribute["deleted"]?.boolValue == true {
                counts.skipped["deleted in MISP", default: 0] += 1
                return
            }
            guard let uuid = attribute["uuid"]?.stringValue?.lowercased(), MISPDocument.isUUID(uuid) else {
                counts.skipped["no valid uuid", default: 0] += 1
                note("\(type) \(value): no valid uuid; skipped")
                return
            }
            let mapped: MISPAttributeMapping.Mapped
            do {
                mapped = try mapping.map(type: type, value: value)
            } catch {
                counts.skipped[error.kind, default: 0] += 1
                if case .notObservable = error {} else { note("\(type) \(value.prefix(80)): \(error); skipped") }
                return
            }
            if let remark = mapped.note, remark.contains("host bits") { note(remark) }
            let time = MISPEventConverter.timestamp(attribute["timestamp"]) ?? eventTime
            let tags = MISPEventConverter.tagNames(attribute)
            let marking = MISPEventConverter.tlp(tags) ?? self.marking
            let objectName = object?["name"]?.stringValue
            let relation = attribute["object_relation"]?.stringValue
            var description = [attribute["comment"]?.stringValue, mapped.note].compactMap { $0?.isEmpty == false ? $0 : nil }.joined(separator: "; ")
            if let objectName { description = "MISP object \(objectName)" + (relation.map { " (\($0))" } ?? "") + (description.isEmpty ? "" : ": \(description)") }
            let labels = Self.labels(tags)
            let toIDs = attribute["to_ids"]?.boolValue ?? false
            if toIDs {
                let id = "indicator--\(uuid)"
                var members = base(id, at: time, marking: marking)
                members += [
                    ("name", .string("\(type) \(value)")), ("indicator_types", ["malicious-activity"]), ("pattern", .string(mapped.pattern)),
                    ("pattern_type", "stix"), ("valid_from", .string((MISPEventConverter.timestamp(attribute["first_seen"]) ?? time).text)),
                ]
                if !description.isEmpty { members.append(("description", .string(description))) }
                if !labels.isEmpty { members.append(("labels", .array(labels.map(JSONValue.string)))) }
                if let category = attribute["category"]?.stringValue {
                    members.append(("kill_chain_phases", [.object(JSONObject([("kill_chain_name", "misp-category"), ("phase_name", .string(Self.phase(category)))]))]))
                }
                objects.append(JSONObject(members))
                for target in targets {
                    var relationship = base(STIXIdentifier.deterministic(type: "relationship", name: "\(id) indicates \(target)").rawValue, at: time, marking: marking)
                    relationship += [("relationship_type", "indicates"), ("source_ref", .string(id)), ("target_ref", .string(target))]
                    objects.append(JSONObject(relationship))
                }
                counts.indicators += 1
            } else {
                guard !mapped.observables.isEmpty else {
                    counts.skipped["not flagged to_ids and no observable object", default: 0] += 1
                    return
                }
                for observable in mapped.observables {
                    guard let id = observable["id"]?.stringValue, observableIDs.insert(id).inserted else { continue }
                    objects.append(observable)
                }
                var members = base("observed-data--\(uuid)", at: time, marking: marking)
                members += [
                    ("first_observed", .string(time.text)), ("last_observed", .string(time.text)), ("number_observed", 1),
                    ("object_refs", .array(mapped.observables.compactMap { $0["id"] })),
                ]
                if !labels.isEmpty { members.append(("labels", .array(labels.map(JSONValue.string)))) }
                objects.append(JSONObject(members))
                counts.observed += 1
            }
        }

        /// MISP categories as kill-chain phase names (lower case, hyphens).
        static func phase(_ category: String) -> String {
            String(category.lowercased().map { $0.isLetter || $0.isNumber ? $0 : "-" })
        }

        /// Tags other than TLP's, as labels.
        static func labels(_ tags: [String]) -> [String] { tags.filter { !$0.lowercased().hasPrefix("tlp:") } }

        mutating func report(uuid: String, info: String, published: STIXTimestamp, tags: [String]) {
            // Everything but the author; the author alone for an event with nothing else.
            let content = objects.filter { $0["type"]?.stringValue != "identity" }
            var members = base("report--\(uuid)", at: eventTime, marking: marking)
            members += [
                ("name", .string(info)), ("report_types", ["threat-report"]), ("published", .string(published.text)),
                ("object_refs", .array((content.isEmpty ? objects : content).compactMap { $0["id"] })),
            ]
            let labels = Self.labels(tags)
            if !labels.isEmpty { members.append(("labels", .array(labels.map(JSONValue.string)))) }
            members.append(("external_references", [.object(JSONObject([("source_name", "misp"), ("external_id", .string(uuid))]))]))
            objects.append(JSONObject(members))
        }

        /// The objects, with the marking definition they refer to first.
        func finished() -> [JSONObject] {
            let levels = Set(objects.compactMap { object in object["object_marking_refs"]?.arrayValue?.first?.stringValue.flatMap { TLPMarkings.wellKnown[$0] } })
            return levels.sorted().map(TLPMarkings.definition) + objects
        }
    }
}
