import KubeClient
import KubeControllersCore
import Logging
import Synchronization

/// The Kubernetes controllers of the control plane in one place, as kube-controller-manager:
/// shared informers, then every controller's workers once the caches hold a first list (a
/// controller acting on a half-filled cache would create pods that already exist).
///
/// `run()` returns once `stop()` is called or its task is cancelled.
public final class KubeControllerManager: Sendable {
    /// Settings upstream exposes as kube-controller-manager flags or keeps as constants.
    public struct Options: Sendable {
        /// Workers per controller (upstream `--concurrent-*-syncs`, 5 by default there; fewer
        /// here because the control plane shares its process with the master).
        public var workers: Int
        /// Wait before replacing a Job's failed pod, doubled per failure in a row (upstream's
        /// 10 s, at most 6 min).
        public var jobPodFailureBackoff: Duration
        public var maxJobPodFailureBackoff: Duration
        /// Where the `local-path` provisioner puts volume directories on the nodes.
        public var localPathBase: String

        public init(
            workers: Int = 2, jobPodFailureBackoff: Duration = .seconds(10),
            maxJobPodFailureBackoff: Duration = .seconds(360), localPathBase: String = "/var/lib/mesokube/local-path"
        ) {
            self.workers = workers
            self.jobPodFailureBackoff = jobPodFailureBackoff
            self.maxJobPodFailureBackoff = maxJobPodFailureBackoff
            self.localPathBase = localPathBase
        }
    }

    public static let controllerNames = ["replicaset", "deployment", "job", "persistentvolume-binder", "statefulset"]

    private let client: KubeClient
    private let logger: Logger
    private let options: Options
    private let replicaSetQueue: WorkQueue<String>
    private let deploymentQueue: WorkQueue<String>
    private let jobQueue: WorkQueue<String>
    private let volumeQueue: WorkQueue<String>
    private let statefulSetQueue: WorkQueue<String>
    private let stopped = Mutex(false)

    /// `clock` times the work queues' retry backoff and delayed resyncs (minReadySeconds,
    /// progress and active deadlines, TTLs).
    public init(
        client: KubeClient, logger: Logger, clock: any Clock<Duration> = ContinuousClock(), options: Options = Options()
    ) {
        self.client = client
        self.logger = logger
        self.options = options
        replicaSetQueue = WorkQueue(clock: clock)
        deploymentQueue = WorkQueue(clock: clock)
        jobQueue = WorkQueue(clock: clock)
        volumeQueue = WorkQueue(clock: clock)
        statefulSetQueue = WorkQueue(clock: clock)
    }

    public func run() async {
        await withTaskCancellationHandler {
            await runControllers()
        } onCancel: {
            stop()
        }
    }

    /// Ends `run()`: workers finish the key in hand and exit, informers stop watching.
    public func stop() {
        stopped.withLock { $0 = true }
        for queue in [replicaSetQueue, deploymentQueue, jobQueue, volumeQueue, statefulSetQueue] { queue.shutdown() }
    }

    private var isStopped: Bool { stopped.withLock { $0 } }

    private func runControllers() async {
        let factory = InformerFactory(client: client, logger: logger)
        let workers = options.workers
        let replicaSets = await ReplicaSetController.make(
            factory: factory, queue: replicaSetQueue, workers: workers, logger: logger)
        let deployments = await DeploymentController.make(
            factory: factory, queue: deploymentQueue, workers: workers, logger: logger)
        let jobOptions = JobOptions(
            podFailureBackoff: options.jobPodFailureBackoff.components.seconds,
            maxPodFailureBackoff: options.maxJobPodFailureBackoff.components.seconds)
        let jobs = await JobController.make(
            factory: factory, queue: jobQueue, workers: workers, options: jobOptions, logger: logger)
        let volumes = await PersistentVolumeController.make(
            factory: factory, provisioner: LocalPathProvisioner(basePath: options.localPathBase), queue: volumeQueue,
            logger: logger)
        let statefulSets = await StatefulSetController.make(
            factory: factory, queue: statefulSetQueue, workers: workers, logger: logger)
        let loops = [replicaSets.loop, deployments.loop, jobs.loop, volumes.loop, statefulSets.loop]
        await factory.start()
        logger.debug("controllers waiting for informer caches")
        if await waitForSync(factory) {
            while !isStopped, !(await volumes.ensureDefaultClass()) { try? await Task.sleep(for: .seconds(1)) }
            logger.debug("controllers running", metadata: ["controllers": "\(loops.map(\.name))"])
            await withTaskGroup(of: Void.self) { group in
                for loop in loops { group.addTask { await loop.run() } }
            }
        }
        await factory.stop()
    }

    /// Waits for every informer's first list; false when stopped first. Polls, because an
    /// unreachable server would otherwise hold a stop() forever.
    private func waitForSync(_ factory: InformerFactory) async -> Bool {
        while !isStopped {
            if await factory.hasSynced { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return false
    }
}
