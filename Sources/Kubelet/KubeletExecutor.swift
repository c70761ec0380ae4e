import Containerizer
import ExecutorKit
import Foundation
import KubeClient
import KubeTypes
import KubeletServer
import Logging
import MesosModel

/// The kubelet as a Mesos executor of the kube framework: each task it is given is a pod (the
/// pod object in `TaskInfo.data`). It binds the pod to its node, runs it with a `PodWorker`,
/// follows the pod in the API server (updates, deletion), and reports the task's state back:
/// RUNNING once the pod runs, then FINISHED, FAILED or KILLED.
public actor KubeletExecutor: ExecutorEventHandler {
    let context: PodWorkerContext
    /// Workers by task id, and task ids by pod uid.
    var workers: [TaskID: PodWorker] = [:]
    var tasksByPod: [String: TaskID] = [:]
    /// Task ids by `namespace/name`, for the kubelet's server.
    var tasksByName: [String: TaskID] = [:]
    /// TASK_STARTING updates still being sent, which the task's next update waits for.
    var startingUpdates: [TaskID: Task<Void, Never>] = [:]
    var driver: ExecutorDriver?
    var informer: Informer?
    let heartbeat: NodeHeartbeat
    let stats = ContainerStats()
    var statsSampler: Task<Void, Never>?
    var podRouter: PodRouter?
    var shuttingDown = false

    /// How long the agent waits after SHUTDOWN before it kills this executor.
    let shutdownGracePeriod: Duration

    public init(
        settings: KubeletSettings, client: KubeClient, logger: Logger, shutdownGracePeriod: Duration = .seconds(5)
    ) throws {
        self.shutdownGracePeriod = shutdownGracePeriod
        let runtime = try ContainerRuntime(root: settings.root, registry: settings.registry)
        let network = try settings.podNetwork.map { try PodNetwork($0) }
        let client = client.managed(by: "kubelet")
        context = PodWorkerContext(
            settings: settings, client: client, runtime: runtime, network: network,
            events: EventRecorder(client: client, component: "kubelet", host: settings.nodeName, logger: logger),
            logger: logger, services: Informer(client: client, resource: .services, logger: logger))
        heartbeat = NodeHeartbeat(client: context.client, nodeName: settings.nodeName, logger: logger)
    }

    /// Follows the pods bound to this node and keeps the node's Lease; call before the driver
    /// runs. `serverPort` is where the kubelet's own server (logs, exec) listens, if it has one.
    public func start(serverPort: Int? = nil) async {
        await heartbeat.start()
        await heartbeat.publish(podCIDR: settings.podNetwork?.subnet.description, kubeletPort: serverPort)
        if let network = context.network {
            do {
                _ = try await Blocking.run { try network.ensureBridge() }
            } catch {
                context.logger.error("pod network bridge not created", metadata: ["error": "\(error)"])
            }
        }
        await removeLeftovers()
        await startPodRoutes()
        await context.services.start()
        let informer = Informer(
            client: context.client, resource: .pods, fieldSelector: "spec.nodeName=\(context.settings.nodeName)",
            logger: context.logger)
        await informer.addHandler { [weak self] event in
            Task { await self?.podEvent(event) }
        }
        await informer.start()
        self.informer = informer
        statsSampler = Task { [weak self] in
            // CPU rates need a reading a window earlier: keep one fresh even when nobody asks.
            while !Task.isCancelled {
                _ = await self?.statsSummary()
                try? await Task.sleep(for: .seconds(10))
            }
        }
    }

    /// `GET /stats/summary`: the node's and its pods' usage.
    func statsSummary() async -> JSON {
        var pods: [PodUsageTargets] = []
        for worker in workers.values { pods.append(await worker.usageTargets) }
        return await stats.summary(nodeName: settings.nodeName, pods: pods)
    }

    /// Routes to the pod networks of nodes on other hosts; only with a pod network of its own.
    func startPodRoutes() async {
        guard context.network != nil else { return }
        do {
            let router = PodRouter(
                nodeName: settings.nodeName, client: context.client, table: try RouteTable(), logger: context.logger)
            await router.start()
            podRouter = router
        } catch {
            context.logger.error("pod routes not kept: \(error)")
        }
    }

    public func stop() async {
        await podRouter?.stop()
        statsSampler?.cancel()
        await informer?.stop()
        await context.services.stop()
        await heartbeat.stop()
    }

    var settings: KubeletSettings { context.settings }

    // MARK: - Executor events

    public func launch(_ driver: ExecutorDriver, task: TaskInfo) async {
        self.driver = driver
        guard let data = task.data, let bytes = Base64.decode(data), let pod = try? JSONReader.parse(bytes),
            pod["kind"]?.stringValue == "Pod"
        else {
            await send(
                task.taskID, .failed, reason: TaskStatusReason.taskInvalid, message: "the task's data is not a pod")
            return
        }
        do {
            try await bind(pod)
        } catch {
            await send(
                task.taskID, .failed, reason: TaskStatusReason.taskInvalid,
                message: "binding pod \(pod.namespace)/\(pod.name) to \(settings.nodeName) failed: \(error)")
            return
        }
        let bound = (try? await context.client.get(.pods, namespace: pod.namespace, name: pod.name)) ?? pod
        let taskID = task.taskID
        let worker = PodWorker(pod: bound, context: context) { [weak self] report in
            await self?.workerReported(taskID, report)
        }
        workers[taskID] = worker
        tasksByPod[pod.uid] = taskID
        tasksByName[pod.namespace + "/" + pod.name] = taskID
        // The pod starts while TASK_STARTING is on its way (awaited first, one round trip to
        // the agent was 15 ms of the pod's start); RUNNING waits for it, so the agent sees them in order.
        startingUpdates[taskID] = Task { await send(taskID, .starting, message: "pod bound to \(settings.nodeName)") }
        await worker.start()
    }

    public func kill(_ driver: ExecutorDriver, taskID: TaskID, killPolicy: KillPolicy?) async {
        self.driver = driver
        guard let worker = workers[taskID] else {
            await send(taskID, .killed, message: "the pod was not running on this node")
            return
        }
        let grace = killPolicy?.gracePeriod.map { Int64($0.seconds.rounded(.up)) }
        await worker.kill(gracePeriodSeconds: grace)
    }

    /// SHUTDOWN: the node is going away. Pods stop within the agent's shutdown grace period,
    /// less the time their sandboxes take to tear down, and stay in the API server as Failed
    /// (upstream's graceful node shutdown); their tasks end KILLED.
    public func shutdown(_ driver: ExecutorDriver) async {
        self.driver = driver
        shuttingDown = true
        let grace = shutdownGracePeriod.components.seconds
        for worker in workers.values { await worker.shutDown(gracePeriodSeconds: max(0, grace - 2)) }
        let deadline = ContinuousClock.now + shutdownGracePeriod - .milliseconds(500)
        while !workers.isEmpty, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(100))
        }
        await stop()
    }

    /// What an earlier kubelet of this node left (it was killed before it could stop its pods):
    /// containers and pod network namespaces. Nothing of this kubelet runs yet, and running pods
    /// are not adopted, so all of it goes.
    func removeLeftovers() async {
        let runtime = context.runtime
        let containers = (try? await Blocking.run { runtime.removeLeftovers() }) ?? []
        var namespaces: [String] = []
        if let network = context.network {
            do {
                namespaces = try await Blocking.run { try Self.tearDownLeftovers(network) }
            } catch {
                context.logger.warning("leftover pod networks not torn down", metadata: ["error": "\(error)"])
            }
        }
        if !containers.isEmpty || !namespaces.isEmpty {
            context.logger.info(
                "removed what an earlier kubelet left",
                metadata: ["containers": "\(containers.count)", "pod networks": "\(namespaces.count)"])
        }
    }

    static func tearDownLeftovers(_ network: PodNetwork) throws -> [String] {
        let inventory = try network.recover()
        let podIDs = Set(
            inventory.pods.map(\.podID) + inventory.podIDsWithoutAddress + inventory.addressesWithoutNamespace.keys)
        for podID in podIDs.sorted() { try network.tearDown(podID: podID) }
        return podIDs.sorted()
    }

    /// The worker of the pod `namespace/name` on this node, if it runs here.
    func worker(namespace: String, name: String) -> PodWorker? {
        tasksByName[namespace + "/" + name].flatMap { workers[$0] }
    }

    /// How the kubelet's server reaches this executor's containers.
    public nonisolated var containerAccess: any KubeletContainerAccess { KubeletAccess(executor: self) }

    // MARK: - Pods from the API server

    func podEvent(_ event: InformerEvent) async {
        switch event {
        case .added(let pod), .updated(_, let pod):
            guard let taskID = tasksByPod[pod.uid], let worker = workers[taskID] else { return }
            await worker.updated(pod)
        case .deleted(let pod):
            guard let taskID = tasksByPod[pod.uid], let worker = workers[taskID] else { return }
            await worker.vanished()
        }
    }

    /// `pods/binding`, as the scheduler would: done here, when the task arrives, so a pod is
    /// never bound to a node where nothing runs it.
    func bind(_ pod: JSON) async throws {
        if let node = pod[path: ["spec", "nodeName"]]?.stringValue, !node.isEmpty {
            guard node == settings.nodeName else { throw KubeletError("the pod is bound to \(node)") }
            return
        }
        let binding: JSON = [
            "apiVersion": "v1", "kind": "Binding",
            "metadata": ["name": .string(pod.name), "namespace": .string(pod.namespace), "uid": .string(pod.uid)],
            "target": ["apiVersion": "v1", "kind": "Node", "name": .string(settings.nodeName)],
        ]
        _ = try await context.client.create(
            .pods, namespace: pod.namespace, name: pod.name, subresource: "binding", binding)
    }

    func workerReported(_ taskID: TaskID, _ report: PodWorkerReport) async {
        await startingUpdates.removeValue(forKey: taskID)?.value
        switch report {
        case .running:
            await send(taskID, .running, message: "pod running")
        case .stopped(let phase, let deleted, let message):
            workers.removeValue(forKey: taskID)
            tasksByPod = tasksByPod.filter { $0.value != taskID }
            tasksByName = tasksByName.filter { $0.value != taskID }
            let state: TaskState = deleted || shuttingDown ? .killed : phase == "Succeeded" ? .finished : .failed
            await send(taskID, state, message: message ?? "pod \(deleted ? "deleted" : phase)")
        }
    }

    func send(_ taskID: TaskID, _ state: TaskState, reason: String? = nil, message: String) async {
        guard let driver else { return }
        var status = TaskStatus(taskID: taskID, state: state)
        status.message = message
        status.reason = reason
        await driver.update(status)
    }
}

struct KubeletError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
