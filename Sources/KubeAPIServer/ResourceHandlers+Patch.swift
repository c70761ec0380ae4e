import HTTPSupport
import KubeTypes

/// PATCH in the four flavours kubectl and client libraries send: JSON patch, merge patch,
/// strategic merge patch (built-in kinds) and server-side apply (which creates when absent).
extension KubeAPIServer {
    enum PatchType: String {
        case json = "application/json-patch+json"
        case merge = "application/merge-patch+json"
        case strategic = "application/strategic-merge-patch+json"
        case apply = "application/apply-patch+yaml"
    }

    func patchType(_ request: ResourceRequest) throws -> PatchType {
        let header = request.http.headers.first(name: "Content-Type") ?? ""
        let mediaType =
            header.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        let custom = request.resource.schemaName.hasPrefix("io.k8s.") == false
        switch mediaType {
        case PatchType.json.rawValue: return .json
        case PatchType.merge.rawValue: return .merge
        case PatchType.strategic.rawValue where !custom: return .strategic
        case PatchType.apply.rawValue, "application/apply-patch+json": return .apply
        case "application/apply-patch+cbor":
            throw APIError.unsupportedMediaType(
                "apply patches in CBOR are not supported; send application/apply-patch+yaml")
        default:
            let accepted =
                custom
                ? "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml"
                : "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json"
            throw APIError.unsupportedMediaType(
                "the body of the request was in an unknown format - accepted media types include: \(accepted)")
        }
    }

    func patch(_ request: ResourceRequest, subresource: String = "") async throws -> HTTPResponse {
        let type = try patchType(request)
        let body = request.http.bodyBytes
        guard !body.isEmpty else { throw APIError.badRequest("the body of the request is empty") }
        if type == .apply { return try await apply(request, subresource: subresource) }
        if request.query("force") != nil {
            throw APIError.badRequest("force is only allowed for apply patches (application/apply-patch+yaml)")
        }
        let patch: JSON
        do {
            patch = try JSONReader.parse(body)
        } catch {
            throw APIError.badRequest("error decoding patch: \(error)")
        }
        let precondition = patch[path: ["metadata", "resourceVersion"]]?.stringValue
        let catalog = request.snapshot.catalog
        let schemaName = request.resource.schemaName
        var warnings = Warnings()
        let updated = try await updateObject(request, subresource: subresource, precondition: precondition) { current in
            var patched: JSON
            do {
                switch type {
                case .json: patched = try JSONPatch.apply(patch, to: current)
                case .merge: patched = MergePatch.apply(patch, to: current)
                case .strategic:
                    patched = try StrategicMergePatch.apply(patch, to: current, type: schemaName, catalog: catalog)
                case .apply: patched = current
                }
            } catch let error as PatchError {
                throw Self.apiError(error)
            }
            var local = Warnings()
            let admitted = try admitBody(patched, duplicates: [], request: request, warnings: &local)
            warnings = local
            return admitted
        }
        return try objectResponse(updated, request, warnings: warnings)
    }

    /// Server-side apply: the applied configuration is merged into the live object with field
    /// ownership; a missing object is created from it.
    func apply(_ request: ResourceRequest, subresource: String) async throws -> HTTPResponse {
        guard let manager = request.query("fieldManager"), !manager.isEmpty else {
            throw APIError.badRequest("PATCH with application/apply-patch+yaml requires the fieldManager parameter")
        }
        let body = request.http.bodyBytes
        let config: JSON
        if let parsed = try? JSONReader.parse(body) {
            config = parsed
        } else {
            config = try MediaTypes.decodeYAML(request.http.bodyString)
        }
        var warnings = Warnings()
        let admitted = try admitBody(config, duplicates: [], request: request, warnings: &warnings)
        let name = request.name ?? ""
        if !admitted.name.isEmpty && admitted.name != name {
            throw APIError.badRequest(
                "the name of the object (\(admitted.name)) does not match the name on the URL (\(name))")
        }
        let force = request.query("force") == "true"
        let resource = request.resource
        let time = Timestamp.format(environment.now())
        let existing = try await storage.get(resource, namespace: request.namespace, name: name)
        if existing == nil {
            guard subresource.isEmpty else { throw APIError.notFound(resource, name: name) }
            var fresh = try runApply(admitted, live: nil, request: request, manager: manager, force: force, time: time)
            fresh[path: ["metadata", "name"]] = .string(name)
            if resource.namespaced { fresh[path: ["metadata", "namespace"]] = .string(request.info.namespace ?? "") }
            let created = try await createObject(fresh, request: request, managedFieldsRecorded: true)
            return try objectResponse(created, request, status: .created, warnings: warnings)
        }
        let precondition = admitted[path: ["metadata", "resourceVersion"]]?.stringValue
        let updated = try await updateObject(
            request, subresource: subresource, precondition: precondition, isApply: true
        ) { current in
            try runApply(admitted, live: current, request: request, manager: manager, force: force, time: time)
        }
        return try objectResponse(updated, request, warnings: warnings)
    }

    private func runApply(
        _ config: JSON, live: JSON?, request: ResourceRequest, manager: String, force: Bool, time: String
    ) throws -> JSON {
        do {
            return try ServerSideApply.apply(
                config: config, to: live, manager: manager, force: force, apiVersion: request.resource.apiVersion,
                subresource: request.info.subresource ?? "", time: time, type: request.resource.schemaName,
                catalog: request.snapshot.catalog, hasStatus: request.resource.strategy.hasStatus)
        } catch let conflict as ApplyConflictError {
            let causes: [JSON] = conflict.causes.map {
                ["reason": .string($0.reason), "message": .string($0.message), "field": .string($0.field)]
            }
            throw APIError(
                code: 409, reason: "Conflict", message: conflict.message,
                details: APIError.details(name: request.name, resource: request.resource, causes: causes))
        } catch let error as PatchError {
            throw Self.apiError(error)
        }
    }

    static func apiError(_ error: PatchError) -> APIError {
        switch error.kind {
        case .malformed:
            return APIError.badRequest(error.message)
        case .unprocessable:
            return APIError(
                code: 422, reason: "Invalid", message: error.statusMessage,
                details: ["causes": [["reason": "FieldValueInvalid", "message": .string(error.message)]]])
        }
    }
}
