import HTTPSupport
import MarathonCore
import MesosModel

/// The /v2/groups routes and `GET /v2/apps/{group}/*` (reference §1.5). Group ids span several
/// segments; `versions` (a reserved keyword, never an id's last segment) splits id from action.
enum GroupRoute: Equatable {
    case get(PathId)
    case versions(PathId)
    case create(PathId)
    case update(PathId)
    case delete(PathId)
    case appsInGroup(PathId)
    case patch
    case methodNotAllowed
    case notFound

    static func parse(method: HTTPMethod, _ rest: [String]) -> GroupRoute {
        if let index = rest.firstIndex(of: "versions") {
            guard index == rest.count - 1 else { return .notFound }
            return method == .GET ? .versions(PathId(segments: Array(rest[..<index]))) : .methodNotAllowed
        }
        let id = PathId(segments: rest)
        switch method {
        case .GET: return .get(id)
        case .POST: return .create(id)
        case .PUT: return .update(id)
        case .DELETE: return .delete(id)
        case .PATCH: return .patch
        default: return .methodNotAllowed
        }
    }
}

extension MarathonAPI {
    func groupResponse(_ route: GroupRoute, _ request: HTTPRequest, force: Bool) async throws -> HTTPResponse {
        let embeds = MarathonRequest.embeds(request.queryValues["embed"] ?? [])
        switch route {
        case .get(let id): return MarathonResponse.json(try await scheduler.groupJSON(id, embeds: embeds))
        case .versions(let id): return MarathonResponse.json(try await scheduler.groupVersionsJSON(id))
        case .appsInGroup(let id): return MarathonResponse.json(try await scheduler.appsInGroupJSON(id, embeds: embeds))
        case .create(let id):
            return deployed(try await scheduler.createGroup(id, body: try MarathonRequest.json(request), force: force))
        case .update(let id):
            let dryRun = try MarathonRequest.flag(request.query, "dryRun")
            let result = try await scheduler.updateGroup(
                id, body: try MarathonRequest.json(request), force: force, dryRun: dryRun)
            switch result {
            case .deployed(let deployment): return deployed(deployment)
            case .dryRun(let steps): return MarathonResponse.json(steps)
            }
        case .delete(let id): return deployed(try await scheduler.deleteGroup(id, force: force))
        case .patch: throw MarathonError.notBuilt("PATCH /v2/groups/{id} (enforceRole)")
        case .methodNotAllowed: throw MarathonError(.methodNotAllowed, "HTTP 405 Method Not Allowed")
        case .notFound: throw MarathonError(.notFound, "Not found: \(request.path)")
        }
    }
}
