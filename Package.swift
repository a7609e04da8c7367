// swift-tools-version:6.1
import PackageDescription

// Module map and dependency rule: see ARCHITECTURE.md. Engines (STIX, ...) import Foundation
// only; adapters at the edge (stores, CLI) own I/O.
let package = Package(
    name: "Vigil",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "vigil", targets: ["VigilCLI"]),
        .library(name: "STIX", targets: ["STIX"]),
        .library(name: "EventLog", targets: ["EventLog"]),
        .library(name: "EVTX", targets: ["EVTX"]),
        .library(name: "Sigma", targets: ["Sigma"]),
        .library(name: "Attribution", targets: ["Attribution"]),
        .library(name: "IntelStore", targets: ["IntelStore"]),
        .library(name: "IntelStoreSQLite", targets: ["IntelStoreSQLite"]),
        .library(name: "IntelStorePostgres", targets: ["IntelStorePostgres"]),
        .library(name: "Indicators", targets: ["Indicators"]),
        .library(name: "Hunt", targets: ["Hunt"]),
        .library(name: "Reports", targets: ["Reports"]),
        .library(name: "VigilKit", targets: ["VigilKit"]),
        .library(name: "TAXII", targets: ["TAXII"]),
        .library(name: "WebUI", targets: ["WebUI"]),
        .library(name: "Server", targets: ["Server"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        // A team's store on PostgreSQL (on the same swift-nio stack as the server).
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        // HTTP: the server (Hummingbird without swift-configuration), bcrypt for passwords,
        // the TAXII client. They share the swift-nio stack.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: []),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        // The web UI's pages: Mustache templates (no dependencies of its own).
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
    ],
    targets: [
        .target(name: "STIX"),
        .target(name: "EventLog", dependencies: ["STIX"]),
        // CRC-32 with carry-less multiplication, for EVTX checksums (pure computation).
        .target(name: "CCRC32"),
        .target(name: "EVTX", dependencies: ["EventLog", "CCRC32"]),
        // System zlib, for reading gzip-compressed evidence.
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", providers: [.apt(["zlib1g-dev"])]),
        // Regular expressions run in the toolchain's ICU (Foundation's own), through its C
        // interface where it can be imported.
        .target(
            name: "Sigma", dependencies: ["EventLog", "STIX", .product(name: "Yams", package: "Yams")],
            linkerSettings: [.linkedLibrary("_FoundationICU", .when(platforms: [.linux]))]
        ),
        // System OpenSSL (libcrypto), for SHA-256 of evidence files (it uses the CPU's SHA
        // instructions).
        .systemLibrary(name: "CCrypto", path: "Sources/CCrypto", providers: [.apt(["libssl-dev"])]),
        // STIX patterns and indicator sets (an engine: values in, values out).
        .target(name: "Indicators", dependencies: ["STIX", "EventLog"]),
        .target(name: "Hunt", dependencies: ["STIX", "EventLog", "EVTX", "Sigma", "Indicators", "CZlib", "CCrypto"]),
        // The curated state attributions are compiled into the program (no files to ship).
        .target(name: "Attribution", dependencies: ["STIX"], resources: [.embedInCode("Sponsors/state-attributions.json")]),
        .target(name: "IntelStore", dependencies: ["STIX"]),
        .target(name: "Reports", dependencies: ["STIX", "EventLog", "Attribution", "IntelStore"]),
        .target(
            name: "IntelStoreSQLite",
            dependencies: [
                "STIX", "IntelStore", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ]
        ),
        .target(
            name: "IntelStorePostgres",
            dependencies: [
                "STIX", "IntelStore", .product(name: "PostgresNIO", package: "postgres-nio"),
            ]
        ),
        // The application: what the CLI and the server both call.
        .target(
            name: "VigilKit",
            dependencies: [
                "STIX", "EventLog", "EVTX", "Sigma", "Indicators", "Hunt", "Attribution", "IntelStore", "IntelStoreSQLite",
                "IntelStorePostgres", "Reports",
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
            ]
        ),
        // TAXII 2.1: the routes over VigilKit's sharing service, and the client.
        .target(
            name: "TAXII",
            dependencies: [
                "VigilKit", "STIX", "IntelStore", .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"), .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"), .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        // The analyst's web pages under /ui/: sessions, CSRF, Mustache templates over VigilKit.
        .target(
            name: "WebUI",
            dependencies: [
                "VigilKit", "Reports", "IntelStore", "STIX", .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Mustache", package: "swift-mustache"), .product(name: "HTTPTypes", package: "swift-http-types"),
            ]
        ),
        // `vigil serve`: configuration, TLS, authentication, limits; mounts TAXII and the web UI.
        .target(
            name: "Server",
            dependencies: [
                "TAXII", "WebUI", "VigilKit", "IntelStore", .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"), .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"), .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"), .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        .executableTarget(
            name: "VigilCLI",
            dependencies: [
                "VigilKit", "TAXII", "Server", "STIX", "IntelStore", "EventLog", "EVTX", "Sigma", "Indicators", "Hunt", "Attribution", "Reports",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .target(name: "TestSupport", dependencies: ["EVTX", "STIX"], path: "Tests/TestSupport"),
        .testTarget(name: "STIXTests", dependencies: ["STIX", "TestSupport"]),
        .testTarget(name: "EventLogTests", dependencies: ["EventLog", "TestSupport"]),
        .testTarget(name: "EVTXTests", dependencies: ["EVTX", "EventLog", "STIX", "Hunt", "TestSupport"]),
        .testTarget(name: "SigmaTests", dependencies: ["Sigma", "EventLog", "TestSupport"]),
        .testTarget(name: "IndicatorsTests", dependencies: ["Indicators", "STIX", "EventLog", "TestSupport"], exclude: ["Scripts"]),
        .testTarget(name: "AttributionTests", dependencies: ["Attribution", "STIX", "TestSupport"]),
        .testTarget(name: "HuntTests", dependencies: ["Hunt", "EVTX", "EventLog", "Sigma", "STIX", "TestSupport"], exclude: ["Scripts"]),
        .testTarget(
            name: "IntelStoreTests",
            dependencies: ["STIX", "IntelStore", "IntelStoreSQLite", "IntelStorePostgres", "TestSupport"]
        ),
        .testTarget(name: "VigilKitTests", dependencies: ["VigilKit", "Hunt", "IntelStore", "Reports", "STIX", "TestSupport"]),
        .testTarget(name: "VigilCLITests", dependencies: ["VigilCLI", "TestSupport"]),
        .testTarget(
            name: "ServerTests",
            dependencies: [
                "Server", "TAXII", "WebUI", "VigilKit", "VigilCLI", "Reports", "IntelStore", "IntelStoreSQLite", "IntelStorePostgres", "STIX",
                "TestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"), .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
    ]
)
