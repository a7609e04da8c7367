// swift-tools-version:6.1
import PackageDescription

// Measurements of the application library (`Benchmarks/library.sh`): a hunt run twice in one
// process, and a paged read while ATT&CK imports. Kept out of the main package so that
// `swift build` and `swift test` do not build it.
let package = Package(
    name: "LibraryBench",
    platforms: [.macOS(.v15)],
    dependencies: [.package(name: "Vigil", path: "../..")],
    targets: [
        .executableTarget(
            name: "LibraryBench",
            dependencies: [
                .product(name: "VigilKit", package: "Vigil"), .product(name: "IntelStore", package: "Vigil"),
                .product(name: "IntelStoreSQLite", package: "Vigil"), .product(name: "STIX", package: "Vigil"),
                .product(name: "Hunt", package: "Vigil"),
            ]
        )
    ]
)
