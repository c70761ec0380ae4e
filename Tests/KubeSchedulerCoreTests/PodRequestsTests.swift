import KubeTypes
import Testing

@testable import KubeSchedulerCore

@Suite struct PodRequestsTests {
    static let mi: Int64 = 1024 * 1024

    static func container(_ cpu: String?, _ memory: String?, restartPolicy: String? = nil) -> JSON {
        var requests: [String: JSON] = [:]
        if let cpu { requests["cpu"] = .string(cpu) }
        if let memory { requests["memory"] = .string(memory) }
        var container: JSON = ["name": "c", "resources": ["requests": .object(requests)]]
        if let restartPolicy { container["restartPolicy"] = .string(restartPolicy) }
        return container
    }

    static func pod(containers: [JSON], initContainers: [JSON] = [], extra: [String: JSON] = [:]) -> JSON {
        var spec: [String: JSON] = ["containers": .array(containers), "initContainers": .array(initContainers)]
        for (key, value) in extra { spec[key] = value }
        return ["metadata": ["name": "p", "namespace": "default"], "spec": .object(spec)]
    }

    @Test func containersAddUpAndUnsetCountsAsZero() {
        let pod = Self.pod(containers: [Self.container("250m", "64Mi"), Self.container("1", nil)])
        #expect(PodRequests(pod: pod) == PodRequests(milliCPU: 1250, memory: 64 * Self.mi))
    }

    @Test func initContainersTakeTheLargestNotTheSum() {
        // Upstream's own example: init 2/1G and 2/3G, containers 2/1G and 1/1G → 3 CPU, 3G.
        let pod = Self.pod(
            containers: [Self.container("2", "1G"), Self.container("1", "1G")],
            initContainers: [Self.container("2", "1G"), Self.container("2", "3G")])
        #expect(PodRequests(pod: pod) == PodRequests(milliCPU: 3000, memory: 3_000_000_000))
    }

    @Test func sidecarsAddToRegularContainersAndLaterInitContainers() {
        // Sidecar 500m runs throughout: containers 1000m + 500m; the later init container needs
        // 2000m + 500m while it runs, which is the larger.
        let pod = Self.pod(
            containers: [Self.container("1", nil)],
            initContainers: [Self.container("500m", nil, restartPolicy: "Always"), Self.container("2", nil)])
        #expect(PodRequests(pod: pod).milliCPU == 2500)
    }

    @Test func overheadComesOnTopAndPodLevelRequestsReplaceTheSum() {
        let overhead = Self.pod(
            containers: [Self.container("100m", "100Mi")],
            extra: ["overhead": ["cpu": "250m", "memory": "120Mi"]])
        #expect(PodRequests(pod: overhead) == PodRequests(milliCPU: 350, memory: 220 * Self.mi))
        let podLevel = Self.pod(
            containers: [Self.container("100m", "100Mi")], extra: ["resources": ["requests": ["cpu": "2"]]])
        #expect(PodRequests(pod: podLevel) == PodRequests(milliCPU: 2000, memory: 100 * Self.mi))
    }

    @Test func scoringDefaultsApplyOnlyToMissingRequests() {
        let pod = Self.pod(containers: [Self.container(nil, nil), Self.container("0", "1Gi")])
        let scoring = PodRequests(nonZeroScoringRequestsOf: pod)
        #expect(scoring.milliCPU == 100)
        #expect(scoring.memory == 200 * Self.mi + 1024 * Self.mi)
        #expect(PodRequests(pod: pod) == PodRequests(milliCPU: 0, memory: 1024 * Self.mi))
    }

    @Test func ephemeralStorageAndRoundingUp() {
        let pod = Self.pod(containers: [
            ["name": "c", "resources": ["requests": ["ephemeral-storage": "1Gi", "cpu": "0.0001"]]]
        ])
        let requests = PodRequests(pod: pod)
        #expect(requests.ephemeralStorage == 1024 * Self.mi)
        #expect(requests.milliCPU == 1)
    }

    @Test func nodeParsesFromTheKubernetesObject() {
        let node: JSON = [
            "metadata": ["name": "n1", "labels": ["zone": "a"]],
            "spec": [
                "unschedulable": true,
                "taints": [["key": "gpu", "value": "yes", "effect": "NoSchedule"], ["key": "x", "effect": "Bogus"]],
            ],
            "status": ["allocatable": ["cpu": "3900m", "memory": "7Gi", "pods": "110", "ephemeral-storage": "10Gi"]],
        ]
        let parsed = SchedulingNode(node: node, offered: nil)
        #expect(parsed.name == "n1")
        #expect(parsed.labels == ["zone": "a"])
        #expect(parsed.unschedulable)
        #expect(parsed.taints == [Taint(key: "gpu", value: "yes", effect: .noSchedule)])
        #expect(
            parsed.allocatable
                == NodeResources(
                    milliCPU: 3900, memory: 7 * 1024 * Self.mi, ephemeralStorage: 10 * 1024 * Self.mi, pods: 110))
    }
}
