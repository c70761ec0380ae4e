import Foundation
import HTTPSupport
import MarathonCore
import MesosModel

/// The Marathon /v2 HTTP front door (reference §1): parses requests, calls the scheduler, and
/// renders answers and errors as Marathon does (400 Invalid JSON, 422 with details, 404 app
/// messages, 409 locked with `deployments`, `Marathon-Deployment-Id` on deployments). Endpoints
/// not built yet answer 501 with a message naming them.
public struct MarathonAPI: HTTPHandler {
    let scheduler: MarathonScheduler

    public func handle(_ request: HTTPRequest) async -> HTTPResponse {
        do {
            return try await route(request)
        } catch let error as MarathonError {
            return error.response
        } catch {
            return MarathonError(.internalServerError, "\(error)").response
        }
    }

    func route(_ request: HTTPRequest) async throws -> HTTPResponse {
        let query = request.query
        let force = try MarathonRequest.flag(query, "force")
        switch MarathonRoute.parse(method: request.method, path: request.path) {
        case .ping: return ping(request)
        case .info: return MarathonResponse.json(await scheduler.infoJSON())
        case .leader: return MarathonResponse.json(.object(["leader": .string(await scheduler.advertised)]))
        case .listApps: return try await listApps(request)
        case .createApp:
            let (body, plan) = try await scheduler.createApp(try MarathonRequest.json(request), force: force)
            var headers = deploymentHeader(plan.id)
            headers.add(name: "Location", value: body["id"]?.stringValue ?? "/")
            return MarathonResponse.json(body, status: .created, headers: headers)
        case .putApps, .patchApps:
            let partial = try MarathonRequest.flag(query, "partialUpdate", default: true)
            let patch = request.method == .PATCH
            return deployed(
                try await scheduler.updateApps(
                    try MarathonRequest.json(request), partial: patch || partial, mustExist: patch, force: force))
        case .getApp(let id):
            let embeds = MarathonRequest.embeds(request.queryValues["embed"] ?? [])
            return MarathonResponse.json(try await scheduler.appJSON(id, embeds: embeds))
        case .putApp(let id):
            let partial = try MarathonRequest.flag(query, "partialUpdate", default: true)
            return deployed(
                try await scheduler.updateApp(
                    id, body: try MarathonRequest.json(request), partial: partial, mustExist: false, force: force))
        case .patchApp(let id):
            return deployed(
                try await scheduler.updateApp(
                    id, body: try MarathonRequest.json(request), partial: true, mustExist: true, force: force))
        case .deleteApp(let id):
            // On this route force defaults to true (reference §1.2).
            let forced = try MarathonRequest.flag(query, "force", default: true)
            return deployed(try await scheduler.deleteApp(id, force: forced))
        case .restartApp(let id): return deployed(try await scheduler.restartApp(id, force: force))
        case .appTasks(let id): return MarathonResponse.json(try await scheduler.tasksJSON(of: id))
        case .killAppTasks(let id):
            let ids = try await scheduler.taskIds(of: id, host: query["host"])
            return try await kill(ids, query: query, force: force, single: false)
        case .killAppTask(let id, let taskId):
            _ = try await scheduler.taskIds(of: id, host: nil)
            guard await scheduler.hasTask(taskId) else {
                throw MarathonError(.notFound, "Task '\(taskId)' does not exist")
            }
            return try await kill([taskId], query: query, force: force, single: true)
        case .appVersions(let id): return MarathonResponse.json(try await scheduler.versionsJSON(id))
        case .appVersion(let id, let version):
            return MarathonResponse.json(try await scheduler.versionJSON(id, version))
        case .listTasks:
            let states = Set((request.queryValues["status"] ?? []) + (request.queryValues["status[]"] ?? []))
            return MarathonResponse.json(await scheduler.allTasksJSON(states: states))
        case .killTasks: return try await killGiven(request, force: force)
        case .listDeployments: return MarathonResponse.json(await scheduler.deploymentsJSON())
        case .deleteDeployment(let id):
            guard let plan = try await scheduler.cancelDeployment(id, force: force) else {
                return HTTPResponse.empty(status: .accepted)
            }
            return deployed(MarathonScheduler.DeploymentResult(plan: plan, created: false))
        case .events:
            guard request.headers["Accept"].joined(separator: ",").contains("text/event-stream") else {
                throw MarathonError(.methodNotAllowed, "/v2/events needs 'Accept: text/event-stream'")
            }
            let types = Set(request.queryValues["event_type"] ?? [])
            let stream = await scheduler.subscribeEvents(types: types, remoteAddress: request.remoteAddress)
            return HTTPResponse.stream(stream, contentType: "text/event-stream", headers: ["Cache-Control": "no-cache"])
        case .queue: return MarathonResponse.json(await scheduler.queueJSON())
        case .metrics: return MarathonResponse.json(await scheduler.metricsJSON())
        case .prometheusMetrics: return HTTPResponse.text(await scheduler.metricsPrometheus())
        case .resetDelay(let id):
            try await scheduler.resetDelay(id)
            return HTTPResponse.empty(status: .ok)
        case .group(let route): return try await groupResponse(route, request, force: force)
        case .notBuilt(let what): throw MarathonError.notBuilt(what)
        case .methodNotAllowed: throw MarathonError(.methodNotAllowed, "HTTP 405 Method Not Allowed")
        case .notFound: throw MarathonError(.notFound, "Not found: \(request.path)")
        }
    }

    /// `pong` as text, or `"pong"` when the client accepts only JSON (reference §1.9).
    func ping(_ request: HTTPRequest) -> HTTPResponse {
        let accept = request.headers["Accept"].joined(separator: ",")
        if accept.contains("application/json") && !accept.contains("text/plain") && !accept.contains("*/*") {
            return MarathonResponse.json(.string("pong"))
        }
        return HTTPResponse.text("pong")
    }

    func listApps(_ request: HTTPRequest) async throws -> HTTPResponse {
        var filter = MarathonScheduler.AppFilter(id: request.query["id"], cmd: request.query["cmd"])
        if let label = request.query["label"] {
            do { filter.label = try LabelSelector.parse(label) } catch {
                throw MarathonError(.badRequest, error.message)
            }
        }
        let embeds = MarathonRequest.embeds(request.queryValues["embed"] ?? [])
        return MarathonResponse.json(await scheduler.listApps(filter, embeds: embeds))
    }

    func kill(_ ids: [String], query: [String: String], force: Bool, single: Bool) async throws -> HTTPResponse {
        let scale = try MarathonRequest.flag(query, "scale")
        let wipe = try MarathonRequest.flag(query, "wipe")
        if scale && wipe { throw MarathonError(.badRequest, "You cannot use scale and wipe at the same time.") }
        let (killed, plan) = try await scheduler.killTasks(ids, scale: scale, force: force)
        if let plan { return deployed(MarathonScheduler.DeploymentResult(plan: plan, created: false)) }
        if single { return MarathonResponse.json(.object(["task": killed.first ?? .null])) }
        return MarathonResponse.json(.object(["tasks": .array(killed)]))
    }

    /// `POST /v2/tasks/delete` with `{"ids": [...]}`.
    func killGiven(_ request: HTTPRequest, force: Bool) async throws -> HTTPResponse {
        let body = try MarathonRequest.json(request)
        guard case .array(let items)? = body["ids"] else {
            throw MarathonError.invalid(ValidationFailure(path: "/ids", "error.path.missing"))
        }
        var ids: [String] = []
        for item in items {
            guard let id = item.stringValue, MarathonTaskId.parse(id) != nil else {
                throw MarathonError(.badRequest, "Invalid task id '\(item.stringValue ?? "\(item)")'")
            }
            ids.append(id)
        }
        return try await kill(ids, query: request.query, force: force, single: false)
    }

    func deployed(_ result: MarathonScheduler.DeploymentResult) -> HTTPResponse {
        MarathonResponse.json(
            result.json, status: result.created ? .created : .ok, headers: deploymentHeader(result.plan.id))
    }

    func deploymentHeader(_ id: String) -> HTTPHeaders { ["Marathon-Deployment-Id": id] }
}
