import Containerizer
import Foundation
import KubeClient
import KubeletCore

/// Everything the kubelet executor needs to know about its node, gathered when it starts: the
/// API server from the environment the scheduler gave the executor, and the agent's pod network
/// and registry from the agent's `/flags`, so the agent's operator configures them in one place.
public struct KubeletSettings: Sendable {
    public var nodeName: String
    public var apiServer: KubeClientConfiguration
    /// `<agent work_dir>/kubelet`: images, pod directories, network state. Outlives the executor.
    public var root: String
    public var hostIP: String
    /// Nil when the agent has no `--pod-cidr`: every pod then shares the host's network.
    public var podNetwork: PodNetworkConfiguration?
    public var registry: RegistryOptions
    /// The address the kubelet's own server (logs, exec) listens on; port 0 picks one.
    public var serverHost: String
    public var serverPort: Int
    /// The bearer token the API server presents when it proxies logs and exec to this kubelet.
    public var serverToken: String?
    /// The cluster DNS Service's address and the cluster domain for ClusterFirst pods (upstream's
    /// `--cluster-dns`, `--cluster-domain`); nil from a scheduler that does not say, and pods then
    /// get the host's resolver configuration.
    public var clusterDNS: ClusterDNS?

    public init(
        nodeName: String, apiServer: KubeClientConfiguration, root: String, hostIP: String,
        podNetwork: PodNetworkConfiguration? = nil, registry: RegistryOptions = RegistryOptions(),
        serverHost: String = "127.0.0.1", serverPort: Int = 0
    ) {
        self.nodeName = nodeName
        self.apiServer = apiServer
        self.root = root
        self.hostIP = hostIP
        self.podNetwork = podNetwork
        self.registry = registry
        self.serverHost = serverHost
        self.serverPort = serverPort
    }

    /// Environment variables the scheduler sets on the executor.
    public enum Variable {
        public static let server = "MESOKUBE_KUBE_SERVER"
        public static let token = "MESOKUBE_KUBE_TOKEN"
        public static let certificateAuthority = "MESOKUBE_KUBE_CA"
        public static let nodeName = "MESOKUBE_NODE_NAME"
        public static let kubeletToken = "MESOKUBE_KUBELET_TOKEN"
        /// The `kube-dns` Service's ClusterIP (comma-separated if several).
        public static let clusterDNS = "MESOKUBE_CLUSTER_DNS"
        /// The cluster domain, `cluster.local` by default.
        public static let clusterDomain = "MESOKUBE_CLUSTER_DOMAIN"
    }

    /// Agent flags the kubelet reads (`mesokube agent --pod-cidr` and friends).
    public enum AgentFlag {
        public static let workDir = "work_dir"
        public static let ip = "ip"
        public static let podCIDR = "pod_cidr"
        public static let podBridge = "pod_bridge"
        public static let registry = "registry"
        public static let registryMirrors = "registry_mirrors"
        public static let insecureRegistries = "insecure_registries"
    }

    public struct Problem: Error, CustomStringConvertible {
        public var description: String
    }

    /// Settings from the executor's environment and the agent's flags.
    public static func load(environment: [String: String], agentFlags: [String: String]) throws -> KubeletSettings {
        guard let server = environment[Variable.server], !server.isEmpty else {
            throw Problem(
                description: "\(Variable.server) is not set: the kubelet must be started by the kube scheduler")
        }
        guard let nodeName = environment[Variable.nodeName], !nodeName.isEmpty else {
            throw Problem(description: "\(Variable.nodeName) is not set")
        }
        guard let workDir = agentFlags[AgentFlag.workDir], !workDir.isEmpty else {
            throw Problem(description: "the agent's /flags has no work_dir")
        }
        let apiServer = KubeClientConfiguration(
            server: server, certificateAuthorityPEM: environment[Variable.certificateAuthority].flatMap(nonEmpty),
            token: environment[Variable.token].flatMap(nonEmpty))
        let hostIP = agentFlags[AgentFlag.ip].flatMap(nonEmpty) ?? "127.0.0.1"
        let root = workDir + "/kubelet"
        var network: PodNetworkConfiguration?
        if let cidr = agentFlags[AgentFlag.podCIDR].flatMap(nonEmpty) {
            let bridge = agentFlags[AgentFlag.podBridge].flatMap(nonEmpty) ?? "mk0"
            do {
                network = PodNetworkConfiguration(
                    subnet: try IPv4Subnet(cidr), stateFile: root + "/network.json", bridgeName: bridge,
                    namespacePrefix: bridge + "-")
                try network?.validate()
            } catch {
                throw Problem(description: "the agent's pod network is unusable: \(error)")
            }
        }
        var registry = RegistryOptions()
        if let name = agentFlags[AgentFlag.registry].flatMap(nonEmpty) { registry.defaultRegistry = name }
        registry.mirrors = list(agentFlags[AgentFlag.registryMirrors])
        registry.insecureRegistries = Set(list(agentFlags[AgentFlag.insecureRegistries]))
        var settings = KubeletSettings(
            nodeName: nodeName, apiServer: apiServer, root: root, hostIP: hostIP, podNetwork: network,
            registry: registry, serverHost: hostIP)
        settings.serverToken = environment[Variable.kubeletToken].flatMap(nonEmpty)
        let servers = list(environment[Variable.clusterDNS])
        if !servers.isEmpty {
            settings.clusterDNS = ClusterDNS(
                servers: servers, domain: environment[Variable.clusterDomain].flatMap(nonEmpty) ?? "cluster.local")
        }
        return settings
    }

    static func nonEmpty(_ text: String) -> String? { text.isEmpty ? nil : text }

    static func list(_ text: String?) -> [String] {
        (text ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
}
