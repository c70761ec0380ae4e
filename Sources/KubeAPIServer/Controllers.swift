import HTTPSupport
import KubeTypes
import StateStore

/// The controllers that only move API objects around and therefore live with the API server:
/// default namespaces, custom resource definitions (serving and cleanup), the garbage collector,
/// namespace termination, and compaction of the store's history.
extension KubeAPIServer {
    static let defaultNamespaces = ["default", "kube-system", "kube-public", "kube-node-lease"]
    static let crdCleanupFinalizer = "customresourcecleanup.apiextensions.k8s.io"

    func ensureDefaultNamespaces() async throws {
        for name in Self.defaultNamespaces {
            let body: JSON = ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(name)]]
            let response = await call(.POST, "/api/v1/namespaces", body: body, manager: "kube-apiserver")
            guard response.code == 201 || response.code == 409 else {
                throw APIError.internalError("creating namespace \(name): \(response.body?.serialized() ?? "")")
            }
        }
    }

    /// Rebuilds the served custom resources from the stored definitions.
    func reloadCustomResources() async throws {
        guard
            let crds = registry.snapshot.resource(
                group: "apiextensions.k8s.io", version: "v1", plural: "customresourcedefinitions")
        else { return }
        let (items, _) = try await storage.store.listAll(prefix: ObjectStorage.prefix(crds, namespace: nil))
        var resources: [ResourceType] = []
        var schemas: [TypeSchema] = []
        for item in items {
            let crd = try ObjectStorage.decode(item)
            for version in crd[path: ["spec", "versions"]]?.arrayValue ?? [] where version["served"]?.boolValue ?? false
            {
                guard let name = version["name"]?.stringValue,
                    let resource = CustomResources.resourceType(for: crd, version: name)
                else { continue }
                resources.append(resource)
                schemas += CustomResources.schemas(for: crd, version: name)
            }
        }
        registry.setCustomResources(resources, schemas: schemas)
        for resource in resources { _ = try await watchCache(for: resource) }
    }

    func startBackgroundWork() {
        addBackground(
            Task { [weak self] in
                var lastRevision: Int64 = -1
                var pause = Self.controllerPause(after: .zero)
                let clock = ContinuousClock()
                while !Task.isCancelled {
                    try? await Task.sleep(for: pause)
                    guard !Task.isCancelled, let self else { return }
                    guard let revision = try? await self.storage.store.currentRevision(), revision != lastRevision
                    else { continue }
                    lastRevision = revision
                    let started = clock.now
                    await self.reconcileOnce()
                    pause = Self.controllerPause(after: started.duration(to: clock.now))
                }
            })
        addBackground(
            Task { [weak self] in
                while !Task.isCancelled {
                    guard let interval = self?.options.compactionInterval else { return }
                    try? await Task.sleep(for: interval)
                    guard !Task.isCancelled, let self else { return }
                    guard self.isRunningClusterWork else { continue }
                    do {
                        try await self.compact()
                    } catch {
                        self.logger.warning("compaction failed", metadata: ["error": "\(error)"])
                    }
                }
            })
    }

    /// Discards store history older than the retained window, and lets the watch caches forget
    /// it too: a watch from before the window then gets 410 Expired, as with etcd.
    func compact() async throws {
        let current = try await storage.store.currentRevision()
        let point = current - options.compactionRetain + 1
        guard point > 1 else { return }
        try await storage.store.compact(before: point)
        for cache in allWatchCaches() { await cache.forget(before: point) }
    }

    /// The wait before the next controller pass: half a second, or nine times what the last pass
    /// took, so that passes (each reads and decodes every stored object) take at most a tenth of
    /// the time on a large cluster (they ran every half second whatever their cost: with 1,000
    /// nodes and 6,000 pods being scheduled, re-reading the store was 4% of the master's CPU and growing).
    static func controllerPause(after cost: Duration) -> Duration {
        max(.milliseconds(500), cost * 9)
    }

    /// One pass of every in-server controller over a consistent view of all objects.
    func reconcileOnce() async {
        do {
            let world = try await loadWorld()
            try await reconcileCustomResourceDefinitions(world)
            guard isRunningClusterWork else { return }
            await collectGarbage(world)
            await terminateNamespaces(world)
            await reconcileClusterServices(world)
        } catch {
            logger.debug("controller pass failed", metadata: ["error": "\(error)"])
        }
    }

    struct World {
        var objects: [(resource: ResourceType, object: JSON)] = []
        var byUID: [String: Int] = [:]
        /// Indices of objects that name each uid in their ownerReferences.
        var dependents: [String: [Int]] = [:]
    }

    func loadWorld() async throws -> World {
        var world = World()
        for resource in registry.snapshot.resources where resource.group != "authorization.k8s.io" {
            let (items, _) = try await storage.store.listAll(prefix: ObjectStorage.prefix(resource, namespace: nil))
            for item in items {
                guard let object = try? ObjectStorage.decode(item) else { continue }
                let index = world.objects.count
                world.objects.append((resource, object))
                world.byUID[object.uid] = index
                for reference in object[path: ["metadata", "ownerReferences"]]?.arrayValue ?? [] {
                    if let uid = reference["uid"]?.stringValue { world.dependents[uid, default: []].append(index) }
                }
            }
        }
        return world
    }

    /// Adds the cleanup finalizer to definitions, and once one is deleted removes its objects
    /// before letting it go, so a re-created definition never sees stale objects.
    func reconcileCustomResourceDefinitions(_ world: World) async throws {
        var changed = false
        for (resource, crd) in world.objects where resource.kind == "CustomResourceDefinition" {
            let finalizers = crd[path: ["metadata", "finalizers"]]?.arrayValue?.compactMap(\.stringValue) ?? []
            let path = Self.path(resource, namespace: nil, name: crd.name)
            if crd[path: ["metadata", "deletionTimestamp"]] == nil {
                guard !finalizers.contains(Self.crdCleanupFinalizer) else { continue }
                let patch: JSON = [
                    "metadata": [
                        "finalizers": .array((finalizers + [Self.crdCleanupFinalizer]).map { .string($0) }),
                        "resourceVersion": crd[path: ["metadata", "resourceVersion"]] ?? .null,
                    ]
                ]
                _ = await call(
                    .PATCH, path, body: patch, contentType: "application/merge-patch+json",
                    manager: "apiextensions-controller")
                continue
            }
            guard finalizers.contains(Self.crdCleanupFinalizer) else { continue }
            let served = world.objects.filter {
                $0.resource.group == crd[path: ["spec", "group"]]?.stringValue
                    && $0.resource.plural == crd[path: ["spec", "names", "plural"]]?.stringValue
            }
            for (customResource, object) in served {
                _ = await call(
                    .DELETE, Self.path(customResource, namespace: object.namespace, name: object.name),
                    manager: "apiextensions-controller")
            }
            guard served.isEmpty else { continue }
            let remaining = finalizers.filter { $0 != Self.crdCleanupFinalizer }
            let patch: JSON = [
                "metadata": [
                    "finalizers": remaining.isEmpty ? .null : .array(remaining.map { .string($0) }),
                    "resourceVersion": crd[path: ["metadata", "resourceVersion"]] ?? .null,
                ]
            ]
            _ = await call(
                .PATCH, path, body: patch, contentType: "application/merge-patch+json",
                manager: "apiextensions-controller")
            changed = true
        }
        let fingerprint = world.objects.filter { $0.resource.kind == "CustomResourceDefinition" }
            .map { "\($0.object.name)@\($0.object[path: ["metadata", "resourceVersion"]]?.stringValue ?? "")" }
            .sorted().joined(separator: ",")
        let stale = crdFingerprint.withLock { last in
            defer { last = fingerprint }
            return last != fingerprint
        }
        if changed || stale { try await reloadCustomResources() }
    }
}
