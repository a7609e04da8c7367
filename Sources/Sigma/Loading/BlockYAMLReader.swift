/// Reads the block-style YAML that rule files are written in straight into `YAMLNode`s: block
/// maps and lists (also a list item that opens a map, and a list at its key's indentation),
/// plain scalars over one or more lines, quoted scalars on one line, literal block scalars
/// (`|`, `|-`, `|+`), comments and several documents.
///
/// It is there for speed: libyaml's events, Yams's nodes and their conversion were most of the
/// time to load thousands of rules. Anything outside that subset it declines (returns nil):
/// flow collections, anchors, aliases, tags, folded scalars, quoted text over several lines,
/// tabs, carriage returns, directives, empty documents, repeated keys, and anything malformed.
/// The caller then reads the text with Yams, which also words the error for a malformed
/// file. A test checks that, for every SigmaHQ rule file it reads, both give the same trees,
/// texts, types and places.
struct BlockYAMLReader {
    private struct Declined: Error {}

    private let bytes: UnsafeBufferPointer<UInt8>
    private let file: String
    /// Where each line starts and ends (the end excludes the line break).
    private var starts: [Int] = []
    private var ends: [Int] = []
    /// The next line not read yet, and the end of the current document's lines.
    private var line = 0
    private var documentEnd = 0

    /// Every document of a YAML text, or nil when the text is not in the subset read here.
    static func documents(_ text: String, file: String) -> [YAMLNode]? {
        var text = text
        return text.withUTF8 { utf8 in
            var reader = BlockYAMLReader(bytes: utf8, file: file)
            return try? reader.readDocuments()
        }
    }

    private init(bytes: UnsafeBufferPointer<UInt8>, file: String) {
        self.bytes = bytes
        self.file = file
    }

    private mutating func readDocuments() throws(Declined) -> [YAMLNode] {
        var position = 0
        let count = bytes.count
        // A byte order mark is left to Yams.
        if count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF { throw Declined() }
        while position < count {
            starts.append(position)
            while position < count && bytes[position] != 0x0A {
                let byte = bytes[position]
                if byte == 0x09 || byte == 0x0D { throw Declined() }
                position += 1
            }
            ends.append(position)
            position += 1
        }
        var documents: [YAMLNode] = []
        var first = 0
        var afterMarker = false
        for index in 0...starts.count {
            let isMarker = index < starts.count && isDocumentMarker(index)
            guard index == starts.count || isMarker else { continue }
            let blank = (first..<index).allSatisfy(isBlank)
            if !blank {
                line = first
                documentEnd = index
                documents.append(try document())
            } else if afterMarker {
                // A marker with nothing after it is an empty (null) document: left to Yams.
                throw Declined()
            }
            first = index + 1
            afterMarker = isMarker
        }
        return documents
    }

    /// A document: one map or list, then nothing but blank lines.
    private mutating func document() throws(Declined) -> YAMLNode {
        skipBlank()
        let indentation = indent(line)
        let node: YAMLNode
        if isListEntry(line, indentation) {
            node = try list(line, indentation)
        } else if try key(line, indentation) != nil {
            node = try map(line, indentation)
        } else {
            throw Declined()
        }
        skipBlank()
        guard line == documentEnd else { throw Declined() }
        return node
    }

    // MARK: Lines

    private subscript(_ line: Int, _ column: Int) -> UInt8? {
        let offset = starts[line] + column
        return offset < ends[line] ? bytes[offset] : nil
    }

    private func indent(_ line: Int) -> Int {
        var column = 0
        while self[line, column] == 0x20 { column += 1 }
        return column
    }

    /// Only spaces, or a comment.
    private func isBlank(_ line: Int) -> Bool {
        let byte = self[line, indent(line)]
        return byte == nil || byte == 0x23
    }

    /// `---` alone or followed by a comment; other text after it, `...` and directives are
    /// declined.
    private func isDocumentMarker(_ line: Int) -> Bool {
        guard self[line, 0] == 0x2D, self[line, 1] == 0x2D, self[line, 2] == 0x2D else { return false }
        return self[line, 3] == nil || self[line, 3] == 0x20
    }

    private mutating func skipBlank() {
        while line < documentEnd && isBlank(line) { line += 1 }
    }

    /// Whether the text at `column` is a space, a line end or a comment.
    private func isEndOfContent(_ line: Int, _ column: Int) -> Bool {
        var column = column
        while self[line, column] == 0x20 { column += 1 }
        guard let byte = self[line, column] else { return true }
        return byte == 0x23 && (column == 0 || self[line, column - 1] == 0x20)
    }

    private func isListEntry(_ line: Int, _ column: Int) -> Bool {
        self[line, column] == 0x2D && (self[line, column + 1] == nil || self[line, column + 1] == 0x20)
    }

    private func location(_ line: Int, _ column: Int) -> SourceLocation {
        // Columns count characters, as libyaml's do.
        var characters = 0
        for offset in starts[line]..<(starts[line] + column) where bytes[offset] & 0xC0 != 0x80 { characters += 1 }
        return SourceLocation(file: file, line: line + 1, column: characters + 1)
    }

    private func text(_ line: Int, _ range: Range<Int>) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: bytes[(starts[line] + range.lowerBound)..<(starts[line] + range.upperBound)]), as: UTF8.self)
    }

    // MARK: Collections

    /// A node that starts at `column` of `line` inside a collection indented by `parent`.
    private mutating func node(_ line: Int, _ column: Int, parent: Int) throws(Declined) -> YAMLNode {
        if isListEntry(line, column) { return try list(line, column) }
        if try key(line, column) != nil { return try map(line, column) }
        return .scalar(try scalar(line, column, parent: parent))
    }

    /// A block list whose entries' dashes are at `column`, the first on `firstLine`.
    private mutating func list(_ firstLine: Int, _ column: Int) throws(Declined) -> YAMLNode {
        var items: [YAMLNode] = []
        var entry = firstLine
        while true {
            var start = column + 1
            while self[entry, start] == 0x20 { start += 1 }
            if isEndOfContent(entry, start) {
                line = entry + 1
                skipBlank()
                // An entry with no value is a null that libyaml places after the dash: left to Yams.
                guard line < documentEnd, indent(line) > column else { throw Declined() }
                items.append(try node(line, indent(line), parent: column))
            } else {
                line = entry
                items.append(try node(entry, start, parent: column))
            }
            skipBlank()
            guard line < documentEnd, indent(line) == column, isListEntry(line, column) else { break }
            entry = line
        }
        if line < documentEnd && indent(line) > column { throw Declined() }
        return .sequence(items, location(firstLine, column))
    }

    /// A block map whose keys are at `column`, the first on `firstLine`.
    private mutating func map(_ firstLine: Int, _ column: Int) throws(Declined) -> YAMLNode {
        var pairs: [(key: YAMLScalar, value: YAMLNode)] = []
        var entry = firstLine
        while true {
            guard let (key, colon) = try key(entry, column) else { throw Declined() }
            // Yams refuses repeated keys; its message is the one to give.
            if pairs.contains(where: { $0.key.text == key.text }) { throw Declined() }
            var start = colon + 1
            while self[entry, start] == 0x20 { start += 1 }
            let value: YAMLNode
            if isEndOfContent(entry, start) {
                line = entry + 1
                skipBlank()
                if line < documentEnd && indent(line) > column {
                    value = try node(line, indent(line), parent: column)
                } else if line < documentEnd && indent(line) == column && isListEntry(line, column) {
                    value = try list(line, column)
                } else {
                    // libyaml places an empty value just after the colon.
                    value = .scalar(YAMLScalar(text: "", value: .null, location: location(entry, colon + 1)))
                }
            } else {
                line = entry
                value = .scalar(try scalar(entry, start, parent: column))
            }
            pairs.append((key, value))
            skipBlank()
            guard line < documentEnd, indent(line) == column else { break }
            entry = line
        }
        if line < documentEnd && indent(line) > column { throw Declined() }
        return .mapping(pairs, location(firstLine, column))
    }

    /// The key at `column` of `line` and the column of its colon, when the text there is a key.
    private func key(_ line: Int, _ column: Int) throws(Declined) -> (YAMLScalar, colon: Int)? {
        guard let first = self[line, column] else { return nil }
        if first == 0x27 || first == 0x22 {
            let (text, end) = try quoted(line, column)
            var colon = end
            while self[line, colon] == 0x20 { colon += 1 }
            guard self[line, colon] == 0x3A, self[line, colon + 1] == nil || self[line, colon + 1] == 0x20 else { return nil }
            return (YAMLScalar(text: text, value: .string(text), location: location(line, column)), colon)
        }
        if BlockYAMLReader.isIndicator(first) { return nil }
        var position = column
        while let byte = self[line, position] {
            if byte == 0x23 && self[line, position - 1] == 0x20 { return nil }
            if byte == 0x3A && (self[line, position + 1] == nil || self[line, position + 1] == 0x20) {
                var end = position
                while end > column && self[line, end - 1] == 0x20 { end -= 1 }
                guard end > column else { return nil }
                let text = self.text(line, column..<end)
                return (YAMLScalar(text: text, value: YAMLScalar.resolve(text), location: location(line, column)), position)
            }
            position += 1
        }
        return nil
    }

    /// Bytes that cannot start a plain scalar here, or that start what this reader declines.
    private static func isIndicator(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "-"), UInt8(ascii: "?"), UInt8(ascii: ":"), UInt8(ascii: ","), UInt8(ascii: "["), UInt8(ascii: "]"),
            UInt8(ascii: "{"), UInt8(ascii: "}"), UInt8(ascii: "#"), UInt8(ascii: "&"), UInt8(ascii: "*"), UInt8(ascii: "!"),
            UInt8(ascii: "|"), UInt8(ascii: ">"), UInt8(ascii: "'"), UInt8(ascii: "\""), UInt8(ascii: "%"), UInt8(ascii: "@"),
            UInt8(ascii: "`"):
            return true
        default:
            return false
        }
    }

    // MARK: Scalars

    /// A scalar starting at `column` of `line`, in a collection indented by `parent`; leaves
    /// `line` after it.
    private mutating func scalar(_ line: Int, _ column: Int, parent: Int) throws(Declined) -> YAMLScalar {
        guard let first = self[line, column] else { throw Declined() }
        let place = location(line, column)
        if first == 0x27 || first == 0x22 {
            let (text, end) = try quoted(line, column)
            guard isEndOfContent(line, end) else { throw Declined() }
            self.line = line + 1
            return YAMLScalar(text: text, value: .string(text), location: place)
        }
        if first == 0x7C {
            let text = try literal(line, column, parent: parent)
            return YAMLScalar(text: text, value: .string(text), location: place)
        }
        // A dash may start a plain scalar when no space follows it ("-foo").
        if BlockYAMLReader.isIndicator(first) && !(first == 0x2D && !isListEntry(line, column)) { throw Declined() }
        var text = try plainLine(line, column)
        var next = line + 1
        var after = next
        var breaks = 0
        // Continuation lines, more indented than the collection, fold into the scalar.
        while next < documentEnd {
            let indentation = indent(next)
            if self[next, indentation] == nil {
                breaks += 1
                next += 1
                continue
            }
            if indentation <= parent || self[next, indentation] == 0x23 { break }
            if BlockYAMLReader.isIndicator(self[next, indentation]!) { throw Declined() }
            let part = try plainLine(next, indentation)
            text += breaks == 0 ? " " : String(repeating: "\n", count: breaks)
            text += part
            breaks = 0
            next += 1
            after = next
        }
        self.line = after
        return YAMLScalar(text: text, value: YAMLScalar.resolve(text), location: place)
    }

    /// One line of a plain scalar, from `column`: up to a comment, without trailing spaces;
    /// declined when it holds `: ` (a map where a scalar was expected).
    private func plainLine(_ line: Int, _ column: Int) throws(Declined) -> String {
        var end = column
        while let byte = self[line, end] {
            if byte == 0x23 && self[line, end - 1] == 0x20 { break }
            if byte == 0x3A && (self[line, end + 1] == nil || self[line, end + 1] == 0x20) { throw Declined() }
            end += 1
        }
        while end > column && self[line, end - 1] == 0x20 { end -= 1 }
        return text(line, column..<end)
    }

    /// A quoted scalar that ends on its line: its text and the column after the closing quote.
    private func quoted(_ line: Int, _ column: Int) throws(Declined) -> (String, Int) {
        let quote = self[line, column]!
        var result: [UInt8] = []
        var position = column + 1
        while true {
            guard let byte = self[line, position] else { throw Declined() }
            position += 1
            if quote == 0x27 {
                guard byte == 0x27 else {
                    result.append(byte)
                    continue
                }
                guard self[line, position] == 0x27 else { break }
                result.append(0x27)
                position += 1
                continue
            }
            if byte == 0x22 { break }
            guard byte == 0x5C else {
                result.append(byte)
                continue
            }
            guard let escape = self[line, position] else { throw Declined() }
            position += 1
            switch escape {
            case UInt8(ascii: "0"): result.append(0)
            case UInt8(ascii: "a"): result.append(7)
            case UInt8(ascii: "b"): result.append(8)
            case UInt8(ascii: "t"): result.append(9)
            case UInt8(ascii: "n"): result.append(10)
            case UInt8(ascii: "v"): result.append(11)
            case UInt8(ascii: "f"): result.append(12)
            case UInt8(ascii: "r"): result.append(13)
            case UInt8(ascii: "e"): result.append(27)
            case UInt8(ascii: " "), UInt8(ascii: "\""), UInt8(ascii: "/"), UInt8(ascii: "\\"): result.append(escape)
            case UInt8(ascii: "N"): result.append(contentsOf: [0xC2, 0x85])
            case UInt8(ascii: "_"): result.append(contentsOf: [0xC2, 0xA0])
            case UInt8(ascii: "L"): result.append(contentsOf: [0xE2, 0x80, 0xA8])
            case UInt8(ascii: "P"): result.append(contentsOf: [0xE2, 0x80, 0xA9])
            case UInt8(ascii: "x"), UInt8(ascii: "u"), UInt8(ascii: "U"):
                let digits = escape == UInt8(ascii: "x") ? 2 : escape == UInt8(ascii: "u") ? 4 : 8
                var value: UInt32 = 0
                for _ in 0..<digits {
                    guard let digit = self[line, position], let number = BlockYAMLReader.hexValue(digit) else { throw Declined() }
                    value = value << 4 | number
                    position += 1
                }
                guard let scalar = Unicode.Scalar(value) else { throw Declined() }
                result.append(contentsOf: Array(String(Character(scalar)).utf8))
            default:
                throw Declined()
            }
        }
        return (String(decoding: result, as: UTF8.self), position)
    }

    private static func hexValue(_ byte: UInt8) -> UInt32? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt32(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return UInt32(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return UInt32(byte - UInt8(ascii: "A") + 10)
        default: return nil
        }
    }

    /// A literal block scalar (`|`, `|-` or `|+`) whose indicator is at `column` of `line`.
    private mutating func literal(_ line: Int, _ column: Int, parent: Int) throws(Declined) -> String {
        var after = column + 1
        var chomping: UInt8?
        if let byte = self[line, after], byte == 0x2D || byte == 0x2B {
            chomping = byte
            after += 1
        }
        // An indentation indicator, or any other text after the indicator, is left to Yams.
        guard self[line, after] == nil || self[line, after] == 0x20, isEndOfContent(line, after) else { throw Declined() }
        // The content's indentation is that of its first line that is not empty.
        var next = line + 1
        var leading = 0
        while next < documentEnd && self[next, indent(next)] == nil {
            leading = max(leading, indent(next))
            next += 1
        }
        guard next < documentEnd else { throw Declined() }
        let indentation = indent(next)
        guard indentation > parent, indentation >= leading else { throw Declined() }
        var result = String(repeating: "\n", count: next - line - 1)
        var lastContent = next
        var breaks = 0
        while next < documentEnd {
            let lineIndent = indent(next)
            if self[next, lineIndent] == nil {
                if lineIndent > indentation { throw Declined() }
                breaks += 1
                next += 1
                continue
            }
            if lineIndent < indentation { break }
            result += String(repeating: "\n", count: breaks)
            result += text(next, indentation..<(ends[next] - starts[next]))
            result += "\n"
            breaks = 0
            lastContent = next
            next += 1
        }
        // A last line without a line break adds none.
        if lastContent == starts.count - 1 && ends[lastContent] == bytes.count { result.removeLast() }
        switch chomping {
        case UInt8(ascii: "-"):
            while result.hasSuffix("\n") { result.removeLast() }
        case UInt8(ascii: "+"):
            result += String(repeating: "\n", count: breaks)
            // Trailing empty lines belong to the scalar; the next line is after them.
            lastContent = next - 1
        default:
            break
        }
        self.line = lastContent + 1
        return result
    }
}

extension YAMLScalar {
    init(text: String, value: SigmaValue, location: SourceLocation) {
        self.text = text
        self.value = value
        self.location = location
    }
}
