import Foundation
import STIX

/// The report's colours, chosen so that text keeps WCAG's AA contrast (4.5:1) on what it is
/// written on and chart marks keep 3:1 against the page.
public enum ReportPalette {
    public static let page = "#ffffff"
    public static let text = "#1a1a1a"
    public static let muted = "#4a4a4a"
    public static let link = "#0b4f9c"
    public static let rule = "#8a8a8a"
    public static let withheldBackground = "#fff4d6"
    public static let assertedCell = "#dfe3f5"

    /// TLP 2.0's colours on black, as FIRST specifies them.
    public static func tlp(_ level: TLPLevel) -> (text: String, background: String) {
        switch level {
        case .clear: return ("#FFFFFF", "#000000")
        case .green: return ("#33FF00", "#000000")
        case .amber, .amberStrict: return ("#FFC000", "#000000")
        case .red: return ("#FF2B2B", "#000000")
        }
    }

    /// A colour per tactic for the timeline, each at least 3:1 against white; "" is grey.
    public static func tactic(_ tactic: String) -> String {
        let colours = [
            "#6a3d9a", "#b15928", "#1f78b4", "#33691e", "#c2185b", "#00695c", "#d84315", "#4e342e", "#283593", "#ad1457",
            "#00838f", "#5d4037", "#7b1fa2", "#bf360c",
        ]
        guard let index = ATTACKMatrix.index[tactic] else { return tactic.isEmpty ? "#757575" : "#455a64" }
        return colours[index % colours.count]
    }

    /// The heat map's fill for a count (light to dark red on a log scale) and the text colour
    /// that reads on it.
    public static func heat(_ count: Int, peak: Int) -> (fill: String, text: String) {
        let share = peak <= 0 ? 0 : log(Double(count) + 1) / log(Double(peak) + 1)
        let light = (0xfe, 0xe0, 0xd2)
        let dark = (0x99, 0x00, 0x0d)
        func mix(_ a: Int, _ b: Int) -> Int { Int((Double(a) + (Double(b) - Double(a)) * share).rounded()) }
        let fill = String(format: "#%02x%02x%02x", mix(light.0, dark.0), mix(light.1, dark.1), mix(light.2, dark.2))
        // Black or white: one of the two always reaches 4.5:1 (they meet at about 4.58:1).
        return (fill, contrast("#000000", fill) >= contrast("#ffffff", fill) ? "#000000" : "#ffffff")
    }

    /// WCAG's contrast ratio of two `#rrggbb` colours (1 to 21).
    public static func contrast(_ first: String, _ second: String) -> Double {
        let (a, b) = (luminance(first), luminance(second))
        return (max(a, b) + 0.05) / (min(a, b) + 0.05)
    }

    /// WCAG's relative luminance of a `#rrggbb` colour.
    static func luminance(_ colour: String) -> Double {
        let hex = colour.hasPrefix("#") ? String(colour.dropFirst()) : colour
        guard hex.count == 6, let value = Int(hex, radix: 16) else { return 0 }
        func channel(_ shift: Int) -> Double {
            let c = Double((value >> shift) & 0xff) / 255
            return c <= 0.03928 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4)
        }
        return 0.2126 * channel(16) + 0.7152 * channel(8) + 0.0722 * channel(0)
    }
}
