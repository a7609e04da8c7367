import Foundation
import Testing

@testable import Hunt

/// Which files of a folder are taken as rule files.
@Suite("Rule files")
struct RuleFilesTests {
    @Test("a folder's YAML files in any case, sorted; hidden names, other extensions and missing paths apart")
    func ruleFilesOfFolder() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-rulefiles-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        for name in ["b.yml", "a.YAML", "c.yaml.bak", ".hidden.yml", "d.txt", "yml", "sub/e.Yml", ".git/f.yml", "sub/g.yamlx"] {
            let url = folder.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data("title: x\n".utf8).write(to: url)
        }
        let missing = folder.appendingPathComponent("absent").path
        let (files, absent) = RuleSetLoader.ruleFiles([folder.path, missing])
        #expect(files == ["a.YAML", "b.yml", "sub/e.Yml"].map { folder.appendingPathComponent($0).path })
        #expect(absent == [missing])
        #expect(RuleSetLoader.isRuleFile("x.yaml") && RuleSetLoader.isRuleFile("x.YML") && !RuleSetLoader.isRuleFile("x.xml"))
        #expect(!RuleSetLoader.isRuleFile("yml") && !RuleSetLoader.isRuleFile("") && !RuleSetLoader.isRuleFile("x.yam"))
    }
}
