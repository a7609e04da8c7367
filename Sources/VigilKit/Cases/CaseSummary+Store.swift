import Attribution
import IntelStore
import Reports

extension CaseSummary {
    /// A case's summary as `vigil case show` prints it, with the software that the programs
    /// and files in its findings name (by ATT&CK's software names and aliases in the store;
    /// none when ATT&CK is not installed).
    public static func reading(case name: String, store: any VigilStore) async throws(VigilError) -> CaseSummary {
        try await VigilError.wrapping {
            async let findings = store.findings(ofCase: name, fields: .indicatorHits)
            async let notes = store.notes(ofCase: name)
            async let fieldValues = store.fieldValues(ofCase: name, keys: SoftwareRecognizer.fields)
            let software = try await store.objects(types: ["malware", "tool"], includeRetired: false)
            var summary = try await CaseSummary(findings: findings, notes: notes)
            let recognizer = SoftwareRecognizer(knowledge: AttackKnowledge(objects: software.map(\.object)))
            summary.softwareInFiles = try await CaseSummary.softwareNamed(by: fieldValues, recognizer: recognizer)
            return summary
        }
    }
}
