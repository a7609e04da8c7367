import STIX

/// What a JSON document from MISP holds, recognised by its shape: events (`{"Event": ...}`,
/// `{"response": [{"Event": ...}, ...]}`), attribute or object collections (the REST search
/// results), a feed's `manifest.json` (event uuids to their summaries) or a galaxy.
public enum MISPDocument: Sendable {
    case events([JSONObject])
    /// Attributes and objects outside an event (`{"response": {"Attribute": [...]}}`,
    /// `{"response": [{"Object": ...}, ...]}`).
    case collection(attributes: [JSONObject], objects: [JSONObject])
    /// A feed's manifest: event uuid → summary (`info`, `Orgc`, `Tag`, `timestamp`).
    case feedManifest([(uuid: String, info: String)])
    case galaxy(JSONObject)

    /// The document a parsed JSON value is; nil when it is not one MISP writes (STIX, say).
    public init?(_ value: JSONValue) {
        guard let root = value.objectValue else { return nil }
        if let event = root["Event"]?.objectValue {
            self = .events([event])
            return
        }
        if root["values"]?.arrayValue != nil, root["type"]?.stringValue != nil, root["uuid"] != nil {
            self = .galaxy(root)
            return
        }
        if let response = root["response"] {
            var events: [JSONObject] = []
            var attributes: [JSONObject] = []
            var objects: [JSONObject] = []
            func take(_ item: JSONObject) {
                if let event = item["Event"]?.objectValue { events.append(event) }
                if let object = item["Object"]?.objectValue { objects.append(object) }
                if let object = item["Attribute"]?.objectValue { attributes.append(object) }
                attributes += (item["Attribute"]?.arrayValue ?? []).compactMap(\.objectValue)
                objects += (item["Object"]?.arrayValue ?? []).compactMap(\.objectValue)
            }
            if let list = response.arrayValue {
                for item in list { item.objectValue.map(take) }
            } else if let item = response.objectValue {
                take(item)
            }
            if !events.isEmpty {
                self = .events(events)
            } else {
                self = .collection(attributes: attributes, objects: objects)
            }
            return
        }
        if root["Attribute"]?.arrayValue != nil || root["Object"]?.arrayValue != nil {
            self = .collection(
                attributes: (root["Attribute"]?.arrayValue ?? []).compactMap(\.objectValue),
                objects: (root["Object"]?.arrayValue ?? []).compactMap(\.objectValue))
            return
        }
        // A manifest: every key a uuid, every value an event summary.
        guard !root.isEmpty, root.count == root.members.filter({ Self.isUUID($0.key) && $0.value.objectValue?["info"] != nil }).count
        else { return nil }
        self = .feedManifest(root.members.map { ($0.key, $0.value.objectValue?["info"]?.stringValue ?? "") })
    }

    /// Whether a text is a UUID (the form MISP's keys and ids take).
    public static func isUUID(_ text: String) -> Bool {
        (try? STIXIdentifier(validating: "x-misp--\(text.lowercased())")) != nil
    }
}
