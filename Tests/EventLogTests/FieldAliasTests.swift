import Testing

@testable import EventLog

/// The built-in aliases (Security 4688/4689 process names read as Sigma's `Image`), and the
/// case-insensitive comparison their conditions use.
@Suite("Field aliases")
struct FieldAliasTests {
    @Test(
        "case-insensitive equality",
        arguments: [
            ("Security", "security", true), ("SECURITY", "Security", true), ("Security ", "Security", false), ("4688", "4688", true),
            ("Sécurité", "SÉCURITÉ", true), ("Sécurité", "Securite", false), ("", "", true), ("[", "{", false), ("@", "`", false),
        ])
    func equality(_ left: String, _ right: String, _ equal: Bool) {
        #expect(FieldMappings.equalIgnoringCase(left, right) == equal)
    }

    @Test("Security 4688 gains Image and ParentImage; other events do not")
    func processCreation() {
        var event = Event(fields: [
            Field(name: "Channel", value: .string("SECURITY")), Field(name: "EventID", value: .integer(4688)),
            Field(name: "NewProcessName", value: .string("C:\\cmd.exe")), Field(name: "ParentProcessName", value: .string("C:\\x.exe")),
        ])
        FieldMappings.standard.applyAliases(to: &event)
        #expect(event.value("Image") == .string("C:\\cmd.exe"))
        #expect(event.value("ParentImage") == .string("C:\\x.exe"))
        var other = Event(fields: [
            Field(name: "Channel", value: .string("Security")), Field(name: "EventID", value: .integer(4624)),
            Field(name: "NewProcessName", value: .string("C:\\cmd.exe")),
        ])
        FieldMappings.standard.applyAliases(to: &other)
        #expect(other.value("Image") == nil)
    }
}
