import Foundation
import Testing
import TestSupport

@testable import Sigma

/// The block-style YAML reader against Yams: the same trees, texts, types and places where it
/// reads a text, and a decline (so that Yams reads it) for what it does not cover.
@Suite("Block YAML reader")
struct BlockYAMLReaderTests {
    /// The first difference between two trees, or nil when they are the same.
    static func difference(_ fast: YAMLNode, _ yams: YAMLNode, path: String = "") -> String? {
        func scalars(_ a: YAMLScalar, _ b: YAMLScalar, _ path: String) -> String? {
            if a.text != b.text { return "\(path): text \(a.text.debugDescription) vs \(b.text.debugDescription)" }
            if a.value != b.value { return "\(path): value \(a.value) vs \(b.value)" }
            if a.location != b.location { return "\(path): place \(a.location) vs \(b.location)" }
            return nil
        }
        switch (fast, yams) {
        case (.scalar(let a), .scalar(let b)):
            return scalars(a, b, path)
        case (.mapping(let a, let placeA), .mapping(let b, let placeB)):
            if placeA != placeB { return "\(path): map place \(placeA) vs \(placeB)" }
            if a.count != b.count { return "\(path): \(a.count) vs \(b.count) keys" }
            for (x, y) in zip(a, b) {
                if let found = scalars(x.key, y.key, path + "/key") ?? difference(x.value, y.value, path: path + "/" + x.key.text) { return found }
            }
            return nil
        case (.sequence(let a, let placeA), .sequence(let b, let placeB)):
            if placeA != placeB { return "\(path): list place \(placeA) vs \(placeB)" }
            if a.count != b.count { return "\(path): \(a.count) vs \(b.count) items" }
            for (index, (x, y)) in zip(a, b).enumerated() {
                if let found = difference(x, y, path: path + "[\(index)]") { return found }
            }
            return nil
        default:
            return "\(path): \(fast.kind) vs \(yams.kind)"
        }
    }

    /// Nil when both readers give the same documents (or the fast one declines and `declined`
    /// says so); otherwise what differs.
    static func compare(_ text: String, file: String = "t.yml") -> (declined: Bool, difference: String?) {
        guard let fast = BlockYAMLReader.documents(text, file: file) else { return (true, nil) }
        let yams: [YAMLNode]
        do {
            yams = try YAMLNode.yamsDocuments(text, file: file)
        } catch {
            return (false, "read here, but Yams refuses it: \(error)")
        }
        if fast.count != yams.count { return (false, "\(fast.count) vs \(yams.count) documents") }
        for (index, (a, b)) in zip(fast, yams).enumerated() {
            if let found = difference(a, b, path: "doc\(index)") { return (false, found) }
        }
        return (false, nil)
    }

    @Test(
        "read like Yams",
        arguments: [
            "title: Test\nid: 1234\nlevel: high\n",
            "# comment\n\ntitle: a # trailing\nstatus: test\n",
            "tags:\n    - attack.t1059\n    - attack.execution\n",
            "tags:\n- a\n- b\nnext: c\n",
            "detection:\n    selection:\n        Image|endswith: '\\cmd.exe'\n        CommandLine|contains:\n            - ' /c '\n            - \"x\\ty\"\n    condition: selection\n",
            "a:\n  - k: v\n    k2: v2\n  - k3: 'it''s'\n",
            "description: first line\n    second line\n\n    after a blank\nnext: 1\n",
            "description:\n    on the next line\n    and more\n",
            "values:\n    - 0x17\n    - 010\n    - 1_000\n    - 3.5\n    - yes\n    - ~\n    - null\n    - 'null'\n    - -1\n    - .inf\n    - -foo\n",
            "empty:\nother: x\n",
            "script: |\n    line one\n      indented\n\n    line three\n\nnext: x\n",
            "script: |-\n    a\n    b\n\nnext: x\n",
            "script: |+\n    a\n\n\nnext: x\n",
            "script: |\n\n    after an empty line\n",
            "title: ünïcode\nkey ü: value\n\"quoted key\": 1\n'single': 2\n",
            "url: http://example.com/a#b\npath: C:\\Windows\\System32\n",
            "title: one\n---\ntitle: two\n---\n# third\ntitle: three\n",
            "---\ntitle: after a marker\n",
            "escapes: \"\\x41\\u00e9\\U0001F600\\\\\\\"\\/\\0\"\n",
            "k: v\n  # indented comment\nk2: v2\n",
            "list:\n  - - nested\n    - list\n",
            "last: |\n  no newline at the end",
            "plain: no newline at the end",
        ])
    func readLikeYams(_ text: String) {
        let (declined, difference) = BlockYAMLReaderTests.compare(text)
        #expect(!declined, "declined: \(text.debugDescription)")
        #expect(difference == nil, "\(text.debugDescription): \(difference ?? "")")
    }

    @Test(
        "declined, for Yams to read",
        arguments: [
            "a: [1, 2]\n", "a: {b: c}\n", "a: &x 1\nb: *x\n", "a: !!str 1\n", "a: >\n  folded\n", "a: |2\n   x\n",
            "a: 'over\n  lines'\n", "a:\tb\n", "a: b\r\n", "%YAML 1.1\n---\na: b\n", "a: b\n...\n", "a: b\na: c\n",
            "a: b: c\n", "a: b\n   c: d\n", "- a\n-\n", "---\n---\na: b\n", "a: b\n---\n", "\u{FEFF}a: b\n", "just a scalar\n",
            "a: @b\n", "? complex\n: key\n",
        ])
    func declined(_ text: String) {
        #expect(BlockYAMLReader.documents(text, file: "t.yml") == nil, "\(text.debugDescription)")
    }

    /// Every rule file of SigmaHQ and of the Sigma specification's tests and examples: what the fast reader reads equals
    /// what Yams reads, and it reads nearly all of them.
    @Test("same as Yams for every SigmaHQ rule file", .enabled(if: SharedData.isUsable, SharedData.skipReason))
    func sigmaHQFiles() throws {
        var files: [String] = []
        for folder in ["sigma", "sigma-spec"] {
            let root = try SharedData.file(folder)
            let walker = FileManager.default.enumerator(atPath: root.path)
            while let path = walker?.nextObject() as? String {
                if path.hasSuffix(".yml") || path.hasSuffix(".yaml") { files.append(root.appendingPathComponent(path).path) }
            }
        }
        var declined: [String] = []
        var differences: [String] = []
        for path in files {
            let text = try String(contentsOfFile: path, encoding: .utf8)
            let result = BlockYAMLReaderTests.compare(text, file: path)
            if result.declined { declined.append(path) }
            if let difference = result.difference { differences.append("\(path): \(difference)") }
        }
        #expect(files.count > 3_000)
        #expect(differences.isEmpty, "\(differences.count) files differ; first: \(differences.prefix(5))")
        #expect(declined.count * 100 <= files.count, "\(declined.count) of \(files.count) declined: \(declined.prefix(10))")
    }
}
