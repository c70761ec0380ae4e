import Foundation
import HTTPSupport
import MasterCore
import MesosModel
import NIOCore
import NIOHTTP1

extension MasterServer {
    /// Mesos serves its endpoints both at the top level and under `/master` (the actor id);
    /// the `.json` aliases were removed in 1.8 but old tools still ask for them.
    nonisolated static func canonicalPath(_ path: String) -> String {
        var path = path
        while path.count > 1 && path.hasSuffix("/") { path.removeLast() }
        if path.hasPrefix("/master/") { path = String(path.dropFirst("/master".count)) }
        if path.hasSuffix(".json") { path = String(path.dropLast(".json".count)) }
        return path
    }

    /// Paths a standby answers itself; everything else is redirected to the leader.
    nonisolated static let servedByStandby: Set<String> = [
        "/version", "/health", "/redirect", "/metrics/snapshot", "/flags",
    ]

    nonisolated func route(_ request: HTTPRequest) async -> HTTPResponse {
        let path = Self.canonicalPath(request.path)
        if !Self.servedByStandby.contains(path), let leader = await leader {
            return redirectToLeader(leader, request: request)
        }
        switch (request.method, path) {
        case (_, "/api/v1/scheduler"): return await schedulerEndpoint(request)
        case (_, "/internal/agent"): return await agentEndpoint(request)
        case (_, "/api/v1"), (_, "/api/v1/operator"): return await operatorEndpoint(request)
        case (.GET, "/version"): return .json(versionJSON())
        case (.GET, "/health"): return .empty(status: .ok)
        case (.GET, "/redirect"): return await redirectEndpoint(request)
        case (.GET, "/state"): return await jsonp(request, await stateJSON())
        case (.GET, "/state-summary"): return await jsonp(request, await core.stateSummaryJSON())
        case (.GET, "/slaves"): return await jsonp(request, await core.agentsJSON())
        case (.GET, "/frameworks"): return await jsonp(request, await core.frameworksJSON())
        case (.GET, "/tasks"): return await jsonp(request, await tasksJSON(request))
        case (.GET, "/roles"): return await jsonp(request, await rolesJSON())
        case (.GET, "/weights"): return await jsonp(request, await weightsJSON())
        case (.PUT, "/weights"): return await putWeights(request)
        case (.GET, "/quota"): return await jsonp(request, await quotaJSON())
        case (.GET, "/flags"):
            return .json(JSONValue.object(["flags": .object(options.flags.mapValues(JSONValue.string))]))
        case (.GET, "/metrics/snapshot"): return await jsonp(request, await metricsSnapshot())
        case (.GET, "/mesokube/v1/discovery"): return await discoveryEndpoint(request)
        case (.POST, "/teardown"): return await teardownEndpoint(request)
        case (.POST, "/reserve"): return await reserveEndpoint(request, reserve: true)
        case (.POST, "/unreserve"): return await reserveEndpoint(request, reserve: false)
        case (_, "/state"), (_, "/state-summary"), (_, "/slaves"), (_, "/frameworks"), (_, "/tasks"), (_, "/roles"),
            (_, "/quota"),
            (_, "/version"), (_, "/health"), (_, "/metrics/snapshot"), (_, "/flags"), (_, "/weights"), (_, "/teardown"),
            (_, "/reserve"), (_, "/unreserve"), (_, "/redirect"):
            return HTTPError(.methodNotAllowed, "Method \(request.method) is not allowed for \(request.path)").response
        default:
            return HTTPError.notFound("No endpoint \(request.path)").response
        }
    }

    nonisolated func versionJSON() -> JSONValue {
        .object([
            "version": .string(mesosAPIVersion),
            "build_date": .string("mesokube"),
            "build_time": .number(0),
            "build_user": .string("mesokube"),
        ])
    }

    nonisolated func redirectToLeader(_ leader: String, request: HTTPRequest) -> HTTPResponse {
        if leader.isEmpty { return .text("No leader elected", status: .serviceUnavailable) }
        var response = HTTPResponse.empty(status: .temporaryRedirect)
        response.headers.replaceOrAdd(name: "Location", value: "//\(leader)\(request.uri)")
        return response
    }

    /// `/redirect`: 307 to the leader's base URL; deeper paths are not found, as in Mesos.
    func redirectEndpoint(_ request: HTTPRequest) -> HTTPResponse {
        let target = leader ?? "\(options.hostname ?? options.ip):\(boundPort)"
        if target.isEmpty { return .text("No leader elected", status: .serviceUnavailable) }
        var response = HTTPResponse.empty(status: .temporaryRedirect)
        response.headers.replaceOrAdd(name: "Location", value: "//\(target)")
        return response
    }

    /// Legacy GET endpoints support `?jsonp=callback`.
    func jsonp(_ request: HTTPRequest, _ value: JSONValue) async -> HTTPResponse {
        guard let callback = request.query["jsonp"], !callback.isEmpty else { return .json(value) }
        let body = (try? MesosJSON.encodeBytes(value)) ?? []
        var buffer = ByteBuffer(string: "\(callback)(")
        buffer.writeBytes(body)
        buffer.writeString(");")
        return .bytes(buffer, contentType: "text/javascript")
    }

    func stateJSON() -> JSONValue {
        core.stateJSON(flags: options.flags, electedTime: electedTime)
    }

    /// A POSTed JSON call with its media types checked, or the error to answer with.
    nonisolated func decodeCall<Call: Decodable>(_ type: Call.Type, _ request: HTTPRequest) -> Result<Call, HTTPError> {
        do {
            try checkMediaTypes(request)
            return .success(try MesosJSON.decode(type, from: request.body))
        } catch {
            return .failure(error)
        }
    }

    /// Checks the media types the way Mesos does, a little more leniently (parameters allowed).
    nonisolated func checkMediaTypes(_ request: HTTPRequest) throws(HTTPError) {
        guard request.method == .POST else {
            throw HTTPError(.methodNotAllowed, "Expecting a 'POST' request, received '\(request.method)'")
        }
        guard let contentType = request.headers.first(name: "Content-Type") else {
            throw HTTPError.badRequest("Expecting 'Content-Type' to be present")
        }
        let mediaType = contentType.split(separator: ";").first.map {
            $0.trimmingCharacters(in: .whitespaces).lowercased()
        }
        switch mediaType {
        case "application/json": break
        case "application/x-protobuf":
            throw HTTPError.unsupportedMediaType(
                "Content-Type 'application/x-protobuf' is not supported yet by Mesokube; send 'application/json'")
        default:
            throw HTTPError.unsupportedMediaType(
                "Expecting 'Content-Type' of application/json or application/x-protobuf, got '\(contentType)'")
        }
        if let accept = request.headers.first(name: "Accept"), !acceptsJSON(accept) {
            throw HTTPError.notAcceptable("Expecting 'Accept' to allow application/json")
        }
    }

    nonisolated func acceptsJSON(_ header: String) -> Bool {
        header.split(separator: ",").contains { part in
            let type =
                part.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
            return type == "application/json" || type == "*/*" || type == "application/*"
                || type == "application/recordio"
        }
    }
}

extension HTTPResponse {
    /// A response for a `MasterCallError` (plain-text message, Mesos' convention).
    static func error(_ error: MasterCallError) -> HTTPResponse {
        .text(error.message, status: HTTPResponseStatus(statusCode: error.status))
    }
}
