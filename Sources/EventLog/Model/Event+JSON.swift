import STIX

extension Event {
    /// The event as one JSON object: `time` (RFC 3339, 100 ns), `origin` (reader format and
    /// record or line), and `fields` under the names Sigma rules see, with their types. This is
    /// what `vigil dump --format events` prints; it shows how Vigil read a record.
    public var jsonValue: JSONValue {
        var object = JSONObject()
        if let time { object["time"] = .string(time.description) }
        var origin = JSONObject()
        origin["format"] = .string(self.origin.format)
        origin["position"] = .int(Int64(clamping: self.origin.position))
        if self.origin.recovered { origin["recovered"] = true }
        object["origin"] = .object(origin)
        var members = JSONObject()
        for field in fields { members[field.name.name] = field.value.jsonValue }
        object["fields"] = .object(members)
        return .object(object)
    }
}

extension FieldValue {
    /// The value as JSON; an unsigned integer beyond Int64 becomes a double.
    public var jsonValue: JSONValue {
        switch self {
        case .string(let text): return .string(text)
        case .integer(let number): return .int(number)
        case .unsigned(let number): return Int64(exactly: number).map(JSONValue.int) ?? .double(Double(number))
        case .double(let number): return number.isFinite ? .double(number) : .string(number.description)
        case .bool(let flag): return .bool(flag)
        case .list(let values): return .array(values.map(\.jsonValue))
        case .null: return .null
        }
    }
}

extension Event {
    /// Appends `jsonValue` as compact JSON, written directly (no intermediate JSON values).
    public func appendJSON(to output: inout [UInt8]) {
        output.append(UInt8(ascii: "{"))
        if let time {
            output.append(contentsOf: #""time":""#.utf8)
            output.append(contentsOf: time.description.utf8)
            output.append(contentsOf: #"","#.utf8)
        }
        output.append(contentsOf: #""origin":{"format":"#.utf8)
        JSONWriter.writeString(origin.format, into: &output)
        output.append(contentsOf: #","position":"#.utf8)
        output.append(contentsOf: String(origin.position).utf8)
        if origin.recovered { output.append(contentsOf: #","recovered":true"#.utf8) }
        output.append(contentsOf: #"},"fields":{"#.utf8)
        for (index, field) in fields.enumerated() {
            if index > 0 { output.append(UInt8(ascii: ",")) }
            JSONWriter.writeString(field.name.name, into: &output)
            output.append(UInt8(ascii: ":"))
            field.value.appendJSON(to: &output)
        }
        output.append(contentsOf: "}}".utf8)
    }
}

extension FieldValue {
    func appendJSON(to output: inout [UInt8]) {
        switch self {
        case .string(let text): JSONWriter.writeString(text, into: &output)
        case .integer(let number): output.append(contentsOf: String(number).utf8)
        case .unsigned(let number): output.append(contentsOf: String(number).utf8)
        case .bool(let flag): output.append(contentsOf: (flag ? "true" : "false").utf8)
        case .null: output.append(contentsOf: "null".utf8)
        case .double, .list: JSONWriter().write(jsonValue, into: &output)
        }
    }
}
