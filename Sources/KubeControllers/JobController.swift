import KubeClient
import KubeControllersCore
import KubeTypes
import Logging
import Synchronization

/// Runs Jobs' pods to completion (upstream `pkg/controller/job`, plus the TTL-after-finished
/// controller): reads Jobs and pods from informers, lets `JobReconciler` decide, makes its writes.
///
/// A Job's status holds counts no pod list can rebuild (pods counted there lose their tracking
/// finalizer and may be deleted), so a sync waits until the informer shows the status this
/// controller wrote last; deciding from the older status would count a pod twice or not at all.
public final class JobController: ContextualController {
    public static let component = "job-controller"
    /// Queue keys of pods whose Job is gone but which still hold the tracking finalizer.
    static let orphanPodPrefix = "pod:"

    let context: ControllerContext
    let jobs: Informer
    let pods: Informer
    let options: JobOptions
    let expectations = ExpectationsStore()
    let podWriter: PodWriter
    /// The resourceVersion each Job had when this controller last wrote its status: while the
    /// informer still shows it, the write has not been seen.
    let writtenOver = Mutex<[String: String]>([:])

    private init(_ context: ControllerContext, options: JobOptions) async {
        self.context = context
        self.options = options
        jobs = await context.informer(.jobs)
        pods = await context.informer(.pods)
        podWriter = PodWriter(client: context.client, events: context.events, kind: .job, expectations: expectations)
        await registerHandlers()
    }

    /// A controller on the factory's shared informers, its handlers registered.
    public static func make(
        factory: InformerFactory, queue: WorkQueue<String> = WorkQueue(), workers: Int = 2,
        options: JobOptions = JobOptions(), logger: Logger
    ) async -> JobController {
        await JobController(
            ControllerContext(
                name: "job", component: component, factory: factory, queue: queue, workers: workers, logger: logger),
            options: options)
    }

    public var queue: WorkQueue<String> { context.queue }
    public var loop: ControllerLoop { context.loop { [self] key in try await sync(key) } }

    // MARK: Informer events

    /// A pod change queues the Jobs it may concern; a pod no Job claims that still holds the
    /// tracking finalizer is queued itself, to have it released.
    private func registerHandlers() async {
        await context.enqueueKeys(of: jobs) { [self] key in
            expectations.remove(key)
            writtenOver.withLock { _ = $0.removeValue(forKey: key) }
        }
        await expectations.follow(pods, controllerKind: "Job")
        let jobs = self.jobs
        await context.enqueueLater(from: pods) { event in
            let pod = event.object
            let candidates = await jobs.list(namespace: pod.namespace)
            let owners = WorkQueueKeys.jobs(forPod: pod, old: event.previous, among: candidates)
            if owners.isEmpty, JobReconciler.hasTrackingFinalizer(pod) {
                return [Self.orphanPodPrefix + Informer.key(pod)]
            }
            return owners.map(\.description)
        }
    }

    // MARK: Sync

    /// One reconcile of the Job (or orphaned pod) under `key`; throws to be retried with backoff.
    public func sync(_ key: String) async throws {
        if key.hasPrefix(Self.orphanPodPrefix) {
            return try await releaseOrphan(String(key.dropFirst(Self.orphanPodPrefix.count)))
        }
        guard let job = await jobs.get(key: key) else {
            expectations.remove(key)
            return
        }
        let version = job.resourceVersion
        // The informer's event for our own write will queue the Job again.
        if writtenOver.withLock({ $0[key] == version }) { return }
        let now = now()
        let plan = JobReconciler.reconcile(
            job: job, pods: await pods.list(namespace: job.namespace), now: now,
            expectationsSatisfied: expectations.isSatisfied(key, now: now), options: options)
        try await expectations.carryOut(
            plan.actions, key: key, creations: plan.expectedCreations, deletions: plan.expectedDeletions, now: now
        ) { action in try await execute(action, job: job, key: key) }
        if let seconds = plan.requeueAfter { queue.add(key, after: .seconds(seconds)) }
    }

    private func execute(_ action: JobAction, job: JSON, key: String) async throws {
        let reference = ObjectReference(job)
        switch action {
        case .adoptPod(let pod, let patch), .releasePod(let pod, let patch):
            try await patchPod(pod, patch)
        case .deletePods(let victims):
            try await podWriter.deletePods(victims, owner: reference, key: key)
        case .createPods(let count, let pod):
            try await podWriter.createPods(count, from: pod, owner: reference, key: key)
        case .updateStatus(let updated):
            let written = try await client.updateStatus(.jobs, updated)
            // A write that changed nothing keeps the version, and no event would ever follow it.
            if written.resourceVersion != job.resourceVersion {
                writtenOver.withLock { $0[key] = job.resourceVersion }
            }
        case .removeTrackingFinalizers(let tracked):
            try await removeFinalizers(tracked)
        case .recordEvent(let event):
            await events.record(event, about: reference, kind: .job)
        case .deleteJob(let target):
            do {
                try await client.delete(
                    .jobs, namespace: target.namespace, name: target.name,
                    options: .deleteOptions(uid: target.uid, propagation: "Foreground"))
            } catch let error where ControllerShell.isNotFound(error) {
                // Someone else deleted it first.
            }
        }
    }

    private func patchPod(_ pod: ObjectReference, _ patch: JSON) async throws {
        do {
            _ = try await client.patch(.pods, namespace: pod.namespace, name: pod.name, patch, type: .strategic)
        } catch let error where ControllerShell.isNotFound(error) {
            // The pod is gone: nothing left to change.
        }
    }

    private func removeFinalizers(_ tracked: [ObjectReference]) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for pod in tracked {
                group.addTask { try await self.patchPod(pod, JobReconciler.removeFinalizerPatch) }
            }
            try await group.waitForAll()
        }
    }

    /// Upstream `syncOrphanPod`: a pod whose Job is gone (or never claimed it) would keep its
    /// tracking finalizer forever, so nothing could delete it.
    private func releaseOrphan(_ podKey: String) async throws {
        guard let pod = await pods.get(key: podKey), JobReconciler.hasTrackingFinalizer(pod) else { return }
        let candidates = await jobs.list(namespace: pod.namespace)
        if !WorkQueueKeys.jobs(forPod: pod, among: candidates).isEmpty { return }
        try await patchPod(ObjectReference(pod), JobReconciler.removeFinalizerPatch)
    }
}

extension JobAction: PodWritingAction {
    /// Creates and deletes of pods, which the expectations must cover before they are sent.
    var writesPods: Bool {
        switch self {
        case .createPods, .deletePods: true
        default: false
        }
    }
}

extension JSON {
    var resourceVersion: String { self[path: ["metadata", "resourceVersion"]]?.stringValue ?? "" }
}
