import HTTPSupport
import KubeTypes

/// Subresources other than status: scale (autoscaling/v1 Scale), pod binding and eviction,
/// namespace finalize, access reviews, and the streaming pod endpoints served by node agents.
extension KubeAPIServer {
    // MARK: Scale

    func scale(of object: JSON, accessor: ScaleAccessor) -> JSON {
        var metadata: JSON = .emptyObject
        for field in ["name", "namespace", "uid", "resourceVersion", "creationTimestamp"] {
            metadata[field] = object[path: ["metadata", field]]
        }
        var status: JSON = ["replicas": object[path: accessor.statusReplicasPath] ?? 0]
        if let path = accessor.selectorPath, let selector = object[path: path] {
            if case .string = selector {
                status["selector"] = selector
            } else if let parsed = try? LabelSelector(object: selector) {
                status["selector"] = .string(parsed.text)
            }
        }
        return [
            "kind": "Scale", "apiVersion": "autoscaling/v1", "metadata": metadata,
            "spec": ["replicas": object[path: accessor.specReplicasPath] ?? 0], "status": status,
        ]
    }

    func serveScale(_ request: ResourceRequest) async throws -> HTTPResponse {
        guard let accessor = request.resource.strategy.scale else { throw APIError.pathNotFound }
        let name = request.name ?? ""
        switch request.http.method {
        case .GET:
            let (object, _) = try await fetch(request.resource, namespace: request.namespace, name: name)
            return Self.jsonResponse(scale(of: object, accessor: accessor))
        case .PUT, .PATCH:
            let isPatch = request.http.method == .PATCH
            let type = isPatch ? try patchType(request) : nil
            let body: JSON
            if isPatch {
                body = try JSONReader.parse(request.http.bodyBytes)
            } else {
                body = try MediaTypes.decodeBody(request.http).object
            }
            let precondition = body[path: ["metadata", "resourceVersion"]]?.stringValue
            let catalog = request.snapshot.catalog
            let updated = try await updateObject(request, subresource: "scale", precondition: precondition) {
                current in
                let currentScale = self.scale(of: current, accessor: accessor)
                var next = body
                switch type {
                case .json?: next = try JSONPatch.apply(body, to: currentScale)
                case .merge?: next = MergePatch.apply(body, to: currentScale)
                case .strategic?:
                    next = try StrategicMergePatch.apply(
                        body, to: currentScale, type: "io.k8s.api.autoscaling.v1.Scale", catalog: catalog)
                case .apply?: throw APIError.unsupportedMediaType("apply is not supported on the scale subresource")
                case nil: break
                }
                guard let replicas = next[path: ["spec", "replicas"]]?.intValue else {
                    throw APIError.invalid(
                        kind: "Scale.autoscaling", name: name, resource: nil, [.required("spec.replicas")])
                }
                guard replicas >= 0 else {
                    throw APIError.invalid(
                        kind: "Scale.autoscaling", name: name, resource: nil,
                        [.invalid("spec.replicas", .int(replicas), "must be greater than or equal to 0")])
                }
                var object = current
                object[path: accessor.specReplicasPath] = .int(replicas)
                return object
            }
            return Self.jsonResponse(scale(of: updated, accessor: accessor))
        default:
            throw APIError.methodNotSupported(request.http.method.rawValue, "\(request.resource.plural)/scale")
        }
    }

    // MARK: Namespaces

    /// `PUT namespaces/<name>/finalize`: only `spec.finalizers` changes; an empty list lets a
    /// terminating namespace go.
    func finalizeNamespace(_ request: ResourceRequest) async throws -> HTTPResponse {
        let body = try MediaTypes.decodeBody(request.http).object
        let finalizers = body[path: ["spec", "finalizers"]] ?? .array([])
        let updated = try await updateObject(request, subresource: "finalize", precondition: nil) { current in
            var next = current
            next[path: ["spec", "finalizers"]] = (finalizers.arrayValue ?? []).isEmpty ? nil : finalizers
            return next
        }
        return Self.jsonResponse(updated)
    }

    // MARK: Access reviews

    /// SelfSubjectAccessReview and friends. Authorization is not enforced yet (RBAC objects are
    /// stored; enforcement comes with the security work), so every authenticated request is allowed,
    /// and the answer says why.
    func accessReview(_ request: ResourceRequest) async throws -> HTTPResponse {
        var warnings = Warnings()
        let (body, duplicates) = try MediaTypes.decodeBody(request.http)
        var review = try admitBody(body, duplicates: duplicates, request: request, warnings: &warnings)
        let errors = request.resource.strategy.validateCreate(review)
        if !errors.isEmpty { throw APIError.invalid(request.resource, name: "", errors) }
        review[path: ["metadata", "creationTimestamp"]] = nil
        switch request.resource.kind {
        case "SelfSubjectRulesReview":
            review["status"] = [
                "resourceRules": [["verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]]],
                "nonResourceRules": [["verbs": ["*"], "nonResourceURLs": ["*"]]], "incomplete": false,
            ]
        default:
            review["status"] = [
                "allowed": true,
                "reason": "mesokube does not enforce RBAC yet: every authenticated request is allowed",
            ]
        }
        return try objectResponse(review, request, status: .created, warnings: warnings)
    }
}
