import ArgumentParser
import VigilKit

/// `vigil update [--from DIR]`: ATT&CK, the state attributions, DISARM and MISP's threat actors
/// into the intel store, SigmaHQ rules and MISP's warninglists beside it.
struct UpdateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "update",
        abstract: "Install MITRE ATT&CK (Enterprise, STIX), the DISARM framework, the SigmaHQ rules and MISP's threat actors and warninglists, online or from an offline mirror.",
        discussion: """
            Online: downloads \(Updater.Sources.attack), the DISARM framework, the SigmaHQ rules \
            (\(Updater.Sources.sigma)), MISP's threat-actor galaxy and warninglists. Offline (--from \
            DIR): DIR is laid out like Vigil's shared data: attack/enterprise-attack*.json (the newest \
            release is imported; --all-releases imports each in release order), sigma/rules* folders, \
            and optionally disarm/DISARM.json, misp/galaxy/threat-actor.json and \
            misp/warninglists/lists. ATT&CK, DISARM (its own kill chain, never mixed with ATT&CK's \
            tactics), the public attributions of groups to states that Vigil carries, and the threat \
            actors (linked to the ATT&CK groups they name) go into the intel store; rules are copied to the \
            rules folder beside the database, which hunt and investigate use when --rules is not given; \
            warninglists to warninglists/misp beside it, which every hunt with indicators applies.
            """
    )

    @OptionGroup var store: StoreOptions
    @Option(help: ArgumentHelp("An offline mirror laid out like Vigil's shared data (attack/, sigma/).", valueName: "DIR"))
    var from: String?
    @Flag(help: "Import every Enterprise release of the mirror, oldest first (the store keeps each version).")
    var allReleases = false

    func run() async throws {
        let updater = Updater(location: store.location, store: try store.open()) { event in
            if case .note(let text) = event { Console.message(text) }
        }
        try await Failure.report { try await updater.update(from: from, allReleases: allReleases) }
    }
}
