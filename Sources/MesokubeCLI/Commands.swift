import Agent
import ArgumentParser
import Containerizer
import Discovery
import Foundation
import HTTPSupport
import KubeScheduler
import KubeTypes
import Logging
import Marathon
import Master
import MesosModel
import StateStore
import StateStoreSQLite

struct MasterFlags: ParsableArguments {
    @Option(help: "Address to listen on.") var ip: String = "127.0.0.1"
    @Option(help: "Hostname to advertise (default: the --ip).") var hostname: String?
    @Option(help: "Allocation interval, e.g. 1secs or 0.5.") var allocationInterval: DurationFlag = .init(seconds: 1)
    @Option(help: "Rescind offers held longer than this (default: never).") var offerTimeout: DurationFlag?
    @Option(help: "How long agents may take to re-register after a master restart or disconnect.")
    var agentReregisterTimeout: DurationFlag = .init(seconds: 600)
    @Option(help: "How often the master pings each agent; an agent must answer before the next ping.")
    var agentPingTimeout: DurationFlag = .init(seconds: 15)
    @Option(help: "Missed pings after which an agent is unreachable (its tasks UNREACHABLE or LOST).")
    var maxAgentPingTimeouts: Int = 5
    @Option(help: "How long the registry remembers an unreachable agent, e.g. 2weeks or 3600.")
    var registryMaxAgentAge: DurationFlag = .init(seconds: 14 * 24 * 3600)
    @Option(help: "How many unreachable agents the registry remembers.")
    var registryMaxAgentCount: Int = 100 * 1024
    @Option(help: "Minimum allocatable resources, e.g. 'cpus:0.01|mem:32'.")
    var minAllocatableResources: String = "cpus:0.01|mem:32"
    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.") var logLevel: String = "info"
    @Option(
        help: ArgumentHelp(
            "State store: sqlite://PATH or etcd://HOST:PORT[,HOST:PORT...] (default: SQLite in the work dir).",
            valueName: "url"))
    var store: String?

    func masterOptions(port: Int, flags: [String: String]) throws -> MasterOptions {
        var options = MasterOptions()
        options.ip = ip
        options.port = port
        options.hostname = hostname
        options.allocationInterval = allocationInterval.seconds
        options.offerTimeout = offerTimeout?.seconds
        options.agentReregisterTimeout = agentReregisterTimeout.seconds
        guard agentPingTimeout.seconds > 0, maxAgentPingTimeouts >= 1 else {
            throw ValidationError("--agent-ping-timeout must be positive and --max-agent-ping-timeouts at least 1")
        }
        options.agentPingTimeout = agentPingTimeout.seconds
        options.maxAgentPingTimeouts = maxAgentPingTimeouts
        guard registryMaxAgentAge.seconds > 0, registryMaxAgentCount >= 0 else {
            throw ValidationError(
                "--registry-max-agent-age must be positive and --registry-max-agent-count not negative")
        }
        options.registryMaxAgentAge = registryMaxAgentAge.seconds
        options.registryMaxAgentCount = registryMaxAgentCount
        options.minAllocatableResources = try parseMinAllocatable(minAllocatableResources)
        options.flags = flags
        return options
    }

    /// `cpus:0.01|mem:32` → any-of list of quantity sets (`;` joins names within one set).
    func parseMinAllocatable(_ text: String) throws -> [[String: Double]] {
        try text.split(separator: "|").map { alternative in
            var quantities: [String: Double] = [:]
            for part in alternative.split(separator: ";") {
                let pieces = part.split(separator: ":")
                guard pieces.count == 2, let value = Double(pieces[1]), value >= 0 else {
                    throw ValidationError("Invalid --min-allocatable-resources entry '\(part)'")
                }
                quantities[String(pieces[0])] = value
            }
            return quantities
        }
    }
}

struct MasterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "master", abstract: "Run a master.")

    @Option(help: "Directory for the master's registry.") var workDir: String = ".mesokube/master"
    @Option(help: "Port to listen on.") var port: Int = 5050
    @Option(help: "Send clients to this leader (a standby master) until leader election arrives.")
    var leader: String?
    @OptionGroup var master: MasterFlags
    @OptionGroup var kube: KubeFlags
    @Flag(help: "Do not run the Kubernetes API server in this master.") var noKube = false
    @OptionGroup var marathon: MarathonFlags
    @Flag(help: "Do not run the Marathon framework and API in this master.") var noMarathon = false
    @Option(help: "Port of the cluster DNS server (UDP and TCP): Mesos-DNS names and cluster.local.")
    var dnsPort: Int = 53

    @Option(help: "HA masters: lease TTL of the leader election in seconds (failover takes about this long).")
    var electionTtl: Int = 3

    /// Several masters share an etcd store; with SQLite the store's file lock allows one.
    var isHA: Bool { master.store?.hasPrefix("etcd://") == true }

    func validate() throws {
        if isHA && leader != nil { throw ValidationError("--leader is for a fixed standby; HA masters elect one") }
        guard (2...60).contains(electionTtl) else { throw ValidationError("--election-ttl must be 2 to 60 seconds") }
    }

    func run() async throws {
        LogSetup.bootstrap(level: master.logLevel)
        try FileManager.default.createDirectory(atPath: workDir, withIntermediateDirectories: true)
        let store = try StoreSelection.open(master.store, defaultPath: workDir + "/registry.sqlite")
        var options = try master.masterOptions(port: port, flags: ["work_dir": workDir, "port": "\(port)"])
        options.leader = isHA ? "" : leader
        let server = MasterServer(options: options, store: store)
        let bound = try await server.start()
        say(
            "mesokube master listening on http://\(master.ip):\(bound) (work dir \(workDir), store "
                + StoreSelection.describe(master.store, defaultPath: workDir + "/registry.sqlite") + ")")
        let dns = try await ClusterDNS.start(ip: master.ip, port: dnsPort)
        say("DNS on \(dns.host):\(dns.port) (udp+tcp)")
        let kubeEndpoint = noKube ? nil : try await startKube(store: store, dns: dns)
        let address = "\(master.ip == "0.0.0.0" ? "127.0.0.1" : master.ip):\(bound)"
        let duties = LeaderDuties(
            settings: .init(
                masterAddress: address, ip: master.ip, kube: kube, marathon: marathon, runsMarathon: !noMarathon),
            store: store, server: server, kubeEndpoint: kubeEndpoint, dnsSink: { dns.update($0) })
        var election: (LeaderElection<MasterCandidate>, Task<Void, Never>)?
        if isHA {
            election = try await standBy(
                store: store, server: server, address: address, boundPort: bound, kube: kubeEndpoint, dns: dns,
                duties: duties)
        } else {
            try await duties.start()
        }
        await ShutdownSignal.wait()
        ShutdownSignal.exitIfStuck(after: .seconds(20))
        // Resigning deletes the election key at once: a standby takes over without waiting a TTL;
        // stepping down right after sends the agents and frameworks to it before the rest stops.
        election?.1.cancel()
        if let election { await election.0.resign() }
        await server.stepDown()
        await duties.stop()
        await dns.stop()
        await kubeEndpoint?.stop()
        await server.stop()
        await store.close()
    }

    func startKube(store: any StateStore, dns: DNSServer) async throws -> KubeEndpoint {
        let root = absolute(workDir)
        if isHA {
            try await SharedPKI.sync(
                store: store, directory: root + "/pki", hosts: master.ip == "0.0.0.0" ? [] : [master.ip])
        }
        let endpoint = try await KubeServing.start(
            store: store, workDir: root, ip: master.ip, flags: kube, kubeconfigPath: root + "/kubeconfig",
            clusterDNS: ClusterDNS.endpoint(dns))
        // A standby serves the API but leaves cluster-wide work to the leader.
        endpoint.server.setRunsClusterWork(!isHA)
        say("Kubernetes API on \(endpoint.url); export KUBECONFIG=\(root)/kubeconfig")
        return endpoint
    }

    /// An HA master starts as a standby and campaigns; it takes up the leader's duties if elected.
    func standBy(
        store: any StateStore, server: MasterServer, address: String, boundPort: Int, kube: KubeEndpoint?,
        dns: DNSServer, duties: LeaderDuties
    ) async throws -> (LeaderElection<MasterCandidate>, Task<Void, Never>) {
        let marathonProxy =
            noMarathon ? nil : try await MarathonStandbyProxy.start(ip: master.ip, port: marathon.marathonPort)
        // Other masters send clients here: the advertised name, as Mesos' MasterInfo.hostname.
        let host = master.hostname ?? (master.ip == "0.0.0.0" ? "127.0.0.1" : master.ip)
        // Until elected, this master's DNS serves the leader's snapshots.
        let dnsFollower = DiscoveryFollower(masters: MasterList(address)) { dns.update($0) }
        await dnsFollower.start()
        let candidate = MasterCandidate(
            id: UUID().uuidString.lowercased(), mesos: "\(host):\(boundPort)",
            marathon: noMarathon ? nil : "\(host):\(marathon.marathonPort)", kube: kube?.url)
        let timing = LeaderElection<MasterCandidate>.Timing(
            ttl: .seconds(electionTtl), renewInterval: .milliseconds(electionTtl * 1000 / 6),
            renewMargin: .milliseconds(electionTtl * 1000 / 6))
        say("standing by for election (lease TTL \(electionTtl) s)")
        return MasterHA.campaign(
            store: store, candidate: candidate, timing: timing, server: server, marathonProxy: marathonProxy,
            dnsFollower: dnsFollower, onLeading: { try await duties.start() })
    }
}

struct AgentFlags: ParsableArguments {
    @Option(help: "Resources, e.g. 'cpus:4;mem:4096;ports:[31000-32000];cpus(role):2'.") var resources: String?
    @Option(help: "Attributes, e.g. 'rack:a;zone:west'.") var attributes: String?
    @Option(help: "How long a custom executor may take to subscribe.")
    var executorRegistrationTimeout: DurationFlag = .init(seconds: 60)
    @Option(help: "First retry of unacknowledged status updates (doubles up to 10 minutes).")
    var statusUpdateRetryInterval: DurationFlag = .init(seconds: 10)
    @Option(help: "Isolators (Mesos names): cgroups/cpu, cgroups/mem, namespaces/pid, filesystem/linux, posix/cpu, ...")
    var isolation: String = IsolationConfig.defaultFlag
    @Flag(help: "Cap each container's CPU at its cpus with a CFS quota.") var cgroupsEnableCfs = false
    @Option(help: "cgroup (under each hierarchy) that holds the containers.") var cgroupsRoot: String = "mesokube"
    @Option(help: "After a restart: 'reconnect' to checkpointed tasks, or 'cleanup' (kill them all and exit).")
    var recover: String = "reconnect"
    @Option(help: "Registry for image names without one, HOST[:PORT].") var registry: String?
    @Option(help: "Mirror of the default registry, tried first (repeatable).") var registryMirror: [String] = []
    @Option(help: "Registry spoken to over plain HTTP, HOST:PORT (repeatable).") var insecureRegistry: [String] = []
    @Option(help: "This agent's pod CIDR (an IPv4 network such as 10.244.1.0/24); pods get addresses from it.")
    var podCidr: String?
    @Option(help: "The Linux bridge pods of this agent attach to (unique per agent on one host).")
    var podBridge: String = "mk0"
    @Flag(
        inversion: .prefixedNo,
        help: "Keep this host's service rules (iptables, as kube-proxy): ClusterIPs, NodePorts, Marathon service ports."
    )
    var serviceProxy = true

    /// What the agent's `/flags` tells the executors it starts (the kubelet reads its pod
    /// network and registry there).
    func advertised(ip: String, podCIDR: String?, podBridge: String) -> [String: String] {
        var flags = ["ip": ip, "pod_bridge": podBridge]
        if let podCIDR { flags["pod_cidr"] = podCIDR }
        if let registry { flags["registry"] = registry }
        if !registryMirror.isEmpty { flags["registry_mirrors"] = registryMirror.joined(separator: ",") }
        if !insecureRegistry.isEmpty { flags["insecure_registries"] = insecureRegistry.joined(separator: ",") }
        return flags
    }

    /// Copies these flags into an agent's options; unknown values are refused here.
    func apply(to options: inout AgentOptions) throws {
        options.executorRegistrationTimeout = executorRegistrationTimeout.seconds
        options.statusUpdateRetryInterval = statusUpdateRetryInterval.seconds
        options.isolation = isolation
        options.cgroupsEnableCFS = cgroupsEnableCfs
        options.cgroupsRoot = cgroupsRoot
        guard let mode = AgentOptions.RecoveryMode(rawValue: recover) else {
            throw ValidationError("--recover must be 'reconnect' or 'cleanup', not '\(recover)'")
        }
        options.recover = mode
        var registryOptions = RegistryOptions(
            mirrors: registryMirror, insecureRegistries: Set(insecureRegistry))
        if let registry { registryOptions.defaultRegistry = registry }
        options.registry = registryOptions
    }

    /// The service proxy's settings when it runs here: it writes iptables rules, which needs root.
    func serviceProxySettings(clusterCIDR: String?) -> AgentOptions.ServiceProxySettings? {
        guard serviceProxy else { return nil }
        guard geteuid() == 0 else {
            say("service proxy off: keeping iptables rules needs root (--no-service-proxy silences this)")
            return nil
        }
        return AgentOptions.ServiceProxySettings(clusterCIDR: clusterCIDR)
    }
}

struct AgentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "agent", abstract: "Run an agent.")

    @Option(help: "The master, HOST:PORT.") var master: String
    @Option(help: "Directory for sandboxes and agent metadata.") var workDir: String = ".mesokube/agent"
    @Option(help: "Address to listen on.") var ip: String = "127.0.0.1"
    @Option(help: "Port to listen on.") var port: Int = 5051
    @Option(help: "Hostname to advertise (default: the --ip).") var hostname: String?
    @Option(
        help:
            "The cluster's pod network (all agents' pod CIDRs); the service proxy masquerades traffic from outside it.")
    var clusterCidr: String = "10.244.0.0/16"
    @OptionGroup var agent: AgentFlags
    @Option(help: "Log level.") var logLevel: String = "info"

    func run() async throws {
        LogSetup.bootstrap(level: logLevel)
        var options = AgentOptions(workDir: absolute(workDir))
        options.ip = ip
        options.port = port
        options.hostname = hostname
        options.master = master
        options.resources = try HostResources.resolve(text: agent.resources, workDir: workDir)
        options.attributes = try agent.attributes.map { try parseAttributes($0) } ?? []
        try agent.apply(to: &options)
        guard IPv4Network(clusterCidr) != nil else {
            throw ValidationError("--cluster-cidr must be an IPv4 network such as 10.244.0.0/16, not \(clusterCidr)")
        }
        options.serviceProxy = agent.serviceProxySettings(clusterCIDR: clusterCidr)
        options.flags = agent.advertised(ip: ip, podCIDR: agent.podCidr, podBridge: agent.podBridge).merging(
            ["work_dir": options.workDir, "port": "\(port)", "master": master]
        ) { _, new in new }
        let server = try AgentServer(options: options)
        if options.recover == .cleanup {
            try await server.cleanUp()
            say("mesokube agent: containers of the previous run killed and agent state removed (\(options.workDir))")
            return
        }
        let bound = try await server.start()
        say("mesokube agent listening on http://\(ip):\(bound), master \(master) (work dir \(options.workDir))")
        await ShutdownSignal.wait()
        await server.stop(killContainers: false)
    }
}

func absolute(_ path: String) -> String {
    if path.hasPrefix("/") { return path }
    return FileManager.default.currentDirectoryPath + "/" + path
}
