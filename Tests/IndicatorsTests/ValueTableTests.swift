import Testing

@testable import Indicators

/// The flat table behind the indicator sets and warninglists: keys found, absent keys not,
/// postings in the order added, growth, copies that do not share changes, and the keys the
/// sets make of values.
@Suite("Value table")
struct ValueTableTests {
    private func postings(_ table: ValueTable<Int32>, _ key: [UInt8]) -> [Int32] {
        var found: [Int32] = []
        key.withUnsafeBytes { table.forEachPosting($0) { found.append($0) } }
        return found
    }

    private func insert(_ table: inout ValueTable<Int32>, _ key: [UInt8], _ posting: Int32) {
        key.withUnsafeBytes { table.insert($0, posting) }
    }

    @Test("keys of every length, through many resizes, with repeated postings in order")
    func manyKeys() {
        var table = ValueTable<Int32>()
        // Lengths 0 to 40 cover the hash's short tail, its whole words and its overlapping tail.
        let keys = (0..<20_000).map { index in Array("key-\(index)".utf8) + Array(repeating: UInt8(index % 251), count: index % 41) }
        for (index, key) in keys.enumerated() { insert(&table, key, Int32(index)) }
        insert(&table, [], -1)
        insert(&table, keys[7], 70)
        insert(&table, keys[7], 700)
        #expect(table.count == keys.count + 1)
        #expect(postings(table, keys[7]) == [7, 70, 700])
        #expect(postings(table, []) == [-1])
        #expect(keys.indices.allSatisfy { index in postings(table, keys[index]).first == Int32(index) })
        #expect(postings(table, Array("key-20000".utf8)).isEmpty)
        #expect(postings(table, Array("key-1".utf8) + [2]).isEmpty && postings(table, Array("key-1".utf8)).isEmpty)
    }

    @Test("a copy keeps its contents when the original changes")
    func copies() {
        var original = ValueTable<Int32>()
        insert(&original, Array("a".utf8), 1)
        let copy = original
        insert(&original, Array("b".utf8), 2)
        insert(&original, Array("a".utf8), 3)
        #expect(postings(copy, Array("a".utf8)) == [1] && postings(copy, Array("b".utf8)).isEmpty)
        #expect(postings(original, Array("a".utf8)) == [1, 3] && postings(original, Array("b".utf8)) == [2])
    }

    @Test("values key as the sets compare them", arguments: [
        (ObservableKind.sha256, String(repeating: "AB", count: 32), ObservableKind.sha256, String(repeating: "ab", count: 32), true),
        (.md5, "0123456789abcdef0123456789ABCDEF", .md5, "0123456789ABCDEF0123456789abcdef", true),
        (.md5, "0123456789abcdef0123456789abcdef", .sha1, "0123456789abcdef0123456789abcdef", false),
        (.sha1, "not-hex", .sha1, "NOT-HEX", true),
        (.sha1, "not-hex", .sha1, "not-hex-either", false),
        (.domain, "Evil.Example.", .domain, "evil.example", true),
        (.email, "Ops@Example.org", .email, "ops@example.org", true),
        (.registryKey, "HKLM\\Software\\Run", .registryKey, "hkey_local_machine\\software\\run", true),
        (.url, "HTTP://Evil.Example:80/a#x", .url, "http://evil.example/a", true),
        (.fileName, "Evil.exe", .fileName, "evil.exe", false),
        (.mutex, "Global\\M", .fileName, "Global\\M", false),
    ])
    func keys(_ kind: ObservableKind, _ value: String, _ otherKind: ObservableKind, _ other: String, _ same: Bool) {
        let first = ValueKey.withKey(kind, value) { Array($0) }
        let second = ValueKey.withKey(otherKind, other) { Array($0) }
        #expect((first == second) == same)
    }
}
