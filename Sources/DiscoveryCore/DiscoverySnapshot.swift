/// What service discovery knows about the cluster at one moment: the input of the DNS record table
/// and of every agent's service proxy. The master gathers it from its own registry (agents, tasks),
/// the Kubernetes store (Services, EndpointSlices, pods) and Marathon (apps' service ports), and
/// hands out a new snapshot, with a higher `version`, whenever one of them changes.
///
/// Plain values only, so the record builder and the proxy rule renderer stay pure and the snapshot
/// can travel to agents as JSON.
public struct DiscoverySnapshot: Sendable, Equatable, Codable {
    /// Grows with every change; agents ask for "anything newer than N".
    public var version: UInt64
    /// Mesos-DNS' domain (`<task>.<framework>.mesos`).
    public var domain: String
    /// The Kubernetes cluster domain (`<svc>.<ns>.svc.cluster.local`).
    public var clusterDomain: String
    public var masters: [MasterEntry]
    public var agents: [AgentEntry]
    /// Only tasks whose latest state is TASK_RUNNING (Mesos-DNS publishes no others).
    public var tasks: [TaskEntry]
    public var services: [ServiceEntry]
    public var pods: [PodEntry]
    /// Marathon apps' service ports, balanced on every agent as marathon-lb does.
    public var marathonServices: [MarathonServiceEntry]

    public init(
        version: UInt64 = 0, domain: String = "mesos", clusterDomain: String = "cluster.local",
        masters: [MasterEntry] = [], agents: [AgentEntry] = [], tasks: [TaskEntry] = [],
        services: [ServiceEntry] = [], pods: [PodEntry] = [], marathonServices: [MarathonServiceEntry] = []
    ) {
        self.version = version
        self.domain = domain
        self.clusterDomain = clusterDomain
        self.masters = masters
        self.agents = agents
        self.tasks = tasks
        self.services = services
        self.pods = pods
        self.marathonServices = marathonServices
    }
}

public enum TransportProtocol: String, Sendable, Equatable, Hashable, Codable {
    case tcp, udp
}

public struct MasterEntry: Sendable, Equatable, Codable {
    public var ip: String
    public var port: Int
    public var isLeader: Bool

    public init(ip: String, port: Int, isLeader: Bool) {
        self.ip = ip
        self.port = port
        self.isLeader = isLeader
    }
}

public struct AgentEntry: Sendable, Equatable, Codable {
    public var id: String
    public var hostname: String
    public var ip: String

    public init(id: String, hostname: String, ip: String) {
        self.id = id
        self.hostname = hostname
        self.ip = ip
    }
}

public struct TaskEntry: Sendable, Equatable, Codable {
    public struct Port: Sendable, Equatable, Codable {
        public var number: Int
        public var `protocol`: TransportProtocol
        /// DiscoveryInfo's port name, when the task has one.
        public var name: String?

        public init(number: Int, protocol: TransportProtocol = .tcp, name: String? = nil) {
            self.number = number
            self.protocol = `protocol`
            self.name = name
        }
    }

    public var id: String
    /// The task's name, or DiscoveryInfo's `name` when set (it replaces the task name in records).
    public var name: String
    public var frameworkName: String
    public var agentID: String
    /// Container addresses from the latest status' NetworkInfos; empty when the task uses the host's.
    public var containerIPs: [String]
    /// Host ports from the task's `ports` resources, or DiscoveryInfo's ports when it has them.
    public var ports: [Port]
    /// True when the ports came from DiscoveryInfo (SRV targets then use the container name, as Mesos-DNS).
    public var portsFromDiscoveryInfo: Bool

    public init(
        id: String, name: String, frameworkName: String, agentID: String, containerIPs: [String] = [],
        ports: [Port] = [], portsFromDiscoveryInfo: Bool = false
    ) {
        self.id = id
        self.name = name
        self.frameworkName = frameworkName
        self.agentID = agentID
        self.containerIPs = containerIPs
        self.ports = ports
        self.portsFromDiscoveryInfo = portsFromDiscoveryInfo
    }
}

/// A Kubernetes Service with its endpoints already resolved per port (from its EndpointSlices).
public struct ServiceEntry: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Equatable, Codable {
        case clusterIP = "ClusterIP", nodePort = "NodePort", loadBalancer = "LoadBalancer"
        case externalName = "ExternalName"
    }

    public struct Backend: Sendable, Equatable, Codable {
        public var ip: String
        public var port: Int
        /// Ready endpoints receive traffic; not-ready ones are listed only for
        /// `publishNotReadyAddresses` Services (then `ready` is true here).
        public var ready: Bool
        public var nodeName: String?
        /// The pod's `hostname` (StatefulSet pods behind a headless Service), for per-endpoint names.
        public var hostname: String?

        public init(ip: String, port: Int, ready: Bool = true, nodeName: String? = nil, hostname: String? = nil) {
            self.ip = ip
            self.port = port
            self.ready = ready
            self.nodeName = nodeName
            self.hostname = hostname
        }
    }

    public struct Port: Sendable, Equatable, Codable {
        public var name: String
        public var `protocol`: TransportProtocol
        public var port: Int
        public var nodePort: Int?
        public var backends: [Backend]

        public init(
            name: String, protocol: TransportProtocol = .tcp, port: Int, nodePort: Int? = nil, backends: [Backend] = []
        ) {
            self.name = name
            self.protocol = `protocol`
            self.port = port
            self.nodePort = nodePort
            self.backends = backends
        }
    }

    public var namespace: String
    public var name: String
    public var kind: Kind
    /// Empty for headless Services (`clusterIP: None`) and ExternalName.
    public var clusterIPs: [String]
    public var ports: [Port]
    /// `sessionAffinity: ClientIP`: its timeout (default 10800 s); nil for `None`.
    public var clientIPAffinitySeconds: Int?
    /// `status.loadBalancer.ingress[].ip` of a LoadBalancer Service.
    public var loadBalancerIPs: [String]
    /// `spec.externalName` of an ExternalName Service (a CNAME in DNS).
    public var externalName: String?

    public init(
        namespace: String, name: String, kind: Kind = .clusterIP, clusterIPs: [String] = [], ports: [Port] = [],
        clientIPAffinitySeconds: Int? = nil, loadBalancerIPs: [String] = [], externalName: String? = nil
    ) {
        self.namespace = namespace
        self.name = name
        self.kind = kind
        self.clusterIPs = clusterIPs
        self.ports = ports
        self.clientIPAffinitySeconds = clientIPAffinitySeconds
        self.loadBalancerIPs = loadBalancerIPs
        self.externalName = externalName
    }

    public var isHeadless: Bool { clusterIPs.isEmpty && kind != .externalName }
}

public struct PodEntry: Sendable, Equatable, Codable {
    public var namespace: String
    public var name: String
    public var ip: String

    public init(namespace: String, name: String, ip: String) {
        self.namespace = namespace
        self.name = name
        self.ip = ip
    }
}

/// One Marathon service port: every agent forwards `servicePort` to the app's healthy running tasks.
public struct MarathonServiceEntry: Sendable, Equatable, Codable {
    public struct Backend: Sendable, Equatable, Codable {
        public var ip: String
        public var port: Int

        public init(ip: String, port: Int) {
            self.ip = ip
            self.port = port
        }
    }

    public var appID: String
    public var servicePort: Int
    public var `protocol`: TransportProtocol
    public var backends: [Backend]

    public init(appID: String, servicePort: Int, protocol: TransportProtocol = .tcp, backends: [Backend] = []) {
        self.appID = appID
        self.servicePort = servicePort
        self.protocol = `protocol`
        self.backends = backends
    }
}
