import ArgumentParser
import IntelStore
import VigilKit

/// The `vigil` command: parses arguments and hands the work to the libraries.
@main
struct Vigil: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vigil",
        abstract: "Turn the evidence of an intrusion into an attribution you can stand behind and share.",
        discussion: """
            Data lives in one SQLite file or a PostgreSQL database (a postgres:// URL): --db, else $VIGIL_DB, else \
            $XDG_DATA_HOME/vigil/vigil.sqlite (~/.local/share/vigil/vigil.sqlite).
            Exit codes: 0 success, 1 a failure you asked to fail on, 2 bad usage or bad input.
            """,
        version: "0.1.0",
        subcommands: [
            InvestigateCommand.self, HuntCommand.self, Dump.self, RulesCommand.self, Intel.self, CaseCommand.self, AttributeCommand.self, ReportCommand.self, AttributionCommand.self, UpdateCommand.self,
            ServeCommand.self, UsersCommand.self, AuditCommand.self, TAXIICommand.self, DatabaseCommand.self,
        ]
    )

    /// Parses with long runs of evidence paths joined (`ArgumentRuns`), then runs the command.
    /// A store failure a command did not handle (the database cannot be reached, say) is
    /// reported as one line with exit status 2, like other bad input.
    static func main() async {
        do {
            var command = try parseAsRoot(ArgumentRuns.compact(Array(CommandLine.arguments.dropFirst())))
            if var command = command as? any AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
        } catch let error as IntelStoreError {
            Console.error(error.description)
            exit(withError: ExitStatus.badInput)
        } catch let error as VigilError {
            Console.error(error.description)
            exit(withError: ExitStatus.badInput)
        } catch {
            exit(withError: error)
        }
    }
}
