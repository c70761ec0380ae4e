import AgentCore
import Containerizer
import Foundation
import HTTPSupport
import MesosModel
import NIOCore
import NIOHTTP1

extension AgentServer {
    /// The agent's actor id is `slave(1)`; Mesos serves endpoints under it and at the top level.
    nonisolated static func canonicalPath(_ path: String) -> String {
        var path = path
        while path.count > 1 && path.hasSuffix("/") { path.removeLast() }
        for prefix in ["/slave(1)", "/slave%281%29"] where path.hasPrefix(prefix + "/") {
            path = String(path.dropFirst(prefix.count))
        }
        if path.hasSuffix(".json") { path = String(path.dropLast(".json".count)) }
        return path
    }

    nonisolated func route(_ request: HTTPRequest) async -> HTTPResponse {
        switch (request.method, Self.canonicalPath(request.path)) {
        case (_, "/api/v1/executor"): return await executorEndpoint(request)
        case (.GET, "/health"): return .empty(status: .ok)
        case (.GET, "/version"):
            return .json(JSONValue.object(["version": .string(mesosAPIVersion), "build_user": .string("mesokube")]))
        case (.GET, "/state"): return .json(await stateJSON())
        case (.GET, "/flags"):
            return .json(JSONValue.object(["flags": .object(options.flags.mapValues(JSONValue.string))]))
        case (.GET, "/monitor/statistics"): return .json(await statisticsJSON())
        case (.GET, "/files/browse"): return filesBrowse(request)
        case (.GET, "/files/read"): return filesRead(request)
        case (.GET, "/files/download"): return filesDownload(request)
        case (.GET, "/files/debug"): return .json(files.attachedRoots)
        default: return HTTPError.notFound("No endpoint \(request.path)").response
        }
    }

    nonisolated func filesBrowse(_ request: HTTPRequest) -> HTTPResponse {
        do {
            return .json(try files.browse(path: request.query["path"] ?? ""))
        } catch {
            return .text(error.message, status: HTTPResponseStatus(statusCode: error.statusCode))
        }
    }

    nonisolated func filesRead(_ request: HTTPRequest) -> HTTPResponse {
        let offset = request.query["offset"].flatMap { Int($0) }
        let length = request.query["length"].flatMap { Int($0) }
        if let text = request.query["offset"], offset == nil {
            return .text("Failed to parse offset: '\(text)' is not a number", status: .badRequest)
        }
        if let text = request.query["length"], length == nil {
            return .text("Failed to parse length: '\(text)' is not a number", status: .badRequest)
        }
        do {
            return .json(try files.read(path: request.query["path"] ?? "", offset: offset, length: length))
        } catch {
            return .text(error.message, status: HTTPResponseStatus(statusCode: error.statusCode))
        }
    }

    nonisolated func filesDownload(_ request: HTTPRequest) -> HTTPResponse {
        do {
            let real = try files.resolve(path: request.query["path"] ?? "")
            guard let data = FileManager.default.contents(atPath: real) else {
                return .text("Cannot read '\(request.query["path"] ?? "")'", status: .badRequest)
            }
            return .bytes(ByteBuffer(bytes: data), contentType: "application/octet-stream")
        } catch {
            return .text(error.message, status: HTTPResponseStatus(statusCode: error.statusCode))
        }
    }

    /// `POST /api/v1/executor`.
    nonisolated func executorEndpoint(_ request: HTTPRequest) async -> HTTPResponse {
        guard request.method == .POST else {
            return HTTPError(.methodNotAllowed, "Expecting a 'POST' request").response
        }
        let contentType = request.headers.first(name: "Content-Type")?.split(separator: ";").first
            .map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        guard let contentType else { return HTTPError.badRequest("Expecting 'Content-Type' to be present").response }
        guard contentType == "application/json" else {
            return HTTPError.unsupportedMediaType(
                "Content-Type '\(contentType)' is not supported; send application/json"
            )
            .response
        }
        let call: ExecutorCall
        do {
            call = try MesosJSON.decode(ExecutorCall.self, from: request.body)
        } catch {
            return error.response
        }
        return await executorCall(call)
    }

    func executorCall(_ call: ExecutorCall) async -> HTTPResponse {
        let now = Date().timeIntervalSince1970
        switch call.type {
        case .heartbeat:
            return .empty(status: .accepted)
        case .subscribe:
            let key = ExecutorKey(call.frameworkID, call.executorID)
            let stream = ResponseStream()
            executorStreams.removeValue(forKey: key)?.finish()
            executorStreams[key] = stream
            switch core.executorSubscribed(call, now: now) {
            case .failure(let error):
                executorStreams[key] = nil
                return .text(error.message, status: HTTPResponseStatus(statusCode: error.status))
            case .success(let actions):
                stream.onClose { [weak self] _ in
                    Task { await self?.executorStreamClosed(key, stream: stream) }
                }
                await perform(actions)
                return .stream(stream, contentType: "application/json")
            }
        case .update:
            return await answer(core.executorUpdate(call, now: now))
        case .message:
            return await answer(core.executorMessage(call))
        }
    }

    func answer(_ result: Result<[AgentAction], ExecutorCallError>) async -> HTTPResponse {
        switch result {
        case .failure(let error):
            return .text(error.message, status: HTTPResponseStatus(statusCode: error.status))
        case .success(let actions):
            await perform(actions)
            return .empty(status: .accepted)
        }
    }

    func executorStreamClosed(_ key: ExecutorKey, stream: ResponseStream) async {
        guard executorStreams[key] === stream else { return }
        executorStreams[key] = nil
        await perform(core.executorDisconnected(key, now: Date().timeIntervalSince1970))
    }
}
