/// Reads the commonest indicator patterns without the parser: one `[...]` of equalities on
/// one path joined by OR (`[file:hashes.'SHA-256' = '...']`, `[ipv4-addr:value = '...' OR
/// ipv4-addr:value = '...']`). Feeds of a million indicators are nearly all of this shape,
/// and building a syntax tree for each cost more than the rest of loading.
///
/// Anything else (another operator, escapes, comments, qualifiers, a hash value that is not
/// its algorithm's form) returns nil and goes through `STIXPattern`; what it does return is
/// what `IndicatorSet.simpleValues` makes of the parsed pattern (a test checks both agree).
enum SimplePatternScanner {
    /// The kind (and connection end) of a simple pattern's values, with where each value lies
    /// in `bytes` put in `values`; nil for any other pattern.
    static func scan(_ bytes: UnsafeBufferPointer<UInt8>, values: inout [Range<Int>]) -> (ObservableKind, AddressRole?)? {
        values.removeAll(keepingCapacity: true)
        var index = 0
        func skipSpaces() { while index < bytes.count, bytes[index] == 0x20 { index += 1 } }
        func take(_ byte: UInt8) -> Bool {
            guard index < bytes.count, bytes[index] == byte else { return false }
            index += 1
            return true
        }
        skipSpaces()
        guard take(UInt8(ascii: "[")) else { return nil }
        var path: Range<Int>?
        while true {
            skipSpaces()
            // The path: letters, digits, '_', '-', ':', '.', and quoted keys without escapes.
            let start = index
            var quoted = false
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: "'") { quoted.toggle() } else if !quoted && !Self.isPathByte(byte) { break }
                if quoted && byte == UInt8(ascii: "\\") { return nil }
                index += 1
            }
            guard !quoted else { return nil }
            if let path, !bytes[path].elementsEqual(bytes[start..<index]) { return nil }
            path = start..<index
            skipSpaces()
            guard take(UInt8(ascii: "=")) else { return nil }
            _ = take(UInt8(ascii: "="))
            skipSpaces()
            guard take(UInt8(ascii: "'")) else { return nil }
            let valueStart = index
            while index < bytes.count, bytes[index] != UInt8(ascii: "'") {
                if bytes[index] == UInt8(ascii: "\\") { return nil }
                index += 1
            }
            let value = valueStart..<index
            guard take(UInt8(ascii: "'")) else { return nil }
            values.append(value)
            skipSpaces()
            if take(UInt8(ascii: "]")) { break }
            guard take(UInt8(ascii: "O")), take(UInt8(ascii: "R")), index < bytes.count, bytes[index] == 0x20 else { return nil }
        }
        skipSpaces()
        guard index == bytes.count, let path, let (kind, role) = kind(of: UnsafeBufferPointer(rebasing: bytes[path])) else { return nil }
        let algorithm = hashAlgorithm(of: kind)
        for value in values {
            let text = UnsafeBufferPointer(rebasing: bytes[value])
            if let algorithm, !algorithm.accepts(utf8: text) { return nil }
            if kind == .address, IPNetwork(utf8: text) == nil { return nil }
        }
        return (kind, role)
    }

    private static func isPathByte(_ byte: UInt8) -> Bool {
        PatternLexer.isIdentifierPart(byte) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ":") || byte == UInt8(ascii: ".")
    }

    /// The observable kind of a path as the parser would read it, for the paths simple
    /// indicators use.
    private static func kind(of path: UnsafeBufferPointer<UInt8>) -> (ObservableKind, AddressRole?)? {
        // Compared as bytes: a path of more than 15 bytes made into a String is an allocation.
        kinds.first { $0.path.count == path.count && $0.path.elementsEqual(path) }.map { ($0.kind, $0.role) }
    }

    private static let kinds: [(path: [UInt8], kind: ObservableKind, role: AddressRole?)] = [
        (["file:hashes.'SHA-256'", "file:hashes.SHA256", "file:hashes.'SHA256'"], ObservableKind.sha256, AddressRole?.none),
        (["file:hashes.MD5", "file:hashes.'MD5'"], .md5, nil),
        (["file:hashes.'SHA-1'", "file:hashes.SHA1", "file:hashes.'SHA1'"], .sha1, nil),
        (["file:hashes.'SHA-512'", "file:hashes.SHA512", "file:hashes.'SHA512'"], .sha512, nil),
        (["ipv4-addr:value", "ipv6-addr:value"], .address, nil),
        (["network-traffic:dst_ref.value"], .address, .destination),
        (["network-traffic:src_ref.value"], .address, .source),
        (["domain-name:value"], .domain, nil),
        (["url:value"], .url, nil),
        (["email-addr:value", "email-message:from_ref.value"], .email, nil),
        (["file:name"], .fileName, nil),
        (["mutex:name"], .mutex, nil),
        (["windows-registry-key:key"], .registryKey, nil),
    ].flatMap { paths, kind, role in paths.map { (Array($0.utf8), kind, role) } }

    private static func hashAlgorithm(of kind: ObservableKind) -> HashAlgorithm? {
        switch kind {
        case .md5: md5
        case .sha1: sha1
        case .sha256: sha256
        case .sha512: sha512
        default: nil
        }
    }

    // Made once: a feed names one of these per indicator.
    private static let md5 = HashAlgorithm(selector: "MD5")
    private static let sha1 = HashAlgorithm(selector: "SHA1")
    private static let sha256 = HashAlgorithm(selector: "SHA256")
    private static let sha512 = HashAlgorithm(selector: "SHA512")
}
