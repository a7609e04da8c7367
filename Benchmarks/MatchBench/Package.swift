// swift-tools-version:6.1
import PackageDescription

// The matching benchmark (`Benchmarks/matching.sh`): the hunt's reading and matching loop in
// one process, without its threads and output. Kept out of the main package so that
// `swift build` and `swift test` do not build it.
let package = Package(
    name: "MatchBench",
    platforms: [.macOS(.v15)],
    dependencies: [.package(name: "Vigil", path: "../..")],
    targets: [
        .executableTarget(
            name: "MatchBench",
            dependencies: [
                .product(name: "EVTX", package: "Vigil"), .product(name: "EventLog", package: "Vigil"), .product(name: "Sigma", package: "Vigil"),
            ]
        )
    ]
)
