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
        /// How often each HorizontalPodAutoscaler is synced (upstream
        /// `--horizontal-pod-autoscaler-sync-period`, 15 s).
        public var hpaSyncPeriod: Duration
        /// Upstream `--node-monitor-grace-period`: how long a node's Lease may go unrenewed
        /// (while pods are bound to it) before the node is marked unreachable.
        public var nodeMonitorGracePeriod: Duration
        /// Where the `local-path` provisioner puts volume directories on the nodes.
        public var localPathBase: String

        public init(
            workers: Int = 2, jobPodFailureBackoff: Duration = .seconds(10),
            maxJobPodFailureBackoff: Duration = .seconds(360), hpaSyncPeriod: Duration = .seconds(15),
            nodeMonitorGracePeriod: Duration = .seconds(50), localPathBase: String = "/var/lib/mesokube/local-path"
        ) {
            self.workers = workers
            self.jobPodFailureBackoff = jobPodFailureBackoff
            self.maxJobPodFailureBackoff = maxJobPodFailureBackoff
            self.hpaSyncPeriod = hpaSyncPeriod
            self.nodeMonitorGracePeriod = nodeMonitorGracePeriod
            self.localPathBase = localPathBase
        }
    }

    public static let controllerNames = [
        "replicaset", "deployment", "job", "horizontalpodautoscaling", "endpoint", "endpointslice", "cronjob",
        "daemonset", "nodelifecycle", "persistentvolume-binder", "statefulset", "disruption",
    ]

    private let client: KubeClient
    private let logger: Logger
    private let options: Options
    private let clock: any Clock<Duration>
    /// Every controller's work queue, made as the controllers are, so `stop()` reaches them all;
    /// once stopped, a queue made later starts out shut down.
    private let queues = Mutex<(stopped: Bool, all: [WorkQueue<String>])>((false, []))

    /// `clock` times the work queues' retry backoff and delayed resyncs (minReadySeconds,
    /// progress and active deadlines, TTLs).
    public init(
        client: KubeClient, logger: Logger, clock: any Clock<Duration> = ContinuousClock(), options: Options = Options()
    ) {
        self.client = client
        self.logger = logger
        self.options = options
        self.clock = clock
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
        let all = queues.withLock { queues in
            queues.stopped = true
            return queues.all
        }
        for queue in all { queue.shutdown() }
    }

    private var isStopped: Bool { queues.withLock { $0.stopped } }

    /// A new controller's work queue on the manager's clock.
    private func newQueue() -> WorkQueue<String> {
        let queue = WorkQueue<String>(clock: clock)
        let stopped = queues.withLock { queues in
            queues.all.append(queue)
            return queues.stopped
        }
        if stopped { queue.shutdown() }
        return queue
    }

    private func runControllers() async {
        let factory = InformerFactory(client: client, logger: logger)
        let workers = options.workers
        let replicaSets = await ReplicaSetController.make(
            factory: factory, queue: newQueue(), workers: workers, logger: logger)
        let deployments = await DeploymentController.make(
            factory: factory, queue: newQueue(), workers: workers, logger: logger)
        let jobOptions = JobOptions(
            podFailureBackoff: options.jobPodFailureBackoff.components.seconds,
            maxPodFailureBackoff: options.maxJobPodFailureBackoff.components.seconds)
        let jobs = await JobController.make(
            factory: factory, queue: newQueue(), workers: workers, options: jobOptions, logger: logger)
        let autoscalers = await HPAController.make(
            factory: factory, queue: newQueue(), syncPeriod: options.hpaSyncPeriod, logger: logger)
        let disruption = await DisruptionController.make(
            factory: factory, queue: newQueue(), workers: workers, logger: logger)
        var loops = [replicaSets.loop, deployments.loop, jobs.loop, autoscalers.loop, disruption.loop]
        loops += await serviceLoops(factory, workers: workers)
        loops.append(
            await CronJobController.make(factory: factory, queue: newQueue(), workers: workers, logger: logger).loop)
        loops += await nodeLoops(factory, workers: workers)
        let storage = await storageLoops(factory, workers: workers)
        loops += storage.loops
        await factory.start()
        logger.debug("controllers waiting for informer caches")
        if await waitForSync(factory) {
            while !isStopped, !(await storage.volumes.ensureDefaultClass()) {
                try? await Task.sleep(for: .seconds(1))
            }
            logger.debug("controllers running", metadata: ["controllers": "\(loops.map(\.name))"])
            await withTaskGroup(of: Void.self) { group in
                for loop in loops { group.addTask { await loop.run() } }
            }
        }
        await factory.stop()
    }

    /// Persistent volumes (binding, the local-path provisioner) and the StatefulSets that claim them;
    /// the volume controller also creates the default StorageClass once the caches are filled.
    private func storageLoops(
        _ factory: InformerFactory, workers: Int
    ) async -> (loops: [ControllerLoop], volumes: PersistentVolumeController) {
        let volumes = await PersistentVolumeController.make(
            factory: factory, provisioner: LocalPathProvisioner(basePath: options.localPathBase), queue: newQueue(),
            logger: logger)
        let statefulSets = await StatefulSetController.make(
            factory: factory, queue: newQueue(), workers: workers, logger: logger)
        return ([volumes.loop, statefulSets.loop], volumes)
    }

    /// DaemonSets and node lifecycle (readiness from Leases, taints, taint-based eviction).
    private func nodeLoops(_ factory: InformerFactory, workers: Int) async -> [ControllerLoop] {
        let daemonSets = await DaemonSetController.make(
            factory: factory, queue: newQueue(), workers: workers, logger: logger)
        let nodeLifecycle = await NodeLifecycleController.make(
            factory: factory, queue: newQueue(),
            options: NodeLifecycleOptions(gracePeriod: options.nodeMonitorGracePeriod.components.seconds),
            logger: logger)
        return [daemonSets.loop, nodeLifecycle.loop]
    }

    /// The controllers that publish where Services' pods are: Endpoints and EndpointSlices.
    private func serviceLoops(_ factory: InformerFactory, workers: Int) async -> [ControllerLoop] {
        let endpoints = await EndpointsController.make(
            factory: factory, queue: newQueue(), workers: workers, logger: logger)
        let slices = await EndpointSliceController.make(
            factory: factory, queue: newQueue(), workers: workers, logger: logger)
        let loadBalancers = await ServiceLoadBalancerController.make(
            factory: factory, queue: newQueue(), logger: logger)
        return [endpoints.loop, slices.loop, loadBalancers.loop]
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
