import HTTPSupport
import KubeTypes

/// Create and update: decoding with field validation, defaulting, server-managed metadata,
/// validation (422 with causes), optimistic concurrency (409), dry runs and managedFields.
extension KubeAPIServer {
    func create(_ request: ResourceRequest) async throws -> HTTPResponse {
        let (body, duplicates) = try MediaTypes.decodeBody(request.http)
        var warnings = Warnings()
        var object = try admitBody(body, duplicates: duplicates, request: request, warnings: &warnings)
        if request.resource.namespaced {
            let bodyNamespace = object.namespace
            let pathNamespace = request.info.namespace ?? ""
            if !bodyNamespace.isEmpty && bodyNamespace != pathNamespace {
                throw APIError.badRequest(
                    "the namespace of the provided object does not match the namespace sent on the request")
            }
            object[path: ["metadata", "namespace"]] = .string(pathNamespace)
        }
        let created = try await createObject(object, request: request)
        return try objectResponse(created, request, status: .created, warnings: warnings)
    }

    /// Stamps server-managed metadata, defaults, validates and stores a new object.
    func createObject(_ input: JSON, request: ResourceRequest, managedFieldsRecorded: Bool = false) async throws -> JSON
    {
        let resource = request.resource
        var object = input
        let appliedFields = managedFieldsRecorded ? input[path: ["metadata", "managedFields"]] : nil
        if let version = object[path: ["metadata", "resourceVersion"]]?.stringValue, !version.isEmpty {
            throw APIError.badRequest("resourceVersion should not be set on objects to be created")
        }
        try await checkNamespaceAccepts(resource, namespace: object.namespace)
        try await admitPodPriority(&object, resource: resource)
        stampCreation(&object, resource: resource)
        resource.strategy.applyDefaults(&object)
        try await admitDefaultStorageClass(&object, resource: resource)
        resource.strategy.prepareForCreate(&object)
        let errors =
            MetadataValidation.validate(object, resource: resource) + resource.strategy.validateCreate(object)
        if !errors.isEmpty {
            throw APIError.invalid(resource, name: object.name.isEmpty ? objectNameHint(object) : object.name, errors)
        }
        if let appliedFields {
            object[path: ["metadata", "managedFields"]] = appliedFields
        } else {
            object = ManagedFields.recordUpdate(
                old: nil, new: object, manager: request.fieldManager, subresource: "", apiVersion: resource.apiVersion,
                time: Timestamp.format(environment.now()), type: resource.schemaName, catalog: request.snapshot.catalog,
                hasStatus: resource.strategy.hasStatus)
        }
        let generated = object[path: ["metadata", "generateName"]] != nil && input.name.isEmpty
        return try await serializingAllocation(resource) {
            try await allocateServiceAddresses(&object, old: nil, resource: resource)
            if request.dryRun { return object }
            return try await insert(object, resource: resource, generatedName: generated)
        }
    }

    /// Stores a new object, drawing a fresh suffix when a generated name is taken.
    private func insert(_ input: JSON, resource: ResourceType, generatedName: Bool) async throws -> JSON {
        var object = input
        for _ in 0..<4 {
            if let created = try await storage.create(resource, object) { return created }
            guard generatedName else { throw APIError.alreadyExists(resource, name: object.name) }
            object[path: ["metadata", "name"]] = .string(
                (object[path: ["metadata", "generateName"]]?.stringValue ?? "") + environment.randomSuffix(5))
        }
        throw APIError(
            code: 504, reason: "ServerTimeout",
            message:
                "The POST operation against \(resource.qualifiedName) could not be completed at this time, please try again."
        )
    }

    private func objectNameHint(_ object: JSON) -> String {
        object[path: ["metadata", "generateName"]]?.stringValue ?? ""
    }

    func stampCreation(_ object: inout JSON, resource: ResourceType) {
        if object.name.isEmpty, let prefix = object[path: ["metadata", "generateName"]]?.stringValue, !prefix.isEmpty {
            object[path: ["metadata", "name"]] = .string(prefix + environment.randomSuffix(5))
        }
        object[path: ["metadata", "uid"]] = .string(environment.makeUID())
        object[path: ["metadata", "creationTimestamp"]] = .string(Timestamp.format(environment.now()))
        object[path: ["metadata", "deletionTimestamp"]] = nil
        object[path: ["metadata", "deletionGracePeriodSeconds"]] = nil
        object[path: ["metadata", "managedFields"]] = nil
        if resource.strategy.tracksGeneration {
            object[path: ["metadata", "generation"]] = 1
        } else {
            object[path: ["metadata", "generation"]] = nil
        }
        if !resource.namespaced { object[path: ["metadata", "namespace"]] = nil }
    }

    /// Namespaced objects need an existing namespace that is not being deleted (upstream's
    /// NamespaceLifecycle admission).
    func checkNamespaceAccepts(_ resource: ResourceType, namespace: String) async throws {
        guard resource.namespaced, !namespace.isEmpty,
            let namespaces = registry.snapshot.resource(group: "", version: "v1", plural: "namespaces")
        else { return }
        guard let (object, _) = try await storage.get(namespaces, namespace: nil, name: namespace) else {
            throw APIError.namespaceNotFound(namespace)
        }
        if object[path: ["metadata", "deletionTimestamp"]] != nil || object[path: ["status", "phase"]] == "Terminating"
        {
            throw APIError.forbidden(
                "\(resource.qualifiedName) \"\(namespace)\" is forbidden: unable to create new content in namespace \(namespace) because it is being terminated",
                resource: resource)
        }
    }

    /// Checks apiVersion/kind, types and unknown fields of a body, as upstream's decoder does, and
    /// applies the requested field validation (Strict fails, Warn warns, Ignore is silent).
    func admitBody(
        _ body: JSON, duplicates: [String], request: ResourceRequest, warnings: inout Warnings
    ) throws -> JSON {
        guard case .object = body else {
            throw APIError.badRequest("the body of the request must be a JSON object, not \(body.typeName)")
        }
        let expected = request.resource.groupVersionKind
        var object = body
        if let apiVersion = body["apiVersion"]?.stringValue, apiVersion != expected.apiVersion {
            throw APIError.badRequest(
                "the API version in the data (\(apiVersion)) does not match the expected API version (\(expected.apiVersion))"
            )
        }
        if let kind = body["kind"]?.stringValue, kind != expected.kind {
            throw APIError.badRequest(
                "the kind in the data (\(kind)) does not match the expected kind (\(expected.kind))")
        }
        object["apiVersion"] = .string(expected.apiVersion)
        object["kind"] = .string(expected.kind)
        let schemaName = request.resource.schemaName
        let check = SchemaValidator.check(object, type: schemaName, catalog: request.snapshot.catalog)
        if let first = check.errors.first {
            throw APIError.badRequest(
                "\(expected.kind) in version \"\(expected.version)\" cannot be handled as a \(expected.kind): \(first.detail)"
            )
        }
        let problems =
            check.unknownFields.map { "unknown field \"\($0)\"" } + duplicates.map { "duplicate field \"\($0)\"" }
        if !problems.isEmpty {
            switch try request.fieldValidation() {
            case .strict: throw APIError.badRequest("strict decoding error: " + problems.joined(separator: ", "))
            case .warn: for problem in problems { warnings.add(problem) }
            case .ignore: break
            }
            object = SchemaValidator.prune(object, type: schemaName, catalog: request.snapshot.catalog)
        }
        return object
    }

    // MARK: Update

    func update(_ request: ResourceRequest, subresource: String = "") async throws -> HTTPResponse {
        let (body, duplicates) = try MediaTypes.decodeBody(request.http)
        var warnings = Warnings()
        let object = try admitBody(body, duplicates: duplicates, request: request, warnings: &warnings)
        let name = request.name ?? ""
        if !object.name.isEmpty && object.name != name {
            throw APIError.badRequest(
                "the name of the object (\(object.name)) does not match the name on the URL (\(name))")
        }
        if request.resource.namespaced, !object.namespace.isEmpty, object.namespace != request.info.namespace {
            throw APIError.badRequest(
                "the namespace of the provided object does not match the namespace sent on the request")
        }
        let precondition = object[path: ["metadata", "resourceVersion"]]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
        let updated = try await updateObject(request, subresource: subresource, precondition: precondition) { _ in
            object
        }
        return try objectResponse(updated, request, warnings: warnings)
    }

    /// The guaranteed-update loop: read, transform, validate, compare-and-swap; retried when another
    /// writer got in between, unless the client named a resourceVersion (then 409 Conflict).
    func updateObject(
        _ request: ResourceRequest, subresource: String, precondition: String?,
        isApply: Bool = false, transform: (JSON) throws -> JSON
    ) async throws -> JSON {
        try await serializingAllocation(request.resource) {
            try await updateLoop(
                request, subresource: subresource, precondition: precondition, isApply: isApply, transform: transform)
        }
    }

    private func updateLoop(
        _ request: ResourceRequest, subresource: String, precondition: String?, isApply: Bool,
        transform: (JSON) throws -> JSON
    ) async throws -> JSON {
        let resource = request.resource
        let name = request.name ?? ""
        for _ in 0..<8 {
            let (current, revision) = try await fetch(resource, namespace: request.namespace, name: name)
            if let precondition, precondition != String(revision) {
                throw APIError.conflict(resource, name: name)
            }
            var next = try transform(current)
            next = try prepareUpdate(next, old: current, request: request, subresource: subresource, isApply: isApply)
            if subresource.isEmpty {
                try await allocateServiceAddresses(&next, old: current, resource: resource)
                try await admitClaimResize(next, old: current, resource: resource)
            }
            if Self.sameIgnoringManagedFields(next, current) { return current }
            if request.dryRun { return next }
            if shouldDeleteDuringUpdate(next, resource: resource) {
                if try await storage.delete(resource, next, expected: revision) != nil { return next }
                continue
            }
            if let stored = try await storage.update(resource, next, expected: revision) { return stored }
            if precondition != nil { throw APIError.conflict(resource, name: name) }
        }
        throw APIError.conflict(resource, name: name)
    }

    /// Carries server-managed metadata over from the stored object, keeps status or everything but
    /// status depending on the subresource, bumps generation on spec changes, then validates.
    func prepareUpdate(
        _ input: JSON, old: JSON, request: ResourceRequest, subresource: String, isApply: Bool
    ) throws -> JSON {
        let resource = request.resource
        var next = input
        next["apiVersion"] = .string(resource.apiVersion)
        next["kind"] = .string(resource.kind)
        if subresource == "status" {
            var merged = old
            merged["status"] = next["status"]
            next = merged
        } else if resource.strategy.hasStatus && subresource.isEmpty {
            next["status"] = old["status"]
        }
        for field in [
            "uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "namespace", "name",
        ] {
            next[path: ["metadata", field]] = old[path: ["metadata", field]]
        }
        next[path: ["metadata", "resourceVersion"]] = old[path: ["metadata", "resourceVersion"]]
        if old[path: ["metadata", "deletionTimestamp"]] != nil {
            // A terminating object may lose finalizers but never gain new ones.
            let before = Set(old[path: ["metadata", "finalizers"]]?.arrayValue?.compactMap(\.stringValue) ?? [])
            let after = next[path: ["metadata", "finalizers"]]?.arrayValue?.compactMap(\.stringValue) ?? []
            if after.contains(where: { !before.contains($0) }) {
                throw APIError.invalid(
                    resource, name: old.name,
                    [.forbidden("metadata.finalizers", "no new finalizers can be added if the object is being deleted")]
                )
            }
        }
        resource.strategy.applyDefaults(&next)
        if subresource.isEmpty { resource.strategy.prepareForUpdate(&next, old) }
        next[path: ["metadata", "generation"]] = old[path: ["metadata", "generation"]]
        if resource.strategy.tracksGeneration, Self.specChanged(next, old) {
            let generation = old[path: ["metadata", "generation"]]?.intValue ?? 0
            next[path: ["metadata", "generation"]] = .int(generation + 1)
        }
        if !isApply {
            next = ManagedFields.recordUpdate(
                old: old, new: next, manager: request.fieldManager, subresource: subresource,
                apiVersion: resource.apiVersion, time: Timestamp.format(environment.now()), type: resource.schemaName,
                catalog: request.snapshot.catalog, hasStatus: resource.strategy.hasStatus)
        }
        // A binding only sets spec.nodeName, which the pod's own update rules forbid to users.
        let kindErrors = subresource == "binding" ? [] : resource.strategy.validateUpdate(next, old)
        let errors = MetadataValidation.validate(next, resource: resource) + kindErrors
        if !errors.isEmpty { throw APIError.invalid(resource, name: old.name, errors) }
        return next
    }

    /// No-op writes are not stored, so they neither bump resourceVersion nor wake watchers.
    static func sameIgnoringManagedFields(_ new: JSON, _ old: JSON) -> Bool {
        var left = new
        var right = old
        left[path: ["metadata", "managedFields"]] = nil
        right[path: ["metadata", "managedFields"]] = nil
        return left == right
    }

    /// True when anything outside metadata and status differs: that is what bumps generation.
    static func specChanged(_ new: JSON, _ old: JSON) -> Bool {
        var left = new
        var right = old
        for field in ["metadata", "status", "apiVersion", "kind"] {
            left[field] = nil
            right[field] = nil
        }
        return left != right
    }

    /// An update that removes the last finalizer of a terminating object deletes it. Kinds with
    /// graceful deletion also wait for the grace period to reach zero (the node agent sets it once a
    /// pod's containers are gone); kinds with spec finalizers wait for those too.
    func shouldDeleteDuringUpdate(_ object: JSON, resource: ResourceType) -> Bool {
        guard object[path: ["metadata", "deletionTimestamp"]] != nil else { return false }
        let finalizers = object[path: ["metadata", "finalizers"]]?.arrayValue ?? []
        guard finalizers.isEmpty else { return false }
        let rules = resource.strategy.deletion
        if rules.gracePeriod != nil, (object[path: ["metadata", "deletionGracePeriodSeconds"]]?.intValue ?? 0) != 0 {
            return false
        }
        if let path = rules.specFinalizersPath, !(object[path: path]?.arrayValue ?? []).isEmpty { return false }
        return true
    }
}
