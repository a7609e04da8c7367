import ArgumentParser
import Foundation
import IntelStore
import Reports
import STIX
import TAXII
import VigilKit

/// `vigil taxii discover|collections|pull|push`
struct TAXIICommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "taxii",
        abstract: "Exchange STIX 2.1 with TAXII 2.1 servers: discover, list collections, pull into the store, push from it.",
        discussion: """
            Credentials never go on the command line: $VIGIL_TAXII_TOKEN (an API token), or \
            $VIGIL_TAXII_USER and $VIGIL_TAXII_PASSWORD, or --credentials FILE (JSON with "token", \
            or "user" and "password"). Passwords are sent over HTTPS only (plain HTTP to loopback).
            """,
        subcommands: [Discover.self, Collections.self, Pull.self, Push.self]
    )

    /// How to reach a server: credentials and trusted certificates.
    struct Connection: ParsableArguments {
        @Option(help: ArgumentHelp("A JSON file with \"token\", or \"user\" and \"password\".", valueName: "FILE"))
        var credentials: String?
        @Option(help: ArgumentHelp("PEM certificates to trust besides the system's (a private CA).", valueName: "FILE"))
        var caFile: String?

        func client() throws -> TAXIIClient {
            try Failure.report {
                do {
                    return try TAXIIClient(credentials: try resolvedCredentials(), trustedCertificates: caFile)
                } catch let error as TAXIIClientError {
                    throw VigilError.invalid(error.description)
                }
            }
        }

        /// Who the requests are made as, for the sync state and the audit log.
        var actor: String {
            let environment = ProcessInfo.processInfo.environment
            if let user = environment["VIGIL_TAXII_USER"], !user.isEmpty { return user }
            return UserAdministration.localActor
        }

        private func resolvedCredentials() throws(VigilError) -> TAXIIClient.Credentials {
            if let credentials {
                let json: JSONValue
                do {
                    json = try JSONParser.parse(Array(try Data(contentsOf: URL(fileURLWithPath: credentials))))
                } catch {
                    throw .input(path: credentials, reason: "not a readable JSON file: \(error)")
                }
                let object = json.objectValue ?? JSONObject()
                if let token = object["token"]?.stringValue { return .token(token) }
                if let user = object["user"]?.stringValue, let password = object["password"]?.stringValue { return .basic(user: user, password: password) }
                throw .input(path: credentials, reason: "expected {\"token\": ...} or {\"user\": ..., \"password\": ...}")
            }
            let environment = ProcessInfo.processInfo.environment
            if let token = environment["VIGIL_TAXII_TOKEN"], !token.isEmpty { return .token(token) }
            if let user = environment["VIGIL_TAXII_USER"], !user.isEmpty {
                return .basic(user: user, password: environment["VIGIL_TAXII_PASSWORD"] ?? "")
            }
            return .none
        }
    }

    static func failing<T>(_ body: () async throws(TAXIIClientError) -> T) async throws -> T {
        do {
            return try await body()
        } catch {
            Console.error(error.description)
            throw ExitStatus.badInput
        }
    }

    struct Discover: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a server's discovery resource: its title and API roots.")

        @OptionGroup var connection: Connection
        @Argument(help: "The discovery URL (https://host/taxii2/).") var url: String

        func run() async throws {
            let client = try connection.client()
            let discovery = try await TAXIICommand.failing { () async throws(TAXIIClientError) in try await client.discover(url) }
            await client.shutdown()
            Console.out(discovery.title)
            if let description = discovery.description { Console.out(description) }
            for root in discovery.apiRoots { Console.out("  API root \(root)\(root == discovery.defaultRoot ? " (default)" : "")") }
        }
    }

    struct Collections: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the collections of an API root this user may see.")

        @OptionGroup var connection: Connection
        @Argument(help: "The API root URL (https://host/api/).") var url: String

        func run() async throws {
            let client = try connection.client()
            let collections = try await TAXIICommand.failing { () async throws(TAXIIClientError) in try await client.collections(apiRoot: url) }
            await client.shutdown()
            var table = TextTable([.init("id"), .init("alias"), .init("title", maxWidth: 40), .init("read"), .init("write")])
            for collection in collections {
                table.add([collection.id, collection.alias ?? "", collection.title, collection.canRead ? "yes" : "no", collection.canWrite ? "yes" : "no"])
            }
            Console.out(table.render())
        }
    }

    struct Pull: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import a collection's objects into the store, from where the last pull ended.",
            discussion: """
                The collection is APIROOT/collections/ID/ or APIROOT/NAME (id, alias or title). \
                Pages are followed to the end; the last X-TAXII-Date-Added-Last is kept, so the \
                next pull asks only for what was added since (--since overrides it). Each object \
                pulled is recorded in the audit log with the collection's URL.
                """)

        @OptionGroup var store: StoreOptions
        @OptionGroup var connection: Connection
        @Argument(help: "The collection's URL.") var url: String
        @Option(help: ArgumentHelp("Only objects added after this time (RFC 3339).", valueName: "TIME")) var since: String?
        @Option(help: "Objects asked per page.") var pageSize = 1_000

        func run() async throws {
            let since = try self.since.map { text -> STIXTimestamp in
                guard let instant = try? STIXTimestamp(text) else {
                    Console.error("--since '\(text)' is not an RFC 3339 UTC timestamp (2026-12-06T10:00:00Z)")
                    throw ExitStatus.badInput
                }
                return instant
            }
            let client = try connection.client()
            let exchange = TAXIIExchange(client: client, store: try store.open(), actor: connection.actor)
            let collection = try await TAXIICommand.failing { () async throws(TAXIIClientError) in try await client.collection(url) }
            let interactive = Console.messagesAreInteractive
            let report = try await Failure.report {
                try await exchange.pull(collection, since: since, pageSize: max(1, pageSize)) { event in
                    if interactive, case .note(let text) = event { Console.message(text) }
                }
            }
            await client.shutdown()
            let counts = report.counts
            Console.message(
                "pulled \(grouped(counts.total)) object(s) from '\(collection.title)' in \(report.pages) page(s): \(grouped(counts.new)) new, "
                    + "\(grouped(counts.updated)) updated, \(grouped(counts.unchanged + counts.older)) already known, \(grouped(counts.rejected)) refused"
                    + (report.startedAfter.map { "; added after \($0)" } ?? "")
                    + (report.lastAdded.map { "; next pull starts after \($0)" } ?? ""))
            for issue in report.refused.prefix(20) { Console.warning("\(issue.objectID ?? "?"): \(issue.message)") }
        }
    }

    struct Push: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Send objects of the store (or a case's report) to a collection and wait for the server's verdict.",
            discussion: """
                Objects above --max-tlp are withheld, and so is anything that points to them \
                (objects without a TLP marking count as --unmarked-tlp). With --case, the case's \
                STIX report (as vigil attribute --format stix writes it) is sent instead.
                """)

        @OptionGroup var store: StoreOptions
        @OptionGroup var connection: Connection
        @Argument(help: "The collection's URL.") var url: String
        @Option(name: .customLong("type"), help: ArgumentHelp("Only this type (repeatable).", valueName: "TYPE")) var types: [String] = []
        @Option(help: ArgumentHelp("Most restrictive TLP level sent.", valueName: "LEVEL")) var maxTlp: TLPLevel = .amber
        @Option(help: ArgumentHelp("Level of objects without a TLP marking.", valueName: "LEVEL")) var unmarkedTlp: TLPLevel = .amber
        @Option(help: ArgumentHelp("Send this case's attribution report.", valueName: "NAME")) var `case`: String?
        @Option(help: "Seconds to wait for each envelope's status to complete.") var wait = 300

        func run() async throws {
            let store = try self.store.open()
            let selection = ExportSelection(types: types, maximumTLP: maxTlp, unmarkedTLP: unmarkedTlp)
            var objects: [StoredObject]
            if let name = self.case {
                let report = try await Failure.report { try await CaseSharing.reportObjects(case: name, store: store) }
                objects = report.filter { $0.effectiveTLP(unmarked: unmarkedTlp) <= maxTlp && (types.isEmpty || types.contains($0.type)) }
            } else {
                objects = try await Failure.report { try await VigilError.wrapping { try await selection.select(from: store).objects } }
            }
            let client = try connection.client()
            let exchange = TAXIIExchange(client: client, store: store, actor: connection.actor)
            let collection = try await TAXIICommand.failing { () async throws(TAXIIClientError) in try await client.collection(url) }
            let interactive = Console.messagesAreInteractive
            let report = try await Failure.report {
                try await exchange.push(objects, to: collection, wait: .seconds(max(1, wait))) { event in
                    if interactive, case .note(let text) = event { Console.message(text) }
                }
            }
            await client.shutdown()
            for failure in report.failures.prefix(50) { Console.warning("\(failure.id): \(failure.message)") }
            if report.failures.count > 50 { Console.warning("... and \(report.failures.count - 50) more refused") }
            Console.message(
                "pushed \(grouped(report.sent)) object(s) to '\(collection.title)' in \(report.envelopes) envelope(s): "
                    + "\(grouped(report.successes)) accepted, \(grouped(report.failures.count)) refused"
                    + (report.pending.isEmpty ? "" : ", \(grouped(report.pending.count)) still pending"))
            if !report.failures.isEmpty || !report.pending.isEmpty { throw ExitStatus.askedFailure }
        }
    }
}
