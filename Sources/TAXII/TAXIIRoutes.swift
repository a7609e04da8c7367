import Foundation
import HTTPTypes
import Hummingbird
import IntelStore
import NIOCore
import STIX
import VigilKit

/// A request context that knows who is asking (set by the server's authentication).
public protocol TAXIIRequestContext: RequestContext {
    /// The authenticated requester; nil before authentication.
    var requester: SharingRequester? { get }
}

/// The TAXII 2.1 endpoints, each a shell over `SharingService`: read the path, query and
/// body, call the service, write its answer as TAXII JSON with the paging headers.
public struct TAXIIRoutes<Context: TAXIIRequestContext>: Sendable {
    public let service: SharingService
    /// `https` or `http`, for the URLs discovery lists when no public URL is configured.
    public let scheme: String

    public init(service: SharingService, scheme: String) {
        self.service = service
        self.scheme = scheme
    }

    static var dateAddedFirst: HTTPField.Name { HTTPField.Name("X-TAXII-Date-Added-First")! }
    static var dateAddedLast: HTTPField.Name { HTTPField.Name("X-TAXII-Date-Added-Last")! }

    /// Adds the routes; TAXII error bodies come from `TAXIIErrorMiddleware`, which the caller
    /// adds before authentication so that its refusals are TAXII errors too.
    public func register(on router: some RouterMethods<Context>) {
        let group = router.group().add(middleware: TAXIIAcceptMiddleware<Context>())
        group.get("taxii2") { request, _ in
            self.answer(TAXIIResources.discovery(self.service.configuration, baseURL: self.baseURL(of: request)))
        }
        for root in service.configuration.apiRoots {
            register(root.path, on: group)
        }
        // Other methods on TAXII paths are 405 with the methods allowed, not 404.
        let paths: [(String, [HTTPRequest.Method])] = [("taxii2", [.get])] + service.configuration.apiRoots.flatMap { root in
            [
                (root.path, [.get]), ("\(root.path)/status/:status", [.get]), ("\(root.path)/collections", [.get]),
                ("\(root.path)/collections/:collection", [.get]), ("\(root.path)/collections/:collection/objects", [.get, .post]),
                ("\(root.path)/collections/:collection/manifest", [.get]),
                ("\(root.path)/collections/:collection/objects/:object", [.get, .delete]),
                ("\(root.path)/collections/:collection/objects/:object/versions", [.get]),
            ] as [(String, [HTTPRequest.Method])]
        }
        for (path, allowed) in paths {
            for method in [HTTPRequest.Method.get, .post, .put, .patch, .delete] where !allowed.contains(method) {
                group.on(RouterPath(path), method: method) { _, _ -> Response in
                    throw HTTPError(
                        .methodNotAllowed, headers: [.allow: allowed.map(\.rawValue).joined(separator: ", ")],
                        message: "this endpoint takes \(allowed.map(\.rawValue).joined(separator: " and "))")
                }
            }
        }
    }

    private func register(_ root: String, on group: RouterGroup<Context>) {
        let service = self.service
        group.get(RouterPath(root)) { _, _ in
            self.answer(TAXIIResources.apiRoot(try service.apiRoot(root), maxContentLength: service.configuration.maxContentLength))
        }
        group.get(RouterPath("\(root)/status/:status")) { _, context in
            self.answer(TAXIIResources.status(try service.status(root: root, id: try context.parameters.require("status"), for: try requester(context))))
        }
        group.get(RouterPath("\(root)/collections")) { _, context in
            self.answer(TAXIIResources.collections(try service.collections(root: root, for: try requester(context))))
        }
        group.get(RouterPath("\(root)/collections/:collection")) { _, context in
            let collection = try context.parameters.require("collection")
            return self.answer(TAXIIResources.collection(try await service.collection(root: root, collection, for: try requester(context))))
        }
        group.get(RouterPath("\(root)/collections/:collection/objects")) { request, context in
            let page = try await service.objects(
                root: root, collection: try context.parameters.require("collection"), filter: try filter(request), for: try requester(context))
            return self.answer(TAXIIResources.envelope(page), page: page)
        }
        group.post(RouterPath("\(root)/collections/:collection/objects")) { request, context in
            guard TAXIIMediaType.isTAXIIContent(request.headers[.contentType]) else {
                throw HTTPError(.unsupportedMediaType, message: "send the envelope as \(TAXIIMediaType.taxii)")
            }
            let body = try await self.body(of: request)
            let status = try await service.add(
                root: root, collection: try context.parameters.require("collection"), body: body, for: try requester(context))
            return self.answer(TAXIIResources.status(status), status: .accepted)
        }
        group.get(RouterPath("\(root)/collections/:collection/manifest")) { request, context in
            let page = try await service.manifest(
                root: root, collection: try context.parameters.require("collection"), filter: try filter(request), for: try requester(context))
            return self.answer(TAXIIResources.manifest(page), page: page)
        }
        group.get(RouterPath("\(root)/collections/:collection/objects/:object")) { request, context in
            let page = try await service.object(
                root: root, collection: try context.parameters.require("collection"), id: try objectID(context),
                filter: try filter(request, allowed: ["version", "spec_version"]), for: try requester(context))
            return self.answer(TAXIIResources.envelope(page), page: page)
        }
        group.delete(RouterPath("\(root)/collections/:collection/objects/:object")) { request, context in
            _ = try await service.delete(
                root: root, collection: try context.parameters.require("collection"), id: try objectID(context),
                filter: try filter(request, allowed: ["version", "spec_version"]), for: try requester(context))
            return Response(status: .ok)
        }
        group.get(RouterPath("\(root)/collections/:collection/objects/:object/versions")) { request, context in
            var filter = try filter(request, allowed: ["spec_version"])
            filter.versions = .all
            let page = try await service.object(
                root: root, collection: try context.parameters.require("collection"), id: try objectID(context), filter: filter,
                for: try requester(context), action: "versions")
            return self.answer(TAXIIResources.versions(page), page: page)
        }
    }

    // MARK: Request parts

    private func requester(_ context: Context) throws -> SharingRequester {
        guard let requester = context.requester else { throw HTTPError(.unauthorized) }
        return requester
    }

    private func filter(_ request: Request, allowed: Set<String> = ["id", "type", "version", "spec_version"]) throws -> SharingFilter {
        do {
            return try TAXIIQuery.filter(request.uri.query, allowed: allowed)
        } catch {
            throw HTTPError(.badRequest, message: error.description)
        }
    }

    private func objectID(_ context: Context) throws -> String {
        let id = try context.parameters.require("object")
        guard id.utf8.count <= 256, (try? STIXIdentifier(validating: id)) != nil else {
            throw HTTPError(.badRequest, message: "'\(id.prefix(80))' is not a STIX id")
        }
        return id
    }

    /// The body, refused with 413 as soon as it is known to be too large (from its declared
    /// length, or while it arrives).
    private func body(of request: Request) async throws -> [UInt8] {
        let limit = service.configuration.maxContentLength
        if let declared = request.headers[.contentLength].flatMap(Int.init), declared > limit {
            throw SharingError.tooLarge(limit: limit)
        }
        var bytes: [UInt8] = []
        for try await buffer in request.body {
            guard bytes.count + buffer.readableBytes <= limit else { throw SharingError.tooLarge(limit: limit) }
            bytes.append(contentsOf: buffer.readableBytesView)
        }
        return bytes
    }

    private func baseURL(of request: Request) -> String {
        if let url = service.configuration.publicURL { return url.hasSuffix("/") ? String(url.dropLast()) : url }
        return "\(scheme)://\(request.head.authority ?? "localhost")"
    }

    // MARK: Responses

    private func answer(_ bytes: [UInt8], status: HTTPResponse.Status = .ok, page: SharedPage? = nil) -> Response {
        answer(ByteBuffer(bytes: bytes), status: status, page: page)
    }

    private func answer(_ body: ByteBuffer, status: HTTPResponse.Status = .ok, page: SharedPage? = nil) -> Response {
        var headers: HTTPFields = [.contentType: TAXIIMediaType.taxii]
        if let first = page?.firstAdded, let last = page?.lastAdded {
            headers[Self.dateAddedFirst] = first.timestamp.text
            headers[Self.dateAddedLast] = last.timestamp.text
        }
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: body))
    }
}

/// Answers 406 when the request's `Accept` names nothing TAXII 2.1 can give.
struct TAXIIAcceptMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard TAXIIMediaType.acceptable(request.headers[.accept]) else {
            throw HTTPError(.notAcceptable, message: "this server answers with \(TAXIIMediaType.taxii)")
        }
        return try await next(request, context)
    }
}

/// Turns every error below it into a TAXII error body with the matching status; the
/// headers of HTTP errors (`WWW-Authenticate`, `Retry-After`) are kept. Unexpected errors
/// are logged and answered 500 without their details.
public struct TAXIIErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let (status, headers, message) = Self.describe(error)
            if status == .internalServerError || status == .serviceUnavailable {
                context.logger.error("request failed", metadata: ["path": .string(request.uri.path), "error": .string("\(error)")])
            }
            var fields = headers
            fields[.contentType] = TAXIIMediaType.taxii
            let body = TAXIIResources.error(title: status.reasonPhrase, description: message, httpStatus: status.code)
            return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
        }
    }

    /// The database is out of reach for a while: clients are told to come back.
    static var storeUnavailable: (HTTPResponse.Status, HTTPFields, String?) {
        (.serviceUnavailable, [.retryAfter: "30"], "the store cannot be reached for now; try again later")
    }

    static func describe(_ error: any Error) -> (HTTPResponse.Status, HTTPFields, String?) {
        switch error {
        case let error as SharingError:
            switch error {
            case .notFound(let message): return (.notFound, [:], message)
            case .forbidden(let message): return (.forbidden, [:], message)
            case .badRequest(let message): return (.badRequest, [:], message)
            case .tooLarge: return (.contentTooLarge, [:], error.description)
            case .unavailable(let message): return (.serviceUnavailable, [.retryAfter: "5"], message)
            case .store(let error) where error.isUnavailable: return Self.storeUnavailable
            case .store: return (.internalServerError, [:], "the store failed; the administrator can find why in the server's log")
            }
        case let error as IntelStoreError where error.isUnavailable:
            return Self.storeUnavailable
        case let error as HTTPError:
            return (error.status, error.headers, error.body)
        case let error as any HTTPResponseError:
            return (error.status, [:], nil)
        default:
            return (.internalServerError, [:], "the server failed; the administrator can find why in the server's log")
        }
    }
}
