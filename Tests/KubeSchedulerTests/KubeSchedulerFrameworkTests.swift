import ClusterTestSupport
import Foundation
import FrameworkKit
import KubeClient
import KubeScheduler
import KubeTestSupport
import KubeTypes
import MesosModel
import Testing

/// The scheduler framework against a real master and agent and a real API server. The kubelet
/// executor here is a script that never subscribes, so launched pods stay staged: these tests
/// look at what the scheduler decides and writes, not at pods running.
@Suite("Kube scheduler as a framework", .serialized)
struct KubeSchedulerFrameworkTests {
    struct Running {
        let cluster: TestCluster
        let api: LiveAPIServer
        let driver: SchedulerDriver
        let framework: KubeSchedulerFramework
        let pods: Informer
        let nodes: Informer
        let run: Task<Void, Never>
        let script: String

        func stop() async {
            await driver.stop()
            await run.value
            await pods.stop()
            await nodes.stop()
            await cluster.shutdown()
            await api.stop()
            try? FileManager.default.removeItem(atPath: script)
        }
    }

    static func start(configure: (inout KubeSchedulerFramework.Options) -> Void = { _ in }) async throws -> Running {
        let cluster = try await TestCluster.start(agentResources: "cpus:2;mem:1024;disk:1024;ports:[31000-31010]")
        let api = try await LiveAPIServer.start()
        let script = NSTemporaryDirectory() + "fake-kubelet-\(UUID().uuidString).sh"
        try "#!/bin/sh\nexec sleep 30\n".write(toFile: script, atomically: false, encoding: .utf8)
        chmod(script, 0o755)
        let pods = Informer(client: api.client, resource: .pods, logger: quietLogger("pods"))
        let nodes = Informer(client: api.client, resource: .nodes, logger: quietLogger("nodes"))
        await pods.start()
        await nodes.start()
        await pods.waitForSync()
        await nodes.waitForSync()
        var options = KubeSchedulerFramework.Options(kubelet: PodTask.Kubelet(command: script, environment: [:]))
        options.initialBackoff = 0.2
        options.maxBackoff = 0.5
        configure(&options)
        let framework = KubeSchedulerFramework(
            options: options, client: api.client, pods: pods, nodes: nodes, logger: quietLogger("scheduler"))
        await framework.watchPods()
        var settings = SchedulerDriver.Settings()
        settings.initialBackoff = .milliseconds(100)
        settings.maxBackoff = .seconds(1)
        let driver = SchedulerDriver(
            framework: KubeSchedulerFramework.frameworkInfo(role: options.role),
            transport: HTTPSchedulerTransport(master: await cluster.masterAddress), settings: settings,
            logger: quietLogger("driver"))
        let run = Task { await driver.run(handler: framework) }
        return Running(
            cluster: cluster, api: api, driver: driver, framework: framework, pods: pods, nodes: nodes, run: run,
            script: script)
    }

    static func pod(_ name: String, cpu: String, memory: String = "64Mi") -> JSON {
        [
            "apiVersion": "v1", "kind": "Pod", "metadata": ["name": .string(name)],
            "spec": [
                "containers": [
                    [
                        "name": "main", "image": "busybox",
                        "resources": ["requests": ["cpu": .string(cpu), "memory": .string(memory)]],
                    ]
                ]
            ],
        ]
    }

    /// Task ids of the kube framework's tasks the master knows, in any state.
    func masterTaskIDs(_ cluster: TestCluster) async throws -> [String] {
        try await masterTasks(cluster).compactMap { $0["id"]?.stringValue }
    }

    func masterTasks(_ cluster: TestCluster) async throws -> [JSONValue] {
        guard case .array(let tasks) = try await cluster.masterJSON("/tasks")["tasks"] else { return [] }
        return tasks
    }

    @Test("an offering agent becomes a Ready node with hostname, os and arch labels and its capacity")
    func agentsBecomeNodes() async throws {
        let running = try await Self.start()
        let node = try await eventually("a node") { await running.nodes.list().first }
        let labels = node[path: ["metadata", "labels"]]
        #expect(labels?["kubernetes.io/hostname"]?.stringValue == node.name)
        #expect(labels?["kubernetes.io/os"]?.stringValue == "linux")
        #expect(node[path: ["status", "capacity", "cpu"]]?.stringValue == "2")
        let ready = try await eventually("Ready=True") {
            let conditions = await running.nodes.get(name: node.name)?[path: ["status", "conditions"]]?.arrayValue
            return conditions?.first { $0["type"]?.stringValue == "Ready" && $0["status"]?.stringValue == "True" }
        }
        #expect(ready["reason"]?.stringValue == "AgentRegistered")
        await running.stop()
    }

    @Test("pods that fit are launched as tasks of the kubelet executor, several in one offer")
    func podsBecomeTasks() async throws {
        let running = try await Self.start()
        _ = try await eventually("a node") { await running.nodes.list().first }
        var uids: [String] = []
        for name in ["a", "b", "c"] {
            let created = try await running.api.client.create(
                .pods, namespace: "default", Self.pod(name, cpu: "300m"))
            uids.append(created.uid)
        }
        let expected = Set(zip(["a", "b", "c"], uids).map { "default.\($0.0).\($0.1)" })
        let ids = try await eventually("three tasks") {
            let ids = Set(try await masterTaskIDs(running.cluster))
            return expected.isSubset(of: ids) ? ids : nil
        }
        #expect(ids.count == 3)
        await running.stop()
    }

    /// With nothing waiting the framework suppresses itself; a pod arriving then must revive it
    /// (node discovery, which also revives, is off here).
    @Test("a pod created while the framework is suppressed is launched")
    func aPodWakesASuppressedFramework() async throws {
        let running = try await Self.start { $0.nodeDiscoveryInterval = 0 }
        _ = try await eventually("a node") { await running.nodes.list().first }
        // The first offers find no pod: they are declined and the framework suppresses itself.
        try await Task.sleep(for: .seconds(2))
        let created = try await running.api.client.create(.pods, namespace: "default", Self.pod("late", cpu: "100m"))
        let expected = "default.late.\(created.uid)"
        _ = try await eventually("the pod's task") {
            try await masterTaskIDs(running.cluster).contains(expected) ? true : nil
        }
        await running.stop()
    }

    @Test("pods the kubelet bound count once: the rest of the agent still takes new pods")
    func boundPodsAreNotCountedTwice() async throws {
        let running = try await Self.start()
        do {
            try await Self.bindFourThenFitThreeMore(running)
        } catch {
            await running.stop()
            throw error
        }
        await running.stop()
    }

    static func bindFourThenFitThreeMore(_ running: Running) async throws {
        let node = try await eventually("a node") { await running.nodes.list().first }
        let client = running.api.client
        for name in ["a", "b", "c", "d"] {
            _ = try await client.create(.pods, namespace: "default", Self.pod(name, cpu: "250m"))
        }
        let taskCount = { @Sendable in try await Self().masterTaskIDs(running.cluster).count }
        _ = try await eventually("four tasks") { try await taskCount() == 4 ? true : nil }
        // The kubelet's part: bind each launched pod to its node.
        for name in ["a", "b", "c", "d"] {
            let binding: JSON = [
                "apiVersion": "v1", "kind": "Binding", "metadata": ["name": .string(name)],
                "target": ["apiVersion": "v1", "kind": "Node", "name": .string(node.name)],
            ]
            _ = try await client.create(.pods, namespace: "default", name: name, subresource: "binding", binding)
        }
        _ = try await eventually("four bound pods in the cache") {
            let bound = await running.pods.list().filter { $0[path: ["spec", "nodeName"]] != nil }
            return bound.count == 4 ? true : nil
        }
        // 1 of the agent's 2 cpus is used: three more 250m pods fit.
        for name in ["e", "f", "g"] {
            _ = try await client.create(.pods, namespace: "default", Self.pod(name, cpu: "250m"))
        }
        _ = try await eventually("seven tasks") { try await taskCount() == 7 ? true : nil }
    }

    @Test("a pod larger than every agent stays pending with FailedScheduling in upstream's words")
    func unschedulablePodsAreReported() async throws {
        let running = try await Self.start()
        _ = try await eventually("a node") { await running.nodes.list().first }
        _ = try await running.api.client.create(.pods, namespace: "default", Self.pod("huge", cpu: "64"))
        let message = "0/1 nodes are available: 1 Insufficient cpu."
        let event = try await eventually("a FailedScheduling event") {
            let events = try await running.api.client.listAll(.events, namespace: "default").items
            return events.first { $0["reason"]?.stringValue == "FailedScheduling" }
        }
        #expect(event["message"]?.stringValue.map { $0.hasPrefix(message) } == true)
        #expect(event["type"]?.stringValue == "Warning")
        let pod = try await running.api.client.get(.pods, namespace: "default", name: "huge")
        let condition = pod[path: ["status", "conditions"]]?.arrayValue?.first
        #expect(condition?["type"]?.stringValue == "PodScheduled")
        #expect(condition?["status"]?.stringValue == "False")
        #expect(condition?["reason"]?.stringValue == "Unschedulable")
        #expect(pod[path: ["spec", "nodeName"]] == nil)
        #expect(try await masterTaskIDs(running.cluster).isEmpty)
        await running.stop()
    }

    @Test("deleting a pod whose kubelet never bound it kills its task")
    func deletingAnUnboundPodKillsItsTask() async throws {
        let running = try await Self.start()
        _ = try await eventually("a node") { await running.nodes.list().first }
        let created = try await running.api.client.create(.pods, namespace: "default", Self.pod("gone", cpu: "100m"))
        let taskID = "default.gone.\(created.uid)"
        _ = try await eventually("the task") { try await masterTaskIDs(running.cluster).contains(taskID) ? true : nil }
        try await running.api.client.delete(.pods, namespace: "default", name: "gone")
        let state = try await eventually("the task killed") {
            let task = try await masterTasks(running.cluster).first { $0["id"]?.stringValue == taskID }
            guard let state = task?["state"]?.stringValue else { return "gone" }
            return state == "TASK_KILLED" ? state : nil
        }
        #expect(state == "TASK_KILLED" || state == "gone")
        await running.stop()
    }

    @Test("a pod that outranks running pods preempts them: nomination, DisruptionTarget, Preempted, then its task")
    func higherPriorityPodsPreempt() async throws {
        let running = try await Self.start()
        let client = running.api.client
        let node = try await eventually("a node") { await running.nodes.list().first }
        for (name, value) in [("low", 10), ("high", 1000)] {
            let body: JSON = [
                "apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass", "metadata": ["name": .string(name)],
                "value": .int(Int64(value)),
            ]
            _ = try await client.create(.priorityClasses, body)
        }
        var lowUIDs: [String] = []
        for name in ["low-a", "low-b"] {
            var pod = Self.pod(name, cpu: "900m")
            pod[path: ["spec", "priorityClassName"]] = "low"
            lowUIDs.append(try await client.create(.pods, namespace: "default", pod).uid)
        }
        let lowTasks = Set(zip(["low-a", "low-b"], lowUIDs).map { "default.\($0.0).\($0.1)" })
        _ = try await eventually("both low pods launched") {
            lowTasks.isSubset(of: Set(try await masterTaskIDs(running.cluster))) ? true : nil
        }
        var high = Self.pod("high", cpu: "1")
        high[path: ["spec", "priorityClassName"]] = "high"
        let highUID = try await client.create(.pods, namespace: "default", high).uid
        let nominated = try await eventually("the high pod nominated") {
            let pod = try await client.get(.pods, namespace: "default", name: "high")
            return pod[path: ["status", "nominatedNodeName"]]?.stringValue
        }
        #expect(nominated == node.name)
        let preempted = try await eventually("a Preempted event") {
            try await client.listAll(.events, namespace: "default").items.first {
                $0["reason"]?.stringValue == "Preempted"
            }
        }
        #expect(preempted["message"]?.stringValue == "Preempted by pod \(highUID) on node \(node.name)")
        let victim = preempted[path: ["involvedObject", "name"]]?.stringValue ?? ""
        #expect(victim.hasPrefix("low-"))
        _ = try await eventually("the high pod's task") {
            try await masterTaskIDs(running.cluster).contains("default.high.\(highUID)") ? true : nil
        }
        // Only one victim was needed: the other low pod still exists, untouched.
        let survivor = victim == "low-a" ? "low-b" : "low-a"
        let other = try await client.get(.pods, namespace: "default", name: survivor)
        #expect(other[path: ["metadata", "deletionTimestamp"]] == nil)
        await running.stop()
    }
}
