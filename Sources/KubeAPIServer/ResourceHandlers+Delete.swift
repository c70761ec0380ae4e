import HTTPSupport
import KubeTypes

/// DELETE of objects and collections: preconditions, finalizers, graceful pod deletion, namespace
/// termination, and the propagation policies (Orphan and Foreground become finalizers that the
/// garbage collector honours; Background deletes now and lets it clean up dependents).
extension KubeAPIServer {
    struct DeleteOptions: Sendable {
        var propagation: String?
        var gracePeriodSeconds: Int64?
        var preconditionUID: String?
        var preconditionResourceVersion: String?
    }

    func deleteOptions(_ request: ResourceRequest) throws -> DeleteOptions {
        var options = DeleteOptions()
        if !request.http.bodyBytes.isEmpty {
            let contentType = request.http.headers.first(name: "Content-Type") ?? ""
            let body: JSON
            if contentType.hasPrefix("application/vnd.kubernetes.protobuf") {
                // client-go's typed Delete sends DeleteOptions in protobuf when its clientset is set to protobuf.
                body = try ProtobufBodies.decode(request.http.bodyBytes)
                guard body["kind"] == "DeleteOptions" else {
                    throw APIError.badRequest("the body of a DELETE must be DeleteOptions")
                }
            } else {
                body = try MediaTypes.decodeJSON(request.http.bodyBytes).object
            }
            guard case .object = body else { throw APIError.badRequest("DeleteOptions must be a JSON object") }
            options.propagation = body["propagationPolicy"]?.stringValue
            options.gracePeriodSeconds = body["gracePeriodSeconds"]?.intValue
            options.preconditionUID = body[path: ["preconditions", "uid"]]?.stringValue
            options.preconditionResourceVersion = body[path: ["preconditions", "resourceVersion"]]?.stringValue
            if let orphan = body["orphanDependents"]?.boolValue, options.propagation == nil {
                options.propagation = orphan ? "Orphan" : "Background"
            }
        }
        if let value = request.query("propagationPolicy") { options.propagation = value }
        if let value = request.query("gracePeriodSeconds") {
            guard let seconds = Int64(value) else {
                throw APIError.badRequest("invalid gracePeriodSeconds \"\(value)\"")
            }
            options.gracePeriodSeconds = seconds
        }
        if let value = request.query("orphanDependents"), options.propagation == nil {
            options.propagation = value == "true" ? "Orphan" : "Background"
        }
        if let policy = options.propagation, !["Orphan", "Background", "Foreground"].contains(policy) {
            throw APIError.invalid(
                kind: "DeleteOptions", name: "", resource: nil,
                [.notSupported("propagationPolicy", .string(policy), ["Foreground", "Background", "Orphan"])])
        }
        if let grace = options.gracePeriodSeconds, grace < 0 {
            options.gracePeriodSeconds = 1
        }
        return options
    }

    func delete(_ request: ResourceRequest) async throws -> HTTPResponse {
        let options = try deleteOptions(request)
        let object = try await deleteObject(request, name: request.name ?? "", options: options)
        return try objectResponse(object, request)
    }

    /// Deletes one object (or starts its deletion); returns its final or terminating state.
    func deleteObject(_ request: ResourceRequest, name: String, options: DeleteOptions) async throws -> JSON {
        let resource = request.resource
        for _ in 0..<8 {
            let (current, revision) = try await fetch(resource, namespace: request.namespace, name: name)
            if let uid = options.preconditionUID, uid != current.uid {
                throw APIError.conflict(
                    resource, name: name,
                    "Precondition failed: UID in precondition: \(uid), UID in object meta: \(current.uid)")
            }
            if let version = options.preconditionResourceVersion, version != String(revision) {
                throw APIError.conflict(
                    resource, name: name,
                    "Precondition failed: ResourceVersion in precondition: \(version), ResourceVersion in object meta: \(revision)"
                )
            }
            let next = terminatingState(current, resource: resource, options: options)
            if let next {
                if request.dryRun || next == current { return next }
                if let stored = try await storage.update(resource, next, expected: revision) { return stored }
                continue
            }
            if request.dryRun { return current }
            if let deletedAt = try await storage.delete(resource, current, expected: revision) {
                var final = current
                final[path: ["metadata", "resourceVersion"]] = .string(String(deletedAt))
                return final
            }
        }
        throw APIError.conflict(resource, name: name)
    }

    /// The object's state when deletion cannot finish at once (finalizers, graceful pods,
    /// namespaces, orphan/foreground propagation); nil when it can be removed now.
    func terminatingState(_ current: JSON, resource: ResourceType, options: DeleteOptions) -> JSON? {
        let rules = resource.strategy.deletion
        var next = current
        var finalizers = current[path: ["metadata", "finalizers"]]?.arrayValue?.compactMap(\.stringValue) ?? []
        switch options.propagation {
        case "Orphan":
            if !finalizers.contains("orphan") { finalizers.append("orphan") }
            finalizers.removeAll { $0 == "foregroundDeletion" }
        case "Foreground":
            if !finalizers.contains("foregroundDeletion") { finalizers.append("foregroundDeletion") }
            finalizers.removeAll { $0 == "orphan" }
        default:
            break
        }
        var graceful = false
        if let gracePeriod = rules.gracePeriod {
            let grace = gracePeriod(current, options.gracePeriodSeconds)
            if grace > 0 {
                graceful = true
                let existing = current[path: ["metadata", "deletionGracePeriodSeconds"]]?.intValue
                if existing == nil || grace < existing! {
                    next[path: ["metadata", "deletionGracePeriodSeconds"]] = .int(grace)
                    next[path: ["metadata", "deletionTimestamp"]] = .string(Timestamp.format(environment.now() + grace))
                }
            } else if current[path: ["metadata", "deletionTimestamp"]] != nil {
                next[path: ["metadata", "deletionGracePeriodSeconds"]] = 0
            }
        }
        rules.markTerminating(&next)
        let specFinalizers = rules.specFinalizersPath.flatMap { current[path: $0]?.arrayValue } ?? []
        guard !finalizers.isEmpty || graceful || !specFinalizers.isEmpty else { return nil }
        next[path: ["metadata", "finalizers"]] = finalizers.isEmpty ? nil : .array(finalizers.map { .string($0) })
        if next[path: ["metadata", "deletionTimestamp"]] == nil {
            next[path: ["metadata", "deletionTimestamp"]] = .string(Timestamp.format(environment.now()))
            let grace = rules.gracePeriod == nil ? 0 : (options.gracePeriodSeconds ?? 0)
            next[path: ["metadata", "deletionGracePeriodSeconds"]] = .int(grace)
        }
        return next
    }

    func deleteCollection(_ request: ResourceRequest) async throws -> HTTPResponse {
        let options = try deleteOptions(request)
        let filter = try ObjectFilter(request)
        let page = try await readPage(request, filter: filter, limit: nil)
        var deleted: [JSON] = []
        for object in page.items {
            do {
                let scoped = ResourceRequest(
                    http: request.http,
                    info: RequestInfo(copy: request.info, namespace: object.namespace, name: object.name),
                    resource: request.resource, snapshot: request.snapshot)
                deleted.append(try await deleteObject(scoped, name: object.name, options: options))
            } catch let error as APIError where error.code == 404 {
                continue
            }
        }
        let list: JSON = [
            "kind": .string(request.resource.kind + "List"), "apiVersion": .string(request.resource.apiVersion),
            "metadata": ["resourceVersion": .string(String(page.revision))], "items": .array(deleted),
        ]
        return Self.jsonResponse(list)
    }
}

extension RequestInfo {
    init(copy: RequestInfo, namespace: String?, name: String?) {
        self = copy
        if let namespace, !namespace.isEmpty { self.namespace = namespace }
        self.name = name
        self.subresource = nil
    }
}
