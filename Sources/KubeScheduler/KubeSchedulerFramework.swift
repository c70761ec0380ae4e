import Foundation
import FrameworkKit
import KubeClient
import KubeSchedulerCore
import KubeTypes
import Logging
import MesosModel

/// The Kubernetes scheduler as a framework of the master: it holds the offers the master sends,
/// places pending pods on offered agents with `KubeSchedulerCore`, and launches as many pods as fit
/// into one ACCEPT per agent, each a task whose executor is that agent's kubelet. It suppresses
/// offers while nothing is pending and declines what it cannot use at once, so other frameworks
/// get it. Pods are bound by the kubelet when their task arrives, so a pod is never bound to a node
/// where no task runs for it.
public actor KubeSchedulerFramework: SchedulerEventHandler {
    public struct Options: Sendable {
        public var role = "kubernetes"
        public var schedulerName = "default-scheduler"
        public var kubelet: PodTask.Kubelet
        /// How long a declined offer stays away from this framework (Mesos' default is 5 s).
        public var declineSeconds = 1.0
        /// Back-off of a pod that did not fit: doubles from `initialBackoff` to `maxBackoff`.
        public var initialBackoff = 1.0
        public var maxBackoff = 10.0
        public var seed: UInt64 = 1
        /// The part of an offer's cpus one scheduling cycle may use; the rest returns to the
        /// allocator at once. 1 packs whole offers (fastest); lower values trade pod start-up for
        /// staying near the DRF share when other frameworks compete for the same agents.
        public var offerShare = 0.5
        /// How long a pod waits for offers before it may preempt on an agent that offers nothing
        /// now. Resources can be free there but held back by a decline filter or the allocation
        /// interval; evicting pods for them at once would be needless.
        public var preemptionOfferWait = 3.0
        /// A framework learns of agents only from offers. While it is suppressed (nothing pending),
        /// it revives this often so agents that registered since become Nodes (their offers are
        /// declined at once and it suppresses again). 0 turns discovery off.
        public var nodeDiscoveryInterval = 30.0

        public init(kubelet: PodTask.Kubelet) { self.kubelet = kubelet }
    }

    struct Launch: Sendable {
        var taskID: TaskID
        var agentID: AgentID
        var nodeName: String
        var pod: JSON
    }

    let options: Options
    let client: KubeClient
    let events: EventRecorder
    let pods: Informer
    let nodes: Informer
    let logger: Logger
    var driver: SchedulerDriver?
    var frameworkID: FrameworkID?
    var offers: [OfferID: Offer] = [:]
    var launches: [String: Launch] = [:]
    /// Last FailedScheduling message per pod, so an unchanged verdict is not written again.
    var reported: [String: String] = [:]
    /// The unschedulable verdicts being written, one after the other (see `reportUnschedulable`).
    var reportWrites: Task<Void, Never>?
    var backoff: [String: (attempts: Int, until: Double)] = [:]
    /// When each pending pod was first seen by a cycle (for `preemptionOfferWait`).
    var pendingSince: [String: Double] = [:]
    var capacity: [AgentID: ResourceOffer] = [:]
    var nodeNames: [AgentID: String] = [:]
    var suppressed = false
    var cyclePending = false
    var cycleRunning = false
    var cycleRequested = false
    var random: SplitMix64
    /// Claims, volumes and classes for the VolumeBinding plugin; nil schedules as if no pod had claims.
    var volumeInformers: VolumeInformers?
    var nodeDiscovery: Task<Void, Never>?
    /// PodDisruptionBudgets for preemption; nil preempts as if there were none.
    var disruptionBudgets: Informer?

    public init(options: Options, client: KubeClient, pods: Informer, nodes: Informer, logger: Logger) {
        self.options = options
        self.client = client.managed(by: options.schedulerName)
        self.events = EventRecorder(client: self.client, component: options.schedulerName, logger: logger)
        self.pods = pods
        self.nodes = nodes
        self.logger = logger
        self.random = SplitMix64(seed: options.seed)
    }

    /// The FrameworkInfo to subscribe with.
    public static func frameworkInfo(role: String, id: FrameworkID? = nil) -> FrameworkInfo {
        var info = FrameworkInfo(user: "root", name: "kubernetes", id: id, failoverTimeout: 7 * 24 * 3600)
        info.roles = [role]
        info.checkpoint = true
        // PARTITION_AWARE: a pod on an agent that went unreachable may still be running, so its
        // task is TASK_UNREACHABLE, not a TASK_LOST that would fail the pod and let a StatefulSet
        // start a second copy. The node lifecycle controller decides, by the pod's tolerations.
        info.capabilities = [
            FrameworkInfo.Capability(type: "MULTI_ROLE"), FrameworkInfo.Capability(type: "PARTITION_AWARE"),
        ]
        return info
    }

    /// Pod changes wake a scheduling cycle; call once before the driver runs.
    public func watchPods() async {
        await pods.addHandler { [weak self] event in
            Task { await self?.podChanged(event) }
        }
    }

    // MARK: Events from the master

    public func subscribed(_ driver: SchedulerDriver, _ subscription: Subscription) async {
        self.driver = driver
        frameworkID = subscription.frameworkID
        suppressed = await driver.suppressedRoleNames.contains(options.role)
        offers.removeAll()
        // Learn what became of tasks launched before a failover or reconnection.
        try? await driver.reconcile()
        scheduleSoon()
        startNodeDiscovery()
    }

    func startNodeDiscovery() {
        guard nodeDiscovery == nil, options.nodeDiscoveryInterval > 0 else { return }
        let interval = Duration.milliseconds(Int64(options.nodeDiscoveryInterval * 1000))
        nodeDiscovery = Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                await self?.discoverNodes()
            }
        }
    }

    /// Revives a suppressed framework once; the offers that follow name every agent.
    func discoverNodes() async {
        guard suppressed, let driver else { return }
        try? await driver.revive(roles: [options.role])
        suppressed = false
    }

    /// Reads PodDisruptionBudgets from this informer from now on (preemption avoids violating them).
    public func useDisruptionBudgets(_ informer: Informer) { disruptionBudgets = informer }

    /// Ends node discovery (the driver is stopped separately).
    public func stopNodeDiscovery() {
        nodeDiscovery?.cancel()
        nodeDiscovery = nil
    }

    public func offers(_ driver: SchedulerDriver, _ offers: [Offer]) async {
        self.driver = driver
        for offer in offers {
            self.offers[offer.id] = offer
            noteAgent(offer)
        }
        // New offers are what upstream calls a cluster event: every pod that did not fit is
        // tried again now, not after its back-off (which only spaces retries while nothing changes).
        backoff.removeAll()
        // At once: the master already batched them, and a pod may be waiting for just these.
        scheduleSoon(after: .zero)
    }

    public func rescind(_ driver: SchedulerDriver, _ offerID: OfferID) async {
        offers.removeValue(forKey: offerID)
    }

    public func disconnected(_ driver: SchedulerDriver, reason: String) async {
        offers.removeAll()
    }

    public func update(_ driver: SchedulerDriver, _ status: TaskStatus) async {
        guard status.state.isTerminal else { return }
        guard let (key, launch) = launches.first(where: { $0.value.taskID == status.taskID }) else { return }
        launches.removeValue(forKey: key)
        await taskEnded(key: key, launch: launch, status: status)
        scheduleSoon()
    }

    public func failure(_ driver: SchedulerDriver, agentID: AgentID?, executorID: ExecutorID?, status: Int32?) async {
        guard let agentID, executorID == nil, let name = nodeNames[agentID] else { return }
        await markNodeLost(name)
    }

    // MARK: Pods

    func podChanged(_ event: InformerEvent) async {
        let pod = event.object
        let key = pod.namespace + "/" + pod.name
        var gone = false
        if case .deleted = event { gone = true }
        if gone || pod[path: ["metadata", "deletionTimestamp"]] != nil, let launch = launches[key],
            launch.pod.uid == pod.uid
        {
            // A pod deleted before its kubelet bound it: nobody else will stop its task.
            if (pod[path: ["spec", "nodeName"]]?.stringValue ?? "").isEmpty {
                try? await driver?.kill(taskID: launch.taskID, agentID: launch.agentID)
            }
        }
        if gone {
            reported.removeValue(forKey: key)
            backoff.removeValue(forKey: key)
            pendingSince.removeValue(forKey: key)
        }
        // Suppressed, nothing was waiting: the cycle runs at once and revives, and the offers
        // that answer start the next. Waiting first, then reviving from that cycle, cost the pod
        // two waits: 47 ms of a 110 ms pod start on an idle node. Revives stay in the cycles,
        // which never overlap, so a SUPPRESS cannot pass them unseen.
        if !gone, isPending(pod) { scheduleSoon(after: suppressed ? .zero : .milliseconds(5)) }
    }

    func isPending(_ pod: JSON) -> Bool {
        let key = pod.namespace + "/" + pod.name
        let phase = pod[path: ["status", "phase"]]?.stringValue ?? ""
        let scheduler = pod[path: ["spec", "schedulerName"]]?.stringValue ?? "default-scheduler"
        return (pod[path: ["spec", "nodeName"]]?.stringValue ?? "").isEmpty
            && pod[path: ["metadata", "deletionTimestamp"]] == nil && phase != "Succeeded" && phase != "Failed"
            && scheduler == options.schedulerName && launches[key] == nil
    }

    /// Coalesces bursts of events (a Deployment creating 10 pods) into one cycle: it waits `wait`
    /// for the pods created with the first, and those arriving while a cycle runs wait for the
    /// next. 20 ms of wait were a fifth of an idle node's pod start.
    func scheduleSoon(after wait: Duration = .milliseconds(5)) {
        guard !cyclePending else { return }
        cyclePending = true
        Task {
            if wait > .zero { try? await Task.sleep(for: wait) }
            await self.cycle()
        }
    }
}
