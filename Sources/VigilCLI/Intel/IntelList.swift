import ArgumentParser
import Reports
import IntelStore
import STIX

/// `vigil intel list --type T`
struct IntelList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the latest objects of some types, by name.",
        discussion: "Revoked and deprecated objects are left out unless --include-revoked is given."
    )

    @OptionGroup var store: StoreOptions

    @Option(name: .customLong("type"), help: ArgumentHelp("Object type (repeatable), e.g. intrusion-set.", valueName: "TYPE"))
    var types: [String] = []

    @Flag(help: "Include revoked and deprecated objects.")
    var includeRevoked = false

    func run() async throws {
        let objects = try await self.store.open().objects(types: types, includeRetired: includeRevoked)
        ObjectListing.print(objects)
        Console.message("\(grouped(objects.count)) object(s)")
    }
}

/// `vigil intel search TEXT`
struct IntelSearch: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Find objects whose name, aliases, external ids or description contain TEXT (any case)."
    )

    @OptionGroup var store: StoreOptions

    @Argument(help: "Text to look for.")
    var text: String

    @Option(name: .customLong("type"), help: ArgumentHelp("Only this type (repeatable).", valueName: "TYPE"))
    var types: [String] = []

    @Option(help: "At most this many results.")
    var limit = 25

    func run() async throws {
        let objects = try await self.store.open().search(text, types: types, limit: limit)
        ObjectListing.print(objects)
        Console.message("\(grouped(objects.count)) result(s)")
    }
}

/// The one-line-per-object listing shared by list and search.
enum ObjectListing {
    static func print(_ objects: [StoredObject]) {
        var table = TextTable([
            .init("type"), .init("attack-id"), .init("name", maxWidth: 40), .init("status"), .init("aliases", maxWidth: 50),
            .init("id"),
        ])
        for stored in objects {
            let object = stored.object
            let status = object.isRevoked ? "revoked" : object.isDeprecated ? "deprecated" : "active"
            table.add([
                object.type, object.attackID ?? "-", object.name ?? "-", status,
                object.aliases.isEmpty ? "-" : object.aliases.joined(separator: ", "), stored.id,
            ])
        }
        Console.out(table.render())
    }
}
