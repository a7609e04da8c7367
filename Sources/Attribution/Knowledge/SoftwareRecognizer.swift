import Foundation

/// Recognizes ATT&CK software by the programs and files a finding names: the executable of a
/// process, a file written, a service installed, and the programs a command line runs.
///
/// A file names software when its name, or its name without an executable extension, is the
/// software's name or one of its aliases, ignoring case (`C:\Tools\mimikatz.exe` is Mimikatz).
/// Nothing is guessed from parts of names: `PsExec64.exe` and `mimikatz.log` name nothing.
///
/// What comes with the operating system is not the intruder's choice of software, even where
/// ATT&CK lists it: every intrusion on Windows runs `cmd.exe`, yet ATT&CK links cmd to 5 of 148
/// groups, so counting it would favour those five for nothing. Files in Windows's own folders
/// (`winmm.dll` there is Windows's library, not the WinMM malware) and the operating-system
/// utilities ATT&CK lists (`operatingSystemUtilities`) therefore name nothing here, nor in a
/// rule's tags (`CaseSummary.evidence`); an analyst's assertion still can. Hashes are not
/// read: ATT&CK records none, so they reach attribution through the indicators that hit.
public struct SoftwareRecognizer: Sendable {
    /// Finding fields (Sigma's names) that hold one program's or file's path.
    public static let pathFields = ["Image", "NewProcessName", "OriginalFileName", "TargetFilename", "ImagePath", "ServiceFileName", "SourceImage"]
    /// Finding fields that hold a command line.
    public static let commandLineFields = ["CommandLine"]
    /// Every field the recognizer reads.
    public static var fields: [String] { pathFields + commandLineFields }

    /// Extensions a program or script file has; a name with another extension is data.
    static let executableExtensions: Set<String> = [
        "exe", "dll", "com", "scr", "sys", "cpl", "ocx", "bat", "cmd", "ps1", "psm1", "vbs", "vbe", "js", "jse", "wsf", "hta", "msi", "jar", "py", "sh",
    ]
    /// ATT&CK's software that is part of Windows or Unix (its description says so): Net, certutil,
    /// at, ipconfig, Tasklist, Arp, ifconfig, dsquery, netstat, netsh, BITSAdmin, Systeminfo,
    /// Forfiles, Nltest, nbtstat, Ping, cmd, route, esentutl, schtasks, Expand, Reg, ftp, Wevtutil.
    public static let operatingSystemUtilities: Set<Feature> = Set([
        "S0039", "S0160", "S0110", "S0100", "S0057", "S0099", "S0101", "S0105", "S0104", "S0108", "S0190", "S0096",
        "S0193", "S0359", "S0102", "S0097", "S0106", "S0103", "S0404", "S0111", "S0361", "S0075", "S0095", "S0645",
    ].map(Feature.software))
    /// Tokens of a command line after which the next token is a program run.
    static let commandPrefixes: Set<String> = ["/c", "/k", "/r", "&", "&&", "|", "||", ";", "start"]

    private let software: [String: Feature]

    /// Software by name and alias (any case); operating-system utilities are left out.
    public init(names: [String: Feature]) {
        software = Dictionary(
            names.filter { !Self.operatingSystemUtilities.contains($0.value) }.map { ($0.key.lowercased(), $0.value) },
            uniquingKeysWith: { first, _ in first })
    }

    /// ATT&CK's software, by the names and aliases the knowledge holds.
    public init(knowledge: AttackKnowledge) {
        self.init(names: knowledge.softwareByName)
    }

    /// The software a field's value names, each with the file name that named it, in the
    /// order they appear; nothing for a field the recognizer does not read.
    public func software(in value: String, field: String) -> [(feature: Feature, file: String)] {
        let paths: [String]
        if Self.pathFields.contains(field) {
            paths = [value]
        } else if Self.commandLineFields.contains(field) {
            paths = Self.programs(inCommandLine: value)
        } else {
            return []
        }
        var found: [(feature: Feature, file: String)] = []
        for path in paths {
            guard let (feature, file) = recognize(path), !found.contains(where: { $0.feature == feature }) else { continue }
            found.append((feature, file))
        }
        return found
    }

    /// The software one path names, with its file name.
    func recognize(_ path: String) -> (Feature, String)? {
        let trimmed = path.trimmingCharacters(in: ["\"", "'", " ", ","])
        let file = String(trimmed.split(whereSeparator: { $0 == "\\" || $0 == "/" }).last ?? "")
        guard !file.isEmpty else { return nil }
        let lower = file.lowercased()
        let candidates = [lower] + [Self.programStem(lower)].compactMap { $0 }
        guard let feature = candidates.lazy.compactMap({ software[$0] }).first, !Self.isWindowsOwn(trimmed) else { return nil }
        return (feature, file)
    }

    /// A lower-case name without its executable extension; nil when it has none.
    static func programStem(_ name: String) -> String? {
        guard let dot = name.lastIndex(of: "."), executableExtensions.contains(String(name[name.index(after: dot)...])) else { return nil }
        return String(name[..<dot])
    }

    /// Whether a path is in Windows's own folders: the Windows folder itself, System32,
    /// SysWOW64 and WinSxS with theirs (not Temp or Tasks, where intruders drop their tools).
    static func isWindowsOwn(_ path: String) -> Bool {
        // Folder names are compared without surrounding spaces: a file in `C:\Windows \System32`
        // imitates one of Windows's own (the trick of DLL search-order hijacking).
        var folders = path.lowercased().split(whereSeparator: { $0 == "\\" || $0 == "/" }).dropLast()
            .map { $0.trimmingCharacters(in: .whitespaces) }
        guard let root = folders.firstIndex(where: { ["windows", "%windir%", "%systemroot%", "systemroot"].contains($0) }) else { return false }
        folders = Array(folders[(root + 1)...])
        return folders.isEmpty || ["system32", "syswow64", "winsxs", "sysnative"].contains(folders[0])
    }

    /// The programs a command line runs: its first word, a word after `/c`, `&`, `|` and the
    /// like, and any word with an executable extension.
    static func programs(inCommandLine line: String) -> [String] {
        let tokens = tokenize(line)
        var programs: [String] = []
        for (index, token) in tokens.enumerated() {
            let lower = token.lowercased()
            if commandPrefixes.contains(lower) { continue }
            let afterPrefix = index > 0 && commandPrefixes.contains(tokens[index - 1].lowercased())
            if index == 0 || afterPrefix || programStem(lower) != nil { programs.append(token) }
        }
        return programs
    }

    /// Words of a command line: quotes group, and `&`, `|`, `;` outside quotes stand alone.
    static func tokenize(_ line: String) -> [String] {
        var tokens: [String] = []
        var current = ""
        var quoted = false
        func flush() {
            if !current.isEmpty { tokens.append(current) }
            current = ""
        }
        var characters = line.makeIterator()
        var pending: Character? = nil
        while let character = pending ?? characters.next() {
            pending = nil
            if character == "\"" {
                quoted.toggle()
            } else if quoted {
                current.append(character)
            } else if character.isWhitespace {
                flush()
            } else if character == "&" || character == "|" || character == ";" {
                flush()
                var operatorToken = String(character)
                if let next = characters.next() {
                    if next == character && character != ";" { operatorToken.append(next) } else { pending = next }
                }
                tokens.append(operatorToken)
            } else {
                current.append(character)
            }
        }
        flush()
        return tokens
    }
}
