import KubeClient
import KubeControllersCore
import KubeTypes
import Logging

/// Keeps each PodDisruptionBudget's status current (upstream `pkg/controller/disruption`): the
/// pods it covers, how many are healthy, how many its controllers want, and so how many evictions
/// the eviction subresource may allow now. `DisruptionBudgets` decides; this shell reads pods and
/// the pods' controllers (ReplicaSets, the Deployments above them, StatefulSets) from informers
/// and writes the status through the API server.
public final class DisruptionController: ContextualController {
    public static let component = "disruption-controller"

    let context: ControllerContext
    let budgets: Informer
    let pods: Informer
    let replicaSets: Informer
    let deployments: Informer
    let statefulSets: Informer

    private init(_ context: ControllerContext) async {
        self.context = context
        budgets = await context.informer(.podDisruptionBudgets)
        pods = await context.informer(.pods)
        replicaSets = await context.informer(.replicaSets)
        deployments = await context.informer(.deployments)
        statefulSets = await context.informer(.statefulSets)
        await registerHandlers()
    }

    public static func make(
        factory: InformerFactory, queue: WorkQueue<String> = WorkQueue(), workers: Int = 2, logger: Logger
    ) async -> DisruptionController {
        await DisruptionController(
            ControllerContext(
                name: "disruption", component: component, factory: factory, queue: queue, workers: workers,
                logger: logger))
    }

    public var queue: WorkQueue<String> { context.queue }
    public var loop: ControllerLoop { context.loop { [self] key in try await sync(key) } }

    // MARK: Informer events

    private func registerHandlers() async {
        await context.enqueueKeys(of: budgets)
        // A pod concerns the budgets that cover it now or covered its previous version.
        await context.enqueueOwners(from: pods, among: budgets) { pod, previous, candidates in
            candidates.filter { budget in
                [pod, previous].contains { version in
                    version.map { !DisruptionBudgets.coveredPods(budget, pods: [$0]).isEmpty } ?? false
                }
            }.map(ObjectReference.init)
        }
        // A controller's scale feeds every budget of its namespace that counts by scale.
        for informer in [replicaSets, deployments, statefulSets] {
            await context.enqueueOwners(from: informer, among: budgets) { _, _, candidates in
                candidates.map(ObjectReference.init)
            }
        }
    }

    // MARK: Sync

    public func sync(_ key: String) async throws {
        guard let budget = await budgets.get(key: key) else { return }
        let namespace = budget.namespace
        let scales = await controllerScales(namespace: namespace)
        let now = now()
        guard
            let status = DisruptionBudgets.status(
                budget: budget, pods: await pods.list(namespace: namespace), now: now, scale: scales)
        else { return }
        var updated = budget
        updated["status"] = status
        _ = try await client.updateStatus(.podDisruptionBudgets, updated)
        // An eviction recorded in disruptedPods stops counting after the deletion timeout even if
        // nothing else changes: look again then.
        if let disrupted = status["disruptedPods"]?.objectValue, !disrupted.isEmpty {
            queue.add(key, after: .seconds(DisruptionBudgets.deletionTimeout + 1))
        }
    }

    /// Upstream's scale finders: a pod's ReplicaSet counts with its Deployment's replicas when a
    /// Deployment controls it, else with its own; a StatefulSet with its own.
    private func controllerScales(
        namespace: String
    ) async -> @Sendable (JSON) -> DisruptionBudgets.ControllerScale? {
        func byUID(_ objects: [JSON]) -> [String: JSON] {
            Dictionary(objects.map { ($0.uid, $0) }, uniquingKeysWith: { first, _ in first })
        }
        let sets = byUID(await replicaSets.list(namespace: namespace))
        let deploymentsByUID = byUID(await deployments.list(namespace: namespace))
        let statefulSetsByUID = byUID(await statefulSets.list(namespace: namespace))
        @Sendable func scale(_ object: JSON) -> DisruptionBudgets.ControllerScale {
            .init(uid: object.uid, replicas: Int(object[path: ["spec", "replicas"]]?.intValue ?? 1))
        }
        return { pod in
            guard let owner = ControllerShell.controllerOwner(of: pod), let uid = owner["uid"]?.stringValue else {
                return nil
            }
            switch owner["kind"]?.stringValue {
            case "ReplicaSet":
                guard let set = sets[uid] else { return nil }
                if let parent = ControllerShell.controllerOwner(of: set), parent["kind"]?.stringValue == "Deployment",
                    let deployment = parent["uid"]?.stringValue.flatMap({ deploymentsByUID[$0] })
                {
                    return scale(deployment)
                }
                return scale(set)
            case "StatefulSet":
                return statefulSetsByUID[uid].map(scale)
            default:
                return nil
            }
        }
    }
}
