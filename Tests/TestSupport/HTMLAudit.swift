import Foundation

/// An accessibility check of the HTML Vigil writes, after WCAG 2.1 AA's testable rules for
/// static pages: a language, a title, one `h1` and no skipped heading level, tables with a
/// name and header cells with a scope, charts with a role and a name, images with alt text,
/// links and buttons with text, form fields with labels, and text contrast of at least 4.5:1
/// where the page states both colours (CSS rules with `color` and `background`, SVG text on
/// the shape it is drawn on).
///
/// It reads the markup Vigil writes (attributes in double quotes), not arbitrary HTML.
public enum HTMLAudit {
    public static func problems(_ html: String) -> [String] {
        var problems: [String] = []
        if html.range(of: #"<html lang="[a-z]{2}"#, options: .regularExpression) == nil { problems.append("the html element has no lang") }
        if html.range(of: #"<title>[^<]+</title>"#, options: .regularExpression) == nil { problems.append("the page has no title") }

        // Headings: one h1, then no level skipped on the way down.
        let headings = matches(#"<h([1-6])[ >]"#, in: html).compactMap { Int($0[1]) }
        if headings.filter({ $0 == 1 }).count != 1 { problems.append("\(headings.filter { $0 == 1 }.count) h1 elements") }
        for (previous, next) in zip(headings, headings.dropFirst()) where next > previous + 1 {
            problems.append("heading level skipped: h\(previous) then h\(next)")
        }

        for table in matches(#"<table([^>]*)>(\s*<caption)?"#, in: html) where !table[1].contains("aria-label") && table[2].isEmpty {
            problems.append("a table without a caption or label: <table\(table[1])>")
        }
        for header in matches(#"<th( [^>]*)?>"#, in: html) where !header[0].contains("scope=") {
            problems.append("a header cell without a scope: \(header[0])")
        }
        for svg in matches(#"<svg([^>]*)>"#, in: html) {
            let attributes = svg[1]
            let hidden = attributes.contains("aria-hidden=\"true\"")
            if !hidden && (!attributes.contains("role=\"img\"") || !(attributes.contains("aria-label=\"") || attributes.contains("aria-labelledby=\""))) {
                problems.append("a chart without role=img and a name: <svg\(attributes.prefix(80))>")
            }
        }
        for image in matches(#"<img([^>]*)>"#, in: html) where !image[1].contains("alt=\"") {
            problems.append("an image without alt text: \(image[0].prefix(80))")
        }
        for link in matches(#"<a ([^>]*)>(.*?)</a>"#, in: html) where link[2].trimmingCharacters(in: .whitespaces).isEmpty && !link[1].contains("aria-label") {
            problems.append("a link without text: \(link[0].prefix(80))")
        }
        for button in matches(#"<button([^>]*)>(.*?)</button>"#, in: html) where button[2].trimmingCharacters(in: .whitespaces).isEmpty {
            problems.append("a button without text: \(button[0].prefix(80))")
        }
        let labelled = Set(matches(#"<label[^>]* for="([^"]+)""#, in: html).map { $0[1] })
        for field in matches(#"<(input|select|textarea)([^>]*)>"#, in: html) {
            let attributes = field[2]
            if attributes.contains("type=\"hidden\"") || attributes.contains("type=\"submit\"") || attributes.contains("aria-label=\"") { continue }
            let id = matches(#"id="([^"]+)""#, in: attributes).first?[1]
            if id.map({ !labelled.contains($0) }) ?? true { problems.append("a form field without a label: \(field[0].prefix(80))") }
        }

        // Contrast: CSS rules that set both colours, and SVG text on the rectangle before it.
        let styles = matches(#"<style>(.*?)</style>"#, in: html).map { $0[1] }.joined(separator: "\n")
        for rule in matches(#"([^{}]+)\{([^{}]*)\}"#, in: styles) {
            let body = rule[2]
            guard let text = matches(#"(?:^|[;\s])color:\s*(#[0-9a-fA-F]{6})"#, in: body).first?[1],
                let background = matches(#"background(?:-color)?:\s*(#[0-9a-fA-F]{6})"#, in: body).first?[1]
            else { continue }
            let ratio = contrast(text, background)
            if ratio < 4.5 { problems.append("contrast \(String(format: "%.2f", ratio)) of \(text) on \(background) in \(rule[1].trimmingCharacters(in: .whitespacesAndNewlines))") }
        }
        for cell in matches(#"<rect [^>]*fill="(#[0-9a-fA-F]{6})"[^>]*/?>(?:</rect>)?\s*<text [^>]*fill="(#[0-9a-fA-F]{6})""#, in: html) {
            let ratio = contrast(cell[2], cell[1])
            if ratio < 4.5 { problems.append("contrast \(String(format: "%.2f", ratio)) of SVG text \(cell[2]) on \(cell[1])") }
        }
        return problems
    }

    /// WCAG's contrast ratio of two `#rrggbb` colours.
    public static func contrast(_ first: String, _ second: String) -> Double {
        func luminance(_ colour: String) -> Double {
            guard let value = Int(colour.dropFirst(), radix: 16) else { return 0 }
            func channel(_ shift: Int) -> Double {
                let c = Double((value >> shift) & 0xff) / 255
                return c <= 0.03928 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4)
            }
            return 0.2126 * channel(16) + 0.7152 * channel(8) + 0.0722 * channel(0)
        }
        let (a, b) = (luminance(first), luminance(second))
        return (max(a, b) + 0.05) / (min(a, b) + 0.05)
    }

    /// Every match of a pattern with its groups ("" for a group that did not take part).
    static func matches(_ pattern: String, in text: String) -> [[String]] {
        guard let expression = try? NSRegularExpression(pattern: pattern, options: [.dotMatchesLineSeparators]) else { return [] }
        let range = NSRange(text.startIndex..., in: text)
        return expression.matches(in: text, range: range).map { match in
            (0..<match.numberOfRanges).map { index in
                Range(match.range(at: index), in: text).map { String(text[$0]) } ?? ""
            }
        }
    }
}
