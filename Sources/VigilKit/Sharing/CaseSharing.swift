import Attribution
import Foundation
import IntelStore
import Reports
import STIX

/// A case's attribution as STIX objects to share: stored in the intel store (and a
/// collection, so that `vigil serve` serves it), or handed to a TAXII push.
public enum CaseSharing {
    /// The objects of the case's STIX 2.1 report (the report, its top groups and what links
    /// them), with their TLP levels.
    public static func reportObjects(case name: String, store: any VigilStore, victim: Victim = .none) async throws(VigilError) -> [StoredObject] {
        let attribution = try await CaseAttribution.attribute(case: name, store: store, victim: victim)
        let bytes: [UInt8]
        do {
            bytes = try attribution.stixBundle(top: 3)
        } catch {
            throw .report("could not build the STIX bundle of case '\(name)': \(error)")
        }
        let content: BundleContent
        do {
            content = try STIXBundleReader.content(bytes)
        } catch {
            throw .report("the STIX bundle of case '\(name)' cannot be read back: \(error)")
        }
        var markings = TLPMarkings()
        let objects = content.candidates.map(\.object)
        for object in objects where object.type == "marking-definition" { markings.learn(object) }
        return objects.map { StoredObject($0, tlp: markings.level(of: $0)) }
    }
}

extension IntelImport {
    /// Imports STIX content held in memory (a bundle built by Vigil, say) into the store and,
    /// when named, a `members` collection.
    public static func importBytes(
        _ bytes: [UInt8], source: String, into store: any VigilStore, collection: String? = nil, executor: ParallelExecutor = .shared
    ) async throws(VigilError) -> ImportReport {
        try await VigilError.wrapping {
            try await BundleImporter(store: store, executor: executor).importContent(bytes, source: source, strict: false, collection: collection)
        }
    }
}
