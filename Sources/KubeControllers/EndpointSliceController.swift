import KubeClient
import KubeControllersCore
import KubeTypes
import Logging
import Synchronization

/// Keeps each selector Service's EndpointSlices listing its pods (upstream
/// `pkg/controller/endpointslice`): reads Services, pods, slices and nodes (for zones) from
/// informers, lets `EndpointSliceReconciler` decide, and writes through the API server.
///
/// Slices are created with generated names, so a sync deciding from a cache that has not seen
/// this controller's last writes would create duplicates; like upstream's slice tracker, a sync
/// waits until the cache shows them.
public final class EndpointSliceController: ContextualController {
    public static let component = "endpointslice-controller"

    let context: ControllerContext
    let services: Informer
    let pods: Informer
    let slices: Informer
    let nodes: Informer
    let maxEndpointsPerSlice: Int
    /// Per service key: slice name → the resourceVersion this controller last wrote (nil for a
    /// slice it deleted), until the cache shows it.
    let written = Mutex<[String: [String: Int64?]]>([:])

    private init(_ context: ControllerContext, maxEndpointsPerSlice: Int) async {
        self.context = context
        self.maxEndpointsPerSlice = maxEndpointsPerSlice
        services = await context.informer(.services)
        pods = await context.informer(.pods)
        slices = await context.informer(.endpointSlices)
        nodes = await context.informer(.nodes)
        await registerHandlers()
    }

    /// A controller on the factory's shared informers, its handlers registered.
    public static func make(
        factory: InformerFactory, queue: WorkQueue<String> = WorkQueue(), workers: Int = 2,
        maxEndpointsPerSlice: Int = EndpointSliceReconciler.defaultMaxEndpointsPerSlice, logger: Logger
    ) async -> EndpointSliceController {
        await EndpointSliceController(
            ControllerContext(
                name: "endpointslice", component: component, factory: factory, queue: queue, workers: workers,
                logger: logger),
            maxEndpointsPerSlice: maxEndpointsPerSlice)
    }

    public var queue: WorkQueue<String> { context.queue }
    public var loop: ControllerLoop { context.loop { [self] key in try await sync(key) } }

    // MARK: Informer events

    private func registerHandlers() async {
        await context.enqueueKeys(of: services) { [self] key in forgetWrites(of: key) }
        await context.enqueueOwners(from: pods, among: services) { pod, old, candidates in
            ServiceEndpoints.services(forPod: pod, old: old, among: candidates)
        }
        // Our own writes show up here and let a waiting sync go on; others' edits are drift.
        await context.enqueue(from: slices) { event in
            EndpointSliceReconciler.serviceKey(ofSlice: event.object).map { [$0] } ?? []
        }
    }

    private func forgetWrites(of key: String) { written.withLock { _ = $0.removeValue(forKey: key) } }

    // MARK: Sync

    /// One reconcile of the Service under `key`; throws to be retried with backoff.
    public func sync(_ key: String) async throws {
        guard let service = await services.get(key: key) else {
            // The garbage collector deletes the slices through their owner reference.
            forgetWrites(of: key)
            return
        }
        let cached = await slices.list(namespace: service.namespace)
        // The slice informer's event for our last write queues the Service again; the delayed add
        // covers a watch that restarts and misses it.
        guard cacheShowsWrites(of: key, cached: cached) else {
            queue.add(key, after: .seconds(1))
            return
        }
        let pods = await pods.list(namespace: service.namespace)
        var zones: [String: String] = [:]
        for node in Set(pods.map { $0[path: ["spec", "nodeName"]]?.stringValue ?? "" }) where !node.isEmpty {
            if let zone = await nodes.get(name: node)?.labels["topology.kubernetes.io/zone"] { zones[node] = zone }
        }
        let actions = EndpointSliceReconciler.reconcile(
            service: service, pods: pods, slices: cached, nodeZones: zones, maxEndpointsPerSlice: maxEndpointsPerSlice)
        for action in actions {
            do {
                try await execute(action, key: key)
            } catch let error as KubeAPIError where !error.isConflict && !error.isNotFound {
                await events.record(
                    .warning, reason: "FailedToUpdateEndpointSlices",
                    message: "Error updating Endpoint Slices for Service \(key): \(error.message)",
                    about: ObjectReference(service), kind: .service)
                throw error
            }
        }
    }

    private func execute(_ action: EndpointSliceAction, key: String) async throws {
        switch action {
        case .create(let slice):
            let created = try await client.create(.endpointSlices, namespace: slice.namespace, slice)
            remember(key, slice: created.name, version: Int64(created.resourceVersion))
        case .update(let slice):
            let updated = try await client.update(.endpointSlices, slice)
            remember(key, slice: updated.name, version: Int64(updated.resourceVersion))
        case .delete(let target):
            do {
                try await client.delete(
                    .endpointSlices, namespace: target.namespace, name: target.name,
                    options: .deleteOptions(uid: target.uid))
            } catch let error where ControllerShell.isNotFound(error) {
                // Already gone.
            }
            remember(key, slice: target.name, version: nil)
        }
    }

    private func remember(_ key: String, slice: String, version: Int64?) {
        written.withLock { $0[key, default: [:]][slice] = .some(version) }
    }

    /// True once the cache holds every slice this controller created or updated for the service
    /// (at least at the version written) and none it deleted; forgets the writes it has seen.
    private func cacheShowsWrites(of key: String, cached: [JSON]) -> Bool {
        written.withLock { all in
            guard let expected = all[key] else { return true }
            let byName = Dictionary(cached.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
            for (name, version) in expected {
                let seen = byName[name]
                if let version {
                    guard let seen, (Int64(seen.resourceVersion) ?? 0) >= version else { return false }
                } else if let seen, !seen.deletionRequested {
                    return false
                }
            }
            all.removeValue(forKey: key)
            return true
        }
    }
}
