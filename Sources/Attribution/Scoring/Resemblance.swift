import Foundation

/// How closely a case resembles one group's nearest past report: the observed features that
/// report named, each worth its log ratio against the background (rare ones count most),
/// over the square root of the report's size, so that a report naming everything does not win
/// by its length. A group's profile is the union of many reports; an intrusion often repeats
/// one of them (the same operators, the same playbook) more closely than the union shows.
public struct Resemblance: Sendable, Hashable {
    /// The citation or "campaign <name>"; nil when no report of the group shares a feature.
    public var report: String?
    /// How many of the report's features (parents included) the case shows, of `size`.
    public var shared: Int
    public var size: Int
    /// The shared features' log ratios over √size; 0 when nothing is shared.
    public var similarity: Double

    static let none = Resemblance(report: nil, shared: 0, size: 0, similarity: 0)

    /// The explanation line for a score moved by `delta`.
    func contribution(delta: Double, mean: Double, reports: Int) -> Contribution {
        let reason: String
        if let report {
            reason = String(
                format: "of its %d reported sources, the closest is \"%@\": %d of its %d features observed (resemblance %.2f; all groups' mean %.2f)",
                reports, report, shared, size, similarity, mean)
        } else {
            reason = String(format: "none of its %d reported sources names an observed feature (all groups' mean resemblance %.2f)", reports, mean)
        }
        return Contribution(kind: .pastReport, feature: nil, name: report, delta: delta, reason: reason, sources: [])
    }
}

extension AttributionModel {
    /// Every group's closest past report, in profile order.
    func resemblances(_ features: Set<Feature>, profiles: GroupProfiles) -> [Resemblance] {
        // An observed feature's worth, computed once for all the reports that name it.
        var worth: [Feature: Double] = [:]
        for feature in features {
            let chance = backgroundChance(feature, profiles: profiles)
            worth[feature] = log((coverage + (1 - coverage) * chance) / chance) - log(1 - coverage)
        }
        return profiles.profiles.map { closestReport($0, worth: worth) }
    }

    /// The group's past report that the case resembles most (ties go to the first name).
    func closestReport(_ profile: GroupProfiles.Profile, worth: [Feature: Double]) -> Resemblance {
        var best = Resemblance.none
        for (report, named) in profile.reports where !named.isEmpty {
            var similarity = 0.0
            var shared = 0
            for feature in named {
                guard let value = worth[feature] else { continue }
                similarity += value
                shared += 1
            }
            guard shared > 0 else { continue }
            similarity /= Double(named.count).squareRoot()
            if similarity > best.similarity + 1e-12 || (abs(similarity - best.similarity) <= 1e-12 && report < (best.report ?? "\u{10FFFF}")) {
                best = Resemblance(report: report, shared: shared, size: named.count, similarity: similarity)
            }
        }
        return best
    }
}
