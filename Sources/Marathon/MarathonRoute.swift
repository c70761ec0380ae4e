import HTTPSupport
import MarathonCore

/// The /v2 routes this release serves, parsed from the method and the normalized path. App ids
/// span several segments (`/v2/apps/prod/web/tasks`); `tasks`, `versions` and `restart` are
/// reserved keywords Marathon refuses as the last segment of an id, so they split id from action.
enum MarathonRoute: Equatable {
    case ping
    case info
    case leader
    case listApps
    case createApp
    case putApps
    case patchApps
    case getApp(PathId)
    case putApp(PathId)
    case patchApp(PathId)
    case deleteApp(PathId)
    case restartApp(PathId)
    case appTasks(PathId)
    case killAppTasks(PathId)
    case killAppTask(PathId, String)
    case appVersions(PathId)
    case appVersion(PathId, String)
    case listTasks
    case killTasks
    case listDeployments
    case deleteDeployment(String)
    case events
    case queue
    case resetDelay(PathId)
    case metrics
    case prometheusMetrics
    /// `/v2/groups/...` and `GET /v2/apps/{group}/*` (MarathonAPI+Groups.swift).
    case group(GroupRoute)
    /// A Marathon endpoint this release does not serve yet (answered 501 naming it).
    case notBuilt(String)
    case methodNotAllowed
    case notFound

    static func parse(method: HTTPMethod, path: String) -> MarathonRoute {
        let segments = MarathonRequest.segments(path)
        if segments == ["ping"] { return method == .GET ? .ping : .methodNotAllowed }
        if segments.first == "metrics" {
            guard method == .GET else { return .methodNotAllowed }
            if segments == ["metrics"] { return .metrics }
            return segments == ["metrics", "prometheus"] ? .prometheusMetrics : .notFound
        }
        guard segments.first == "v2", segments.count >= 2 else { return .notFound }
        let rest = Array(segments.dropFirst(2))
        switch segments[1] {
        case "info": return rest.isEmpty && method == .GET ? .info : .methodNotAllowed
        case "leader":
            if method == .DELETE { return .notBuilt("DELETE /v2/leader (abdication)") }
            return rest.isEmpty && method == .GET ? .leader : .methodNotAllowed
        case "apps": return apps(method: method, rest)
        case "tasks":
            if rest.isEmpty { return method == .GET ? .listTasks : .methodNotAllowed }
            return rest == ["delete"] && method == .POST ? .killTasks : .notFound
        case "deployments":
            if rest.isEmpty { return method == .GET ? .listDeployments : .methodNotAllowed }
            guard rest.count == 1 else { return .notFound }
            return method == .DELETE ? .deleteDeployment(rest[0]) : .methodNotAllowed
        case "groups": return .group(GroupRoute.parse(method: method, rest))
        case "queue":
            if rest.isEmpty { return method == .GET ? .queue : .methodNotAllowed }
            guard rest.count >= 2, rest.last == "delay" else { return .notFound }
            return method == .DELETE ? .resetDelay(appId(rest.dropLast())) : .methodNotAllowed
        case "events": return rest.isEmpty && method == .GET ? .events : .methodNotAllowed
        case "pods": return .notBuilt("/v2/pods")
        case "eventSubscriptions": return .notBuilt("/v2/eventSubscriptions")
        default: return .notFound
        }
    }

    private static func apps(method: HTTPMethod, _ rest: [String]) -> MarathonRoute {
        if rest.isEmpty {
            switch method {
            case .GET: return .listApps
            case .POST: return .createApp
            case .PUT: return .putApps
            case .PATCH: return .patchApps
            default: return .methodNotAllowed
            }
        }
        if rest.last == "*" {
            return method == .GET ? .group(.appsInGroup(appId(rest.dropLast()))) : .methodNotAllowed
        }
        if let index = rest.firstIndex(of: "tasks") {
            let id = appId(rest[..<index])
            let after = rest[(index + 1)...]
            if after.isEmpty {
                switch method {
                case .GET: return .appTasks(id)
                case .DELETE: return .killAppTasks(id)
                default: return .methodNotAllowed
                }
            }
            guard after.count == 1 else { return .notFound }
            return method == .DELETE ? .killAppTask(id, after.first!) : .methodNotAllowed
        }
        if let index = rest.firstIndex(of: "versions") {
            let id = appId(rest[..<index])
            let after = rest[(index + 1)...]
            guard method == .GET else { return .methodNotAllowed }
            if after.isEmpty { return .appVersions(id) }
            return after.count == 1 ? .appVersion(id, after.first!) : .notFound
        }
        if rest.last == "restart" {
            return method == .POST ? .restartApp(appId(rest.dropLast())) : .methodNotAllowed
        }
        let id = appId(rest[...])
        switch method {
        case .GET: return .getApp(id)
        case .PUT: return .putApp(id)
        case .PATCH: return .patchApp(id)
        case .DELETE: return .deleteApp(id)
        default: return .methodNotAllowed
        }
    }

    private static func appId(_ segments: ArraySlice<String>) -> PathId {
        PathId(segments: Array(segments), absolute: true)
    }
}
