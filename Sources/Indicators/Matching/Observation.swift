import STIX

/// One observation a pattern is matched against: when it was seen, how many times, and the
/// cyber-observable objects it holds (by id, so that `*_ref` properties resolve within it).
public struct Observation: Sendable {
    /// The observed-data id, or another name of where the observation came from.
    public var id: String
    public var firstObserved: STIXTimestamp
    public var lastObserved: STIXTimestamp
    /// `number_observed`: a pattern may bind each of these as a distinct observation.
    public var count: Int
    /// The objects, in the order given; `id` is the key references use.
    public var objects: [(id: String, object: JSONObject)]

    public init(id: String, firstObserved: STIXTimestamp, lastObserved: STIXTimestamp, count: Int = 1, objects: [(id: String, object: JSONObject)]) {
        self.id = id
        self.firstObserved = firstObserved
        self.lastObserved = lastObserved
        self.count = count
        self.objects = objects
    }

    func object(withID id: String) -> JSONObject? { objects.first { $0.id == id }?.object }

    /// Observations from STIX content: each `observed-data` with the objects its `object_refs`
    /// name (STIX 2.1) or its embedded `objects` (STIX 2.0). Refused: observed-data without
    /// `first_observed`, `last_observed` or a `number_observed` of at least 1.
    public static func from(_ objects: [JSONObject]) throws(PatternError) -> [Observation] {
        var byID: [String: JSONObject] = [:]
        for object in objects {
            if let id = object["id"]?.stringValue, object["type"]?.stringValue != "observed-data" { byID[id] = object }
        }
        var observations: [Observation] = []
        for object in objects where object["type"]?.stringValue == "observed-data" {
            let id = object["id"]?.stringValue ?? "observed-data"
            guard let first = object["first_observed"]?.stringValue.flatMap({ try? STIXTimestamp($0) }),
                let last = object["last_observed"]?.stringValue.flatMap({ try? STIXTimestamp($0) }),
                let count = object["number_observed"]?.intValue, count >= 1
            else { throw PatternError("\(id): observed-data needs first_observed, last_observed and number_observed of at least 1") }
            var members: [(id: String, object: JSONObject)] = []
            if let references = object["object_refs"]?.arrayValue {
                for reference in references {
                    if let key = reference.stringValue, let member = byID[key] { members.append((key, member)) }
                }
            } else if let embedded = object["objects"]?.objectValue {
                for (key, value) in embedded { if let member = value.objectValue { members.append((key, member)) } }
            } else {
                throw PatternError("\(id): observed-data has neither object_refs nor objects")
            }
            observations.append(Observation(id: id, firstObserved: first, lastObserved: last, count: Int(count), objects: members))
        }
        return observations
    }
}
