import Foundation
import Hunt
import STIX
import Sigma

/// Which Sigma rules to hunt with and how to place them on events: rule files and folders
/// (else the rules `vigil update` installed), a log source mapping, placeholder values, which
/// statuses to leave out, and what to do with rules of products the mapping does not know.
public struct RuleSelection: Sendable {
    public var paths: [String]
    /// A log source mapping file (YAML) replacing the built-in one.
    public var logSourceMap: String?
    /// Values of `%placeholders%` (YAML: name: [values]).
    public var placeholders: String?
    /// Also run deprecated and unsupported rules.
    public var allStatuses: Bool
    public var unmapped: UnmappedRules
    /// Where reading and compiling run (a server passes its bounded executor).
    public var executor: ParallelExecutor = .shared

    public init(paths: [String] = [], logSourceMap: String? = nil, placeholders: String? = nil, allStatuses: Bool = false, unmapped: UnmappedRules = .skip) {
        self.paths = paths
        self.logSourceMap = logSourceMap
        self.placeholders = placeholders
        self.allStatuses = allStatuses
        self.unmapped = unmapped
    }

    /// The loader's options: the mapping and placeholders read from their files.
    public func options() throws(VigilError) -> RuleSetLoader.Options {
        var mapping = LogSourceMapping.standard
        if let logSourceMap {
            do {
                mapping = try LogSourceMapping(text: try String(contentsOfFile: logSourceMap, encoding: .utf8), path: logSourceMap)
            } catch let problem as LogSourceMapping.Problem {
                throw .input(path: logSourceMap, reason: problem.description)
            } catch {
                throw .input(path: logSourceMap, reason: "cannot be read")
            }
        }
        var values: [String: [String]] = [:]
        if let placeholders {
            do {
                values = try PlaceholderFile.read(try String(contentsOfFile: placeholders, encoding: .utf8), path: placeholders)
            } catch let problem as SigmaProblem {
                throw .input(path: placeholders, reason: problem.description)
            } catch {
                throw .input(path: placeholders, reason: "cannot be read")
            }
        }
        return RuleSetLoader.Options(
            mapping: mapping, placeholders: values, excludedStatuses: allStatuses ? [] : ["deprecated", "unsupported"], unmapped: unmapped,
            executor: executor)
    }

    /// The rule files named (else those installed), refusing paths that do not exist.
    public func files(installed: String? = nil) throws(VigilError) -> [String] {
        var paths = self.paths
        if paths.isEmpty, let installed { paths = [installed] }
        guard !paths.isEmpty else { throw .noRules }
        let (files, missing) = RuleSetLoader.ruleFiles(paths)
        if let path = missing.first { throw .input(path: path, reason: "no such file or folder" + (missing.count > 1 ? " (and \(missing.count - 1) more)" : "")) }
        return files
    }

    /// Loads and compiles the rules; refuses a selection where no rule loads unless
    /// `requireRules` is false (a lint shows why).
    public func load(installed: String? = nil, requireRules: Bool = true) throws(VigilError) -> LoadedRuleSet {
        let rules = RuleSetLoader.load(files: try files(installed: installed), options: try options())
        if requireRules && rules.engine.rules.isEmpty {
            let source = paths.isEmpty ? installed ?? "-" : paths.joined(separator: ", ")
            throw .input(path: source, reason: "no rule could be loaded (\(rules.problems.count) problems; see vigil rules lint)")
        }
        return rules
    }
}
