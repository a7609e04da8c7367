import ArgumentParser
import Foundation
import IntelStore
import Reports
import STIX
import VigilKit

/// `vigil case`: cases hold evidence (hashed, never modified), findings, notes and assertions.
struct CaseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "case",
        abstract: "Create and inspect cases: evidence, findings, timeline, notes and asserted techniques.",
        subcommands: [CaseNew.self, CaseList.self, CaseShow.self, CaseTimeline.self, CaseNoteCommand.self, CaseAssert.self]
    )
}

struct CaseNew: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "new", abstract: "Create a case.")
    @OptionGroup var store: StoreOptions
    @Argument(help: "The case's name.") var name: String
    @Option(help: "TLP marking of the case and everything derived from it (clear, green, amber, amber+strict, red).")
    var tlp: TLPLevel = .amber
    @Option(help: "A line describing the case.") var description = ""

    func run() async throws {
        try await Failure.report {
            try await store.open().createCase(CaseInfo(name: name, created: CaseRecorder.now(), tlp: tlp, description: description))
            Console.out("created case '\(name)' (\(tlp.label))")
        }
    }
}

struct CaseList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List cases.")
    @OptionGroup var store: StoreOptions

    func run() async throws {
        try await Failure.report {
            var table = TextTable([.init("NAME"), .init("TLP"), .init("CREATED"), .init("DESCRIPTION", maxWidth: 60)])
            for info in try await store.open().cases() {
                table.add([info.name, info.tlp?.label ?? "-", info.created, info.description])
            }
            Console.out(table.render())
        }
    }
}

struct CaseShow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "Show a case: evidence, findings by level and tactic, techniques and software with first and last seen, software named by files, notes.")
    @OptionGroup var store: StoreOptions
    @Argument(help: "The case's name.") var name: String

    func run() async throws {
        try await Failure.report {
            let store = try store.open()
            guard let info = try await store.caseInfo(named: name) else { throw IntelStoreError.noSuchCase(name) }
            let summary = try await CaseSummary.reading(case: name, store: store)
            Console.out("Case \(info.name) · \(info.tlp?.label ?? "unmarked") · created \(info.created)")
            if !info.description.isEmpty { Console.out(info.description) }
            let evidence = try await store.evidence(ofCase: name)
            Console.out("\nEvidence (\(evidence.count) files)")
            var files = TextTable([.init("SHA-256"), .init("SIZE", .right), .init("ADDED"), .init("PATH")], indent: 2)
            for file in evidence { files.add([file.sha256.isEmpty ? "(none)" : file.sha256, grouped(Int(file.size)), file.added, file.path]) }
            if !evidence.isEmpty { Console.out(files.render()) }
            for file in evidence { if let error = file.error { Console.out("  \(file.path): \(error)") } }
            Console.out(summary.text())
        }
    }
}

struct CaseTimeline: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "timeline", abstract: "The case's findings in time order, all or those the filters select.")
    @OptionGroup var store: StoreOptions
    @Argument(help: "The case's name.") var name: String
    @Option(help: "table, csv or jsonl.") var format: TimelineFormat = .table
    @Option(name: .shortAndLong, help: ArgumentHelp("Output file; standard output when absent.", valueName: "FILE"))
    var output: String?
    @Option(help: ArgumentHelp("Only this level (repeatable; none: findings without one).", valueName: "LEVEL")) var level: [String] = []
    @Option(help: ArgumentHelp("Only findings whose rule names this tactic id.", valueName: "TA0002")) var tactic: String?
    @Option(help: ArgumentHelp("Only this technique (a parent selects its sub-techniques).", valueName: "T1059")) var technique: String?
    @Option(help: ArgumentHelp("Only this host (any case).", valueName: "NAME")) var host: String?
    @Option(help: ArgumentHelp("Only from this time on (ISO 8601, UTC).", valueName: "TIME")) var from: String?
    @Option(help: ArgumentHelp("Only before this time.", valueName: "TIME")) var to: String?
    @Option(help: "At most this many findings.") var limit: Int?

    func run() async throws {
        try await Failure.report {
            let filter = FindingFilter(
                levels: Set(level.map { $0.lowercased() }), tactic: tactic?.uppercased(), technique: technique?.uppercased(), host: host, from: from, to: to)
            let findings = try await CaseFindingSelection.select(case: name, store: store.open(), filter: filter, limit: limit.map { max($0, 1) })
            let sink = try OutputSink(path: output)
            try sink.write(Array(format.render(findings).utf8))
            try sink.close()
        }
    }
}

struct CaseNoteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "note", abstract: "Add an analyst's note to a case.")
    @OptionGroup var store: StoreOptions
    @Argument(help: "The case's name.") var name: String
    @Argument(help: "The note.") var text: String
    @Option(help: "Who writes it (default $VIGIL_ANALYST or $USER).") var author: String?

    func run() async throws {
        try await Failure.report {
            try await store.open().addNote(
                CaseNote(kind: .note, text: text, author: author ?? CaseRecorder.analyst, at: CaseRecorder.now()), toCase: name)
            Console.out("noted in case '\(name)'")
        }
    }
}

struct CaseAssert: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "assert",
        abstract: "Assert that the intruder used an ATT&CK technique (T1566.002) or software (S0154); attribution counts it.")
    @OptionGroup var store: StoreOptions
    @Argument(help: "The case's name.") var name: String
    @Argument(help: "ATT&CK technique or software ids.") var ids: [String]
    @Option(help: "Why (the source of the assertion).") var comment = ""
    @Option(help: "Who asserts it (default $VIGIL_ANALYST or $USER).") var author: String?

    func run() async throws {
        let notes = try Failure.report {
            try ids.map { id throws(VigilError) in
                try CaseNote.assertion(id, comment: comment, author: author ?? CaseRecorder.analyst, at: CaseRecorder.now())
            }
        }
        try await Failure.report {
            let store = try store.open()
            for note in notes { try await store.addNote(note, toCase: name) }
            Console.out("asserted \(notes.map(\.text).joined(separator: ", ")) in case '\(name)'")
        }
    }
}


extension TimelineFormat: ExpressibleByArgument {}
