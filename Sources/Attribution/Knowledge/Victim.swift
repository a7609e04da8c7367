import Foundation

/// Who was hit, in structured terms that meet what intelligence says of a group's targets:
/// countries as ISO 3166-1 alpha-2 codes and sectors by name (MISP's sector galaxy and CFR's
/// target categories, which the MISP threat-actor galaxy uses).
public struct Victim: Sendable, Hashable {
    /// ISO codes, upper case.
    public var countries: [String]
    /// Sector names as given, lower case.
    public var sectors: [String]

    public static let none = Victim(checkedCountries: [], sectors: [])

    /// Refuses a country that is neither an ISO code nor a country's English name.
    public init(countries: [String] = [], sectors: [String] = []) throws(VictimError) {
        var codes: [String] = []
        for country in countries {
            guard let code = Countries.code(of: country) else {
                throw VictimError("'\(country)' is not a country: give an ISO 3166-1 code (CZ) or an English name (Czechia)")
            }
            if !codes.contains(code) { codes.append(code) }
        }
        self.init(checkedCountries: codes, sectors: sectors.map { $0.lowercased().trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })
    }

    init(checkedCountries: [String], sectors: [String]) {
        countries = checkedCountries
        self.sectors = sectors
    }

    public var isEmpty: Bool { countries.isEmpty && sectors.isEmpty }
}

/// A victim description that cannot be used.
public struct VictimError: Error, Sendable, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}

/// Countries by ISO code with the names intelligence writes them under.
public enum Countries {
    /// Names besides the English one the system gives (older or shorter forms reports use).
    static let aliases: [String: [String]] = [
        "CZ": ["Czech Republic"], "US": ["USA", "U.S.", "America"], "GB": ["UK", "Britain", "Great Britain"],
        "RU": ["Russian Federation"], "KR": ["Republic of Korea"], "KP": ["DPRK"], "AE": ["UAE"], "TR": ["Türkiye"],
        "MK": ["Macedonia"], "CN": ["PRC", "People's Republic of China"], "IR": ["Islamic Republic of Iran"],
        "VN": ["Viet Nam"], "TW": ["Republic of China"], "MM": ["Burma"], "CI": ["Ivory Coast"], "SY": ["Syrian Arab Republic"],
    ]

    /// The ISO 3166-1 alpha-2 codes the system knows.
    static let codes: Set<String> = Set(Locale.Region.isoRegions.map(\.identifier).filter { $0.count == 2 && $0.allSatisfy(\.isLetter) })

    /// Every name of every country, lower case, to its code.
    static let byName: [String: String] = {
        var table: [String: String] = [:]
        let english = Locale(identifier: "en_US")
        for code in codes {
            guard let name = english.localizedString(forRegionCode: code) else { continue }
            table[name.lowercased()] = code
        }
        for (code, names) in aliases { for name in names { table[name.lowercased()] = code } }
        return table
    }()

    /// The code of an ISO code or a name; nil when it is neither.
    public static func code(of text: String) -> String? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if codes.contains(trimmed.uppercased()) { return trimmed.uppercased() }
        return byName[trimmed.lowercased()]
    }

    /// The names a country goes by, its English name first.
    public static func names(of code: String) -> [String] {
        ([Locale(identifier: "en_US").localizedString(forRegionCode: code)].compactMap { $0 }) + (aliases[code] ?? [])
    }
}

/// Sectors and the words that name them, so that "government" meets CFR's "Government", MISP's
/// "Government, Administration" and a description's "ministries".
public enum Sectors {
    /// Groups of names that stand for one sector; a sector not listed matches itself only.
    static let families: [[String]] = [
        ["government", "government, administration", "administration", "public administration", "ministry", "ministries", "governments"],
        ["diplomacy", "diplomatic", "foreign affairs", "embassies", "embassy", "diplomats"],
        ["military", "armed forces", "defense", "defence", "defense industrial base"],
        ["energy", "oil", "gas", "electric", "electricity", "utilities"],
        ["finance", "financial", "bank", "banks", "banking", "payment", "financial services"],
        ["health", "healthcare", "medical", "hospitals", "pharmaceuticals", "pharmacy", "pharmaceutical"],
        ["telecoms", "telecommunications", "telecomms", "telecom", "it - isp"],
        ["education", "higher education", "academia - university", "universities", "academic", "academia"],
        ["media", "news - media", "journalists", "media and entertainment"],
        ["ngo", "ngos", "civil society", "non-governmental organizations", "think tanks", "activists"],
        ["it", "information technology", "technology", "high tech", "high-tech", "it - security"],
        ["transport", "transportation", "transportation systems", "aviation", "civil aviation", "maritime", "railway", "rail", "logistics"],
        ["manufacturing", "critical manufacturing", "industrial"],
        ["private sector", "business", "companies"],
    ]

    /// The words of a sector's family (the sector itself when it has none).
    public static func words(of sector: String) -> [String] {
        let lowered = sector.lowercased()
        return families.first { $0.contains(lowered) } ?? [lowered]
    }
}

extension String {
    /// Whether `phrase` occurs as whole words (not inside a longer word), ignoring case: "US"
    /// is not found in "business".
    func mentions(_ phrase: String) -> Bool {
        guard !phrase.isEmpty else { return false }
        var searchRange = startIndex..<endIndex
        while let found = range(of: phrase, options: [.caseInsensitive], range: searchRange) {
            let before = found.lowerBound == startIndex ? nil : self[index(before: found.lowerBound)]
            let after = found.upperBound == endIndex ? nil : self[found.upperBound]
            if !(before?.isLetter ?? false) && !(before?.isNumber ?? false) && !(after?.isLetter ?? false) && !(after?.isNumber ?? false) { return true }
            searchRange = found.upperBound..<endIndex
        }
        return false
    }
}
