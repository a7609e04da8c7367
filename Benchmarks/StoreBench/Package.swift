// swift-tools-version:6.1
import PackageDescription

// The store at a team's scale (`Benchmarks/store-scale.sh`): generated objects and findings
// imported into SQLite and PostgreSQL, then the latency of team operations on each. Kept out
// of the main package so that `swift build` and `swift test` do not build it.
let package = Package(
    name: "StoreBench",
    platforms: [.macOS(.v15)],
    dependencies: [.package(name: "Vigil", path: "../..")],
    targets: [
        .executableTarget(
            name: "StoreBench",
            dependencies: [
                .product(name: "VigilKit", package: "Vigil"), .product(name: "IntelStore", package: "Vigil"),
                .product(name: "STIX", package: "Vigil"),
            ]
        )
    ]
)
