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
        .library(name: "IntelStore", targets: ["IntelStore"]),
        .library(name: "IntelStoreSQLite", targets: ["IntelStoreSQLite"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
    ],
    targets: [
        .target(name: "STIX"),
        .target(name: "IntelStore", dependencies: ["STIX"]),
        .target(
            name: "IntelStoreSQLite",
            dependencies: [
                "STIX", "IntelStore", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ]
        ),
        .executableTarget(
            name: "VigilCLI",
            dependencies: [
                "STIX", "IntelStore", "IntelStoreSQLite",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "STIXTests", dependencies: ["STIX", "TestSupport"]),
        .testTarget(
            name: "IntelStoreTests",
            dependencies: ["STIX", "IntelStore", "IntelStoreSQLite", "TestSupport"]
        ),
        .testTarget(name: "VigilCLITests", dependencies: ["VigilCLI", "TestSupport"]),
    ]
)
