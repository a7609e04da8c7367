import IntelStore
import NIOCore
import STIX
import VigilKit

/// The JSON bodies of TAXII 2.1 resources, written from the sharing service's values.
///
/// Envelopes copy each object's stored JSON as it is: no object is re-encoded through a
/// generic model on its way out.
public enum TAXIIResources {
    public static func discovery(_ configuration: SharingConfiguration, baseURL: String) -> [UInt8] {
        let roots = configuration.apiRoots.map { JSONValue.string(baseURL + "/" + $0.path + "/") }
        var object: JSONObject = ["title": .string(configuration.title)]
        if !configuration.description.isEmpty { object["description"] = .string(configuration.description) }
        if !configuration.contact.isEmpty { object["contact"] = .string(configuration.contact) }
        if let first = roots.first { object["default"] = first }
        object["api_roots"] = .array(roots)
        return JSONWriter().bytes(.object(object))
    }

    public static func apiRoot(_ root: SharingConfiguration.APIRoot, maxContentLength: Int) -> [UInt8] {
        var object: JSONObject = ["title": .string(root.title)]
        if !root.description.isEmpty { object["description"] = .string(root.description) }
        object["versions"] = [.string(TAXIIMediaType.taxii)]
        object["max_content_length"] = .int(Int64(maxContentLength))
        return JSONWriter().bytes(.object(object))
    }

    public static func collections(_ collections: [SharedCollection]) -> [UInt8] {
        JSONWriter().bytes(["collections": .array(collections.map(collection))])
    }

    public static func collection(_ collection: SharedCollection) -> [UInt8] {
        JSONWriter().bytes(self.collection(collection))
    }

    static func collection(_ collection: SharedCollection) -> JSONValue {
        var object: JSONObject = ["id": .string(collection.id), "title": .string(collection.title)]
        if !collection.description.isEmpty { object["description"] = .string(collection.description) }
        object["alias"] = .string(collection.alias)
        object["can_read"] = .bool(collection.canRead)
        object["can_write"] = .bool(collection.canWrite)
        object["media_types"] = [.string(TAXIIMediaType.stix)]
        return .object(object)
    }

    /// An envelope: `more`, `next` and the objects, written once into the buffer the
    /// response sends (a page of 100 objects is a few hundred kilobytes).
    public static func envelope(_ page: SharedPage) -> ByteBuffer {
        var opening: [UInt8] = []
        paging(page, into: &opening)
        opening.append(contentsOf: "\"objects\":[".utf8)
        var buffer = ByteBufferAllocator().buffer(capacity: page.items.reduce(opening.count + 2) { $0 + $1.json.count + 1 })
        buffer.writeBytes(opening)
        for index in page.items.indices {
            if index > 0 { buffer.writeInteger(UInt8(ascii: ",")) }
            buffer.writeBytes(page.items[index].json)
        }
        buffer.writeStaticString("]}")
        return buffer
    }

    /// A manifest page: one record per version, written straight out (a page holds up to
    /// `max_page_size` records).
    public static func manifest(_ page: SharedPage) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(64 + page.items.count * 200)
        paging(page, into: &output)
        output.append(contentsOf: "\"objects\":[".utf8)
        for (index, item) in page.items.enumerated() {
            output.append(contentsOf: (index > 0 ? ",{\"id\":" : "{\"id\":").utf8)
            JSONWriter.writeString(item.id, into: &output)
            output.append(contentsOf: ",\"date_added\":".utf8)
            JSONWriter.writeString(item.dateAdded.timestamp.text, into: &output)
            output.append(contentsOf: ",\"version\":".utf8)
            JSONWriter.writeString(item.versionText, into: &output)
            output.append(contentsOf: ",\"media_type\":\"\(TAXIIMediaType.stix)\"}".utf8)
        }
        output.append(contentsOf: "]}".utf8)
        return output
    }

    /// An object's versions page.
    public static func versions(_ page: SharedPage) -> [UInt8] {
        var output: [UInt8] = []
        paging(page, into: &output)
        output.append(contentsOf: "\"versions\":".utf8)
        JSONWriter().write(.array(page.items.map { .string($0.versionText) }), into: &output)
        output.append(UInt8(ascii: "}"))
        return output
    }

    public static func status(_ status: AddStatus) -> [UInt8] {
        func details(_ list: [AddStatus.Detail]) -> JSONValue {
            .array(
                list.map { detail in
                    var object: JSONObject = ["id": .string(detail.id)]
                    if let version = detail.version { object["version"] = .string(version) }
                    if let message = detail.message { object["message"] = .string(message) }
                    return .object(object)
                })
        }
        var object: JSONObject = [
            "id": .string(status.id), "status": .string(status.complete ? "complete" : "pending"),
            "request_timestamp": .string(status.requestTimestamp), "total_count": .int(Int64(status.totalCount)),
            "success_count": .int(Int64(status.successes.count)),
        ]
        if !status.successes.isEmpty { object["successes"] = details(status.successes) }
        object["failure_count"] = .int(Int64(status.failures.count))
        if !status.failures.isEmpty { object["failures"] = details(status.failures) }
        object["pending_count"] = .int(Int64(status.pendings.count))
        if !status.pendings.isEmpty { object["pendings"] = details(status.pendings) }
        return JSONWriter().bytes(.object(object))
    }

    /// An error body (`title`, `description`, `http_status`).
    public static func error(title: String, description: String?, httpStatus: Int) -> [UInt8] {
        var object: JSONObject = ["title": .string(title)]
        if let description, !description.isEmpty { object["description"] = .string(description) }
        object["http_status"] = .string(String(httpStatus))
        return JSONWriter().bytes(.object(object))
    }

    private static func paging(_ page: SharedPage, into output: inout [UInt8]) {
        output.append(contentsOf: "{\"more\":\(page.more),".utf8)
        if let next = page.next {
            output.append(contentsOf: "\"next\":".utf8)
            JSONWriter.writeString(next, into: &output)
            output.append(UInt8(ascii: ","))
        }
    }
}
