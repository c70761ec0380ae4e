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
public final class EndpointSliceController: Sendable {
    public static let component = "endpointslice-controller"

    public let queue: WorkQueue<String>
    let services: Informer
    let pods: Informer
    let slices: Informer
    let nodes: Informer
    let client: KubeClient
    let events: EventRecorder
    let logger: Logger
    let workers: Int
    let maxEndpointsPerSlice: Int
    /// Per service key: slice name → the resourceVersion this controller last wrote (nil for a
    /// slice it deleted), until the cache shows it.
    let written = Mutex<[String: [String: Int64?]]>([:])

    public init(
        client: KubeClient, services: Informer, pods: Informer, slices: Informer, nodes: Informer,
        queue: WorkQueue<String> = WorkQueue(), workers: Int = 2,
        maxEndpointsPerSlice: Int = EndpointSliceReconciler.defaultMaxEndpointsPerSlice, logger: Logger
    ) {
        self.client = client.managed(by: Self.component)
        self.services = services
        self.pods = pods
        self.slices = slices
        self.nodes = nodes
        self.queue = queue
        self.workers = workers
        self.maxEndpointsPerSlice = maxEndpointsPerSlice
        self.logger = logger
        self.events = EventRecorder(client: self.client, component: Self.component, logger: logger)
    }

    /// A controller on the factory's shared informers, its handlers registered.
    public static func make(
        factory: InformerFactory, queue: WorkQueue<String> = WorkQueue(), workers: Int = 2, logger: Logger
    ) async -> EndpointSliceController {
        let controller = EndpointSliceController(
            client: factory.client, services: await factory.informer(for: .services),
            pods: await factory.informer(for: .pods), slices: await factory.informer(for: .endpointSlices),
            nodes: await factory.informer(for: .nodes), queue: queue, workers: workers, logger: logger)
        await controller.registerHandlers()
        return controller
    }

    public var loop: ControllerLoop {
        ControllerLoop(name: "endpointslice", queue: queue, workers: workers, logger: logger) { [self] key in
            try await sync(key)
        }
    }

    // MARK: Informer events

    func registerHandlers() async {
        await services.addHandler { [self] event in
            let key = Informer.key(event.object)
            if case .deleted = event { written.withLock { _ = $0.removeValue(forKey: key) } }
            self.queue.add(key)
        }
        let (services, queue) = (self.services, self.queue)
        await pods.addHandler { event in
            var old: JSON?
            if case .updated(let previous, _) = event { old = previous }
            let pod = event.object
            Task {
                let candidates = await services.list(namespace: pod.namespace)
                for reference in ServiceEndpoints.services(forPod: pod, old: old, among: candidates) {
                    queue.add(reference.description)
                }
            }
        }
        // Our own writes show up here and let a waiting sync go on; others' edits are drift.
        await slices.addHandler { event in
            if let key = EndpointSliceReconciler.serviceKey(ofSlice: event.object) { queue.add(key) }
        }
    }

    // MARK: Sync

    /// One reconcile of the Service under `key`; throws to be retried with backoff.
    public func sync(_ key: String) async throws {
        guard let service = await services.get(key: key) else {
            // The garbage collector deletes the slices through their owner reference.
            written.withLock { _ = $0.removeValue(forKey: key) }
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
                    options: ControllerShell.deleteOptions(uid: target.uid))
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
