import ArgumentParser
import Foundation
import Hunt
import Reports
import Sigma

/// `vigil rules lint|list`
struct RulesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rules", abstract: "Check and list Sigma rules.", subcommands: [Lint.self, List.self])

    /// `vigil rules lint PATH...`: every rule that does not load or compile, with its reason.
    struct Lint: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List every rule that cannot be used, with the file, line and reason; exit 1 when there is one.",
            discussion: """
                Loading checks the YAML and the rule's structure (fields, modifiers, condition); \
                compiling checks the values (regular expressions, CIDR ranges, numbers, \
                placeholders, encodings). Deprecated and unsupported rules are left out unless \
                --all-statuses.
                """)

        @Argument(help: ArgumentHelp("Rule files or folders.", valueName: "PATH"))
        var paths: [String]

        @OptionGroup var ruleOptions: RuleOptions

        func run() throws {
            let rules = try ruleOptions.load(installed: nil, adding: paths, requireRules: false)
            for problem in rules.problems { Console.out(problem.description) }
            Console.message(
                "\(grouped(rules.files)) files: \(grouped(rules.engine.rules.count)) rules, \(rules.correlations.correlations.count) correlations, "
                    + "\(rules.filters) filters loaded; \(rules.problems.count) not loaded; in " + String(format: "%.2f", rules.seconds) + " s")
            if let line = rules.unmappedSummary {
                Console.message(line + ":")
                for rule in rules.unmapped.prefix(20) { Console.message("  \(rule.location.file): \(rule.logSource)") }
                if rules.unmapped.count > 20 { Console.message("  ... \(rules.unmapped.count - 20) more") }
            }
            if !rules.problems.isEmpty { throw ExitStatus.askedFailure }
        }
    }

    /// `vigil rules list PATH...`: the rules that load, one per line.
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the rules that load: id, level, ATT&CK techniques, title.")

        @Argument(help: ArgumentHelp("Rule files or folders.", valueName: "PATH"))
        var paths: [String]

        @OptionGroup var ruleOptions: RuleOptions

        func run() throws {
            let rules = try ruleOptions.load(installed: nil, adding: paths, requireRules: false)
            for compiled in rules.engine.rules {
                let rule = compiled.rule
                Console.out(
                    [rule.id ?? "-", rule.level?.rawValue ?? "-", rule.techniques.joined(separator: ","), rule.title].joined(separator: "\t"))
            }
            for correlation in rules.correlations.correlations {
                Console.out([correlation.id ?? "-", correlation.level?.rawValue ?? "-", correlation.kind.rawValue, correlation.title].joined(separator: "\t"))
            }
        }
    }
}
