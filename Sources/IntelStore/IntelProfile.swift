import STIX

/// What the store knows about one object, gathered for display: for an intrusion set, the
/// techniques and software it uses and the campaigns attributed to it; for a campaign, the
/// group it is attributed to; for software, who uses it.
///
/// Retired (revoked or deprecated) relationships and objects are left out. It does not include
/// what campaigns add to their group's profile; attribution does that.
public struct IntelProfile: Sendable {
    /// A technique used, with its ATT&CK id and tactics.
    public struct Technique: Sendable, Hashable {
        public var attackPattern: StoredObject
        public var relationship: StoredObject
        public var attackID: String?
        public var name: String
        public var tactics: [String]
    }

    public var subject: StoredObject
    public var versionCount: Int
    public var techniques: [Technique]
    /// Malware and tools used.
    public var software: [RelatedObject]
    /// Campaigns attributed to the subject (for an intrusion set).
    public var campaigns: [RelatedObject]
    /// Groups or campaigns the subject is attributed to, or that use it (for campaigns and software).
    public var attributedTo: [RelatedObject]
    public var usedBy: [RelatedObject]
    /// Intrusion sets attributed to the subject (for a threat actor: the groups it is behind).
    public var intrusionSets: [RelatedObject]
}

extension IntelStore {
    /// Gathers the profile of an object.
    public func profile(of subject: StoredObject) async throws -> IntelProfile {
        let uses = try await related(to: subject.id, through: "uses", direction: .outgoing)
        let techniques = uses.filter { $0.object.type == "attack-pattern" }.map { item in
            IntelProfile.Technique(
                attackPattern: item.object, relationship: item.relationship, attackID: item.object.object.attackID,
                name: item.object.object.name ?? item.object.id, tactics: item.object.object.tactics)
        }.sorted { ($0.attackID ?? $0.name, $0.name) < ($1.attackID ?? $1.name, $1.name) }
        let software = uses.filter { $0.object.type == "malware" || $0.object.type == "tool" }
            .sorted { ($0.object.object.attackID ?? "", $0.object.object.name ?? "") < ($1.object.object.attackID ?? "", $1.object.object.name ?? "") }
        let campaigns = try await related(
            to: subject.id, through: "attributed-to", direction: .incoming, types: ["campaign"])
        let attributedTo = try await related(to: subject.id, through: "attributed-to", direction: .outgoing)
        let usedBy = try await related(to: subject.id, through: "uses", direction: .incoming)
        let intrusionSets = try await related(to: subject.id, through: "attributed-to", direction: .incoming, types: ["intrusion-set"])
        return IntelProfile(
            subject: subject, versionCount: try await versions(id: subject.id).count, techniques: techniques,
            software: software, campaigns: campaigns.sortedByATTACKID(), attributedTo: attributedTo.sortedByATTACKID(),
            usedBy: usedBy.sortedByATTACKID(), intrusionSets: intrusionSets.sortedByATTACKID())
    }
}

extension Array where Element == RelatedObject {
    /// By ATT&CK id, then name.
    func sortedByATTACKID() -> [RelatedObject] {
        sorted {
            ($0.object.object.attackID ?? "~", $0.object.object.name ?? "") < ($1.object.object.attackID ?? "~", $1.object.object.name ?? "")
        }
    }
}
