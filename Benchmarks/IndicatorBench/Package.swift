// swift-tools-version:6.1
import PackageDescription

// The indicator benchmark (`Benchmarks/indicators.sh`): a million generated indicators loaded
// and looked up in one process. Kept out of the main package so that `swift build` and
// `swift test` do not build it.
let package = Package(
    name: "IndicatorBench",
    platforms: [.macOS(.v15)],
    dependencies: [.package(name: "Vigil", path: "../..")],
    targets: [
        .executableTarget(
            name: "IndicatorBench",
            dependencies: [
                .product(name: "Indicators", package: "Vigil"), .product(name: "STIX", package: "Vigil"),
                .product(name: "Hunt", package: "Vigil"),
            ]
        )
    ]
)
