import KubeSchedulerCore
import KubeTypes
import MesosModel

/// A pod as a Mesos task: its kubelet executor on the chosen agent runs it. The task takes the
/// pod's requests (and host ports) from the offer, so Mesos accounts a pod like any other task and
/// DRF shares the cluster between Kubernetes and the other frameworks.
public struct PodTask: Sendable {
    /// How the kubelet executor is started on an agent.
    public struct Kubelet: Sendable {
        /// The `mesokube` executable on the agents.
        public var command: String
        /// Where the kubelet finds the API server: `MESOKUBE_KUBE_SERVER`, `_TOKEN`, `_CA`.
        public var environment: [String: String]
        /// What the executor itself holds while it runs (Mesos charges executors too).
        public var cpus = 0.1
        public var memoryMB = 64.0

        public init(command: String, environment: [String: String]) {
            self.command = command
            self.environment = environment
        }
    }

    public static let executorID = ExecutorID("mesokube-kubelet")

    /// `<namespace>.<name>.<uid>`: unique across re-creations of a pod with the same name, and
    /// readable in the Mesos UI and logs.
    public static func taskID(for pod: JSON) -> TaskID {
        TaskID("\(pod.namespace).\(pod.name).\(pod.uid)")
    }

    /// The smallest task Mesos accepts is one with some resources: a pod without requests runs
    /// with these (BestEffort pods in Kubernetes are not charged either, so this stays symbolic).
    static let minimumCPUs = 0.01
    static let minimumMemoryMB = 1.0

    public static func taskInfo(
        pod: JSON, agentID: AgentID, nodeName: String, frameworkID: FrameworkID, role: String, kubelet: Kubelet
    ) -> TaskInfo {
        let requests = PodRequests(pod: pod)
        var resources: [Resource] = [
            allocated(.scalar("cpus", max(minimumCPUs, Double(requests.milliCPU) / 1000)), role: role),
            allocated(
                .scalar("mem", max(minimumMemoryMB, (Double(requests.memory) / 1_048_576).rounded(.up))), role: role),
        ]
        if requests.ephemeralStorage > 0 {
            resources.append(
                allocated(.scalar("disk", (Double(requests.ephemeralStorage) / 1_048_576).rounded(.up)), role: role))
        }
        let ports = PodRequests.hostPorts(of: pod)
        if !ports.isEmpty {
            let ranges = ports.map { Resource.ValueRange(begin: UInt64($0), end: UInt64($0)) }
            resources.append(
                allocated(Resource(name: "ports", type: .ranges, ranges: Resource.Ranges(range: ranges)), role: role))
        }
        var task = TaskInfo(
            name: "\(pod.namespace)/\(pod.name)", taskID: taskID(for: pod), agentID: agentID, resources: resources,
            command: nil)
        task.executor = executorInfo(frameworkID: frameworkID, nodeName: nodeName, role: role, kubelet: kubelet)
        task.data = Base64.encode(pod.serializedBytes())
        return task
    }

    /// One kubelet per agent for this framework: every pod task names the same executor, so the
    /// agent starts it with the first pod and hands it the rest. It learns its node's name from
    /// `MESOKUBE_NODE_NAME`.
    public static func executorInfo(
        frameworkID: FrameworkID, nodeName: String, role: String, kubelet: Kubelet
    ) -> ExecutorInfo {
        var environment = kubelet.environment
        environment["MESOKUBE_NODE_NAME"] = nodeName
        let variables = environment.keys.sorted().map {
            Environment.Variable(name: $0, value: environment[$0] ?? "")
        }
        let command = CommandInfo(
            value: kubelet.command, shell: false, arguments: [kubelet.command, "kubelet"],
            environment: Environment(variables: variables))
        var executor = ExecutorInfo(
            executorID: executorID, frameworkID: frameworkID, command: command,
            resources: [
                allocated(.scalar("cpus", kubelet.cpus), role: role),
                allocated(.scalar("mem", kubelet.memoryMB), role: role),
            ])
        executor.name = "mesokube kubelet"
        return executor
    }

    static func allocated(_ resource: Resource, role: String) -> Resource {
        var resource = resource
        resource.allocationInfo = AllocationInfo(role: role)
        return resource
    }
}
