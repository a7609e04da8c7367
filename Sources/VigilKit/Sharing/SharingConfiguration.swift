import Foundation
import IntelStore
import STIX

/// What `vigil serve` shares and how: API roots, their collections and what each holds, the
/// TLP rules, limits, and TLS. Read from a JSON file (`SharingConfiguration.read`), or the
/// defaults: one API root `api` with one collection `default` holding every object, readable
/// by every user up to their clearance.
public struct SharingConfiguration: Sendable, Hashable {
    /// One API root: a path segment under the server (`api` → `/api/`) and its collections.
    public struct APIRoot: Sendable, Hashable {
        public var path: String
        public var title: String
        public var description: String
        public var collections: [Collection]

        public init(path: String, title: String, description: String = "", collections: [Collection]) {
            self.path = path
            self.title = title
            self.description = description
            self.collections = collections
        }
    }

    /// One collection as configured. Its store record (`IntelCollection`) is found by alias,
    /// made when missing and updated when the configuration changes.
    public struct Collection: Sendable, Hashable {
        /// The TAXII id; nil: kept from the store, or a new random UUID the first time.
        public var id: String?
        public var alias: String
        public var title: String
        public var description: String
        public var content: IntelCollection.Content
        /// The most sensitive level served from it to anyone.
        public var maximumTLP: TLPLevel?
        public var types: [String]
        /// Every user may read it (up to their clearance), not only those granted it.
        public var everyoneReads: Bool
        /// The users to whom its TLP:RED objects may go (if their clearance is RED).
        public var redReaders: [String]

        public init(
            id: String? = nil, alias: String, title: String, description: String = "", content: IntelCollection.Content,
            maximumTLP: TLPLevel? = nil, types: [String] = [], everyoneReads: Bool = false, redReaders: [String] = []
        ) {
            self.id = id
            self.alias = alias
            self.title = title
            self.description = description
            self.content = content
            self.maximumTLP = maximumTLP
            self.types = types
            self.everyoneReads = everyoneReads
            self.redReaders = redReaders
        }
    }

    /// A certificate chain and its private key, PEM files.
    public struct TLS: Sendable, Hashable {
        public var certificate: String
        public var key: String

        public init(certificate: String, key: String) {
            self.certificate = certificate
            self.key = key
        }
    }

    public var title: String = "Vigil TAXII 2.1 server"
    public var description: String = ""
    public var contact: String = ""
    /// The organisation running the server: its users alone receive TLP:AMBER+STRICT.
    public var organisation: String?
    /// Largest request body accepted, in bytes (TAXII's `max_content_length`).
    public var maxContentLength: Int = 10 * 1024 * 1024
    /// Most objects in one page, whatever `limit` a client asks.
    public var maxPageSize: Int = 1_000
    /// The level an object without a TLP marking counts as.
    public var unmarkedTLP: TLPLevel = .amber
    /// The server's address as clients reach it (`https://taxii.example.org`); nil: taken
    /// from each request's Host header.
    public var publicURL: String?
    public var tls: TLS?
    public var apiRoots: [APIRoot]

    public init(apiRoots: [APIRoot]) { self.apiRoots = apiRoots }

    /// The configuration without a file.
    public static let standard = SharingConfiguration(apiRoots: [
        APIRoot(
            path: "api", title: "Vigil",
            collections: [
                Collection(
                    alias: "default", title: "Everything in the store", description: "Every object, up to each reader's clearance",
                    content: .everything, everyoneReads: true)
            ])
    ])

    /// Every collection, with its API root's path.
    public var allCollections: [(root: String, collection: Collection)] {
        apiRoots.flatMap { root in root.collections.map { (root.path, $0) } }
    }
}

extension SharingConfiguration {
    /// Reads a JSON configuration file; unknown keys are errors, so that a misspelt limit
    /// (`max_tlps`) is never silently ignored. Relative TLS paths are taken from the file's folder.
    public static func read(path: String) throws(VigilError) -> SharingConfiguration {
        let bytes: [UInt8]
        do {
            bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw .input(path: path, reason: "cannot read the configuration: \(error.localizedDescription)")
        }
        do {
            var configuration = try parse(bytes)
            let folder = (path as NSString).deletingLastPathComponent
            if var tls = configuration.tls {
                if !tls.certificate.hasPrefix("/") { tls.certificate = (folder as NSString).appendingPathComponent(tls.certificate) }
                if !tls.key.hasPrefix("/") { tls.key = (folder as NSString).appendingPathComponent(tls.key) }
                configuration.tls = tls
            }
            return configuration
        } catch {
            throw .input(path: path, reason: error.description)
        }
    }

    /// Reads configuration JSON.
    public static func parse(_ bytes: [UInt8]) throws(ConfigurationError) -> SharingConfiguration {
        let json: JSONValue
        do {
            json = try JSONParser.parse(bytes)
        } catch {
            throw ConfigurationError(path: "", message: "not JSON: \(error)")
        }
        let top = try ConfigurationReader(json, path: "")
        try top.only([
            "title", "description", "contact", "organisation", "max_content_length", "max_page_size", "unmarked_tlp", "public_url",
            "tls", "api_roots",
        ])
        var configuration = SharingConfiguration(apiRoots: [])
        configuration.title = try top.string("title") ?? configuration.title
        configuration.description = try top.string("description") ?? ""
        configuration.contact = try top.string("contact") ?? ""
        configuration.organisation = try top.string("organisation")
        configuration.maxContentLength = try top.integer("max_content_length", in: 1_024...1_073_741_824) ?? configuration.maxContentLength
        configuration.maxPageSize = try top.integer("max_page_size", in: 1...10_000) ?? configuration.maxPageSize
        configuration.unmarkedTLP = try top.tlp("unmarked_tlp") ?? configuration.unmarkedTLP
        configuration.publicURL = try top.string("public_url")
        if let tls = try top.object("tls") {
            try tls.only(["certificate", "key"])
            configuration.tls = TLS(certificate: try tls.requiredString("certificate"), key: try tls.requiredString("key"))
        }
        let roots = try top.objects("api_roots")
        guard !roots.isEmpty else { throw ConfigurationError(path: "api_roots", message: "at least one API root is needed") }
        for root in roots {
            try root.only(["path", "title", "description", "collections"])
            let path = try root.requiredString("path")
            guard SharingConfiguration.isSafeSegment(path) else {
                throw ConfigurationError(path: root.path + ".path", message: "'\(path)' must be letters, digits, '-' and '_'")
            }
            var collections: [Collection] = []
            for item in try root.objects("collections") {
                try item.only(["id", "alias", "title", "description", "content", "max_tlp", "types", "everyone_reads", "red_readers"])
                let alias = try item.requiredString("alias")
                guard SharingConfiguration.isSafeSegment(alias) else {
                    throw ConfigurationError(path: item.path + ".alias", message: "'\(alias)' must be letters, digits, '-' and '_'")
                }
                let id = try item.string("id")
                if let id, UUID(uuidString: id) == nil {
                    throw ConfigurationError(path: item.path + ".id", message: "'\(id)' is not a UUID")
                }
                let contentName = try item.string("content") ?? "everything"
                guard let content = IntelCollection.Content(rawValue: contentName) else {
                    throw ConfigurationError(path: item.path + ".content", message: "'\(contentName)' is neither 'everything' nor 'members'")
                }
                collections.append(
                    Collection(
                        id: id?.lowercased(), alias: alias, title: try item.string("title") ?? alias, description: try item.string("description") ?? "",
                        content: content, maximumTLP: try item.tlp("max_tlp"), types: try item.strings("types"),
                        everyoneReads: try item.bool("everyone_reads") ?? false, redReaders: try item.strings("red_readers")))
            }
            configuration.apiRoots.append(
                APIRoot(path: path, title: try root.string("title") ?? path, description: try root.string("description") ?? "", collections: collections))
        }
        try configuration.check()
        return configuration
    }

    /// Names and ids are unique where clients tell them apart.
    func check() throws(ConfigurationError) {
        var paths: Set<String> = []
        var aliases: Set<String> = []
        var ids: Set<String> = []
        for root in apiRoots {
            guard paths.insert(root.path).inserted else { throw ConfigurationError(path: "api_roots", message: "API root '\(root.path)' twice") }
            for collection in root.collections {
                guard aliases.insert(collection.alias).inserted else {
                    throw ConfigurationError(path: "api_roots", message: "collection alias '\(collection.alias)' twice (aliases are unique across roots)")
                }
                if let id = collection.id, !ids.insert(id).inserted {
                    throw ConfigurationError(path: "api_roots", message: "collection id '\(id)' twice")
                }
            }
        }
    }

    /// A path segment safe in URLs: letters, digits, `-`, `_`; 1 to 64 of them.
    static func isSafeSegment(_ text: String) -> Bool {
        !text.isEmpty && text.count <= 64 && text.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || $0 == "-" || $0 == "_") }
    }
}

/// Why a configuration is refused: where in the file, and what is wrong.
public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    /// The key path, `api_roots[0].collections[1].max_tlp`.
    public var path: String
    public var message: String

    public var description: String { path.isEmpty ? message : "\(path): \(message)" }
}

/// Typed access to one JSON object of the configuration, with the key path for messages.
struct ConfigurationReader {
    let object: JSONObject
    let path: String

    init(_ value: JSONValue, path: String) throws(ConfigurationError) {
        guard let object = value.objectValue else {
            throw ConfigurationError(path: path, message: "expected an object, found \(value.kindName)")
        }
        self.object = object
        self.path = path
    }

    private func at(_ key: String) -> String { path.isEmpty ? key : path + "." + key }

    func only(_ keys: Set<String>) throws(ConfigurationError) {
        for key in object.keys where !keys.contains(key) {
            throw ConfigurationError(path: at(key), message: "unknown key (known: \(keys.sorted().joined(separator: ", ")))")
        }
    }

    func requiredString(_ key: String) throws(ConfigurationError) -> String {
        guard let value = try string(key) else { throw ConfigurationError(path: at(key), message: "required, and missing") }
        return value
    }

    func string(_ key: String) throws(ConfigurationError) -> String? {
        guard let value = object[key], value != .null else { return nil }
        guard let text = value.stringValue else { throw ConfigurationError(path: at(key), message: "expected a string, found \(value.kindName)") }
        return text
    }

    func bool(_ key: String) throws(ConfigurationError) -> Bool? {
        guard let value = object[key], value != .null else { return nil }
        guard let flag = value.boolValue else { throw ConfigurationError(path: at(key), message: "expected true or false, found \(value.kindName)") }
        return flag
    }

    func integer(_ key: String, in range: ClosedRange<Int>) throws(ConfigurationError) -> Int? {
        guard let value = object[key], value != .null else { return nil }
        guard let number = value.intValue, range.contains(Int(number)) else {
            throw ConfigurationError(path: at(key), message: "expected an integer from \(range.lowerBound) to \(range.upperBound)")
        }
        return Int(number)
    }

    func tlp(_ key: String) throws(ConfigurationError) -> TLPLevel? {
        guard let name = try string(key) else { return nil }
        guard let level = TLPLevel(name: name) else {
            throw ConfigurationError(path: at(key), message: "'\(name)' is not a TLP level (clear, green, amber, amber+strict, red)")
        }
        return level
    }

    func strings(_ key: String) throws(ConfigurationError) -> [String] {
        guard let value = object[key], value != .null else { return [] }
        guard let list = value.arrayValue else { throw ConfigurationError(path: at(key), message: "expected a list of strings") }
        var strings: [String] = []
        for item in list {
            guard let text = item.stringValue else { throw ConfigurationError(path: at(key), message: "expected a list of strings") }
            strings.append(text)
        }
        return strings
    }

    func object(_ key: String) throws(ConfigurationError) -> ConfigurationReader? {
        guard let value = object[key], value != .null else { return nil }
        return try ConfigurationReader(value, path: at(key))
    }

    func objects(_ key: String) throws(ConfigurationError) -> [ConfigurationReader] {
        guard let value = object[key], value != .null else { return [] }
        guard let list = value.arrayValue else { throw ConfigurationError(path: at(key), message: "expected a list of objects") }
        var readers: [ConfigurationReader] = []
        for (index, item) in list.enumerated() { readers.append(try ConfigurationReader(item, path: "\(at(key))[\(index)]")) }
        return readers
    }
}
