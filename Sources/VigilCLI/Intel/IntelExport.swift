import ArgumentParser
import Reports
import Foundation
import IntelStore
import STIX

/// `vigil intel export [--type T...] [--max-tlp LEVEL] -o bundle.json`
struct IntelExport: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write the latest objects as a STIX 2.1 bundle, within a TLP ceiling.",
        discussion: """
            Objects above --max-tlp are withheld, and so is anything that points to them. Objects \
            without a TLP marking count as --unmarked-tlp (default amber, or $VIGIL_UNMARKED_TLP). \
            TLP:RED leaves only with --max-tlp red.
            """
    )

    @OptionGroup var store: StoreOptions

    @Option(name: .customLong("type"), help: ArgumentHelp("Only this type (repeatable).", valueName: "TYPE"))
    var types: [String] = []

    @Option(help: ArgumentHelp("Most restrictive TLP level to export.", valueName: "LEVEL"))
    var maxTlp: TLPLevel = .amberStrict

    @Option(help: ArgumentHelp("Level of objects without a TLP marking.", valueName: "LEVEL"))
    var unmarkedTlp: TLPLevel?

    @Flag(help: "Leave out revoked and deprecated objects.")
    var excludeRevoked = false

    @Flag(help: "Indent the JSON.")
    var pretty = false

    @Option(name: .shortAndLong, help: ArgumentHelp("Output file; standard output when absent.", valueName: "FILE"))
    var output: String?

    func run() async throws {
        let unmarked = try unmarkedLevel()
        let selection = ExportSelection(
            types: types, maximumTLP: maxTlp, unmarkedTLP: unmarked, includeRetired: !excludeRevoked)
        let result = try await selection.select(from: try self.store.open())
        let writer = STIXBundleWriter(pretty: pretty)
        var bytes = writer.header()
        for (index, stored) in result.objects.enumerated() {
            bytes.append(contentsOf: writer.object(stored.object, first: index == 0))
        }
        bytes.append(contentsOf: writer.footer(empty: result.objects.isEmpty))
        if let output {
            guard FileManager.default.createFile(atPath: output, contents: Data(bytes)) else {
                Console.error("\(output): cannot be written")
                throw ExitStatus.badInput
            }
        } else {
            FileHandle.standardOutput.write(Data(bytes))
        }
        var summary = "exported \(grouped(result.objects.count)) object(s) up to \(maxTlp.label) to \(output ?? "standard output")"
        let withheld = result.withheldByTLP.sorted { $0.key < $1.key }.map { "\(grouped($0.value)) \($0.key.label)" }
        if !withheld.isEmpty { summary += "; withheld above the ceiling: \(withheld.joined(separator: ", "))" }
        if result.withheldByReference > 0 {
            summary += "; withheld because they point to withheld objects: \(grouped(result.withheldByReference))"
        }
        Console.message(summary)
    }

    private func unmarkedLevel() throws -> TLPLevel {
        if let unmarkedTlp { return unmarkedTlp }
        guard let text = ProcessInfo.processInfo.environment["VIGIL_UNMARKED_TLP"], !text.isEmpty else { return .amber }
        guard let level = TLPLevel(name: text) else {
            Console.error("VIGIL_UNMARKED_TLP='\(text)' is not a TLP level (clear, green, amber, amber+strict, red)")
            throw ExitStatus.badInput
        }
        return level
    }
}

/// `vigil intel stats`
struct IntelStats: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats", abstract: "Count the objects in the store by type and TLP level.")

    @OptionGroup var store: StoreOptions

    func run() async throws {
        let statistics = try await self.store.open().statistics()
        var table = TextTable([.init("type"), .init("objects", .right), .init("active", .right), .init("retired", .right)])
        for (type, count) in statistics.objectsByType.sorted(by: { $0.key < $1.key }) {
            let retired = statistics.retiredByType[type] ?? 0
            table.add([type, grouped(count), grouped(count - retired), grouped(retired)])
        }
        let retired = statistics.retiredByType.values.reduce(0, +)
        table.add(["all", grouped(statistics.objectCount), grouped(statistics.objectCount - retired), grouped(retired)])
        Console.out(table.render())
        Console.out()
        let levels: [TLPLevel?] = TLPLevel.allCases.map { $0 } + [nil]
        let byLevel = levels.compactMap { level -> String? in
            guard let count = statistics.objectsByTLP[level], count > 0 else { return nil }
            return "\(level?.label ?? "unmarked") \(grouped(count))"
        }
        Console.out("TLP: \(byLevel.isEmpty ? "-" : byLevel.joined(separator: ", "))")
        Console.out("versions stored: \(grouped(statistics.versionCount)) (\(grouped(statistics.versionCount - statistics.objectCount)) older)")
        Console.out("database: \(self.store.location)")
    }
}
