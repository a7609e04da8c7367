import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import IntelStore
import Logging
import NIOCore
import NIOSSL
import TAXII
import UnixSignals
import VigilKit
import WebUI

/// `vigil serve`: the TAXII 2.1 API and the analysts' web pages over the store, behind
/// authentication, with TLS and the limits that keep one client from taking the server down.
public struct VigilServer: Sendable {
    /// Where and how to listen, and the limits on each connection.
    public struct Options: Sendable {
        public var host = "127.0.0.1"
        public var port = 9443
        /// Plain HTTP on an address other than loopback, without TLS (for a TLS proxy in front).
        public var insecureHTTP = false
        /// A connection without a complete request head for this long is closed (slow clients).
        public var idleTimeout: Duration = .seconds(30)
        /// A request body must have arrived this long after its head.
        public var bodyDeadline: Duration = .seconds(60)
        public var maximumConnections = 1_024
        /// Reads (GET requests) served at once; more wait their turn in arrival order.
        public var concurrentReads = 2 * ProcessInfo.processInfo.activeProcessorCount
        public var passwords = PasswordHasher()
        public var throttle = LoginThrottle.Policy()

        public init() {}
    }

    public let store: any VigilStore
    public let configuration: SharingConfiguration
    public let options: Options

    public init(store: any VigilStore, configuration: SharingConfiguration, options: Options) {
        self.store = store
        self.configuration = configuration
        self.options = options
    }

    /// Whether requests go over TLS: a certificate is configured.
    public var usesTLS: Bool { configuration.tls != nil }

    /// Checks the combination of address and TLS before anything starts.
    public func check() throws(VigilError) {
        if !usesTLS && !options.insecureHTTP && !VigilServer.isLoopback(options.host) {
            throw .invalid(
                "refusing plain HTTP on \(options.host): give a certificate and key in the configuration (\"tls\"), listen on 127.0.0.1, or pass --insecure-http when a TLS proxy stands in front")
        }
    }

    /// The router: TAXII errors outermost; the web UI under `/ui` (its own error pages and
    /// sessions); TAXII behind Basic or Bearer authentication. Both share one read gate.
    public func router(service: SharingService, authenticator: Authenticator, desk: CaseDesk, sessions: WebSessions = WebSessions()) -> Router<VigilRequestContext> {
        // HEAD as GET without the body, for every GET route.
        let router = Router(context: VigilRequestContext.self, options: .autoGenerateHeadEndpoints)
        let gate = ReadGateMiddleware<VigilRequestContext>(gate: ReadGate(width: options.concurrentReads))
        router.add(middleware: TAXIIErrorMiddleware<VigilRequestContext>())
        WebUI<VigilRequestContext>(desk: desk, authenticator: authenticator, sessions: sessions, secureCookies: usesTLS).register(on: router, readGate: gate)
        let taxii = router.group()
            .add(middleware: AuthenticationMiddleware(authenticator: authenticator))
            .add(middleware: gate)
        TAXIIRoutes<VigilRequestContext>(service: service, scheme: usesTLS ? "https" : "http").register(on: taxii)
        return router
    }

    /// Starts the sharing service and serves until SIGINT or SIGTERM; `onRunning` gets the
    /// port listened on (useful with port 0).
    public func run(onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) async throws(VigilError) {
        try check()
        let audit = AuditTrail(store: store)
        let service = try await SharingService.start(store: store, configuration: configuration, audit: audit)
        let authenticator = Authenticator(
            store: store, audit: audit, hasher: options.passwords, throttle: LoginThrottle(policy: options.throttle))
        var logger = Logger(label: "vigil.serve")
        logger.logLevel = .notice
        let http1 = HTTP1Channel.Configuration(
            additionalChannelHandlers: [RequestBodyDeadline(limit: TimeAmount(options.bodyDeadline))],
            idleTimeout: TimeAmount(options.idleTimeout),
            httpDecoderConfiguration: .init(maxHeaderFieldSize: 16 * 1024, maxHeaderListSize: 64 * 1024, maxHeaderFieldCount: 100))
        let server: HTTPServerBuilder
        do {
            if let tls = configuration.tls {
                server = try .tls(.http1(configuration: http1), tlsConfiguration: try VigilServer.tlsConfiguration(tls))
            } else {
                server = .http1(configuration: http1)
            }
        } catch let error as VigilError {
            throw error
        } catch {
            throw .invalid("TLS: \(error)")
        }
        let application = Application(
            router: router(service: service, authenticator: authenticator, desk: CaseDesk(store: store, configuration: configuration, audit: audit)),
            server: server,
            configuration: ApplicationConfiguration(
                address: .hostname(options.host, port: options.port), serverName: "Vigil",
                availableConnectionsDelegate: MaximumAvailableConnections(options.maximumConnections)),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? 0) },
            logger: logger)
        do {
            try await application.runService(gracefulShutdownSignals: [.sigterm, .sigint])
        } catch {
            await audit.flush()
            throw .invalid("the server stopped: \(error)")
        }
        await audit.flush()
    }

    static func tlsConfiguration(_ tls: SharingConfiguration.TLS) throws -> TLSConfiguration {
        let chain: [NIOSSLCertificate]
        let key: NIOSSLPrivateKey
        do {
            chain = try NIOSSLCertificate.fromPEMFile(tls.certificate)
        } catch {
            throw VigilError.input(path: tls.certificate, reason: "not a PEM certificate chain: \(error)")
        }
        do {
            key = try NIOSSLPrivateKey(file: tls.key, format: .pem)
        } catch {
            throw VigilError.input(path: tls.key, reason: "not a PEM private key: \(error)")
        }
        var configuration = TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        configuration.minimumTLSVersion = .tlsv12
        return configuration
    }

    static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }
}

/// The context of each request: who is asking (after authentication) and from where.
public struct VigilRequestContext: TAXIIRequestContext, WebUIRequestContext {
    public var coreContext: CoreRequestContextStorage
    public var requester: SharingRequester?
    public var webUser: WebUser?
    /// The client's IP address.
    public let remoteAddress: String?

    public init(source: ApplicationRequestContextSource) {
        coreContext = CoreRequestContextStorage(source: source)
        remoteAddress = source.channel.remoteAddress?.ipAddress
    }
}
