import Attribution
import Foundation
import STIX
import Testing

@Suite struct AttributionModelTests {
    /// Eight filler groups that all use the common techniques, so that rarity means something.
    static func world() -> (ToyKnowledge, thin: String, huge: String) {
        var toy = ToyKnowledge()
        for index in 0..<8 { toy.uses(toy.group("Filler \(index)", "G09\(index)"), ["T1059", "T1105", "T1082", "T10\(70 + index)"]) }
        let thin = toy.group("Thin", "G0001")
        toy.uses(thin, ["T1001", "T1002", "T1003", "T1059"])
        let huge = toy.group("Huge", "G0002")
        toy.uses(huge, ["T1001", "T1002", "T1003", "T1059", "T1105", "T1082"] + (10..<40).map { "T12\($0)" })
        return (toy, thin, huge)
    }

    static func rank(_ evidence: CaseEvidence, _ toy: ToyKnowledge, model: AttributionModel = AttributionModel()) -> AttributionResult {
        let knowledge = toy.knowledge
        return model.attribute(evidence, profiles: GroupProfiles(knowledge: knowledge), names: knowledge.featureNames)
    }

    @Test func aRareTechniqueWeighsMoreThanACommonOne() throws {
        let (toy, thin, _) = Self.world()
        let result = Self.rank(.of(["T1001", "T1059"]), toy)
        let group = try #require(result.ranking.first { $0.group.id == thin })
        let rare = try #require(group.contributions.first { $0.feature == .technique("T1001") })
        let common = try #require(group.contributions.first { $0.feature == .technique("T1059") })
        #expect(rare.kind == .matched && common.kind == .matched)
        #expect(rare.delta > 3 * common.delta, "rare \(rare.delta) vs common \(common.delta)")
    }

    /// The model with the absence term on (the shipped weight is fitted, and may be 0).
    static let withAbsence = { var model = AttributionModel(); model.absenceWeight = 1; return model }()

    @Test func aThinProfileIsNotPunishedNorAHugeOneRewarded() throws {
        let (toy, thin, huge) = Self.world()
        // Both profiles explain all three observed techniques: the thin one must come first.
        let result = Self.rank(.of(["T1001", "T1002", "T1003"]), toy, model: Self.withAbsence)
        #expect(result.ranking.first?.group.id == thin)
        #expect(result.ranking.dropFirst().first?.group.id == huge)
        // And evidence that only the huge profile explains goes to the huge one.
        let other = Self.rank(.of(["T1001", "T1210", "T1211", "T1212", "T1213", "T1214"]), toy, model: Self.withAbsence)
        #expect(other.ranking.first?.group.id == huge)
    }

    @Test func thinEvidenceIsAnUnknownActor() {
        let (toy, _, _) = Self.world()
        let result = Self.rank(.of(["T1059", "T1105"]), toy)
        #expect(result.verdict == .unknown)
        #expect(result.unknownProbability > result.topProbability)
    }

    @Test func strongEvidenceNamesTheGroupWithHighConfidence() throws {
        var (toy, thin, _) = Self.world()
        toy.uses(thin, ["S0999"])
        let result = Self.rank(.of(["T1001", "T1002", "T1003", "S0999", "T1059"]), toy)
        guard case .group(let group) = result.verdict else {
            Issue.record("expected a group, got unknown")
            return
        }
        #expect(group.id == thin)
        #expect(result.confidence >= 50)
        #expect(result.words == ConfidenceWords(confidence: result.confidence))
    }

    @Test func eachKindOfEvidenceCountsAsOneWitness() throws {
        var (toy, thin, _) = Self.world()
        toy.uses(thin, ["S0999"])
        func contributions(_ ids: [String]) throws -> [Feature: Double] {
            let group = try #require(Self.rank(.of(ids), toy).ranking.first { $0.group.id == thin })
            return Dictionary(uniqueKeysWithValues: group.contributions.compactMap { c in c.feature.map { ($0, c.delta) } })
        }
        let alone = try contributions(["T1001", "S0999"])
        let four = try contributions(["T1001", "T1002", "T1003", "T1059", "S0999"])
        // The software's weight does not shrink as techniques are added; each technique's does.
        #expect(abs(try #require(alone[.software("S0999")]) - (try #require(four[.software("S0999")]))) < 1e-12)
        #expect(abs(try #require(alone[.technique("T1001")]) - 4 * (try #require(four[.technique("T1001")]))) < 1e-12)
    }

    @Test func evidenceNeverRaisesTheUnknownActorAndAGroupIsNamedOnlyWhenMoreLikelyThanNot() throws {
        var (toy, _, _) = Self.world()
        let model = AttributionModel()
        for ids in [["T1059", "T1105"], ["T1001", "T1002", "T1003"], ["T1210", "T1211", "T1212"], ["T1999"]] {
            let result = Self.rank(.of(ids), toy)
            #expect(result.unknownProbability <= model.unknownPrior + 1e-12, "\(ids): \(result.unknownProbability)")
        }
        // Twins share the evidence: each beats an unknown actor, neither is more likely than not.
        for name in ["Twin A", "Twin B"] { toy.uses(toy.group(name, name == "Twin A" ? "G0011" : "G0012"), ["T1301", "T1302", "T1303", "T1304"]) }
        // At a scale where four shared rare techniques are decisive against an unknown actor.
        var decisive = model
        decisive.temperature = 1.5
        let twins = Self.rank(.of(["T1301", "T1302", "T1303", "T1304"]), toy, model: decisive)
        #expect(twins.topProbability > twins.unknownProbability && twins.topProbability < decisive.namingThreshold, "\(twins.topProbability)")
        #expect(twins.verdict == .unknown)
        #expect(twins.confidence == Int((twins.unknownProbability * 100).rounded()))
    }

    @Test func everyContributionIsExplainedAndAddsUpToTheScore() throws {
        let (toy, _, huge) = Self.world()
        let result = Self.rank(.of(["T1001", "T1999.001"]), toy, model: Self.withAbsence)
        let group = try #require(result.ranking.first { $0.group.id == huge })
        let total = group.contributions.reduce(0) { $0 + $1.delta }
        #expect(abs(total - group.score) < 1e-9)
        // The unknown sub-technique and its parent are unexplained; absent profile features are one line.
        #expect(group.contributions.filter { $0.kind == .unexplained }.map(\.feature) .contains(.technique("T1999")))
        #expect(group.contributions.filter { $0.kind == .notObserved }.count == 1)
        #expect(group.contributions.allSatisfy { !$0.reason.isEmpty })
    }

    @Test func aSubTechniqueCountsForItsParent() throws {
        var toy = ToyKnowledge()
        for index in 0..<4 { toy.uses(toy.group("Filler \(index)", "G09\(index)"), ["T1082"]) }
        let parentOnly = toy.group("Parent", "G0003")
        toy.uses(parentOnly, ["T1566"])
        let result = Self.rank(.of(["T1566.002"]), toy)
        let group = try #require(result.ranking.first { $0.group.id == parentOnly })
        let parent = try #require(group.contributions.first { $0.feature == .technique("T1566") })
        #expect(parent.kind == .matched)
        #expect(parent.sources.contains { $0.hasPrefix("T1566.002") })
        #expect(result.ranking.first?.group.id == parentOnly)
    }

    @Test func anIndicatorHitAndTheVictimAreEvidence() throws {
        let (toy, thin, huge) = Self.world()
        var evidence = CaseEvidence.of(["T1059"])
        evidence.indicatedGroups[huge] = ["indicator--x hit 3 times"]
        let result = Self.rank(evidence, toy)
        let group = try #require(result.ranking.first { $0.group.id == huge })
        // The ratio as it reaches the posterior: the score holds it over the temperature.
        let expected = log(AttributionModel().indicatorRatio) / AttributionModel().temperature(featureCount: 1)
        #expect(group.contributions.contains { $0.kind == .indicator && abs($0.delta - expected) < 1e-9 })
        #expect(result.ranking.first?.group.id == huge)

        var victimToy = toy
        let named = victimToy.group("Named", "G0004", description: "targets ministries of foreign affairs in Czechia")
        victimToy.uses(named, ["T1082"])
        var victimEvidence = CaseEvidence.of(["T1082"])
        victimEvidence.victim = try Victim(countries: ["CZ"], sectors: ["government"])
        let victim = Self.rank(victimEvidence, victimToy)
        let namedGroup = try #require(victim.ranking.first { $0.group.id == named })
        #expect(namedGroup.contributions.filter { $0.kind == .victim }.map(\.reason)
            == ["the group's description names Czechia", "the group's description names \"ministries\""])
        #expect(victim.ranking.first { $0.group.id == thin }.map { $0.score < namedGroup.score } == true)
    }

    @Test func theGalaxysVictimsAndTargetsMeetAStructuredVictimWordForWord() throws {
        var toy = ToyKnowledge()
        let business = toy.group("Business", "G0005", description: "targets business networks and campuses")
        toy.uses(business, ["T1082"])
        let listed = toy.group("Listed", "G0006")
        toy.uses(listed, ["T1082"])
        toy.append(try STIXObject(json: #"{"type": "threat-actor", "spec_version": "2.1", "id": "threat-actor--00000000-0000-4000-8000-000000000901", "created": "2024-01-01T00:00:00Z", "modified": "2024-01-01T00:00:00Z", "name": "Listed", "x_misp_victims": ["Czech Republic", "United States"], "x_misp_target_categories": ["Government", "Military"]}"#))
        toy.append(try STIXObject(json: #"{"type": "relationship", "spec_version": "2.1", "id": "relationship--00000000-0000-4000-8000-000000000902", "created": "2024-01-01T00:00:00Z", "modified": "2024-01-01T00:00:00Z", "relationship_type": "attributed-to", "source_ref": "\#(listed)", "target_ref": "threat-actor--00000000-0000-4000-8000-000000000901"}"#))
        var evidence = CaseEvidence.of(["T1082"])
        evidence.victim = try Victim(countries: ["us", "Czechia"], sectors: ["Government, Administration"])
        let result = Self.rank(evidence, toy)
        let galaxy = try #require(result.ranking.first { $0.group.id == listed })
        #expect(galaxy.contributions.filter { $0.kind == .victim }.map(\.reason) == [
            "the MISP galaxy lists Czechia among the group's suspected victims",
            "the MISP galaxy lists United States among the group's suspected victims",
            "the MISP galaxy lists Government among the group's targets",
        ])
        // "us" is a word of its own, not the letters of "business" or "campuses".
        let words = try #require(result.ranking.first { $0.group.id == business })
        #expect(!words.contributions.contains { $0.kind == .victim })
    }

    @Test func aCaseLongAfterAGroupsLastKnownActivityCountsAgainstIt() throws {
        let (toy, thin, _) = Self.world()
        // The toy's uses were recorded on 2024-01-01.
        var evidence = CaseEvidence.of(["T1001", "T1002", "T1003"])
        evidence.observedAt = try STIXTimestamp("2030-01-01T00:00:00Z").secondsSinceEpoch
        let late = Self.rank(evidence, toy)
        let group = try #require(late.ranking.first { $0.group.id == thin })
        let time = try #require(group.contributions.first { $0.kind == .time })
        #expect(abs(time.delta - -(6.0 / 1.0000 - 1) * AttributionModel().dormancyWeight) < 0.01, "\(time.delta)")
        #expect(time.reason.hasPrefix("last known activity 2024-01"))
        // Within the year's grace, and without a date, time says nothing.
        evidence.observedAt = try STIXTimestamp("2024-06-01T00:00:00Z").secondsSinceEpoch
        #expect(!(Self.rank(evidence, toy).ranking.first { $0.group.id == thin }?.contributions.contains { $0.kind == .time } ?? true))
        evidence.observedAt = nil
        #expect(!(Self.rank(evidence, toy).ranking.first { $0.group.id == thin }?.contributions.contains { $0.kind == .time } ?? true))
    }

    @Test(arguments: [("CZ", "CZ"), ("cz", "CZ"), ("Czech Republic", "CZ"), ("czechia", "CZ"), ("United States", "US"), ("UK", "GB"), ("North Korea", "KP")])
    func countriesByCodeOrName(text: String, code: String) {
        #expect(Countries.code(of: text) == code)
    }

    @Test func aVictimCountryMustBeACountry() {
        #expect(throws: VictimError.self) { _ = try Victim(countries: ["Atlantis"]) }
        #expect(throws: VictimError.self) { _ = try Victim(countries: ["ZZ"]) }
    }

    @Test func revokedTechniquesFollowTheirReplacement() throws {
        var toy = ToyKnowledge()
        let old = toy.technique("T1100", revoked: true)
        let new = toy.technique("T1505.003")
        toy.relate(old, "revoked-by", new)
        let group = toy.group("Webshell", "G0005")
        toy.relate(group, "uses", old)
        let profiles = GroupProfiles(knowledge: toy.knowledge)
        let profile = try #require(profiles.profile(of: group))
        #expect(profile.featureSet == [.technique("T1505.003"), .technique("T1505")])
    }

    @Test func campaignsAddToTheirGroupAndCanBeLeftOut() throws {
        var toy = ToyKnowledge()
        let group = toy.group("Owner", "G0006")
        toy.uses(group, ["T1001"], citations: ["Vendor 2020"])
        let campaign = toy.campaign("Operation X", "C0001", citations: ["Vendor 2023"])
        toy.relate(campaign, "attributed-to", group, citations: ["Vendor 2023"])
        toy.uses(campaign, ["T1002"], citations: ["Vendor 2023"])
        // A group relationship citing only the campaign's report leaks the campaign.
        toy.uses(group, ["T1003"], citations: ["Vendor 2023"])
        let knowledge = toy.knowledge
        let full = try #require(GroupProfiles(knowledge: knowledge).profile(of: group))
        #expect(full.featureSet == [.technique("T1001"), .technique("T1002"), .technique("T1003")])
        #expect(full.features[.technique("T1002")] == ["campaign Operation X"])
        let campaignInfo = try #require(knowledge.campaigns[campaign])
        #expect(campaignInfo.group == group)
        let excluded = GroupProfiles(knowledge: knowledge, excluding: ProfileExclusion(citations: campaignInfo.citations, campaign: campaign))
        #expect(excluded.profile(of: group)?.featureSet == [.technique("T1001")])
        // Past reports: by citation and by campaign; the left-out ones are gone.
        #expect(full.reports == [
            "Vendor 2020": [.technique("T1001")], "Vendor 2023": [.technique("T1002"), .technique("T1003")],
            "campaign Operation X": [.technique("T1002")],
        ])
        #expect(excluded.profile(of: group)?.reports == ["Vendor 2020": [.technique("T1001")]])
    }

    @Test func aMarkedUseCountsButIsNotNamedAsAPastReport() throws {
        var toy = ToyKnowledge()
        let group = toy.group("Owner", "G0006")
        toy.uses(group, ["T1001"], citations: ["Vendor 2020"])
        toy.uses(group, ["T1002"], citations: ["Partner note 2025"])
        let marked = try #require(toy.knowledge.uses.first { $0.citations.contains("Partner note 2025") })
        let knowledge = AttackKnowledge(objects: toy.objects, restricted: [marked.relationshipID])
        let profile = try #require(GroupProfiles(knowledge: knowledge).profile(of: group))
        #expect(profile.featureSet == [.technique("T1001"), .technique("T1002")])
        #expect(profile.reports == ["Vendor 2020": [.technique("T1001")]])
        let result = AttributionModel().attribute(.of(["T1002"]), profiles: GroupProfiles(knowledge: knowledge))
        #expect(!result.ranking.flatMap(\.contributions).contains { $0.reason.contains("Partner note") })
    }

    @Test func intrusionSetsSharingAnAliasAreOneGroup() throws {
        var toy = ToyKnowledge()
        let attack = toy.group("APT31", "G0128")
        toy.uses(attack, ["T1001"])
        // A partner's entry: its own id, no ATT&CK id, APT31 among its aliases.
        let partner = toy.nextID("intrusion-set")
        toy.append(try STIXObject(json: """
            {"type":"intrusion-set","spec_version":"2.1","id":"\(partner)","created":"2024-01-01T00:00:00.000Z",
             "modified":"2024-01-01T00:00:00.000Z","name":"ZIRCONIUM","aliases":["ZIRCONIUM","APT31","Violet Typhoon"]}
            """))
        toy.uses(partner, ["T1002"])
        let knowledge = toy.knowledge
        #expect(knowledge.groups.count == 1)
        #expect(knowledge.group(for: partner) == attack)
        let group = try #require(knowledge.groups[attack])
        #expect(group.aliases.contains("ZIRCONIUM") && group.aliases.contains("Violet Typhoon"))
        let profile = try #require(GroupProfiles(knowledge: knowledge).profile(of: attack))
        #expect(profile.featureSet == [.technique("T1001"), .technique("T1002")])
    }

    @Test func confidenceWordsFollowICD203Bands() {
        #expect(ConfidenceWords(confidence: 0) == .low)
        #expect(ConfidenceWords(confidence: 49) == .low)
        #expect(ConfidenceWords(confidence: 50) == .moderate)
        #expect(ConfidenceWords(confidence: 79) == .moderate)
        #expect(ConfidenceWords(confidence: 80) == .high)
    }

    @Test(arguments: [(0.0, 0), (0.004, 0), (0.5, 50), (0.994, 99), (0.9996, 99), (1.0, 99)])
    func aStatedConfidenceNeverClaimsCertainty(probability: Double, confidence: Int) {
        #expect(ConfidenceWords.statedConfidence(probability) == confidence)
    }
}

extension AttributionResult.Verdict {
    static func == (lhs: Self, rhs: Self) -> Bool {
        switch (lhs, rhs) {
        case (.unknown, .unknown): return true
        case (.group(let a), .group(let b)): return a.id == b.id
        default: return false
        }
    }
}
