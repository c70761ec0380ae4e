import KubeClient
import KubeControllersCore
import KubeTypes
import Logging

/// Keeps each ReplicaSet's pods at `spec.replicas` (upstream `pkg/controller/replicaset`): reads
/// ReplicaSets and pods from informers, lets `ReplicaSetReconciler` decide, and makes its writes.
/// Expectations stop a sync from creating or deleting again before the informer has seen the
/// pods this controller created or deleted last time.
public final class ReplicaSetController: ContextualController {
    public static let component = "replicaset-controller"

    let context: ControllerContext
    let replicaSets: Informer
    let pods: Informer
    let expectations = ExpectationsStore()
    let podWriter: PodWriter

    private init(_ context: ControllerContext) async {
        self.context = context
        replicaSets = await context.informer(.replicaSets)
        pods = await context.informer(.pods)
        podWriter = PodWriter(
            client: context.client, events: context.events, kind: .replicaSet, expectations: expectations)
        await registerHandlers()
    }

    /// A controller on the factory's shared informers, its handlers registered.
    public static func make(
        factory: InformerFactory, queue: WorkQueue<String> = WorkQueue(), workers: Int = 2, logger: Logger
    ) async -> ReplicaSetController {
        await ReplicaSetController(
            ControllerContext(
                name: "replicaset", component: component, factory: factory, queue: queue, workers: workers,
                logger: logger))
    }

    public var queue: WorkQueue<String> { context.queue }
    public var loop: ControllerLoop { context.loop { [self] key in try await sync(key) } }

    // MARK: Informer events

    /// A pod change counts toward the expectations of the ReplicaSet that controls it, then
    /// queues every ReplicaSet it may concern (its controller, or those that may adopt it).
    private func registerHandlers() async {
        await context.enqueueKeys(of: replicaSets, forgetting: expectations.remove)
        await expectations.follow(pods, controllerKind: "ReplicaSet")
        await context.enqueueOwners(from: pods, among: replicaSets) { pod, old, candidates in
            WorkQueueKeys.replicaSets(forPod: pod, old: old, among: candidates)
        }
    }

    // MARK: Sync

    /// One reconcile of the ReplicaSet under `key`; throws to be retried with backoff.
    public func sync(_ key: String) async throws {
        guard let replicaSet = await replicaSets.get(key: key) else {
            expectations.remove(key)
            return
        }
        let now = now()
        let namespace = replicaSet.namespace
        let satisfied = expectations.isSatisfied(key, now: now)
        let plan = ReplicaSetReconciler.reconcile(
            replicaSet: replicaSet, pods: await pods.list(namespace: namespace), now: now,
            expectationsSatisfied: satisfied, relatedReplicaSets: await replicaSets.list(namespace: namespace))
        let reference = ObjectReference(replicaSet)
        for action in plan.actions {
            do {
                try await execute(action, plan: plan, key: key, reference: reference, now: now)
            } catch let failure as PodWriteFailure {
                // Upstream records the failure in the status before retrying.
                do {
                    _ = try await client.updateStatus(
                        .replicaSets, plan.replicaSetAfterFailure(failure.message, now: now))
                } catch {
                    logger.debug("writing ReplicaFailure failed", metadata: ["key": "\(key)", "error": "\(error)"])
                }
                throw failure.error
            }
        }
        if let seconds = plan.requeueAfter { queue.add(key, after: .seconds(seconds)) }
    }

    private func execute(
        _ action: ReplicaSetAction, plan: ReplicaSetReconciliation, key: String, reference: ObjectReference,
        now: Int64
    ) async throws {
        switch action {
        case .adoptPod(let pod, let patch), .releasePod(let pod, let patch):
            do {
                _ = try await client.patch(.pods, namespace: pod.namespace, name: pod.name, patch, type: .strategic)
            } catch let error where ControllerShell.isNotFound(error) {
                // The pod is gone: nothing left to claim or release.
            }
        case .createPods(let count, let pod):
            expect(plan, key: key, now: now)
            try await podWriter.createPods(count, from: pod, owner: reference, key: key)
        case .deletePods(let victims):
            expect(plan, key: key, now: now)
            try await podWriter.deletePods(victims, owner: reference, key: key)
        case .updateStatus(let replicaSet):
            _ = try await client.updateStatus(.replicaSets, replicaSet)
        }
    }

    /// Set right before the writes: the informer cannot see a pod before it is created, and a
    /// plan that stops earlier (a failed adoption) must not leave expectations nobody will meet.
    private func expect(_ plan: ReplicaSetReconciliation, key: String, now: Int64) {
        expectations.set(key, creations: plan.expectedCreations, deletions: plan.expectedDeletions, now: now)
    }
}
