import KubeClient
import KubeControllersCore
import KubeTypes
import Logging
import Synchronization

/// Runs one daemon pod on every eligible node (upstream `pkg/controller/daemon`): reads
/// DaemonSets, nodes, pods and ControllerRevisions from informers, lets `DaemonSetReconciler`
/// decide, and makes its writes in order. The pods it creates are pinned to their node by node
/// affinity and placed by the kube scheduler, as upstream's are.
public final class DaemonSetController: ContextualController {
    public static let component = "daemonset-controller"

    let context: ControllerContext
    let daemonSets: Informer
    let nodes: Informer
    let pods: Informer
    let revisions: Informer
    let expectations = ExpectationsStore()
    let podWriter: PodWriter
    /// Each DaemonSet's failed-pod backoff by queue key; the queue never hands one key to two
    /// workers at once, so a sync reads and writes its own entry undisturbed.
    let backoffs = Mutex<[String: FailedPodBackoff]>([:])

    private init(_ context: ControllerContext) async {
        self.context = context
        daemonSets = await context.informer(.daemonSets)
        nodes = await context.informer(.nodes)
        pods = await context.informer(.pods)
        revisions = await context.informer(.controllerRevisions)
        podWriter = PodWriter(
            client: context.client, events: context.events, kind: .daemonSet, expectations: expectations)
        await registerHandlers()
    }

    /// A controller on the factory's shared informers, its handlers registered.
    public static func make(
        factory: InformerFactory, queue: WorkQueue<String> = WorkQueue(), workers: Int = 2, logger: Logger
    ) async -> DaemonSetController {
        await DaemonSetController(
            ControllerContext(
                name: "daemonset", component: component, factory: factory, queue: queue, workers: workers,
                logger: logger))
    }

    public var queue: WorkQueue<String> { context.queue }
    public var loop: ControllerLoop { context.loop { [self] key in try await sync(key) } }

    // MARK: Informer events

    /// Pods and revisions queue the DaemonSet controlling them, or those that may adopt them; a
    /// node change that may alter where daemon pods belong queues every DaemonSet.
    private func registerHandlers() async {
        await context.enqueueKeys(of: daemonSets) { [self] key in forget(key) }
        await expectations.follow(pods, controllerKind: "DaemonSet")
        for dependents in [pods, revisions] {
            await context.enqueueOwners(from: dependents, among: daemonSets) { object, old, candidates in
                WorkQueueKeys.daemonSets(for: object, old: old, among: candidates)
            }
        }
        let daemonSets = self.daemonSets
        await context.enqueueLater(from: nodes, when: Self.nodeChangeMatters) { _ in
            await daemonSets.list().map { Informer.key($0) }
        }
    }

    private static func nodeChangeMatters(_ event: InformerEvent) -> Bool {
        guard case .updated(let old, let new) = event else { return true }
        return WorkQueueKeys.nodeChangeMattersToDaemonSets(old: old, new: new)
    }

    /// Drops what was kept about a DaemonSet that is gone.
    private func forget(_ key: String) {
        expectations.remove(key)
        backoffs.withLock { _ = $0.removeValue(forKey: key) }
    }

    // MARK: Sync

    /// One reconcile of the DaemonSet under `key`; throws to be retried with backoff.
    public func sync(_ key: String) async throws {
        guard let daemonSet = await daemonSets.get(key: key) else {
            forget(key)
            return
        }
        let now = now()
        let namespace = daemonSet.namespace
        let plan = DaemonSetReconciler.reconcile(
            daemonSet: daemonSet, nodes: await nodes.list(), pods: await pods.list(namespace: namespace),
            revisions: await revisions.list(namespace: namespace), now: now,
            expectationsSatisfied: expectations.isSatisfied(key, now: now),
            backoff: backoffs.withLock { $0[key] ?? FailedPodBackoff() })
        backoffs.withLock { $0[key] = plan.backoff.isEmpty ? nil : plan.backoff }
        try await expectations.carryOut(
            plan.actions, key: key, creations: plan.expectedCreations, deletions: plan.expectedDeletions, now: now
        ) { action in try await execute(action, daemonSet: daemonSet, key: key) }
        if let seconds = plan.requeueAfter { queue.add(key, after: .seconds(seconds)) }
    }

    private func execute(_ action: DaemonSetAction, daemonSet: JSON, key: String) async throws {
        let reference = ObjectReference(daemonSet)
        switch action {
        case .patchRevision(let revision, let patch):
            try await ignoringNotFound {
                _ = try await client.patch(
                    .controllerRevisions, namespace: revision.namespace, name: revision.name, patch, type: .strategic)
            }
        case .createRevision(let revision):
            try await create(revision, for: daemonSet)
        case .updateRevision(let revision):
            _ = try await client.update(.controllerRevisions, revision)
        case .deleteRevision(let revision):
            try await ignoringNotFound {
                try await client.delete(
                    .controllerRevisions, namespace: revision.namespace, name: revision.name,
                    options: .deleteOptions(uid: revision.uid))
            }
        case .patchPod(let pod, let patch):
            try await ignoringNotFound {
                _ = try await client.patch(.pods, namespace: pod.namespace, name: pod.name, patch, type: .strategic)
            }
        case .createPods(let pods):
            try await podWriter.createPods(pods, owner: reference, key: key)
        case .deletePods(let victims):
            try await podWriter.deletePods(victims, owner: reference, key: key)
        case .recordEvent(let event):
            await events.record(event, about: reference, kind: .daemonSet)
        case .updateStatus(let updated):
            _ = try await client.updateStatus(.daemonSets, updated)
        }
    }

    private func ignoringNotFound(_ write: () async throws -> Void) async throws {
        do {
            try await write()
        } catch let error where ControllerShell.isNotFound(error) {
            // Gone meanwhile: nothing left to change.
        }
    }

    /// Upstream `snapshot`: a name already taken by this template's revision means the cache
    /// was behind; taken by another template's, the hashes collided, and the DaemonSet's
    /// collisionCount is raised so the next sync hashes to another name.
    private func create(_ revision: JSON, for daemonSet: JSON) async throws {
        do {
            _ = try await client.create(.controllerRevisions, namespace: daemonSet.namespace, revision)
        } catch let error as KubeAPIError where error.isAlreadyExists {
            let existing = try await client.get(
                .controllerRevisions, namespace: daemonSet.namespace, name: revision.name)
            // Ours already (the cache was behind): same name, same hash, carry on.
            if DaemonSetHistory.matches(daemonSet, existing) { return }
            let current = try await client.get(.daemonSets, namespace: daemonSet.namespace, name: daemonSet.name)
            if current[path: ["status", "collisionCount"]] == daemonSet[path: ["status", "collisionCount"]] {
                _ = try await client.updateStatus(.daemonSets, DaemonSetHistory.withCollisionBumped(current))
            }
            throw error
        }
    }
}

extension DaemonSetAction: PodWritingAction {
    /// Creates and deletes of pods, which the expectations must cover before they are sent.
    var writesPods: Bool {
        switch self {
        case .createPods, .deletePods: true
        default: false
        }
    }
}

extension EventRecorder.Kind {
    public static let daemonSet = EventRecorder.Kind(apiVersion: "apps/v1", kind: "DaemonSet")
}
