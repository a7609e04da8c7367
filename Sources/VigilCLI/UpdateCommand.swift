import ArgumentParser
import VigilKit

/// `vigil update [--from DIR]`: ATT&CK into the intel store and SigmaHQ rules beside it.
struct UpdateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "update",
        abstract: "Install MITRE ATT&CK (Enterprise, STIX) and the SigmaHQ rules, online or from an offline mirror.",
        discussion: """
            Online: downloads \(Updater.Sources.attack) and the SigmaHQ rules (\(Updater.Sources.sigma)). \
            Offline (--from DIR): DIR is laid out like Vigil's shared data: attack/enterprise-attack*.json \
            (the newest release is imported; --all-releases imports each in release order) and \
            sigma/rules* folders. ATT&CK goes into the intel store; rules are copied to the \
            rules folder beside the database, which hunt and investigate use when --rules is not given.
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
