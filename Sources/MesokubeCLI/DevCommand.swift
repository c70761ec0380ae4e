import Agent
import ArgumentParser
import Foundation
import KubeTypes
import Logging
import Marathon
import Master
import MesosModel
import StateStore
import StateStoreSQLite

struct DevCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dev", abstract: "Run a master and agents in one process (state in SQLite).")

    @Option(help: "Directory for all state.") var workDir: String = ".mesokube"
    @Option(help: "Master port.") var masterPort: Int = 5050
    @Option(help: "Port of the first agent; agent k listens on this + k.") var agentPort: Int = 5051
    @Option(help: "Number of agents.") var agents: Int = 1
    @Option(help: "Port of the cluster DNS server (UDP and TCP): Mesos-DNS names and cluster.local.")
    var dnsPort: Int = 8053
    @Option(help: "Pod CIDRs of the agents: agent k gets the k-th /24 of this network.")
    var clusterCidr: String = "10.244.0.0/16"
    @Flag(help: "Run pods in the host's network instead of giving each its own (needs no root).")
    var noPodNetwork = false
    @OptionGroup var kube: KubeFlags
    @OptionGroup var marathon: MarathonFlags
    @OptionGroup var master: MasterFlags
    @OptionGroup var agent: AgentFlags

    func validate() throws {
        guard agents >= 1 && agents <= 64 else { throw ValidationError("--agents must be between 1 and 64") }
        for port in [masterPort, agentPort, kube.kubePort, dnsPort] where !(0...65535).contains(port) {
            throw ValidationError("Port \(port) is out of range")
        }
    }

    func run() async throws {
        LogSetup.bootstrap(level: master.logLevel)
        let root = absolute(workDir)
        try FileManager.default.createDirectory(atPath: root + "/master", withIntermediateDirectories: true)
        let store = try StoreSelection.open(master.store, defaultPath: root + "/master/registry.sqlite")
        let options = try master.masterOptions(
            port: masterPort, flags: ["work_dir": root, "port": "\(masterPort)", "agents": "\(agents)"])
        let masterServer = MasterServer(options: options, store: store)
        let boundMaster = try await masterServer.start()
        var agentServers: [AgentServer] = []
        var lines = ["Mesokube dev cluster", "  master      http://\(master.ip):\(boundMaster)"]
        for index in 0..<agents {
            let server = try makeAgent(index: index, root: root, masterPort: boundMaster)
            let bound = try await server.start()
            agentServers.append(server)
            lines.append("  agent \(index)     http://\(master.ip):\(bound)  (work dir \(root)/agent-\(index))")
        }
        let dns = try await ClusterDNS.start(ip: master.ip, port: dnsPort)
        let kubeEndpoint = try await KubeServing.start(
            store: store, workDir: root, ip: master.ip, flags: kube, kubeconfigPath: root + "/kubeconfig",
            clusterDNS: ClusterDNS.endpoint(dns))
        lines.append("  kube API    \(kubeEndpoint.url)")
        let scheduler = try await KubeScheduling.start(
            master: "\(master.ip == "0.0.0.0" ? "127.0.0.1" : master.ip):\(boundMaster)", endpoint: kubeEndpoint,
            flags: kube, logger: Logger(label: "mesokube.kube-scheduler"))
        lines.append("  kube sched  framework of the master, role \(kube.kubeRole) (weight \(kube.kubeWeight))")
        let controllers = try KubeControllersRunning.start(
            endpoint: kubeEndpoint, flags: kube, localPathBase: root + "/local-path")
        let marathonService = try await MarathonServing.start(
            store: store, master: "\(master.ip == "0.0.0.0" ? "127.0.0.1" : master.ip):\(boundMaster)", ip: master.ip,
            flags: marathon)
        lines.append(
            "  marathon    http://\(master.ip):\(marathonService.port)  (framework of the master, role \(marathon.marathonRole))"
        )
        let discovery = try await DiscoveryFeed.start(
            master: masterServer, kube: kubeEndpoint, marathon: marathonService, sinks: [{ dns.update($0) }])
        lines.append(
            "  dns         \(dns.host):\(dns.port) (udp+tcp): <task>.<framework>.mesos, <svc>.<ns>.svc.cluster.local")
        lines.append("  state       \(root)")
        lines.append("Use kubectl with:  export KUBECONFIG=\(root)/kubeconfig")
        lines.append("Stop with Ctrl-C.")
        say(lines.joined(separator: "\n"))
        await ShutdownSignal.wait()
        say("Shutting down...")
        await discovery.stop()
        await dns.stop()
        await marathonService.stop()
        await controllers.stop()
        await scheduler.stop()
        // Pods stop while the API server still takes their last status; nothing reschedules them.
        await withTaskGroup(of: Void.self) { group in
            for server in agentServers { group.addTask { await server.shutDownExecutors() } }
        }
        await kubeEndpoint.stop()
        for server in agentServers { await server.stop(killContainers: true) }
        await masterServer.stop()
        await store.close()
        say("Stopped.")
    }

    /// Agent k's pod CIDR: the k-th /24 of `--cluster-cidr`; none without root (bridges and
    /// network namespaces need it) or with `--no-pod-network`.
    func podNetwork(index: Int) throws -> String? {
        guard !noPodNetwork, geteuid() == 0 else { return nil }
        let parts = clusterCidr.split(separator: "/")
        guard parts.count == 2, parts[1] == "16", let base = IPv4Network(clusterCidr), index < 256 else {
            throw ValidationError("--cluster-cidr must be an IPv4 /16 such as 10.244.0.0/16, not \(clusterCidr)")
        }
        let octets = base.description.split(separator: ".")
        return "\(octets[0]).\(octets[1]).\(index).0/24"
    }

    func makeAgent(index: Int, root: String, masterPort: Int) throws -> AgentServer {
        let workDir = root + "/agent-\(index)"
        var options = AgentOptions(workDir: workDir)
        options.ip = master.ip
        options.port = agentPort == 0 ? 0 : agentPort + index
        options.hostname = master.hostname
        options.master = "\(master.ip):\(masterPort)"
        options.resources = try HostResources.resolve(
            text: agent.resources, workDir: root, share: agents, index: index)
        options.attributes = try agent.attributes.map { try parseAttributes($0) } ?? []
        try agent.apply(to: &options)
        // The agents of one process share the host's network namespace: one proxy keeps its rules.
        if index == 0 { options.serviceProxy = agent.serviceProxySettings(clusterCIDR: clusterCidr) }
        let podCIDR = try podNetwork(index: index)
        options.flags = agent.advertised(ip: master.ip, podCIDR: podCIDR, podBridge: "mk\(index)").merging(
            ["work_dir": workDir, "port": "\(options.port)"]
        ) { _, new in new }
        return try AgentServer(options: options)
    }
}
