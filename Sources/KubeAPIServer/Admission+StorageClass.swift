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
}
