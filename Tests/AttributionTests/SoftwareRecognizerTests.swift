@testable import Attribution
import STIX
import TestSupport
import Testing

@Suite struct SoftwareRecognizerTests {
    static let recognizer = SoftwareRecognizer(names: [
        "Mimikatz": .software("S0002"), "PsExec": .software("S0029"), "WinMM": .software("S0059"), "AdFind": .software("S0552"),
        "Agent.btz": .software("S0092"), "cmd": .software("S0106"), "Net": .software("S0039"), "Cobalt Strike": .software("S0154"),
    ])

    static let cases: [(field: String, value: String, software: [String])] = [
        ("Image", #"C:\Users\bob\AppData\Local\Temp\mimikatz.exe"#, ["S0002"]),
        ("Image", #"C:\Windows\Temp\PsExec.exe"#, ["S0029"]),  // intruders' folder inside Windows
        ("OriginalFileName", "AdFind.exe", ["S0552"]),
        ("TargetFilename", #"C:\ProgramData\agent.btz"#, ["S0092"]),  // the name whole, dot and all
        ("Image", "/tmp/mimikatz", ["S0002"]),
        ("TargetFilename", #"C:\Users\bob\mimikatz.log"#, []),  // data, not the program
        ("Image", #"C:\Tools\PsExec64.exe"#, []),  // no guessing from parts of names
        ("Image", #"C:\Windows\System32\winmm.dll"#, []),  // Windows's own file, not the malware
        ("Image", #"C:\Windows\SysWOW64\wbem\mimikatz.exe"#, []),
        ("TargetFilename", #"C:\Windows \System32\WINMM.dll"#, []),  // a mock Windows folder, for DLL hijacking
        ("Image", #"C:\Windows\System32\cmd.exe"#, []),  // operating-system utilities name nothing
        ("CommandLine", #"cmd.exe /c net user admin /add & C:\tmp\mimikatz.exe "privilege::debug" | adfind -f x"#, ["S0002", "S0552"]),
        ("CommandLine", #""C:\Program Files\Tools\PsExec.exe" \\dc01 -s cmd"#, ["S0029"]),
        ("CommandLine", "powershell -c echo mimikatz adfind", []),  // arguments are not programs
        ("CommandLine", "psexec.exe&&adfind", ["S0029", "S0552"]),
        ("CommandLine", "\"cobalt strike.exe\"", ["S0154"]),
        ("ParentImage", #"C:\Tools\mimikatz.exe"#, []),  // a field the recognizer does not read
        ("CommandLine", "", []),
    ]

    @Test(arguments: cases)
    func aFieldNamesTheSoftwareItsProgramsAre(_ example: (field: String, value: String, software: [String])) {
        let found = Self.recognizer.software(in: example.value, field: example.field)
        #expect(found.map(\.feature.id) == example.software, "\(example.field) \(example.value)")
    }

    @Test func theFileNameIsKeptAsItWasWritten() {
        let found = Self.recognizer.software(in: #"C:\Temp\MimiKatz.EXE"#, field: "Image")
        #expect(found.map(\.file) == ["MimiKatz.EXE"])
    }

    @Test func commandLinesSplitOnQuotesAndOperators() {
        #expect(SoftwareRecognizer.programs(inCommandLine: #"a.exe "b c.exe" x&y||z;w"#) == ["a.exe", "b c.exe", "y", "z", "w"])
    }

    /// On ATT&CK 15.1: the names an analyst sees in Windows logs.
    @Test(.enabled(if: SharedData.isUsable, SharedData.skipReason))
    func attackSoftwareIsRecognizedByItsNamesAndAliases() throws {
        let content = try STIXBundleReader.content(try SharedData.bytes("attack/enterprise-attack-15.1.stix20.json"))
        let knowledge = AttackKnowledge(objects: content.candidates.map(\.object))
        let recognizer = SoftwareRecognizer(knowledge: knowledge)
        let examples: [(String, String, [String])] = [
            ("Image", #"C:\Users\Public\rclone.exe"#, ["S1040"]),
            ("CommandLine", #"C:\ProgramData\AdFind.exe -f (objectcategory=person) & C:\ProgramData\Rubeus.exe kerberoast"#, ["S0552", "S1071"]),
            ("Image", #"C:\Windows\System32\schtasks.exe"#, []),
            ("CommandLine", "net group \"Domain Admins\" /domain & nltest /dclist: & ping -n 1 dc01", []),
            ("ImageLoaded", #"C:\Windows\System32\winmm.dll"#, []),
        ]
        for (field, value, expected) in examples {
            #expect(recognizer.software(in: value, field: field).map(\.feature.id) == expected, "\(field) \(value)")
        }
        // Every utility left out is ATT&CK software, and its name names nothing, wherever it is.
        for utility in SoftwareRecognizer.operatingSystemUtilities {
            let name = try #require(knowledge.featureNames[utility], "\(utility.id) is not in ATT&CK 15.1")
            #expect(recognizer.software(in: #"C:\Users\Public\"# + name + ".exe", field: "Image").isEmpty, "\(name)")
        }
    }
}
