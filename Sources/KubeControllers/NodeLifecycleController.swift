import KubeClient
import KubeControllersCore
import KubeTypes
import Logging
import Synchronization

/// Watches node health through the kubelets' Leases (upstream `pkg/controller/nodelifecycle`
/// plus the taint eviction controller): every monitor period, and whenever a Node or Lease
/// changes, `NodeLifecycle` decides which nodes are unreachable, how they are tainted, and which
/// pods their taints evict.
public final class NodeLifecycleController: ContextualController {
    public static let component = "node-controller"
    /// The one queue key: a pass looks at every node.
    static let passKey = "nodes"

    let context: ControllerContext
    let nodes: Informer
    let leases: Informer
    let pods: Informer
    let options: NodeLifecycleOptions
    /// Upstream `--node-monitor-period`.
    let monitorPeriod: Duration
    let evictionClock = Mutex<[String: Int64]>([:])
    /// What the last pass took to decide, which paces the passes changes ask for.
    let lastPassCost = Mutex<Duration>(.zero)

    private init(_ context: ControllerContext, options: NodeLifecycleOptions, monitorPeriod: Duration) async {
        self.context = context
        self.options = options
        self.monitorPeriod = monitorPeriod
        nodes = await context.informer(.nodes)
        leases = await context.informer(.leases)
        pods = await context.informer(.pods)
        for changes in [nodes, leases] {
            await changes.addHandler { [weak self] _ in
                guard let self else { return }
                queue.add(Self.passKey, after: Self.pause(after: lastPassCost.withLock { $0 }))
            }
        }
        queue.add(Self.passKey)
    }

    /// How long a Node or Lease change waits for its pass: nine times what the last pass took, so
    /// that change-driven passes (each sorts every node and groups every pod) take at most a tenth
    /// of the time. Run at once on every change, they took 30% of the master's CPU while 5,000
    /// nodes registered and pods were created. A small cluster's pass costs a millisecond or so:
    /// it still reacts at once.
    static func pause(after cost: Duration) -> Duration { cost * 9 }

    /// A controller on the factory's shared informers, its handlers registered and its first pass
    /// queued. One worker: passes look at every node and must not overlap.
    public static func make(
        factory: InformerFactory, queue: WorkQueue<String> = WorkQueue(),
        options: NodeLifecycleOptions = NodeLifecycleOptions(), monitorPeriod: Duration = .seconds(5), logger: Logger
    ) async -> NodeLifecycleController {
        await NodeLifecycleController(
            ControllerContext(
                name: "nodelifecycle", component: component, factory: factory, queue: queue, workers: 1,
                logger: logger),
            options: options, monitorPeriod: monitorPeriod)
    }

    public var queue: WorkQueue<String> { context.queue }
    public var loop: ControllerLoop { context.loop { [self] _ in try await sync() } }

    /// One pass over every node; the next follows after the monitor period. Every write is
    /// tried, the first failure rethrown so the pass is retried with backoff.
    public func sync() async throws {
        defer { queue.add(Self.passKey, after: monitorPeriod) }
        let clock = ContinuousClock()
        let began = clock.now
        let pass = NodeLifecycle.pass(
            nodes: await nodes.list(), leases: await leases.list(namespace: NodeLifecycle.leaseNamespace),
            pods: await pods.list(), now: now(), options: options, evictionClock: evictionClock.withLock { $0 })
        let cost = began.duration(to: clock.now)
        lastPassCost.withLock { $0 = cost }
        evictionClock.withLock { $0 = pass.evictionClock }
        var firstError: (any Error)?
        for action in pass.actions {
            do {
                try await execute(action)
            } catch let error where ControllerShell.isNotFound(error) {
                // Gone meanwhile: nothing left to do about it.
            } catch {
                firstError = firstError ?? error
            }
        }
        if let firstError { throw firstError }
    }

    private func execute(_ action: NodeLifecycleAction) async throws {
        switch action {
        case .updateNodeStatus(let node):
            _ = try await client.updateStatus(.nodes, node)
        case .updateNodeTaints(let node):
            let current = try await client.get(.nodes, name: node.name)
            var updated = current
            updated[path: ["spec", "taints"]] = node[path: ["spec", "taints"]]
            _ = try await client.update(.nodes, updated)
        case .markPodNotReady(let pod):
            _ = try await client.updateStatus(.pods, pod)
        case .evictPod(let pod, let condition):
            _ = try await client.patch(
                .pods, namespace: pod.namespace, name: pod.name, ["status": ["conditions": [condition]]],
                type: .strategic, subresource: "status")
            try await client.delete(
                .pods, namespace: pod.namespace, name: pod.name, options: .deleteOptions(uid: pod.uid))
        case .recordNodeEvent(let name, let event):
            let node = await nodes.get(name: name)
            // Events about cluster-scoped objects live in the default namespace, as upstream's.
            await events.record(
                event, about: ObjectReference(namespace: "default", name: name, uid: node?.uid ?? ""), kind: .node)
        case .recordPodEvent(let pod, let event):
            await events.record(event, about: pod, kind: .pod)
        }
    }
}

extension EventRecorder.Kind {
    public static let node = EventRecorder.Kind(apiVersion: "v1", kind: "Node")
}
