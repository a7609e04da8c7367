import ArgumentParser
import Foundation
import IntelStore
import Reports
import STIX
import VigilKit

/// `vigil users add|passwd|token|revoke|change|list|remove`
struct UsersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "users",
        abstract: "Manage who may use `vigil serve`: users, passwords, API tokens, rights and TLP clearance.",
        discussion: """
            Passwords are read from $VIGIL_PASSWORD, typed at the terminal, or the first line of \
            standard input, never from the command line. They are stored as bcrypt hashes. Every \
            change is written to the audit log (vigil audit).
            """,
        subcommands: [Add.self, Passwd.self, Token.self, Revoke.self, Change.self, List.self, Remove.self]
    )

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a user.")

        @OptionGroup var store: StoreOptions
        @Argument(help: "The user's name (letters, digits, '.', '_', '-', '@').") var name: String
        @Option(help: ArgumentHelp("The most sensitive TLP level the user may receive.", valueName: "LEVEL")) var clearance: TLPLevel
        @Option(help: ArgumentHelp("A collection (alias or id, * for all) the user may read; repeatable.", valueName: "ALIAS"))
        var read: [String] = []
        @Option(help: ArgumentHelp("A collection (alias or id, * for all) the user may write, or `cases` (every case in the web UI) or `case:NAME`; repeatable.", valueName: "ALIAS"))
        var write: [String] = []
        @Option(help: ArgumentHelp("The user's organisation; only the server's own receives TLP:AMBER+STRICT.", valueName: "ORG"))
        var organisation: String?
        @Flag(help: "No password: the user signs in with API tokens only.") var tokenOnly = false

        func run() async throws {
            let password = tokenOnly ? nil : try SecretInput.read(variable: "VIGIL_PASSWORD", prompt: "password for \(name)", confirm: true)
            let grant = UserAdministration.Grant(clearance: clearance, organisation: organisation, read: read, write: write)
            let user = try await Failure.report { try await UserAdministration(store: try store.open()).add(name, password: password, grant: grant) }
            Console.message("added \(user.name): clearance \(user.clearance.label)\(UsersCommand.rights(user))")
        }
    }

    struct Passwd: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Set a user's password.")

        @OptionGroup var store: StoreOptions
        @Argument(help: "The user's name.") var name: String

        func run() async throws {
            let password = try SecretInput.read(variable: "VIGIL_PASSWORD", prompt: "new password for \(name)", confirm: true)
            try await Failure.report { try await UserAdministration(store: try store.open()).setPassword(of: name, to: password) }
            Console.message("password of \(name) changed")
        }
    }

    struct Token: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make an API token for a user and print it (the only time it is shown).",
            discussion: "Clients send it as `Authorization: Bearer TOKEN`. Revoke it with `vigil users revoke ID`.")

        @OptionGroup var store: StoreOptions
        @Argument(help: "The user's name.") var name: String

        func run() async throws {
            let (token, text) = try await Failure.report { try await UserAdministration(store: try store.open()).newToken(for: name) }
            Console.out(text)
            Console.message("token \(token.id) for \(name); keep it secret, it is not shown again")
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke an API token by its id; it stops working at once.")

        @OptionGroup var store: StoreOptions
        @Argument(help: "The token's id (vigil users list shows them).") var id: String

        func run() async throws {
            let revoked = try await Failure.report { try await UserAdministration(store: try store.open()).revokeToken(id) }
            guard revoked else {
                Console.error("no working token '\(id)'")
                throw ExitStatus.badInput
            }
            Console.message("token \(id) revoked")
        }
    }

    struct Change: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Change a user's clearance, organisation or rights.")

        @OptionGroup var store: StoreOptions
        @Argument(help: "The user's name.") var name: String
        @Option(help: ArgumentHelp("New clearance.", valueName: "LEVEL")) var clearance: TLPLevel?
        @Option(help: ArgumentHelp("Collections the user may read (replaces the list); repeatable.", valueName: "ALIAS"))
        var read: [String] = []
        @Flag(help: "Remove every read right.") var noRead = false
        @Option(help: ArgumentHelp("Collections the user may write (replaces the list); repeatable.", valueName: "ALIAS"))
        var write: [String] = []
        @Flag(help: "Remove every write right.") var noWrite = false
        @Option(help: ArgumentHelp("New organisation (empty to remove).", valueName: "ORG")) var organisation: String?

        func run() async throws {
            let organisation: String?? = self.organisation.map { text -> String? in text.isEmpty ? nil : text }
            let user = try await Failure.report {
                try await UserAdministration(store: try store.open()).change(
                    name, clearance: clearance, organisation: organisation, read: noRead ? [] : (read.isEmpty ? nil : read),
                    write: noWrite ? [] : (write.isEmpty ? nil : write))
            }
            Console.message("\(user.name): clearance \(user.clearance.label)\(UsersCommand.rights(user))")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List users, their rights and their tokens.")

        @OptionGroup var store: StoreOptions

        func run() async throws {
            let users = try await Failure.report { try await UserAdministration(store: try store.open()).list() }
            var table = TextTable(["user", "clearance", "organisation", "read", "write", "password", "tokens"].map { TextTable.Column($0) })
            for (user, tokens) in users {
                let working = tokens.filter { $0.revoked == nil }.map(\.id)
                table.add([
                    user.name, user.clearance.name, user.organisation ?? "", user.read.joined(separator: ","), user.write.joined(separator: ","),
                    user.passwordHash == nil ? "no" : "yes", working.joined(separator: ","),
                ])
            }
            Console.out(table.render())
            if users.isEmpty { Console.message("no users: add one with `vigil users add NAME --clearance green --read default`") }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a user; its tokens stop working.")

        @OptionGroup var store: StoreOptions
        @Argument(help: "The user's name.") var name: String

        func run() async throws {
            try await Failure.report { try await UserAdministration(store: try store.open()).remove(name) }
            Console.message("removed \(name)")
        }
    }

    static func rights(_ user: VigilUser) -> String {
        var parts: [String] = []
        if let organisation = user.organisation { parts.append("organisation \(organisation)") }
        if !user.read.isEmpty { parts.append("reads \(user.read.joined(separator: ", "))") }
        if !user.write.isEmpty { parts.append("writes \(user.write.joined(separator: ", "))") }
        return parts.isEmpty ? "" : "; " + parts.joined(separator: "; ")
    }
}

/// `vigil audit [--since T] [--user NAME] [--limit N]`
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Show the audit log: writes, refused reads, failed logins, user changes, pulls and pushes.")

    @OptionGroup var store: StoreOptions
    @Option(help: ArgumentHelp("Only entries at or after this time (RFC 3339).", valueName: "TIME")) var since: String?
    @Option(help: ArgumentHelp("Only this user's entries.", valueName: "NAME")) var user: String?
    @Option(help: "How many of the newest entries to show.") var limit = 100
    @Flag(help: "One JSON object a line.") var json = false

    func run() async throws {
        let entries = try await Failure.report {
            try await VigilError.wrapping { try await store.open().audit(since: since, user: user, limit: max(1, limit)) }
        }
        if json {
            for entry in entries {
                var object: JSONObject = [
                    "time": .string(entry.time), "action": .string(entry.action), "decision": .string(entry.decision.rawValue),
                ]
                if let user = entry.user { object["user"] = .string(user) }
                if let address = entry.address { object["address"] = .string(address) }
                if let collection = entry.collection { object["collection"] = .string(collection) }
                if !entry.objectIDs.isEmpty { object["object_ids"] = .array(entry.objectIDs.map(JSONValue.string)) }
                if !entry.detail.isEmpty { object["detail"] = .string(entry.detail) }
                Console.out(JSONWriter().string(.object(object)))
            }
            return
        }
        var table = TextTable(
            [
                .init("time"), .init("user"), .init("address"), .init("action"), .init("decision"), .init("collection"),
                .init("objects", .right), .init("detail", maxWidth: 80),
            ])
        for entry in entries {
            table.add([
                entry.time, entry.user ?? "", entry.address ?? "", entry.action, entry.decision.rawValue, entry.collection ?? "",
                entry.objectIDs.isEmpty ? "" : String(entry.objectIDs.count), entry.detail,
            ])
        }
        Console.out(table.render())
    }
}
