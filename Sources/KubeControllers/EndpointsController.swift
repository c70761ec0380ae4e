import KubeClient
import KubeControllersCore
import KubeTypes
import Logging

/// Keeps each selector Service's Endpoints object listing its pods (upstream
/// `pkg/controller/endpoint`): reads Services, pods and Endpoints from informers, lets
/// `EndpointsReconciler` decide, and writes through the API server. A write refused because the
/// cache was behind (409) throws, and the loop retries from fresher state.
public final class EndpointsController: ContextualController {
    public static let component = "endpoint-controller"

    let context: ControllerContext
    let services: Informer
    let pods: Informer
    let endpoints: Informer

    private init(_ context: ControllerContext) async {
        self.context = context
        services = await context.informer(.services)
        pods = await context.informer(.pods)
        endpoints = await context.informer(.endpoints)
        await registerHandlers()
    }

    /// A controller on the factory's shared informers, its handlers registered.
    public static func make(
        factory: InformerFactory, queue: WorkQueue<String> = WorkQueue(), workers: Int = 2, logger: Logger
    ) async -> EndpointsController {
        await EndpointsController(
            ControllerContext(
                name: "endpoint", component: component, factory: factory, queue: queue, workers: workers,
                logger: logger))
    }

    public var queue: WorkQueue<String> { context.queue }
    public var loop: ControllerLoop { context.loop { [self] key in try await sync(key) } }

    // MARK: Informer events

    private func registerHandlers() async {
        await context.enqueueKeys(of: services)
        await context.enqueueOwners(from: pods, among: services) { pod, old, candidates in
            ServiceEndpoints.services(forPod: pod, old: old, among: candidates)
        }
        // Someone else changing or deleting the Endpoints of a Service this controller serves is
        // drift to repair. Endpoints without a Service are left alone: they may be the user's.
        let services = self.services
        await context.enqueueLater(from: endpoints) { event in
            let key = Informer.key(event.object)
            return await services.get(key: key) != nil ? [key] : []
        }
    }

    // MARK: Sync

    /// One reconcile of the Service under `key`; throws to be retried with backoff.
    public func sync(_ key: String) async throws {
        let (namespace, _) = Informer.split(key: key)
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
                    options: .deleteOptions(uid: target.uid))
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
