import ArgumentParser

/// The `vigil` command: parses arguments and hands the work to the libraries.
@main
struct Vigil: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vigil",
        abstract: "Turn the evidence of an intrusion into an attribution you can stand behind and share.",
        discussion: """
            Data lives in one SQLite file: --db PATH, else $VIGIL_DB, else \
            $XDG_DATA_HOME/vigil/vigil.sqlite (~/.local/share/vigil/vigil.sqlite).
            Exit codes: 0 success, 1 a failure you asked to fail on, 2 bad usage or bad input.
            """,
        version: "0.1.0",
        subcommands: [
            InvestigateCommand.self, HuntCommand.self, Dump.self, RulesCommand.self, Intel.self, CaseCommand.self, AttributeCommand.self, ReportCommand.self, AttributionCommand.self, UpdateCommand.self,
            ServeCommand.self, UsersCommand.self, AuditCommand.self, TAXIICommand.self,
        ]
    )

    /// Parses with long runs of evidence paths joined (`ArgumentRuns`), then runs the command.
    static func main() async {
        await main(ArgumentRuns.compact(Array(CommandLine.arguments.dropFirst())))
    }
}
