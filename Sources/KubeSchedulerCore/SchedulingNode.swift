import KubeTypes

/// The effect of a node taint, as in `spec.taints[].effect`.
public enum TaintEffect: String, Sendable, Hashable {
    case noSchedule = "NoSchedule"
    case preferNoSchedule = "PreferNoSchedule"
    case noExecute = "NoExecute"
}

/// One node taint (`spec.taints[]`).
public struct Taint: Sendable, Hashable {
    public var key: String
    public var value: String
    public var effect: TaintEffect

    public init(key: String, value: String = "", effect: TaintEffect) {
        self.key = key
        self.value = value
        self.effect = effect
    }

    /// From a `spec.taints[]` entry; nil for an effect upstream does not know.
    public init?(json: JSON) {
        guard let effect = TaintEffect(rawValue: json["effect"]?.stringValue ?? "") else { return nil }
        self.init(key: json["key"]?.stringValue ?? "", value: json["value"]?.stringValue ?? "", effect: effect)
    }
}

/// An inclusive range of ports, the way Mesos offers them (`ports: [31000-32000]`).
public struct PortRange: Sendable, Hashable {
    public var begin: Int
    public var end: Int

    public init(_ begin: Int, _ end: Int) {
        self.begin = begin
        self.end = end
    }

    public func contains(_ port: Int) -> Bool { begin <= port && port <= end }
}

/// Node capacity in the units the scheduler compares: millicores, bytes and a pod count.
public struct NodeResources: Sendable, Hashable {
    public var milliCPU: Int64
    public var memory: Int64
    public var ephemeralStorage: Int64
    public var pods: Int

    public init(milliCPU: Int64 = 0, memory: Int64 = 0, ephemeralStorage: Int64 = 0, pods: Int = 110) {
        self.milliCPU = milliCPU
        self.memory = memory
        self.ephemeralStorage = ephemeralStorage
        self.pods = pods
    }

    /// From `status.allocatable` of a Node; unparsable or missing quantities count as zero, as upstream.
    public init(allocatable: JSON?) {
        let list = allocatable?.objectValue ?? [:]
        self.init(
            milliCPU: ResourceList.milliValue(list["cpu"]), memory: ResourceList.value(list["memory"]),
            ephemeralStorage: ResourceList.value(list["ephemeral-storage"]),
            pods: Int(ResourceList.value(list["pods"])))
    }
}

/// What the Mesos master offers this framework on an agent right now. Kubernetes' own bookkeeping
/// (allocatable minus the requests of bound pods) and the offer can disagree: other frameworks may
/// hold part of the agent, resources freed by a killed task come back only with a later offer, and
/// a pod bound a moment ago is already counted by Kubernetes but may not be launched yet. A pod is
/// placed only where both agree it fits: allocatable keeps the kubelet's admission from rejecting
/// it, the offer is what the framework may actually launch a task with.
///
/// Units follow Kubernetes, not Mesos: memory and disk in bytes (Mesos offers MB), CPU in millicores.
public struct ResourceOffer: Sendable, Hashable {
    public var milliCPU: Int64
    public var memory: Int64
    public var disk: Int64
    public var ports: [PortRange]

    public init(milliCPU: Int64 = 0, memory: Int64 = 0, disk: Int64 = 0, ports: [PortRange] = []) {
        self.milliCPU = milliCPU
        self.memory = memory
        self.disk = disk
        self.ports = ports
    }

    public func offers(port: Int) -> Bool { ports.contains { $0.contains(port) } }

    /// Takes one port out of the offered ranges, splitting the range that held it.
    mutating func take(port: Int) {
        guard let index = ports.firstIndex(where: { $0.contains(port) }) else { return }
        let range = ports.remove(at: index)
        var pieces: [PortRange] = []
        if range.begin < port { pieces.append(PortRange(range.begin, port - 1)) }
        if port < range.end { pieces.append(PortRange(port + 1, range.end)) }
        ports.insert(contentsOf: pieces, at: index)
    }

    /// Gives a port back (a preemption victim's task is killed and its port re-offered).
    mutating func give(port: Int) {
        if !offers(port: port) { ports.append(PortRange(port, port)) }
    }
}

/// A node as the scheduling core sees it: the Kubernetes Node's scheduling fields, the pods bound
/// to it, and the resources its agent offers the framework right now.
public struct SchedulingNode: Sendable {
    public var name: String
    public var labels: [String: String]
    public var taints: [Taint]
    /// `spec.unschedulable` (cordoned).
    public var unschedulable: Bool
    public var allocatable: NodeResources
    /// What the agent offers now; nil when there is no outstanding offer for it, so nothing can be
    /// launched there this round (its pods still count for spreading and affinity).
    public var offered: ResourceOffer?
    /// Pods bound to the node (`spec.nodeName` set), running or not yet launched.
    public var pods: [JSON]
    /// Pending pods whose `status.nominatedNodeName` is this node (preemptors waiting for their
    /// victims to go); upstream keeps room for them against pods of lower priority.
    public var nominatedPods: [JSON]

    public init(
        name: String, labels: [String: String] = [:], taints: [Taint] = [], unschedulable: Bool = false,
        allocatable: NodeResources, offered: ResourceOffer?, pods: [JSON] = [], nominatedPods: [JSON] = []
    ) {
        self.name = name
        self.labels = labels
        self.taints = taints
        self.unschedulable = unschedulable
        self.allocatable = allocatable
        self.offered = offered
        self.pods = pods
        self.nominatedPods = nominatedPods
    }

    /// From a Node object: name, labels, `spec.taints`, `spec.unschedulable`, `status.allocatable`.
    public init(node: JSON, offered: ResourceOffer?, pods: [JSON] = [], nominatedPods: [JSON] = []) {
        self.init(
            name: node.name, labels: node.labels,
            taints: (node[path: ["spec", "taints"]]?.arrayValue ?? []).compactMap(Taint.init(json:)),
            unschedulable: node[path: ["spec", "unschedulable"]]?.boolValue ?? false,
            allocatable: NodeResources(allocatable: node[path: ["status", "allocatable"]]), offered: offered,
            pods: pods, nominatedPods: nominatedPods)
    }
}

/// Reading `resources.requests`-style maps the way upstream's `resource.Quantity` accessors do.
enum ResourceList {
    /// `MilliValue()`: thousandths, rounded up.
    static func milliValue(_ json: JSON?) -> Int64 {
        guard let json, let quantity = try? Quantity(json: json) else { return 0 }
        return quantity.milliValue
    }

    /// `Value()`: whole units, rounded up.
    static func value(_ json: JSON?) -> Int64 {
        guard let json, let quantity = try? Quantity(json: json) else { return 0 }
        return quantity.value
    }
}
