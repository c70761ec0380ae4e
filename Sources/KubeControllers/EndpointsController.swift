import KubeClient
import KubeControllersCore
import KubeTypes
import Logging

/// Keeps each selector Service's Endpoints object listing its pods (upstream
/// `pkg/controller/endpoint`): reads Services, pods and Endpoints from informers, lets
/// `EndpointsReconciler` decide, and writes through the API server. A write refused because the
/// cache was behind (409) throws, and the loop retries from fresher state.
public final class EndpointsController: Sendable {
    public static let component = "endpoint-controller"

    public let queue: WorkQueue<String>
    let services: Informer
    let pods: Informer
    let endpoints: Informer
    let client: KubeClient
    let events: EventRecorder
    let logger: Logger
    let workers: Int

    public init(
        client: KubeClient, services: Informer, pods: Informer, endpoints: Informer,
        queue: WorkQueue<String> = WorkQueue(), workers: Int = 2, logger: Logger
    ) {
        self.client = client.managed(by: Self.component)
        self.services = services
        self.pods = pods
        self.endpoints = endpoints
        self.queue = queue
        self.workers = workers
        self.logger = logger
        self.events = EventRecorder(client: self.client, component: Self.component, logger: logger)
    }

    /// A controller on the factory's shared informers, its handlers registered.
    public static func make(
        factory: InformerFactory, queue: WorkQueue<String> = WorkQueue(), workers: Int = 2, logger: Logger
    ) async -> EndpointsController {
        let controller = EndpointsController(
            client: factory.client, services: await factory.informer(for: .services),
            pods: await factory.informer(for: .pods), endpoints: await factory.informer(for: .endpoints),
            queue: queue, workers: workers, logger: logger)
        await controller.registerHandlers()
        return controller
    }

    public var loop: ControllerLoop {
        ControllerLoop(name: "endpoint", queue: queue, workers: workers, logger: logger) { [self] key in
            try await sync(key)
        }
    }

    // MARK: Informer events

    func registerHandlers() async {
        let (services, queue) = (self.services, self.queue)
        await services.addHandler { event in queue.add(Informer.key(event.object)) }
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
        // Someone else changing or deleting the Endpoints of a Service this controller serves is
        // drift to repair. Endpoints without a Service are left alone: they may be the user's.
        await endpoints.addHandler { event in
            let key = Informer.key(event.object)
            Task { if await services.get(key: key) != nil { queue.add(key) } }
        }
    }

    // MARK: Sync

    /// One reconcile of the Service under `key`; throws to be retried with backoff.
    public func sync(_ key: String) async throws {
        let (namespace, _) = ControllerShell.split(key)
        let service = await services.get(key: key)
        let action = EndpointsReconciler.reconcile(
            service: service, pods: await pods.list(namespace: namespace), current: await endpoints.get(key: key))
        guard let action else { return }
        do {
            switch action {
            case .create(let object):
                _ = try await client.create(.endpoints, namespace: namespace, object)
            case .update(let object):
                _ = try await client.update(.endpoints, object)
            case .delete(let target):
                try await client.delete(
                    .endpoints, namespace: target.namespace, name: target.name,
                    options: ControllerShell.deleteOptions(uid: target.uid))
            }
        } catch let error where ControllerShell.isNotFound(error) {
            // Deleting what is gone is done; an update of a vanished object is redone as a create.
            if case .delete = action { return }
            throw error
        } catch let error as KubeAPIError where !error.isConflict && !error.isAlreadyExists {
            if let service { await reportFailure(error, action: action, service: service) }
            throw error
        }
    }

    /// Upstream's warning on the Service when the server refuses its Endpoints (a stale cache's
    /// conflicts are routine and only retried).
    private func reportFailure(_ error: KubeAPIError, action: EndpointsAction, service: JSON) async {
        let reason = if case .create = action { "FailedToCreateEndpoint" } else { "FailedToUpdateEndpoint" }
        let verb = if case .create = action { "create" } else { "update" }
        await events.record(
            .warning, reason: reason,
            message: "Failed to \(verb) endpoint \(service.namespace)/\(service.name): \(error.message)",
            about: ObjectReference(service), kind: .service)
    }
}
