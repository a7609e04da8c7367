import Foundation
import Indicators
import IntelStore
import STIX

/// MISP documents into the store: events become STIX (`MISPEventConverter`) and are imported
/// like any bundle; a threat-actor galaxy becomes `threat-actor`s, each linked to the ATT&CK
/// intrusion sets it names (`attributed-to`), so one actor shows both; a feed's manifest is
/// checked against the event files beside it.
public enum MISPImport {
    /// What a MISP file held and what became of it.
    public struct Summary: Sendable {
        /// "MISP event", "MISP events", "MISP attribute collection", "MISP galaxy", "MISP feed manifest".
        public var kind: String
        public var events = 0
        public var counts = MISPEventConverter.Counts()
        /// Threat actors of a galaxy, and how many were linked to intrusion sets.
        public var actors = 0
        public var linkedActors = 0
        /// DISARM actor types of a galaxy.
        public var actorTypes = 0
        public var notes: [String] = []
    }

    /// The MISP document in `bytes`, or nil when they are not MISP JSON (STIX, say). Only the
    /// first member name is looked at for STIX files, so they are not parsed twice.
    static func document(_ bytes: [UInt8]) throws -> MISPDocument? {
        guard let key = firstKey(bytes) else { return nil }
        let mispKeys: Set<String> = ["Event", "response", "Attribute", "Object", "authors", "category", "values", "source", "uuid", "version"]
        guard mispKeys.contains(key) || MISPDocument.isUUID(key) else { return nil }
        return MISPDocument(try JSONParser.parse(bytes))
    }

    /// The name of the first member of a JSON object, if the bytes start with one.
    static func firstKey(_ bytes: [UInt8]) -> String? {
        var index = 0
        func skipSpace() { while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D, 0xEF, 0xBB, 0xBF].contains(bytes[index]) { index += 1 } }
        skipSpace()
        guard index < bytes.count, bytes[index] == UInt8(ascii: "{") else { return nil }
        index += 1
        skipSpace()
        guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { return nil }
        let start = index + 1
        guard let end = bytes[start...].prefix(300).firstIndex(of: UInt8(ascii: "\"")) else { return nil }
        return String(decoding: bytes[start..<end], as: UTF8.self)
    }

    /// Converts a MISP document to a STIX bundle's bytes and says what it held; nil bytes when
    /// there is nothing to import (a manifest).
    static func convert(
        _ document: MISPDocument, path: String, store: any IntelStore
    ) async throws -> (bundle: [UInt8]?, summary: Summary) {
        switch document {
        case .events(let events):
            // The store's actors are read only for events that name some by tag alone.
            let converter =
                events.contains(where: MISPEventConverter.hasTagsToResolve)
                ? MISPEventConverter(resolveCluster: try await clusterResolver(store)) : MISPEventConverter()
            var summary = Summary(kind: events.count == 1 ? "MISP event" : "MISP events")
            var objects: [JSONObject] = []
            for event in events {
                do {
                    let conversion = try converter.convert(event: event)
                    summary.events += 1
                    summary.counts = summary.counts + conversion.counts
                    summary.notes += conversion.notes.map { "\(conversion.info): \($0)" }
                    objects += conversion.objects
                } catch {
                    summary.notes.append("event refused: \(error)")
                }
            }
            return (bundle(objects), summary)
        case .collection(let attributes, let objects):
            let conversion = MISPEventConverter().convert(attributes: attributes, objects: objects)
            var summary = Summary(kind: "MISP attribute collection")
            summary.counts = conversion.counts
            summary.notes = conversion.notes
            return (bundle(conversion.objects), summary)
        case .galaxy(let galaxy) where MISPGalaxy.isActorTypeGalaxy(galaxy["type"]?.stringValue ?? ""):
            let (objects, refused) = MISPGalaxy.actorTypes(ofGalaxy: galaxy)
            var summary = Summary(kind: "MISP galaxy '\(galaxy["name"]?.stringValue ?? "DISARM actor types")'")
            summary.actorTypes = objects.count
            summary.notes = refused
            return (bundle(objects), summary)
        case .galaxy(let galaxy):
            let (actors, refused) = try MISPGalaxy.actors(ofGalaxy: galaxy)
            var summary = Summary(kind: "MISP galaxy '\(galaxy["name"]?.stringValue ?? galaxy["type"]?.stringValue ?? "?")'")
            summary.actors = actors.count
            summary.notes = refused
            let links = try await links(of: actors, store: store)
            summary.linkedActors = Set(links.compactMap { $0["target_ref"]?.stringValue }).count
            return (bundle(actors.map(\.object) + links), summary)
        case .feedManifest(let entries):
            let folder = (path as NSString).deletingLastPathComponent
            let missing = entries.filter { !FileManager.default.fileExists(atPath: (folder as NSString).appendingPathComponent("\($0.uuid).json")) }
            var summary = Summary(kind: "MISP feed manifest")
            summary.events = entries.count
            summary.notes.append(
                "\(entries.count) events listed; their files (UUID.json) beside it are imported as events"
                    + (missing.isEmpty ? "" : "; \(missing.count) missing: " + missing.prefix(5).map { "\($0.uuid) (\($0.info))" }.joined(separator: ", ")))
            return (nil, summary)
        }
    }

    static func bundle(_ objects: [JSONObject]) -> [UInt8] {
        let bundle = JSONObject([
            ("type", "bundle"), ("id", .string(STIXIdentifier.random(type: "bundle").rawValue)),
            ("objects", .array(objects.map(JSONValue.object))),
        ])
        return JSONWriter().bytes(.object(bundle))
    }

    /// Finds what a galaxy tag without a cluster names: threat actors by name or alias,
    /// ATT&CK's intrusion sets, malware and tools by name or id (`ZIRCONIUM - G0128`).
    static func clusterResolver(_ store: any IntelStore) async throws -> @Sendable (String, String) -> String? {
        var byName: [String: [String: String]] = [:]
        for object in try await store.objects(types: ["threat-actor", "intrusion-set", "malware", "tool"], includeRetired: false) {
            for name in [object.object.name, object.object.attackID].compactMap({ $0 }) + object.object.aliases {
                byName[object.type, default: [:]][name.lowercased()] = byName[object.type]?[name.lowercased()] ?? object.id
            }
        }
        let names = byName
        return { type, value in
            let lowered = value.lowercased()
            if let id = names[type]?[lowered] { return id }
            // ATT&CK galaxies name clusters "NAME - ID".
            if let dash = lowered.range(of: " - ", options: .backwards) {
                return names[type]?[String(lowered[dash.upperBound...])] ?? names[type]?[String(lowered[..<dash.lowerBound])]
            }
            return nil
        }
    }

    /// `attributed-to` relationships from the ATT&CK intrusion sets in the store to the actors
    /// that name them (by name or alias, or by a related cluster uuid that is the set's own).
    static func links(of actors: [MISPGalaxy.Actor], store: any IntelStore) async throws -> [JSONObject] {
        let sets = try await store.objects(types: ["intrusion-set"], includeRetired: false)
        var byName: [String: Set<String>] = [:]
        for set in sets {
            for name in [set.object.name].compactMap({ $0 }) + set.object.aliases { byName[name.lowercased(), default: []].insert(set.id) }
        }
        let ids = Set(sets.map(\.id))
        var relationships: [JSONObject] = []
        for actor in actors {
            var matched: [String: String] = [:]
            for name in actor.names {
                for id in byName[name.lowercased()] ?? [] where matched[id] == nil { matched[id] = "same name or alias '\(name)'" }
            }
            for uuid in actor.related where ids.contains("intrusion-set--\(uuid)") && matched["intrusion-set--\(uuid)"] == nil {
                matched["intrusion-set--\(uuid)"] = "the galaxy relates the cluster to it"
            }
            let time = actor.object["modified"] ?? .string("2020-01-01T00:00:00.000Z")
            for (set, reason) in matched.sorted(by: { $0.key < $1.key }) {
                relationships.append(JSONObject([
                    ("type", "relationship"), ("spec_version", "2.1"),
                    ("id", .string(STIXIdentifier.deterministic(type: "relationship", name: "\(set) attributed-to \(actor.id)").rawValue)),
                    ("created", time), ("modified", time), ("relationship_type", "attributed-to"), ("source_ref", .string(set)),
                    ("target_ref", .string(actor.id)), ("description", .string("MISP galaxy: \(reason)")),
                ]))
            }
        }
        return relationships
    }
}
