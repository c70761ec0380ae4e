import HTTPSupport
import KubeTypes
import NIOCore
import NIOHTTP1

/// Dispatch of resource requests to verbs and subresources.
extension KubeAPIServer {
    func serveResource(_ http: HTTPRequest, info: RequestInfo) async throws -> HTTPResponse {
        let snapshot = registry.snapshot
        guard let resource = snapshot.resource(group: info.group, version: info.version, plural: info.resource) else {
            throw APIError.pathNotFound
        }
        if resource.namespaced, info.namespace == nil, info.name != nil { throw APIError.pathNotFound }
        if !resource.namespaced, info.namespace != nil, resource.plural != "namespaces" { throw APIError.pathNotFound }
        if let namespace = info.namespace, resource.namespaced, !NameRules.isLabel(namespace) {
            throw APIError.pathNotFound
        }
        let request = ResourceRequest(http: http, info: info, resource: resource, snapshot: snapshot)
        try request.validateQuery()
        if resource.group == "authorization.k8s.io" {
            guard http.method == .POST, info.name == nil, info.subresource == nil else {
                throw APIError.methodNotSupported(http.method.rawValue, resource.plural)
            }
            return try await accessReview(request)
        }
        if resource.group == MetricsV1beta1.group { return try await serveMetrics(request) }
        if let subresource = info.subresource {
            return try await serveSubresource(request, subresource: subresource)
        }
        let method = http.method
        if info.name == nil {
            switch method {
            case .GET:
                if isWatch(http) { return try await watch(request) }
                return try await list(request)
            case .POST: return try await create(request)
            case .DELETE: return try await deleteCollection(request)
            default: throw APIError.methodNotSupported(method.rawValue, resource.plural)
            }
        }
        switch method {
        case .GET: return try await get(request)
        case .PUT: return try await update(request)
        case .PATCH: return try await patch(request)
        case .DELETE: return try await delete(request)
        default: throw APIError.methodNotSupported(method.rawValue, resource.plural)
        }
    }

    func isWatch(_ http: HTTPRequest) -> Bool {
        let value = http.query["watch"] ?? ""
        return value == "true" || value == "1"
    }

    func serveSubresource(_ request: ResourceRequest, subresource: String) async throws -> HTTPResponse {
        let resource = request.resource
        let method = request.http.method
        switch subresource {
        case "status" where resource.strategy.hasStatus:
            switch method {
            case .GET: return try await get(request)
            case .PUT: return try await update(request, subresource: "status")
            case .PATCH: return try await patch(request, subresource: "status")
            default: throw APIError.methodNotSupported(method.rawValue, "\(resource.plural)/status")
            }
        case "scale" where resource.strategy.scale != nil:
            return try await serveScale(request)
        case "finalize" where resource.plural == "namespaces":
            guard method == .PUT else { throw APIError.methodNotSupported(method.rawValue, "namespaces/finalize") }
            return try await finalizeNamespace(request)
        default:
            break
        }
        if resource.group.isEmpty && resource.plural == "pods" {
            return try await servePodSubresource(request, subresource: subresource)
        }
        throw APIError.pathNotFound
    }

    // MARK: Responses

    /// An object in the representation the client asked for.
    func objectResponse(
        _ object: JSON, _ request: ResourceRequest, status: HTTPResponseStatus = .ok, warnings: Warnings = Warnings()
    ) throws -> HTTPResponse {
        switch try MediaTypes.responseShape(request.accept) {
        case .object:
            return Self.jsonResponse(object, status: status, headers: warnings.headers)
        case .table:
            let table = Tables.table(
                for: [object], resource: request.resource,
                listMeta: ["resourceVersion": object["metadata"]?["resourceVersion"] ?? ""],
                includeObject: request.query("includeObject"), now: environment.now(), headers: true)
            return Self.jsonResponse(
                table, status: status, contentType: "application/json;as=Table;v=v1;g=meta.k8s.io",
                headers: warnings.headers)
        case .partialMetadata:
            return Self.jsonResponse(
                Tables.partialMetadata(object), status: status,
                contentType: "application/json;as=PartialObjectMetadata;v=v1;g=meta.k8s.io", headers: warnings.headers)
        }
    }
}
