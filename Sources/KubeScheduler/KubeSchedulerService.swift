import FrameworkKit
import KubeClient
import Logging
import MesosModel

/// The kube scheduler running: its API-server client, the pod and node informers, and the
/// framework subscribed to the master. `mesokube dev` and `mesokube master` start one.
public struct KubeSchedulerService: Sendable {
    public let framework: KubeSchedulerFramework
    let driver: SchedulerDriver
    let pods: Informer
    let nodes: Informer
    let volumes: VolumeInformers
    let budgets: Informer
    let transport: HTTPKubeTransport
    let run: Task<Void, Never>

    /// Connects to the API server, fills the informers, then subscribes to `master` (HOST:PORT).
    public static func start(
        master: String, apiServer: KubeClientConfiguration, options: KubeSchedulerFramework.Options, logger: Logger
    ) async throws -> KubeSchedulerService {
        let transport = try HTTPKubeTransport(configuration: apiServer)
        let client = KubeClient(transport: transport, fieldManager: options.schedulerName)
        let pods = Informer(client: client, resource: .pods, logger: logger)
        let nodes = Informer(client: client, resource: .nodes, logger: logger)
        await pods.start()
        await nodes.start()
        await pods.waitForSync()
        await nodes.waitForSync()
        let framework = KubeSchedulerFramework(
            options: options, client: client, pods: pods, nodes: nodes, logger: logger)
        let volumes = VolumeInformers(client: client, logger: logger)
        await volumes.start()
        await framework.useVolumes(volumes)
        let budgets = Informer(client: client, resource: .podDisruptionBudgets, logger: logger)
        await budgets.start()
        await budgets.waitForSync()
        await framework.useDisruptionBudgets(budgets)
        await framework.watchPods()
        let driver = SchedulerDriver(
            framework: KubeSchedulerFramework.frameworkInfo(role: options.role),
            transport: HTTPSchedulerTransport(master: master), logger: logger)
        let run = Task { await driver.run(handler: framework) }
        return KubeSchedulerService(
            framework: framework, driver: driver, pods: pods, nodes: nodes, volumes: volumes, budgets: budgets,
            transport: transport, run: run)
    }

    public func stop() async {
        await framework.stopNodeDiscovery()
        await driver.stop()
        await run.value
        await pods.stop()
        await nodes.stop()
        await volumes.stop()
        await budgets.stop()
        try? await transport.shutdown()
    }
}
