import KubeTypes

/// Upstream's DefaultStorageClass admission plugin: a claim created without
/// `spec.storageClassName` gets the cluster's default StorageClass, when one is marked default.
/// A claim that names a class, or asks for none with an explicit empty string, is left alone.
extension KubeAPIServer {
    func admitDefaultStorageClass(_ claim: inout JSON, resource: ResourceType) async throws {
        guard resource.group.isEmpty, resource.kind == "PersistentVolumeClaim" else { return }
        if let named = claim[path: ["spec", "storageClassName"]], named != .null { return }
        guard
            let classes = registry.snapshot.resource(group: "storage.k8s.io", version: "v1", plural: "storageclasses")
        else { return }
        let (items, _) = try await storage.store.listAll(prefix: ObjectStorage.prefix(classes, namespace: nil))
        let objects = items.compactMap { try? ObjectStorage.decode($0) }
        guard let chosen = StorageV1.defaultClass(among: objects) else { return }
        claim[path: ["spec", "storageClassName"]] = .string(chosen.name)
    }

    /// Upstream's PersistentVolumeClaimResize admission: a claim may ask for more storage only once
    /// bound, and only when its StorageClass sets `allowVolumeExpansion`.
    func admitClaimResize(_ claim: JSON, old: JSON, resource: ResourceType) async throws {
        guard resource.group.isEmpty, resource.kind == "PersistentVolumeClaim" else { return }
        let path = ["spec", "resources", "requests", "storage"]
        guard let requested = claim[path: path].flatMap({ try? Quantity(json: $0) }),
            let previous = old[path: path].flatMap({ try? Quantity(json: $0) }), previous < requested
        else { return }
        let refusal = "\(resource.plural) \"\(claim.name)\" is forbidden: "
        guard old[path: ["status", "phase"]]?.stringValue == "Bound" else {
            throw APIError.forbidden(
                refusal + "Only bound persistent volume claims can be expanded", resource: resource)
        }
        let className = claim[path: ["spec", "storageClassName"]]?.stringValue ?? ""
        var allowed = false
        if !className.isEmpty,
            let classes = registry.snapshot.resource(group: "storage.k8s.io", version: "v1", plural: "storageclasses"),
            let (storageClass, _) = try await storage.get(classes, namespace: nil, name: className)
        {
            allowed = storageClass["allowVolumeExpansion"]?.boolValue == true
        }
        guard allowed else {
            throw APIError.forbidden(
                refusal
                    + "only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize",
                resource: resource)
        }
    }
}
