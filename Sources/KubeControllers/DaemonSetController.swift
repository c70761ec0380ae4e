import KubeClient
import KubeControllersCore
import KubeTypes
import Logging
import Synchronization

/// Runs one daemon pod on every eligible node (upstream `pkg/controller/daemon`): reads
/// DaemonSets, nodes, pods and ControllerRevisions from informers, lets `DaemonSetReconciler`
/// decide, and makes its writes in order. The pods it creates are pinned to their node by node
/// affinity and placed by the kube scheduler, as upstream's are.
public final class DaemonSetController: Sendable {
    public static let component = "daemonset-controller"

    public let queue: WorkQueue<String>
    let daemonSets: Informer
    let nodes: Informer
    let pods: Informer
    let revisions: Informer
    let client: KubeClient
    let events: EventRecorder
    let logger: Logger
    let workers: Int
    let now: @Sendable () -> Int64
    let expectations = ExpectationsStore()
    let podWriter: PodWriter
    /// Each DaemonSet's failed-pod backoff by queue key; the queue never hands one key to two
    /// workers at once, so a sync reads and writes its own entry undisturbed.
    let backoffs = Mutex<[String: FailedPodBackoff]>([:])

    public init(
        client: KubeClient, daemonSets: Informer, nodes: Informer, pods: Informer, revisions: Informer,
        queue: WorkQueue<String> = WorkQueue(), workers: Int = 2, logger: Logger,
        now: @escaping @Sendable () -> Int64 = WallClock.seconds
    ) {
        self.client = client.managed(by: Self.component)
        self.daemonSets = daemonSets
        self.nodes = nodes
        self.pods = pods
        self.revisions = revisions
        self.queue = queue
        self.workers = workers
        self.logger = logger
        self.now = now
        self.events = EventRecorder(client: self.client, component: Self.component, logger: logger)
        self.podWriter = PodWriter(client: self.client, events: events, kind: .daemonSet, expectations: expectations)
    }

    /// A controller on the factory's shared informers, its handlers registered.
    public static func make(
        factory: InformerFactory, queue: WorkQueue<String> = WorkQueue(), workers: Int = 2, logger: Logger
    ) async -> DaemonSetController {
        let controller = DaemonSetController(
            client: factory.client, daemonSets: await factory.informer(for: .daemonSets),
            nodes: await factory.informer(for: .nodes), pods: await factory.informer(for: .pods),
            revisions: await factory.informer(for: .controllerRevisions), queue: queue, workers: workers,
            logger: logger)
        await controller.registerHandlers()
        return controller
    }

    public var loop: ControllerLoop {
        ControllerLoop(name: "daemonset", queue: queue, workers: workers, logger: logger) { [self] key in
            try await sync(key)
        }
    }

    // MARK: Informer events

    func registerHandlers() async {
        await daemonSets.addHandler { [self] event in
            let key = Informer.key(event.object)
            if case .deleted = event {
                expectations.remove(key)
                backoffs.withLock { _ = $0.removeValue(forKey: key) }
            }
            queue.add(key)
        }
        await pods.addHandler { [self] event in
            expectations.observe(event, controllerKind: "DaemonSet")
            enqueueOwners(of: event)
        }
        await revisions.addHandler { [self] event in enqueueOwners(of: event) }
        await nodes.addHandler { [self] event in
            if case .updated(let old, let new) = event,
                !WorkQueueKeys.nodeChangeMattersToDaemonSets(old: old, new: new)
            {
                return
            }
            let (daemonSets, queue) = (self.daemonSets, self.queue)
            Task { for daemonSet in await daemonSets.list() { queue.add(Informer.key(daemonSet)) } }
        }
    }

    /// Queues the DaemonSet controlling the pod or revision, or those that may adopt it.
    private func enqueueOwners(of event: InformerEvent) {
        var old: JSON?
        if case .updated(let previous, _) = event { old = previous }
        let object = event.object
        let (daemonSets, queue) = (self.daemonSets, self.queue)
        Task {
            let candidates = await daemonSets.list(namespace: object.namespace)
            for reference in WorkQueueKeys.daemonSets(for: object, old: old, among: candidates) {
                queue.add(reference.description)
            }
        }
    }

    // MARK: Sync

    /// One reconcile of the DaemonSet under `key`; throws to be retried with backoff.
    public func sync(_ key: String) async throws {
        guard let daemonSet = await daemonSets.get(key: key) else {
            expectations.remove(key)
            backoffs.withLock { _ = $0.removeValue(forKey: key) }
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
        var expecting = false
        for action in plan.actions {
            if !expecting, action.writesPods {
                expecting = true
                expectations.set(key, creations: plan.expectedCreations, deletions: plan.expectedDeletions, now: now)
            }
            do {
                try await execute(action, daemonSet: daemonSet, key: key)
            } catch let failure as PodWriteFailure {
                throw failure.error
            }
        }
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
                    options: ControllerShell.deleteOptions(uid: revision.uid))
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

extension DaemonSetAction {
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
