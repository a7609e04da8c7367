// swift-tools-version:6.1
import PackageDescription

// libFuzzer targets for Vigil's parsers of untrusted input. Kept out of the main package so
// that `swift build` and `swift test` never need the fuzzer runtime; see Fuzz/README.md.
let package = Package(
    name: "VigilFuzz",
    platforms: [.macOS(.v15)],
    dependencies: [.package(name: "Vigil", path: "..")],
    targets: [
        .executableTarget(
            name: "FuzzEVTX",
            dependencies: [.product(name: "EVTX", package: "Vigil"), .product(name: "EventLog", package: "Vigil")],
            swiftSettings: [.unsafeFlags(["-parse-as-library"])]
        ),
    ]
)
