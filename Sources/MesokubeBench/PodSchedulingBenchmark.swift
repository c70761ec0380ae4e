import Foundation
import KubeClient
import KubeTypes
import NIOConcurrencyHelpers

/// Pod scheduling throughput end to end, as kube-scheduler's scheduler_perf and kubemark measure it:
/// a real `mesokube master` (API server, controllers, the kube scheduler framework) and hollow
/// agents that bind the pods they are sent (the kubelet's first step here). The pods are created
/// through the API by concurrent clients; a watch sees each pod's `spec.nodeName` appear. Throughput
/// is pods over the time from the first create to the last binding; latency is per pod, from its
/// create request to its binding seen on the watch.
enum PodSchedulingBenchmark {
    struct Settings {
        var agents: Int
        var pods: Int
        var clients: Int
        /// Where to write pods created and bound per second (CSV), for the plot in the docs.
        var timeline: String? = nil
    }

    static let namespace = "default"

    static func run(_ settings: Settings) async throws -> [BenchFigure] {
        let master = try BenchMaster(name: "pods", kube: true, marathon: false)
        defer { master.stop() }
        try await master.ready()
        return try await master.withKubeClient(fieldManager: "hollow-kubelet") { binder in
            let agents = HollowFleet.Options(
                count: settings.agents, resources: "cpus:64;mem:262144;disk:1048576;ports:[31000-32000]", kube: binder)
            return try await HollowFleet.with(agents, master: master.address) { fleet in
                try await master.withKubeClient(fieldManager: "mesokube-bench") { client in
                    try await measure(settings, client: client, fleet: fleet)
                }
            }
        }
    }

    static func measure(_ settings: Settings, client: KubeClient, fleet: HollowFleet) async throws -> [BenchFigure] {
        try await fleet.wait("\(settings.agents) agents registered", limit: .seconds(300)) {
            $0.registered >= settings.agents
        }
        try await waitForNodes(client, count: settings.agents, limit: .seconds(600))
        let clock = ContinuousClock()
        let tracker = BindTracker()
        let start = try await client.listAll(.pods, namespace: namespace)
        let events = try await client.watch(
            .pods, namespace: namespace, resourceVersion: start.resourceVersion, timeoutSeconds: 3600)
        let watcher = Task {
            for try await event in events {
                guard let node = event.object[path: ["spec", "nodeName"]]?.stringValue, !node.isEmpty else {
                    continue
                }
                tracker.bound(event.object.name, at: clock.now)
            }
        }
        defer { watcher.cancel() }
        let began = clock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<settings.clients {
                group.addTask {
                    for index in stride(from: worker, to: settings.pods, by: settings.clients) {
                        let sent = clock.now
                        let pod = Self.pod(index)
                        _ = try await client.create(.pods, namespace: namespace, pod)
                        tracker.created(pod.name, at: sent)
                    }
                }
            }
            try await group.waitForAll()
        }
        let created = began.duration(to: clock.now)
        let deadline = clock.now + .seconds(900)
        while tracker.boundCount < settings.pods {
            guard clock.now < deadline else {
                throw BenchError("\(tracker.boundCount) of \(settings.pods) pods bound after 900 s; \(fleet.counters)")
            }
            try await Task.sleep(for: .milliseconds(5))
        }
        let summary = tracker.summary(since: began)
        if let path = settings.timeline {
            try tracker.timelineCSV(since: began).write(toFile: path, atomically: true, encoding: .utf8)
        }
        let size = "\(settings.pods) pods, \(settings.agents) hollow agents, \(settings.clients) clients"
        var details: [String: Double] = [
            "pods": Double(settings.pods), "agents": Double(settings.agents), "clients": Double(settings.clients),
            "create_seconds": created.seconds, "bound_seconds": summary.lastBound.seconds,
            "latency_p50_s": summary.latency.percentile(50).seconds,
            "latency_p99_s": summary.latency.percentile(99).seconds,
        ]
        let churn = fleet.counters
        // A stream lost mid-run (the agent re-registers) is churn the figure includes: say so.
        if churn.reregistered > 0 || churn.registrationFailures > 0 || churn.bindFailures > 0 || churn.callFailures > 0
        {
            print(
                "pod-scheduling: \(churn.reregistered) re-registrations, \(churn.registrationFailures) failed "
                    + "registrations, \(churn.bindFailures) failed bindings, \(churn.callFailures) calls lost; "
                    + "last error: \(churn.lastError ?? "none")")
        }
        details["reregistrations"] = Double(churn.reregistered)
        details["bind_failures"] = Double(churn.bindFailures)
        return [
            BenchFigure(
                name: "pod_scheduling.throughput", measure: "Pod scheduling, \(size): created → bound",
                value: Double(settings.pods) / summary.lastBound.seconds, unit: "pods/s", target: "≥ 5,000 pods/s",
                anchor: "scheduler_perf SchedulingBasic 680–810 pods/s; Nomad C1M ≈3,750/s", details: details),
            BenchFigure(
                name: "pod_scheduling.create_rate", measure: "Pod scheduling, \(size): creates alone",
                value: Double(settings.pods) / created.seconds, unit: "pods/s", details: details),
            BenchFigure(
                name: "pod_scheduling.latency_p99", measure: "Pod scheduling, \(size): create → bound p99",
                value: summary.latency.percentile(99).seconds, unit: "s", details: details),
        ]
    }

    static func pod(_ index: Int) -> JSON {
        [
            "apiVersion": "v1", "kind": "Pod",
            "metadata": ["name": .string("bench-\(index)"), "labels": ["app": "bench"]],
            "spec": [
                "containers": [
                    [
                        "name": "c", "image": "none", "command": ["sleep", "100000"],
                        "resources": ["requests": ["cpu": "100m", "memory": "16Mi"]],
                    ]
                ]
            ],
        ]
    }

    static func waitForNodes(_ client: KubeClient, count: Int, limit: Duration) async throws {
        let clock = ContinuousClock()
        let deadline = clock.now + limit
        var seen = 0
        while clock.now < deadline {
            seen = (try? await client.listAll(.nodes).items.count) ?? seen
            if seen >= count { return }
            try await Task.sleep(for: .milliseconds(200))
        }
        throw BenchError("\(seen) of \(count) nodes after \(limit)")
    }
}

/// When each pod's create was sent and when its binding was seen.
final class BindTracker: Sendable {
    private struct Times {
        var created: [String: ContinuousClock.Instant] = [:]
        var bound: [String: ContinuousClock.Instant] = [:]
    }

    private let times = NIOLockedValueBox(Times())

    func created(_ name: String, at instant: ContinuousClock.Instant) {
        times.withLockedValue { $0.created[name] = instant }
    }

    func bound(_ name: String, at instant: ContinuousClock.Instant) {
        times.withLockedValue { times in
            if times.bound[name] == nil { times.bound[name] = instant }
        }
    }

    var boundCount: Int { times.withLockedValue { $0.bound.count } }

    /// `seconds,created,bound`: how many creates had been sent and bindings seen, each second from
    /// `start` until the last binding.
    func timelineCSV(since start: ContinuousClock.Instant) -> String {
        times.withLockedValue { times in
            let offsets = { (instants: Dictionary<String, ContinuousClock.Instant>.Values) in
                instants.map { start.duration(to: $0) / .seconds(1) }.sorted()
            }
            let created = offsets(times.created.values)
            let bound = offsets(times.bound.values)
            let end = Int((bound.last ?? created.last ?? 0).rounded(.up))
            var lines = ["seconds,created,bound"]
            var (createdSoFar, boundSoFar) = (0, 0)
            for second in 0...end {
                let limit = Double(second)
                while createdSoFar < created.count && created[createdSoFar] <= limit { createdSoFar += 1 }
                while boundSoFar < bound.count && bound[boundSoFar] <= limit { boundSoFar += 1 }
                lines.append("\(second),\(createdSoFar),\(boundSoFar)")
            }
            return lines.joined(separator: "\n") + "\n"
        }
    }

    func summary(since start: ContinuousClock.Instant) -> (lastBound: Duration, latency: LatencySample) {
        times.withLockedValue { times in
            let last = times.bound.values.max().map { start.duration(to: $0) } ?? .zero
            let latencies = times.bound.compactMap { name, bound in times.created[name].map { $0.duration(to: bound) } }
            return (last, LatencySample(latencies))
        }
    }
}
