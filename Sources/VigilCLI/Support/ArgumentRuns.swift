/// Keeps thousands of evidence paths on a command line cheap to parse.
///
/// swift-argument-parser stores each positional value by copying the list of the values before
/// it, so parsing grows with the square of their number (5,620 paths took 1.4 s, 43,000 took
/// 58 s). Before parsing, a long run of plain arguments (no leading dash) is joined into one
/// argument with NUL between the paths (no path can contain NUL); `EvidenceArguments` splits it
/// again. The run's first argument stays on its own, since it may be the value of the option
/// before it; after `--` every argument is a path.
enum ArgumentRuns {
    /// Commands whose plain arguments are evidence paths.
    static let evidenceCommands: Set<String> = ["dump", "hunt", "investigate"]
    /// Runs up to this long are left as they are (ordinary command lines parse unchanged).
    static let shortestJoinedRun = 16
    static let separator: Character = "\u{0}"

    /// The arguments (without the program name) with long runs of paths joined.
    static func compact(_ arguments: [String]) -> [String] {
        guard let command = arguments.first, evidenceCommands.contains(command) else { return arguments }
        var result: [String] = [command]
        var run: [String] = []
        func flush() {
            if run.count > shortestJoinedRun {
                result.append(run[0])
                result.append(run.dropFirst().joined(separator: String(separator)))
            } else {
                result.append(contentsOf: run)
            }
            run.removeAll(keepingCapacity: true)
        }
        var rest = arguments.dropFirst()
        while let argument = rest.popFirst() {
            if argument == "--" {
                flush()
                result.append(argument)
                if !rest.isEmpty { result.append(rest.joined(separator: String(separator))) }
                return result
            }
            if argument.hasPrefix("-") && argument != "-" {
                flush()
                result.append(argument)
            } else {
                run.append(argument)
            }
        }
        flush()
        return result
    }

    /// Paths as given, with joined runs split again.
    static func expand(_ paths: [String]) -> [String] {
        paths.flatMap { path in
            path.contains(separator) ? path.split(separator: separator).map(String.init) : [path]
        }
    }
}
