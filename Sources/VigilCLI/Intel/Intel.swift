import ArgumentParser
import Reports

/// `vigil intel`: the threat-intelligence store.
struct Intel: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Import, query and export threat intelligence (STIX 2.0/2.1, MITRE ATT&CK).",
        subcommands: [IntelImportCommand.self, IntelList.self, IntelSearch.self, IntelShow.self, IntelExport.self, IntelStats.self]
    )
}
