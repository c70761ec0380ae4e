import KubeTypes

@testable import KubeSchedulerCore

/// Builders for pods and nodes, so each test states only what it is about.
enum Fixture {
    static let gi: Int64 = 1024 * 1024 * 1024

    /// A pod with one container; requests are omitted when nil.
    static func pod(
        _ name: String, namespace: String = "default", cpu: String? = nil, memory: String? = nil,
        priority: Int64? = nil, labels: [String: String] = [:], created: String? = nil
    ) -> JSON {
        var requests: [String: JSON] = [:]
        if let cpu { requests["cpu"] = .string(cpu) }
        if let memory { requests["memory"] = .string(memory) }
        var container: JSON = ["name": "main", "image": "busybox"]
        if !requests.isEmpty { container["resources"] = ["requests": .object(requests)] }
        var pod: JSON = [
            "apiVersion": "v1", "kind": "Pod",
            "metadata": ["name": .string(name), "namespace": .string(namespace), "uid": .string("uid-" + name)],
            "spec": ["containers": [container]],
        ]
        if !labels.isEmpty { pod[path: ["metadata", "labels"]] = JSON(labels) }
        if let priority { pod[path: ["spec", "priority"]] = .int(priority) }
        if let created { pod[path: ["metadata", "creationTimestamp"]] = .string(created) }
        return pod
    }

    /// A pod already bound to `node`.
    static func bound(_ pod: JSON, to node: String, started: String? = nil) -> JSON {
        var pod = pod
        pod[path: ["spec", "nodeName"]] = .string(node)
        if let started { pod[path: ["status", "startTime"]] = .string(started) }
        return pod
    }

    /// Sets `spec.<path>` of a pod.
    static func with(_ pod: JSON, _ path: [String], _ value: JSON) -> JSON {
        var pod = pod
        pod[path: ["spec"] + path] = value
        return pod
    }

    static func hostPort(_ pod: JSON, _ port: Int64, ip: String? = nil) -> JSON {
        var entry: JSON = ["containerPort": 8080, "hostPort": .int(port)]
        if let ip { entry["hostIP"] = .string(ip) }
        var pod = pod
        var containers = pod[path: ["spec", "containers"]]?.arrayValue ?? []
        containers[0]["ports"] = [entry]
        pod[path: ["spec", "containers"]] = .array(containers)
        return pod
    }

    /// A node offering everything it has unless `offeredCPU` says otherwise.
    static func node(
        _ name: String, cpu: Int64 = 4000, memory: Int64 = 8 * gi, pods: Int = 110, labels: [String: String] = [:],
        taints: [Taint] = [], unschedulable: Bool = false, offeredCPU: Int64? = nil, offeredMemory: Int64? = nil,
        ports: [PortRange] = [PortRange(31000, 32000)], boundPods: [JSON] = [], offer: Bool = true
    ) -> SchedulingNode {
        var allLabels = labels
        allLabels["kubernetes.io/hostname"] = allLabels["kubernetes.io/hostname"] ?? name
        let offered = ResourceOffer(
            milliCPU: offeredCPU ?? cpu, memory: offeredMemory ?? memory, disk: 100 * gi, ports: ports)
        return SchedulingNode(
            name: name, labels: allLabels, taints: taints, unschedulable: unschedulable,
            allocatable: NodeResources(milliCPU: cpu, memory: memory, ephemeralStorage: 100 * gi, pods: pods),
            offered: offer ? offered : nil, pods: boundPods.map { bound($0, to: name) })
    }

    static func schedule(
        _ pending: [JSON], on nodes: [SchedulingNode], seed: UInt64 = 1,
        namespaceLabels: [String: [String: String]] = [:], budgets: [JSON] = []
    ) -> SchedulingOutcome {
        var generator = SeededGenerator(seed: seed)
        return KubeScheduler(namespaceLabels: namespaceLabels, disruptionBudgets: budgets).schedule(
            pending: pending, nodes: nodes, using: &generator)
    }

    /// Runs the default filters for one pod on one node of a cluster.
    static func filter(
        _ pod: JSON, on nodeName: String, in nodes: [SchedulingNode],
        namespaceLabels: [String: [String: String]] = [:]
    ) -> NodeStatus? {
        let cluster = nodes.map(NodeInfo.init)
        let state = CycleState(pod: PodInfo(pod), nodes: cluster, namespaceLabels: namespaceLabels)
        return state.runFilters(on: cluster.first { $0.name == nodeName }!)
    }

    static func selector(_ labels: [String: String]) -> JSON {
        ["matchLabels": JSON(labels)]
    }

    static func expression(_ key: String, _ op: String, _ values: [String] = []) -> JSON {
        ["key": .string(key), "operator": .string(op), "values": .array(values.map { .string($0) })]
    }
}
