/// Aligned text columns for terminal output and text reports.
public struct TextTable: Sendable {
    public enum Alignment: Sendable { case left, right }

    public struct Column: Sendable {
        public var title: String
        public var alignment: Alignment
        /// Longer cells are cut with an ellipsis.
        public var maxWidth: Int?

        public init(_ title: String, _ alignment: Alignment = .left, maxWidth: Int? = nil) {
            self.title = title
            self.alignment = alignment
            self.maxWidth = maxWidth
        }
    }

    public var columns: [Column]
    public var rows: [[String]] = []
    /// Spaces before each line.
    public var indent = 0

    public init(_ columns: [Column], indent: Int = 0) {
        self.columns = columns
        self.indent = indent
    }

    public mutating func add(_ cells: [String]) { rows.append(cells) }

    public func render() -> String {
        let cut = rows.map { row in
            row.enumerated().map { index, cell -> String in
                guard index < columns.count, let limit = columns[index].maxWidth, cell.count > limit else { return cell }
                return String(cell.prefix(max(1, limit - 1))) + "…"
            }
        }
        var widths = columns.map(\.title.count)
        for row in cut {
            for (index, cell) in row.enumerated() where index < widths.count { widths[index] = max(widths[index], cell.count) }
        }
        func line(_ cells: [String]) -> String {
            var parts: [String] = []
            for (index, cell) in cells.enumerated() where index < columns.count {
                let padding = String(repeating: " ", count: max(0, widths[index] - cell.count))
                let isLast = index == columns.count - 1
                switch columns[index].alignment {
                case .left: parts.append(isLast ? cell : cell + padding)
                case .right: parts.append(padding + cell)
                }
            }
            var text = String(repeating: " ", count: indent) + parts.joined(separator: "  ")
            while text.last == " " { text.removeLast() }
            return text
        }
        return ([line(columns.map(\.title))] + cut.map(line)).joined(separator: "\n")
    }
}

/// Integers with thousands separators, as in the summaries: 17,899.
public func grouped(_ number: Int) -> String {
    let digits = String(abs(number))
    var result = ""
    for (index, character) in digits.enumerated() {
        if index > 0 && (digits.count - index) % 3 == 0 { result.append(",") }
        result.append(character)
    }
    return number < 0 ? "-" + result : result
}

/// Wraps text to a width, keeping paragraph breaks, each line indented.
public func wrapped(_ text: String, width: Int, indent: Int) -> String {
    let prefix = String(repeating: " ", count: indent)
    var lines: [String] = []
    for paragraph in text.split(separator: "\n", omittingEmptySubsequences: false) {
        var line = ""
        for word in paragraph.split(separator: " ") {
            if !line.isEmpty && line.count + 1 + word.count > width - indent {
                lines.append(prefix + line)
                line = ""
            }
            line += line.isEmpty ? String(word) : " " + word
        }
        lines.append(prefix + line)
    }
    return lines.joined(separator: "\n")
}
