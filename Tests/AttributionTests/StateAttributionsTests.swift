import Attribution
import Foundation
import STIX
import TestSupport
import Testing

/// The curated attributions of groups to states: the file's checks, its STIX, the chains read
/// back from STIX, and the file against ATT&CK itself.
@Suite("State attributions")
struct StateAttributionsTests {
    static let apt31 = "intrusion-set--4283ae19-69c7-4347-a35e-b56f08eb660b"

    static func objects() throws -> [STIXObject] {
        try StateAttributions.bundled().objects().map { try STIXObject($0) }
    }

    @Test("the bundled file: every link has a source, a date and an entity that leads to a state")
    func bundled() throws {
        let curated = try StateAttributions.bundled()
        #expect(curated.attributions.count >= 15)
        for link in curated.attributions {
            #expect(!link.by.isEmpty && !link.title.isEmpty && !link.summary.isEmpty)
            #expect(curated.state(of: link.to) != nil, "\(link.to)")
            #expect(link.url.map { $0.hasPrefix("https://") } ?? true)
        }
        // The public attributions the issue names.
        let byGroup = Dictionary(grouping: curated.attributions, by: \.group)
        #expect(byGroup["G0128"]?.contains { $0.by.contains("Czech") && $0.date == "2025-05-28" && $0.to == "cn-mss" } == true)
        #expect(byGroup["G0128"]?.contains { $0.by.contains("United Kingdom") && $0.date == "2024-03-25" } == true)
        #expect(byGroup["G0128"]?.contains { $0.by.contains("United States") && $0.date == "2024-03-25" } == true)
        for group in ["G0045", "G0032", "G0034"] {
            #expect(byGroup[group]?.contains { $0.by == "Council of the European Union" && $0.date == "2020-07-30" } == true, "\(group)")
        }
        #expect(byGroup["G0007"]?.contains { $0.by == "Council of the European Union" && $0.date == "2020-10-22" } == true)
    }

    @Test("broken files are refused with the reason", arguments: [
        (#"{"version": "2026-12-07", "states": [], "entities": [{"key": "a", "name": "A"}], "attributions": []}"#, "does not lead to a listed state"),
        (#"{"version": "someday", "states": [], "entities": [], "attributions": []}"#, "not a date"),
        (#"{"version": "2026-12-07", "states": [{"code": "CN", "name": "China", "short": "China"}], "entities": [{"key": "a", "name": "A", "state": "CN"}], "attributions": [{"group": "G1", "stix_id": "intrusion-set--4283ae19-69c7-4347-a35e-b56f08eb660b", "names": [], "to": "b", "basis": "statement", "date": "2025-05-28", "by": "x", "title": "t", "summary": "s"}]}"#, "unknown entity"),
        (#"{"version": "2026-12-07", "states": [{"code": "CN", "name": "China", "short": "China"}], "entities": [{"key": "a", "name": "A", "state": "CN"}], "attributions": [{"group": "G1", "stix_id": "intrusion-set--4283ae19-69c7-4347-a35e-b56f08eb660b", "names": [], "to": "a", "basis": "statement", "date": "2025-13-45", "by": "x", "title": "t", "summary": "s"}]}"#, "is not yyyy-mm-dd"),
        (#"{"version": "2026-12-07", "states": [{"code": "CN", "name": "China", "short": "China"}], "entities": [{"key": "a", "name": "A", "state": "CN"}], "attributions": [{"group": "G1", "stix_id": "malware--4283ae19-69c7-4347-a35e-b56f08eb660b", "names": [], "to": "a", "basis": "statement", "date": "2025-05-28", "by": "x", "title": "t", "summary": "s"}]}"#, "not an intrusion set id"),
        (#"{"version": "2026-12-07", "states": [{"code": "CN", "name": "China", "short": "China"}], "entities": [{"key": "a", "name": "A", "state": "CN"}], "attributions": [{"group": "G1", "stix_id": "intrusion-set--4283ae19-69c7-4347-a35e-b56f08eb660b", "names": [], "to": "a", "basis": "rumour", "date": "2025-05-28", "by": "x", "title": "t", "summary": "s"}]}"#, "not a state attributions file"),
    ])
    func refused(json: String, reason: String) {
        do {
            _ = try StateAttributions(json: Array(json.utf8))
            Issue.record("accepted a broken file")
        } catch {
            #expect(error.description.contains(reason), "\(error.description)")
        }
    }

    @Test("as STIX: valid objects, TLP:CLEAR, the same ids on every build")
    func stix() throws {
        let first = try Self.objects()
        let second = try Self.objects()
        #expect(first.map(\.id) == second.map(\.id))
        let clear = TLPMarkings.tlp2ID(.clear)
        for object in first where object.type != "marking-definition" {
            #expect(object.objectMarkingRefs == [clear], "\(object.id)")
            #expect(object.id.rawValue.split(separator: "-")[3].hasPrefix("4") || object.type == "marking-definition", "SDO ids are version 4 in form")
        }
        let types = Dictionary(grouping: first, by: \.type).mapValues(\.count)
        #expect(types["location"] == 3)
        #expect(types["identity"] == 17)
        #expect(first.filter { $0.relationshipType == "attributed-to" }.count == (try StateAttributions.bundled()).attributions.count)
        let bundle = JSONWriter().string(.object(try StateAttributions.bundled().bundle()))
        #expect(try STIXBundleReader.read(Array(bundle.utf8)).errors.isEmpty)
    }

    @Test("the chain of APT31: the Czech statement first, the units named, the headline")
    func chain() throws {
        let links = SponsorChains(objects: try Self.objects()).links(of: [Self.apt31])
        #expect(links.count == 4)
        #expect(links.first?.by == "Government of the Czech Republic")
        #expect(links.first?.sponsor == "China's Ministry of State Security (MSS)")
        #expect(links.first?.state?.code == "CN" && links.first?.state?.name == "China")
        #expect(links.last?.basis == .endorsement, "declarations of support after governments' own acts")
        let justice = try #require(links.first { $0.basis == .indictment })
        #expect(justice.sponsor == "China's Ministry of State Security (MSS) › Hubei State Security Department")
        #expect(justice.url?.hasPrefix("https://www.justice.gov/") == true)
        #expect(links.allSatisfy { $0.tlp == .clear })
        #expect(SponsorChains.headline(group: "APT31 (G0128)", links: links)
            == "APT31 (G0128) — attributed by Government of the Czech Republic (2025-05-28) to China's Ministry of State Security (MSS); 3 more links")
        #expect(SponsorChains.headline(group: "x", links: []) == nil)
    }

    @Test("a MISP galaxy actor's suspected sponsor is a suspicion, listed last")
    func suspected() throws {
        let actor = try STIXObject(json: #"{"type": "threat-actor", "spec_version": "2.1", "id": "threat-actor--6bf7e6b6-5917-45a6-9567-f0baba79768c", "created": "2020-01-01T00:00:00Z", "modified": "2020-01-01T00:00:00Z", "name": "APT31", "x_misp_country": "CN", "x_misp_state_sponsor": "China"}"#)
        let link = try STIXObject(json: #"{"type": "relationship", "spec_version": "2.1", "id": "relationship--6bf7e6b6-5917-45a6-9567-f0baba79768d", "created": "2020-01-01T00:00:00Z", "modified": "2020-01-01T00:00:00Z", "relationship_type": "attributed-to", "source_ref": "\#(Self.apt31)", "target_ref": "threat-actor--6bf7e6b6-5917-45a6-9567-f0baba79768c"}"#)
        let links = SponsorChains(objects: [actor, link]).links(of: [Self.apt31])
        #expect(links.count == 1)
        #expect(links[0].basis == .suspected && links[0].sponsor == "China" && links[0].tlp == nil)
        #expect(SponsorChains.headline(group: "APT31", links: links)?.contains("suspected state sponsor China") == true)
        let all = SponsorChains(objects: try Self.objects() + [actor, link]).links(of: [Self.apt31])
        #expect(all.last?.basis == .suspected && all.count == 5)
    }

    @Test("every curated group is ATT&CK's intrusion set of that id and name", .enabled(if: SharedData.isUsable, SharedData.skipReason))
    func againstATTACK() throws {
        let bundle = try STIXBundleReader.read(try SharedData.bytes("attack/enterprise-attack-15.1.stix20.json"))
        let groups = Dictionary(bundle.objects.filter { $0.type == "intrusion-set" }.map { ($0.id.rawValue, $0) }, uniquingKeysWith: { first, _ in first })
        for link in try StateAttributions.bundled().attributions {
            let group = try #require(groups[link.stixID], "\(link.group): \(link.stixID) is not in ATT&CK 15.1")
            #expect(group.attackID == link.group)
            let names = Set(([group.name ?? ""] + group.aliases).map { $0.lowercased() })
            #expect(link.names.allSatisfy { names.contains($0.lowercased()) }, "\(link.group): \(link.names) not among \(names)")
        }
    }
}
