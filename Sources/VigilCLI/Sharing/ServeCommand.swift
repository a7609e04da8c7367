import ArgumentParser
import Foundation
import Server
import VigilKit

/// `vigil serve [--host 127.0.0.1] [--port 9443] [--config FILE] [--insecure-http]`
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the store over TAXII 2.1 to the users of `vigil users`, under their rights and TLP clearance.",
        discussion: """
            Without --config, the API root /api/ has one collection, 'default', holding every \
            object of the store: every user reads it up to their clearance; users given write \
            rights on it (--write default) may add to it. A configuration file (JSON) declares API \
            roots, collections (everything, or members added to them; a TLP ceiling; types; who \
            receives TLP:RED), the organisation, limits and the TLS certificate. Objects without a \
            TLP marking count as TLP:AMBER unless the configuration says otherwise. Plain HTTP is \
            served on loopback only, unless --insecure-http. SIGINT or SIGTERM stops the server \
            after the requests in progress.
            """
    )

    @OptionGroup var store: StoreOptions
    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Port to listen on (0: any free port).") var port = 9443
    @Option(help: ArgumentHelp("The server's configuration (JSON).", valueName: "FILE")) var config: String?
    @Option(help: ArgumentHelp("The organisation running the server, when no configuration names it.", valueName: "ORG"))
    var organisation: String?
    @Flag(help: "Serve plain HTTP on an address other than loopback (behind a TLS proxy).") var insecureHttp = false
    @Option(help: "Seconds a connection may wait without a complete request head before it is closed.") var idleTimeout = 30
    @Option(help: "Seconds a request body may take to arrive.") var bodyDeadline = 60
    @Option(help: "Most connections open at once; more wait in the listen queue.") var maxConnections = 1_024
    @Option(help: "Most GET requests served at once (default: twice the cores); more wait their turn.") var concurrentReads: Int?

    func run() async throws {
        var configuration = try Failure.report { try config.map(SharingConfiguration.read(path:)) ?? .standard }
        if let organisation { configuration.organisation = organisation }
        var options = VigilServer.Options()
        options.host = host
        options.port = port
        options.insecureHTTP = insecureHttp
        options.idleTimeout = .seconds(max(1, idleTimeout))
        options.bodyDeadline = .seconds(max(1, bodyDeadline))
        options.maximumConnections = max(1, maxConnections)
        if let concurrentReads { options.concurrentReads = max(1, concurrentReads) }
        let store = try self.store.open()
        let users = try await Failure.report { try await VigilError.wrapping { try await store.users() } }
        if users.isEmpty { Console.warning("no users yet: nobody can sign in (add one with `vigil users add NAME --clearance green`)") }
        let server = VigilServer(store: store, configuration: configuration, options: options)
        let scheme = server.usesTLS ? "https" : "http"
        let roots = configuration.apiRoots.map { "/\($0.path)/" }.joined(separator: ", ")
        let host = self.host
        try await Failure.report {
            try await server.run { port in
                Console.message("vigil: serving TAXII 2.1 on \(scheme)://\(host):\(port)/taxii2/ (API roots \(roots)) from \(self.store.location)")
                Console.message("vigil: the web UI is on \(scheme)://\(host):\(port)/ui/")
            }
        }
    }
}
