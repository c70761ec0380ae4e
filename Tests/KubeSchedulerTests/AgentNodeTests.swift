import KubeScheduler
import KubeSchedulerCore
import KubeTypes
import MesosModel
import Testing

@Suite struct AgentNodeTests {
    @Test func nodeNamesAreHostnamesWithThePortWhenItIsNotMesosDefault() {
        #expect(AgentNode.nodeName(hostname: "Worker-1.example.com", port: 5051) == "worker-1.example.com")
        #expect(AgentNode.nodeName(hostname: "worker-1", port: 15051) == "worker-1-15051")
        #expect(AgentNode.nodeName(hostname: "_odd host_", port: nil) == "odd-host")
        #expect(AgentNode.nodeName(hostname: "", port: nil) == "agent")
    }

    @Test func offersAreReadInTheSchedulersUnits() throws {
        let resources = try Resources.parse("cpus:1.5;mem:512;disk:100;ports:[31000-31005,32000-32000]").list
        let offer = Offer(
            id: OfferID("o1"), frameworkID: FrameworkID("f"), agentID: AgentID("a"), hostname: "h", url: nil,
            resources: resources, attributes: nil, executorIDs: nil, allocationInfo: nil)
        let offered = AgentNode.offered([offer, offer])
        #expect(offered.milliCPU == 3000)
        #expect(offered.memory == 1024 << 20)
        #expect(offered.disk == 200 << 20)
        #expect(offered.ports.contains(PortRange(31000, 31005)))
    }

    @Test func attributesBecomeLabelsWhenTheyAreValidLabels() {
        let attributes = [
            Attribute(name: "rack", type: .text, text: Attribute.Text(value: "a1")),
            Attribute(name: "cores", type: .scalar, scalar: Resource.Scalar(value: 8)),
            Attribute(name: "bad key!", type: .text, text: Attribute.Text(value: "x")),
        ]
        #expect(AgentNode.labels(from: attributes) == ["rack": "a1", "cores": "8"])
        let node = AgentNode.node(
            name: "w1", agentID: AgentID("agent-1"), hostname: "w1", address: "10.0.0.5", attributes: attributes,
            capacity: ResourceOffer(milliCPU: 2500, memory: 1024 << 20, disk: 2048 << 20))
        #expect(node[path: ["metadata", "labels", "kubernetes.io/hostname"]] == "w1")
        #expect(node[path: ["metadata", "labels", "rack"]] == "a1")
        #expect(node[path: ["metadata", "annotations", AgentNode.agentIDAnnotation]] == "agent-1")
        #expect(
            node[path: ["status", "capacity"]] == [
                "cpu": "2500m", "memory": "1024Mi", "ephemeral-storage": "2048Mi", "pods": "110",
            ])
        #expect(node[path: ["status", "addresses"]]?.arrayValue?.first?["address"] == "10.0.0.5")
    }
}

@Suite struct PodTaskTests {
    static let kubelet = PodTask.Kubelet(
        command: "/usr/bin/mesokube", environment: ["MESOKUBE_KUBE_SERVER": "https://x"])

    @Test func aPodTaskCarriesItsRequestsHostPortsAndThePod() throws {
        let pod: JSON = [
            "metadata": ["name": "web", "namespace": "default", "uid": "u-1"],
            "spec": [
                "containers": [
                    [
                        "name": "a", "image": "nginx",
                        "resources": ["requests": ["cpu": "250m", "memory": "100Mi", "ephemeral-storage": "1Gi"]],
                        "ports": [["containerPort": 80, "hostPort": 31001]],
                    ]
                ]
            ],
        ]
        let task = PodTask.taskInfo(
            pod: pod, agentID: AgentID("a"), nodeName: "node-a", frameworkID: FrameworkID("f"), role: "kubernetes",
            kubelet: Self.kubelet)
        #expect(task.taskID == TaskID("default.web.u-1"))
        let resources = Resources(task.resources ?? [])
        #expect(resources.cpus == 0.25)
        #expect(resources.mem == 100)
        #expect(resources.disk == 1024)
        #expect(resources.ranges("ports") == [31001...31001])
        #expect(task.resources?.allSatisfy { $0.allocationInfo?.role == "kubernetes" } == true)
        #expect(task.executor?.executorID == PodTask.executorID)
        #expect(task.executor?.command?.arguments == ["/usr/bin/mesokube", "kubelet"])
        let variables = task.executor?.command?.environment?.variables ?? []
        #expect(variables.contains { $0.name == "MESOKUBE_NODE_NAME" && $0.value == "node-a" })
        let data = try #require(task.data.flatMap(Base64.decode))
        #expect(try JSONReader.parse(data) == pod)
    }

    @Test func aPodWithoutRequestsStillTakesSomething() {
        let pod: JSON = [
            "metadata": ["name": "b", "namespace": "n", "uid": "u"], "spec": ["containers": [["name": "c"]]],
        ]
        let task = PodTask.taskInfo(
            pod: pod, agentID: AgentID("a"), nodeName: "n", frameworkID: FrameworkID("f"), role: "r",
            kubelet: Self.kubelet)
        let resources = Resources(task.resources ?? [])
        #expect(resources.cpus == 0.01 && resources.mem == 1)
    }
}
