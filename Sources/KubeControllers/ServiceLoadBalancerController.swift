import KubeClient
import KubeControllersCore
import KubeTypes
import Logging

/// Gives LoadBalancer Services their ingress addresses: the Ready nodes' InternalIPs, on which
/// every agent's service proxy answers the Service's ports (`LoadBalancerStatus` decides). A node
/// that comes, goes or changes readiness re-syncs every LoadBalancer Service.
public final class ServiceLoadBalancerController: ContextualController {
    public static let component = "service-lb-controller"

    let context: ControllerContext
    let services: Informer
    let nodes: Informer

    private init(_ context: ControllerContext) async {
        self.context = context
        services = await context.informer(.services)
        nodes = await context.informer(.nodes)
        await registerHandlers()
    }

    public static func make(
        factory: InformerFactory, queue: WorkQueue<String> = WorkQueue(), workers: Int = 1, logger: Logger
    ) async -> ServiceLoadBalancerController {
        await ServiceLoadBalancerController(
            ControllerContext(
                name: "service-lb", component: component, factory: factory, queue: queue, workers: workers,
                logger: logger))
    }

    public var queue: WorkQueue<String> { context.queue }
    public var loop: ControllerLoop { context.loop { [self] key in try await sync(key) } }

    private func registerHandlers() async {
        await context.enqueueKeys(of: services)
        let services = self.services
        await context.enqueueLater(from: nodes) { _ in
            await services.list().filter { $0[path: ["spec", "type"]]?.stringValue == "LoadBalancer" }.map(
                Informer.key)
        }
    }

    /// One Service: its status written when its ingress is not what the nodes say.
    public func sync(_ key: String) async throws {
        guard let service = await services.get(key: key),
            let updated = LoadBalancerStatus.update(service: service, nodes: await nodes.list())
        else { return }
        do {
            _ = try await client.updateStatus(.services, updated)
        } catch let error where ControllerShell.isNotFound(error) {
            return
        }
    }
}
