import HTTPSupport
import KubeTypes
import NIOCore
import NIOHTTP1

/// In-process requests through the API server's own request path, so the controllers that run
/// inside it (garbage collector, namespace lifecycle, custom resource cleanup) write exactly as an
/// external client would: validation, preconditions, watches and managedFields all apply.
extension KubeAPIServer {
    struct InternalResponse {
        var code: Int
        var body: JSON?
    }

    func call(
        _ method: HTTPMethod, _ uri: String, body: JSON? = nil, contentType: String = "application/json",
        manager: String
    ) async -> InternalResponse {
        var headers: HTTPHeaders = ["User-Agent": "mesokube-\(manager)/v1.37.0", "Accept": "application/json"]
        if body != nil { headers.add(name: "Content-Type", value: contentType) }
        let separator = uri.contains("?") ? "&" : "?"
        let request = HTTPRequest(
            method: method, uri: uri + separator + "fieldManager=\(manager)", headers: headers,
            body: ByteBuffer(string: body?.serialized() ?? ""))
        let response: HTTPResponse
        do {
            response = try await route(request)
        } catch let error as APIError {
            return InternalResponse(code: error.code, body: error.status)
        } catch {
            return InternalResponse(code: 500, body: nil)
        }
        guard case .bytes(let buffer) = response.body else {
            return InternalResponse(code: Int(response.status.code), body: nil)
        }
        return InternalResponse(
            code: Int(response.status.code), body: try? JSONReader.parse(Array(buffer.readableBytesView)))
    }

    /// The API path of an object (or of the collection when `name` is nil).
    static func path(_ resource: ResourceType, namespace: String?, name: String?) -> String {
        var path = resource.group.isEmpty ? "/api/\(resource.version)" : "/apis/\(resource.group)/\(resource.version)"
        if resource.namespaced, let namespace, !namespace.isEmpty { path += "/namespaces/\(namespace)" }
        path += "/\(resource.plural)"
        if let name { path += "/\(name)" }
        return path
    }
}
