import KubeClient
import KubeControllersCore
import KubeTypes
import Logging

/// Rolls Deployments out through ReplicaSets (upstream `pkg/controller/deployment`): reads
/// Deployments, ReplicaSets and pods from informers, lets `DeploymentReconciler` decide, and makes
/// its writes in order, stopping at the first failure so the retry decides again from fresh state.
public final class DeploymentController: ContextualController {
    public static let component = "deployment-controller"

    let context: ControllerContext
    let deployments: Informer
    let replicaSets: Informer
    let pods: Informer

    private init(_ context: ControllerContext) async {
        self.context = context
        deployments = await context.informer(.deployments)
        replicaSets = await context.informer(.replicaSets)
        pods = await context.informer(.pods)
        await registerHandlers()
    }

    /// A controller on the factory's shared informers, its handlers registered.
    public static func make(
        factory: InformerFactory, queue: WorkQueue<String> = WorkQueue(), workers: Int = 2, logger: Logger
    ) async -> DeploymentController {
        await DeploymentController(
            ControllerContext(
                name: "deployment", component: component, factory: factory, queue: queue, workers: workers,
                logger: logger))
    }

    public var queue: WorkQueue<String> { context.queue }
    public var loop: ControllerLoop { context.loop { [self] key in try await sync(key) } }

    // MARK: Informer events

    private func registerHandlers() async {
        await context.enqueueKeys(of: deployments)
        await context.enqueueOwners(from: replicaSets, among: deployments) { replicaSet, old, candidates in
            WorkQueueKeys.deployments(forReplicaSet: replicaSet, old: old, among: candidates)
        }
        // Only a deleted pod matters here: a Recreate rollout waits for the old pods to be gone,
        // and no ReplicaSet change tells when the last one went.
        let (deployments, replicaSets) = (self.deployments, self.replicaSets)
        await context.enqueueLater(from: pods, when: { $0.isDeletion }) { event in
            let pod = event.object
            let sets = await replicaSets.list(namespace: pod.namespace)
            let candidates = await deployments.list(namespace: pod.namespace)
            let owner = WorkQueueKeys.deployment(forDeletedPod: pod, replicaSets: sets, deployments: candidates)
            return owner.map { [$0.description] } ?? []
        }
    }

    // MARK: Sync

    /// One reconcile of the Deployment under `key`; throws to be retried with backoff.
    public func sync(_ key: String) async throws {
        guard let deployment = await deployments.get(key: key) else { return }
        let now = now()
        let namespace = deployment.namespace
        let plan = DeploymentReconciler.reconcile(
            deployment: deployment, replicaSets: await replicaSets.list(namespace: namespace),
            pods: await pods.list(namespace: namespace), now: now)
        for action in plan.actions {
            try await execute(action, deployment: deployment, now: now)
        }
        if let seconds = plan.requeueAfter { queue.add(key, after: .seconds(seconds)) }
    }

    private func execute(_ action: DeploymentAction, deployment: JSON, now: Int64) async throws {
        switch action {
        case .adoptReplicaSet(let replicaSet, let patch), .releaseReplicaSet(let replicaSet, let patch):
            do {
                _ = try await client.patch(
                    .replicaSets, namespace: replicaSet.namespace, name: replicaSet.name, patch, type: .strategic)
            } catch let error where ControllerShell.isNotFound(error) {
                // Gone meanwhile: nothing left to claim or release.
            }
        case .createReplicaSet(let replicaSet):
            try await create(replicaSet, for: deployment, now: now)
        case .updateReplicaSet(let replicaSet):
            _ = try await client.update(.replicaSets, replicaSet)
        case .deleteReplicaSet(let replicaSet):
            do {
                try await client.delete(
                    .replicaSets, namespace: replicaSet.namespace, name: replicaSet.name,
                    options: .deleteOptions(uid: replicaSet.uid))
            } catch let error where ControllerShell.isNotFound(error) {
                // Already gone, which is what the delete wanted.
            }
        case .updateStatus(let updated):
            _ = try await client.updateStatus(.deployments, updated)
        case .patchDeployment(let target, let patch):
            _ = try await client.patch(.deployments, namespace: target.namespace, name: target.name, patch)
        case .recordEvent(let target, let event):
            await events.record(event, about: target, kind: .deployment)
        }
    }

    /// POSTs a new ReplicaSet. AlreadyExists only means the cache was behind: the retry sees the
    /// ReplicaSet. Any other refusal is reported on the Deployment before the retry.
    private func create(_ replicaSet: JSON, for deployment: JSON, now: Int64) async throws {
        do {
            _ = try await client.create(.replicaSets, namespace: deployment.namespace, replicaSet)
        } catch let error as KubeAPIError where !error.isAlreadyExists {
            let reports = DeploymentReconciler.replicaSetCreateFailed(
                deployment: deployment, replicaSetName: replicaSet.name, message: error.message, now: now)
            for report in reports {
                do {
                    try await execute(report, deployment: deployment, now: now)
                } catch {
                    logger.debug(
                        "reporting a failed ReplicaSet create failed",
                        metadata: ["deployment": "\(ObjectReference(deployment))", "error": "\(error)"])
                }
            }
            throw error
        }
    }
}
