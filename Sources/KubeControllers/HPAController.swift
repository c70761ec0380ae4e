import KubeClient
import KubeControllersCore
import KubeTypes
import Logging
import Synchronization

/// The horizontal pod autoscaler (upstream `pkg/controller/podautoscaler`): every sync period
/// each HorizontalPodAutoscaler reads its target's `/scale`, the selected pods and their usage
/// from metrics.k8s.io (all through the API server, as upstream does), lets `HPAReconciler`
/// decide, then writes `/scale` and the HPA's status.
public final class HPAController: ContextualController {
    public static let component = "horizontal-pod-autoscaler"
    static let podMetrics = KubeResource("metrics.k8s.io", "v1beta1", "pods")

    let context: ControllerContext
    let hpas: Informer
    let pods: Informer
    let syncPeriod: Duration
    /// Recommendations and scale events by HPA key (upstream keeps them in the controller too:
    /// a restart forgets them, which only shortens a stabilization window once).
    let histories = Mutex<[String: HPAHistory]>([:])
    /// When each HPA's next periodic sync is due (epoch seconds).
    let nextSync = Mutex<[String: Int64]>([:])

    private init(_ context: ControllerContext, syncPeriod: Duration) async {
        self.context = context
        self.syncPeriod = syncPeriod
        hpas = await context.informer(.horizontalPodAutoscalers)
        pods = await context.informer(.pods)
        await context.enqueue(from: hpas) { [self] event in keys(for: event) }
    }

    /// A controller on the factory's shared informers, its handler registered. One worker: an
    /// HPA's sync is a handful of reads and at most two writes, and each HPA comes back once per
    /// period.
    public static func make(
        factory: InformerFactory, queue: WorkQueue<String> = WorkQueue(), syncPeriod: Duration, logger: Logger
    ) async -> HPAController {
        await HPAController(
            ControllerContext(
                name: "horizontalpodautoscaler", component: component, factory: factory, queue: queue, workers: 1,
                logger: logger),
            syncPeriod: syncPeriod)
    }

    public var queue: WorkQueue<String> { context.queue }
    public var loop: ControllerLoop { context.loop { [self] key in try await sync(key) } }

    /// An HPA's own key, unless the change is its own status write (the next periodic sync is
    /// soon enough for that); a deleted HPA's history goes.
    private func keys(for event: InformerEvent) -> [String] {
        let key = Informer.key(event.object)
        switch event {
        case .deleted:
            histories.withLock { _ = $0.removeValue(forKey: key) }
            nextSync.withLock { _ = $0.removeValue(forKey: key) }
        case .updated(let old, let new) where old["spec"] == new["spec"]:
            return []
        default:
            break
        }
        return [key]
    }

    func sync(_ key: String) async throws {
        guard let hpa = await hpas.get(key: key) else { return }
        let now = now()
        scheduleNextSync(key, now: now)
        let scale = await readScale(hpa)
        var pods: [JSON] = []
        var metrics: Result<[String: PodResourceUsage], HPAMetricError> = .success([:])
        if case .found(_, let selector) = scale {
            pods = await selectedPods(namespace: hpa.namespace, selector: selector)
            metrics = await podUsage(namespace: hpa.namespace, selector: selector)
        }
        let history = histories.withLock { $0[key] ?? HPAHistory() }
        let input = HPAInput(hpa: hpa, scale: scale, pods: pods, metrics: metrics, now: now)
        let decision = HPAReconciler.reconcile(input, history: history)
        histories.withLock { $0[key] = decision.history }
        var status = decision.status
        var events = decision.events
        if let replicas = decision.newReplicas {
            do {
                try await writeScale(hpa, replicas: replicas)
            } catch {
                let (failed, event) = HPAReconciler.rescaleFailed(decision, error: "\(error)", now: now)
                status = failed
                events = events.filter { $0.reason != "SuccessfulRescale" } + [event]
            }
        }
        for event in events {
            await self.events.record(event, about: ObjectReference(hpa), kind: .horizontalPodAutoscaler)
        }
        guard status != hpa["status"] else { return }
        var updated = hpa
        updated["status"] = status
        _ = try await client.updateStatus(.horizontalPodAutoscalers, updated)
    }

    /// Upstream resyncs every HPA once per period, whatever else queued it meanwhile: one
    /// delayed add per period, not one per sync.
    func scheduleNextSync(_ key: String, now: Int64) {
        let period = max(syncPeriod.components.seconds, 1)
        let due = nextSync.withLock { pending -> Bool in
            if let next = pending[key], next > now { return false }
            pending[key] = now + period
            return true
        }
        if due { queue.add(key, after: syncPeriod) }
    }

    /// The `/scale` resource of `spec.scaleTargetRef`.
    static func scaleResource(_ reference: JSON) -> KubeResource? {
        let apiVersion = reference["apiVersion"]?.stringValue ?? ""
        let group = apiVersion.contains("/") ? String(apiVersion.split(separator: "/")[0]) : ""
        switch (group, reference["kind"]?.stringValue ?? "") {
        case ("apps", "Deployment"): return .deployments
        case ("apps", "ReplicaSet"): return .replicaSets
        case ("apps", "StatefulSet"): return .statefulSets
        default: return nil
        }
    }

    func readScale(_ hpa: JSON) async -> HPAInput.Scale {
        let reference = hpa[path: ["spec", "scaleTargetRef"]] ?? .emptyObject
        let name = reference["name"]?.stringValue ?? ""
        guard let resource = Self.scaleResource(reference) else {
            let kind = reference["kind"]?.stringValue ?? ""
            let apiVersion = reference["apiVersion"]?.stringValue ?? ""
            return .failed("unable to determine resource for scale target reference: \(apiVersion), Kind=\(kind)")
        }
        do {
            let scale = try await client.get(resource, namespace: hpa.namespace, name: name, subresource: "scale")
            let replicas = Int32(clamping: scale[path: ["spec", "replicas"]]?.intValue ?? 0)
            return .found(replicas: replicas, selector: scale[path: ["status", "selector"]]?.stringValue ?? "")
        } catch {
            return .failed("\(error)")
        }
    }

    func writeScale(_ hpa: JSON, replicas: Int32) async throws {
        let reference = hpa[path: ["spec", "scaleTargetRef"]] ?? .emptyObject
        guard let resource = Self.scaleResource(reference) else { return }
        _ = try await client.patch(
            resource, namespace: hpa.namespace, name: reference["name"]?.stringValue ?? "",
            ["spec": ["replicas": .int(Int64(replicas))]], subresource: "scale")
    }

    func selectedPods(namespace: String, selector: String) async -> [JSON] {
        guard let parsed = try? LabelSelector(parsing: selector) else { return [] }
        return await pods.list(namespace: namespace).filter { parsed.matches($0.labels) }
    }

    /// Usage by pod from metrics.k8s.io (cpu in millicores, memory in bytes), summed over
    /// containers, as upstream's resource metrics client does.
    func podUsage(namespace: String, selector: String) async -> Result<[String: PodResourceUsage], HPAMetricError> {
        do {
            let list = try await client.list(Self.podMetrics, namespace: namespace, labelSelector: selector)
            var usage: [String: PodResourceUsage] = [:]
            for item in list["items"]?.arrayValue ?? [] {
                var total = PodResourceUsage(
                    cpuMillis: 0, memoryBytes: 0, timestamp: item["timestamp"]?.stringValue.flatMap(Timestamp.parse),
                    windowSeconds: Self.seconds(item["window"]?.stringValue))
                for container in item["containers"]?.arrayValue ?? [] {
                    let cpu = container[path: ["usage", "cpu"]]?.stringValue.flatMap { try? Quantity(parsing: $0) }
                    let memory = container[path: ["usage", "memory"]]?.stringValue.flatMap {
                        try? Quantity(parsing: $0)
                    }
                    total.cpuMillis += cpu?.milliValue ?? 0
                    total.memoryBytes += memory?.value ?? 0
                }
                usage[item.name] = total
            }
            return .success(usage)
        } catch {
            return .failure(HPAMetricError("\(error)"))
        }
    }
}

extension HPAController {
    /// A metrics window such as `10s` or `1m0s` (Go's duration text) in whole seconds; 0 if unreadable.
    static func seconds(_ text: String?) -> Int64 {
        guard let text, !text.isEmpty else { return 0 }
        var rest = Substring(text)
        var total: Double = 0
        while !rest.isEmpty {
            let digits = rest.prefix { $0.isNumber || $0 == "." }
            let unit = rest.dropFirst(digits.count).prefix { $0.isLetter }
            guard let value = Double(digits), !unit.isEmpty else { return 0 }
            switch unit {
            case "h": total += value * 3600
            case "m": total += value * 60
            case "s": total += value
            case "ms": total += value / 1000
            default: return 0
            }
            rest = rest.dropFirst(digits.count + unit.count)
        }
        return Int64(total.rounded())
    }
}

extension EventRecorder.Kind {
    public static let horizontalPodAutoscaler = EventRecorder.Kind(
        apiVersion: "autoscaling/v2", kind: "HorizontalPodAutoscaler")
}
