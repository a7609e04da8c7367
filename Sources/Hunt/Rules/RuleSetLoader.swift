import Foundation
import STIX
import Sigma

/// Sigma rules read from files and folders and compiled: the engine, the correlations, and
/// everything that could not be used, with its reason.
public struct LoadedRuleSet: Sendable {
    public var files = 0
    public var engine: RuleEngine
    public var correlations: CorrelationSet
    /// Rules (and correlations, filters) that did not load or compile.
    public var problems: [SigmaProblem]
    /// Rules whose log source no mapping entry names: not run, or run on every event that is
    /// not a Windows event log record, as `unmappedPolicy` says.
    public var unmapped: [SigmaRule]
    public var unmappedPolicy: UnmappedRules = .skip
    public var filters = 0
    public var seconds: Double
}

/// Reads rule files (`.yml`, `.yaml`; folders walked) on all cores and compiles them.
public enum RuleSetLoader {
    public struct Options: Sendable {
        public var mapping: LogSourceMapping
        public var placeholders: [String: [String]]
        /// Rules with these statuses are left out (`deprecated`, `unsupported` by default).
        public var excludedStatuses: Set<String>
        /// Rules whose log source the mapping does not name: left out and reported by default.
        public var unmapped: UnmappedRules
        /// Where reading and compiling run.
        public var executor: ParallelExecutor

        public init(
            mapping: LogSourceMapping = .standard, placeholders: [String: [String]] = [:],
            excludedStatuses: Set<String> = ["deprecated", "unsupported"], unmapped: UnmappedRules = .skip,
            executor: ParallelExecutor = .shared
        ) {
            self.mapping = mapping
            self.placeholders = placeholders
            self.excludedStatuses = excludedStatuses
            self.unmapped = unmapped
            self.executor = executor
        }
    }

    /// The rule files below the paths, sorted; paths that do not exist are returned apart.
    public static func ruleFiles(_ paths: [String]) -> (files: [String], missing: [String]) {
        var files: [String] = []
        var missing: [String] = []
        let manager = FileManager.default
        for path in paths {
            var isDirectory: ObjCBool = false
            guard manager.fileExists(atPath: path, isDirectory: &isDirectory) else {
                missing.append(path)
                continue
            }
            guard isDirectory.boolValue else {
                files.append(path)
                continue
            }
            var found: [String] = []
            RuleSetLoader.walk(path) { file in
                if RuleSetLoader.isRuleFile(file) { found.append(file) }
            }
            files += found.sorted()
        }
        return (files, missing)
    }

    /// Whether a path names a YAML file (`.yml` or `.yaml`, in any case), by its last bytes.
    static func isRuleFile(_ path: String) -> Bool {
        let tail = path.utf8.suffix(5).map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }
        return tail.elementsEqual(".yaml".utf8) || tail.suffix(4).elementsEqual(".yml".utf8)
    }

    /// Calls `body` with the path of every file under `folder`, skipping names that start
    /// with a dot (and what is under them). Directory entries are read with `readdir`, whose
    /// entry types spare a `stat` per file: listing SigmaHQ's thousands of rules through
    /// `FileManager` cost a twentieth of loading them.
    static func walk(_ folder: String, _ body: (String) -> Void) {
        guard let directory = opendir(folder) else { return }
        defer { closedir(directory) }
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            guard !name.hasPrefix(".") else { continue }
            let path = folder.hasSuffix("/") ? folder + name : folder + "/" + name
            var isDirectory = entry.pointee.d_type == UInt8(DT_DIR)
            if entry.pointee.d_type == UInt8(DT_UNKNOWN) || entry.pointee.d_type == UInt8(DT_LNK) {
                var info = stat()
                guard lstat(path, &info) == 0 else { continue }
                if (info.st_mode & S_IFMT) == S_IFLNK {
                    // A link to a folder is not followed (no cycles), as FileManager's walk does
                    // not; a link to a file is that file.
                    guard stat(path, &info) == 0, (info.st_mode & S_IFMT) != S_IFDIR else { continue }
                    isDirectory = false
                } else {
                    isDirectory = (info.st_mode & S_IFMT) == S_IFDIR
                }
            }
            if isDirectory { walk(path, body) } else { body(path) }
        }
    }

    /// Loads and compiles the rules of these files.
    public static func load(files: [String], options: Options = Options()) -> LoadedRuleSet {
        let started = Date()
        let parsed = options.executor.map(files) { path -> SigmaRuleFile in
            guard let data = FileManager.default.contents(atPath: path) else {
                var failed = SigmaRuleFile(path: path)
                failed.problems.append(SigmaProblem("cannot be read", at: SourceLocation(file: path)))
                return failed
            }
            guard let text = String(data: data, encoding: .utf8) else {
                var failed = SigmaRuleFile(path: path)
                failed.problems.append(SigmaProblem("not UTF-8 text", at: SourceLocation(file: path)))
                return failed
            }
            return RuleLoader.load(text, path: path)
        }
        var rules: [SigmaRule] = []
        var correlations: [SigmaCorrelation] = []
        var filters: [SigmaFilter] = []
        var problems: [SigmaProblem] = []
        for file in parsed {
            rules += file.rules.filter { !options.excludedStatuses.contains($0.status ?? "") }
            correlations += file.correlations.filter { !options.excludedStatuses.contains($0.status ?? "") }
            filters += file.filters
            problems += file.problems
        }
        let (engine, compileProblems) = RuleEngine.compile(
            rules, filters: filters, mapping: options.mapping, placeholders: options.placeholders, unmapped: options.unmapped,
            executor: options.executor)
        problems += compileProblems
        // A correlation that cannot be bound (a missing rule, a cycle) is reported and left
        // out; the others are bound without it.
        var usable = correlations
        var correlationSet: CorrelationSet?
        while correlationSet == nil {
            do {
                correlationSet = try CorrelationSet(usable, rules: engine.rules)
            } catch {
                problems.append(error)
                let before = usable.count
                usable.removeAll { $0.location == error.location }
                if usable.count == before { usable = [] }
            }
        }
        return LoadedRuleSet(
            files: files.count, engine: engine, correlations: correlationSet!, problems: problems,
            unmapped: engine.rules.filter { !$0.mapped }.map(\.rule), unmappedPolicy: options.unmapped, filters: filters.count,
            seconds: Date().timeIntervalSince(started))
    }
}
