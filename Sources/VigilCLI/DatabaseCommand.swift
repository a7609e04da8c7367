import ArgumentParser
import Foundation
import Reports
import VigilKit

/// `vigil db`: move a store between SQLite and PostgreSQL, and verify one.
struct DatabaseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "db", abstract: "Migrate a store between SQLite and PostgreSQL, and check a store.",
        subcommands: [Migrate.self, Check.self])

    struct Migrate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Copy everything of one store into a new, empty one, verified by counts and content hashes per table.",
            discussion: """
                Each of --from and --to is a SQLite file path or a postgres://user:password@host:port/database URL \
                (query items: schema, sslmode, statement_timeout in ms, pool). Versions keep their order and their dates \
                added, so a TAXII client resumes against the new store where it stopped; a members collection's own \
                dates are the new store's.
                """)

        @Option(help: ArgumentHelp("The store to copy.", valueName: "PATH|URL"))
        var from: String
        @Option(help: ArgumentHelp("The new store; it must be empty.", valueName: "PATH|URL"))
        var to: String

        func run() async throws {
            let source = try Failure.report { try StoreLocation(path: from).open() }
            let target = try Failure.report { try StoreLocation(path: to).open() }
            let started = Date()
            let (before, after) = try await Failure.report {
                try await StoreMigration.copy(from: source, to: target) { Console.message($0) }
            }
            Console.out(DatabaseCommand.table(before, beside: after))
            Console.out(String(format: "copied in %.1f s", Date().timeIntervalSince(started)))
            guard before.tables == after.tables else {
                Console.error("the copy differs from the store it was copied from (see the table above)")
                throw ExitStatus.askedFailure
            }
            Console.out("verified: every table has the same count and content hash")
        }
    }

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Read a whole store: its schema brought up to date, every stored version parsed, counts and content hashes per table.")

        @OptionGroup var store: StoreOptions

        func run() async throws {
            let opened = try store.open()
            let digest = try await Failure.report { try await StoreMigration.digest(of: opened) }
            Console.out(DatabaseCommand.table(digest, beside: nil))
            Console.out("database: \(store.location)")
            guard digest.unreadable.isEmpty else {
                for problem in digest.unreadable.prefix(20) { Console.error("unreadable version \(problem)") }
                Console.error("\(digest.unreadable.count) stored version(s) cannot be read")
                throw ExitStatus.askedFailure
            }
            Console.out("ok: every stored version reads as STIX")
        }
    }

    /// Tables with counts and hashes; with a second digest, its counts and whether they agree.
    static func table(_ digest: StoreDigest, beside other: StoreDigest?) -> String {
        var columns: [TextTable.Column] = [.init("table"), .init("rows", .right), .init("sha-256")]
        if other != nil { columns += [.init("copy rows", .right), .init("same")] }
        var table = TextTable(columns)
        for (index, entry) in digest.tables.enumerated() {
            var row = [entry.table, grouped(entry.count), String(entry.sha256.prefix(16))]
            if let other {
                let copy = index < other.tables.count ? other.tables[index] : nil
                row += [copy.map { grouped($0.count) } ?? "-", copy == entry ? "yes" : "NO"]
            }
            table.add(row)
        }
        return table.render()
    }
}
