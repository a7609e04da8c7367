/// Writes STIX 2.1 bundles.
///
/// The output is `{"type":"bundle","id":"bundle--<uuid4>","objects":[...]}` with each object's
/// properties in their stored order. A 2.1 bundle carries no `spec_version`. It writes piece by
/// piece so that a large export need not be assembled as one value first.
public struct STIXBundleWriter {
    public let bundleID: STIXIdentifier
    public var pretty: Bool

    public init(bundleID: STIXIdentifier = .random(type: "bundle"), pretty: Bool = false) {
        self.bundleID = bundleID
        self.pretty = pretty
    }

    /// The opening of the bundle, up to the start of the objects list.
    public func header() -> [UInt8] {
        var output: [UInt8] = []
        output.append(contentsOf: "{".utf8)
        if pretty { output.append(contentsOf: "\n  ".utf8) }
        output.append(contentsOf: "\"type\":".utf8)
        if pretty { output.append(UInt8(ascii: " ")) }
        output.append(contentsOf: "\"bundle\",".utf8)
        if pretty { output.append(contentsOf: "\n  ".utf8) }
        output.append(contentsOf: "\"id\":".utf8)
        if pretty { output.append(UInt8(ascii: " ")) }
        JSONWriter.writeString(bundleID.rawValue, into: &output)
        output.append(contentsOf: ",".utf8)
        if pretty { output.append(contentsOf: "\n  ".utf8) }
        output.append(contentsOf: "\"objects\":".utf8)
        if pretty { output.append(UInt8(ascii: " ")) }
        output.append(UInt8(ascii: "["))
        return output
    }

    /// One object of the list; `first` says whether it needs a separating comma.
    public func object(_ object: STIXObject, first: Bool) -> [UInt8] {
        var output: [UInt8] = []
        if !first { output.append(UInt8(ascii: ",")) }
        if pretty { output.append(contentsOf: "\n    ".utf8) }
        JSONWriter(pretty: pretty).write(object.json, into: &output, depth: pretty ? 2 : 0)
        return output
    }

    /// The end of the bundle.
    public func footer(empty: Bool) -> [UInt8] {
        guard pretty else { return Array("]}\n".utf8) }
        return Array((empty ? "]\n}\n" : "\n  ]\n}\n").utf8)
    }

    /// A whole bundle in memory, for small outputs and tests.
    public func bundle(_ objects: [STIXObject]) -> [UInt8] {
        var output = header()
        for (index, object) in objects.enumerated() { output.append(contentsOf: self.object(object, first: index == 0)) }
        output.append(contentsOf: footer(empty: objects.isEmpty))
        return output
    }
}
