import HTTPSupport
import KubeTypes

/// Pod subresources: binding (the scheduler's write), eviction (deletion that respects
/// PodDisruptionBudgets), and log/exec/attach/portforward, which stream from the pod's node agent
/// (`NodeProxy.swift`).
extension KubeAPIServer {
    func servePodSubresource(_ request: ResourceRequest, subresource: String) async throws -> HTTPResponse {
        let method = request.http.method
        switch subresource {
        case "binding":
            guard method == .POST else { throw APIError.methodNotSupported(method.rawValue, "pods/binding") }
            return try await bind(request)
        case "eviction":
            guard method == .POST else { throw APIError.methodNotSupported(method.rawValue, "pods/eviction") }
            return try await evict(request)
        case "ephemeralcontainers":
            switch method {
            case .GET: return try await get(request)
            default:
                throw APIError.forbidden("ephemeral containers are not supported by this cluster's node agent")
            }
        case "log", "exec", "attach", "portforward":
            return try await streamFromNode(request, subresource: subresource)
        default:
            throw APIError.pathNotFound
        }
    }

    /// `POST pods/<name>/binding`: sets spec.nodeName once, as the scheduler does.
    func bind(_ request: ResourceRequest) async throws -> HTTPResponse {
        let body = try MediaTypes.decodeBody(request.http).object
        let target = body[path: ["target", "name"]]?.stringValue ?? ""
        let name = request.name ?? ""
        guard !target.isEmpty else {
            throw APIError.invalid(kind: "Binding", name: name, resource: nil, [.required("target.name")])
        }
        let resource = request.resource
        let now = Timestamp.format(environment.now())
        _ = try await updateObject(request, subresource: "binding", precondition: nil) { current in
            if let node = current[path: ["spec", "nodeName"]]?.stringValue, !node.isEmpty {
                throw APIError.conflict(resource, name: name, "pod \(name) is already assigned to node \"\(node)\"")
            }
            if current[path: ["metadata", "deletionTimestamp"]] != nil {
                throw APIError.conflict(
                    resource, name: name, "pod \(name) is being deleted, cannot be assigned to a host")
            }
            var next = current
            next[path: ["spec", "nodeName"]] = .string(target)
            var conditions = current[path: ["status", "conditions"]]?.arrayValue ?? []
            conditions.removeAll { $0["type"] == "PodScheduled" }
            conditions.append([
                "type": "PodScheduled", "status": "True", "lastProbeTime": nil, "lastTransitionTime": .string(now),
            ])
            next[path: ["status", "conditions"]] = .array(conditions)
            return next
        }
        return Self.jsonResponse(
            ["kind": "Status", "apiVersion": "v1", "metadata": .emptyObject, "status": "Success", "code": 201],
            status: .created)
    }

    /// `POST pods/<name>/eviction`: a graceful delete that a PodDisruptionBudget covering the pod
    /// must allow (`PodEviction.swift`).
    func evict(_ request: ResourceRequest) async throws -> HTTPResponse {
        let body = try MediaTypes.decodeBody(request.http).object
        let name = request.name ?? ""
        let (pod, _) = try await fetch(request.resource, namespace: request.namespace, name: name)
        try await admitEviction(of: pod, request: request)
        var options = DeleteOptions()
        options.gracePeriodSeconds = body[path: ["deleteOptions", "gracePeriodSeconds"]]?.intValue
        options.preconditionUID = body[path: ["deleteOptions", "preconditions", "uid"]]?.stringValue
        options.preconditionResourceVersion =
            body[path: ["deleteOptions", "preconditions", "resourceVersion"]]?.stringValue
        _ = try await deleteObject(request, name: name, options: options)
        return Self.jsonResponse(
            ["kind": "Status", "apiVersion": "v1", "metadata": .emptyObject, "status": "Success", "code": 201],
            status: .created)
    }
}
