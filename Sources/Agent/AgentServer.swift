import AgentCore
import Containerizer
import Discovery
import Foundation
import HTTPSupport
import Logging
import MesosModel

/// Settings of one agent (flags of `mesokube agent`).
public struct AgentOptions: Sendable {
    public var ip: String = "127.0.0.1"
    public var port: Int = 5051
    public var hostname: String?
    public var master: String = "127.0.0.1:5050"
    public var workDir: String
    public var resources: [Resource] = []
    public var attributes: [Attribute] = []
    public var executorRegistrationTimeout: Double = 60
    public var executorShutdownGracePeriod: Double = 5
    /// First retry of an unacknowledged status update (Mesos: 10 s, doubling to 10 min).
    public var statusUpdateRetryInterval: Double = 10
    public var flags: [String: String] = [:]
    /// `--isolation`, Mesos' isolator names.
    public var isolation: String = IsolationConfig.defaultFlag
    /// `--cgroups-enable-cfs`: a CFS quota from each container's cpus.
    public var cgroupsEnableCFS = false
    /// `--cgroups-root`: the cgroup under each hierarchy that holds this agent's containers.
    public var cgroupsRoot = "mesokube"
    /// `--recover`: reattach to checkpointed containers, or kill everything and start afresh.
    public var recover: RecoveryMode = .reconnect
    /// `--registry`, `--registry-mirror`, `--insecure-registry`.
    public var registry = RegistryOptions()
    /// `--service-proxy`: keep this host's service rules (nil: leave them to another agent).
    public var serviceProxy: ServiceProxySettings?

    public struct ServiceProxySettings: Sendable {
        /// The cluster's pod network (`--cluster-cidr`): traffic to a Service from outside it is
        /// masqueraded, so replies come back through this node.
        public var clusterCIDR: String?

        public init(clusterCIDR: String? = nil) { self.clusterCIDR = clusterCIDR }
    }

    public enum RecoveryMode: String, Sendable, CaseIterable {
        case reconnect
        case cleanup
    }

    public init(workDir: String) { self.workDir = workDir }
}

/// The agent shell: owns the `AgentCore`, keeps the link to the master, runs containers
/// through the Containerizer and serves the executor, files and state APIs.
public actor AgentServer {
    let options: AgentOptions
    let logger: Logger
    let files = SandboxFiles()
    let supervisor: ContainerSupervisor
    let isolation: IsolationConfig
    /// The cgroup isolator, when `--isolation` has cgroups/cpu or cgroups/mem.
    let cgroups: CgroupIsolator?
    let fetcher: Fetcher
    /// Image containers; nil (with the reason) when runc or the image store is unavailable.
    let images: ImageServices?
    let imagesUnavailableReason: String?
    var checkersByContainer: [ContainerID: TaskCheckers] = [:]
    /// The checkpoint last written, so unchanged state is not written again.
    /// What the checkpoint files hold, so that a save writes only the parts that changed.
    var savedCheckpoint = CheckpointParts.empty
    let client: HTTPClientSession
    var core: AgentCore
    var server: HTTPServer?
    var executorStreams: [ExecutorKey: ResponseStream] = [:]
    var containers: [ContainerID: Container] = [:]
    var masterSession: String?
    /// Where the session's one-shot calls go: the master that granted it.
    var sessionMasterURL: String?
    /// When the master stream last carried a record, and how long it may stay silent (the
    /// master's total ping timeout, from REGISTERED; Mesos' default 75 s until then).
    var lastMasterRecord: Double = 0
    var masterPingLimit: Double = 75
    var masterLink: Task<Void, Never>?
    var ticker: Task<Void, Never>?
    var courier: Task<Void, Never>?
    let outbox: AsyncStream<OutgoingCall>.Continuation
    let outgoing: AsyncStream<OutgoingCall>
    /// The masters given with `--master`, and the leader among them as redirects tell.
    let masters: MasterList
    var startTime: Double = 0
    var serviceProxy: (proxy: ServiceProxy, follower: DiscoveryFollower)?
    var proxyResync: Task<Void, Never>?
    public private(set) var boundPort: Int = 0

    /// A running container; checkpointed to `meta/containers/<id>/container.json`.
    struct Container: Codable {
        var key: ExecutorKey
        var containerID: ContainerID
        var record: SupervisorRecord
        var directory: String
        var startedAt: Double = 0
        /// It has cgroups of its own (to destroy at the end).
        var cgroups: Bool
        /// It runs from an image through runc.
        var oci: Bool
        /// Its framework checkpoints: it survives an agent restart.
        var checkpointing: Bool
        var destroying = false

        init(
            key: ExecutorKey, containerID: ContainerID, record: SupervisorRecord, directory: String, cgroups: Bool,
            oci: Bool, checkpointing: Bool
        ) {
            self.key = key
            self.containerID = containerID
            self.record = record
            self.directory = directory
            self.cgroups = cgroups
            self.oci = oci
            self.checkpointing = checkpointing
        }
    }

    /// Checks the isolation settings against this host (cgroups, runc, the supervisor
    /// binary); a setting that cannot work is an error, not a silent downgrade.
    public init(options: AgentOptions, logger: Logger = Logger(label: "mesokube.agent")) throws {
        self.options = options
        self.logger = logger
        self.supervisor = try ContainerSupervisor()
        let isolation = try IsolationConfig(flag: options.isolation)
        self.isolation = isolation
        if isolation.usesCgroups {
            do {
                let layout = try CgroupLayout.detect()
                self.cgroups = CgroupIsolator(
                    layout: layout, baseName: options.cgroupsRoot, enableCFS: options.cgroupsEnableCFS)
            } catch {
                throw AgentConfigurationError(
                    "cgroups isolation is not available here (\(error)); drop cgroups/* from --isolation")
            }
        } else {
            self.cgroups = nil
        }
        self.fetcher = Fetcher(
            options: Fetcher.Options(cacheDirectory: options.workDir + "/fetcher-cache"))
        do {
            self.images = try ImageServices(workDir: options.workDir, registry: options.registry)
            self.imagesUnavailableReason = nil
        } catch {
            self.images = nil
            self.imagesUnavailableReason = "Image containers are unavailable on this agent: \(error)"
        }
        // A dead master refuses at once, but the pool retries refused connections until the
        // connect timeout: a short one lets the agent move on to the next master promptly.
        self.client = HTTPClientSession.forMasters()
        (self.outgoing, self.outbox) = AsyncStream<OutgoingCall>.makeStream()
        self.masters = MasterList(options.master)
        let endpoint = "\(options.ip):\(options.port)"
        var config = AgentCore.Config(
            hostname: options.hostname ?? options.ip, endpoint: endpoint, resources: options.resources,
            attributes: options.attributes)
        config.executorRegistrationTimeout = options.executorRegistrationTimeout
        config.executorShutdownGracePeriod = options.executorShutdownGracePeriod
        config.statusRetryMin = options.statusUpdateRetryInterval
        let saved = AgentServer.loadAgentID(workDir: options.workDir)
        self.core = AgentCore(config: config, agentID: saved, seed: UInt64.random(in: 0...UInt64.max))
    }

    public var agentID: AgentID? { core.agentID }

    /// Binds the port, cleans up containers a previous run left behind, connects to the master.
    @discardableResult
    public func start() async throws -> Int {
        startTime = Date().timeIntervalSince1970
        try FileManager.default.createDirectory(atPath: options.workDir, withIntermediateDirectories: true)
        do {
            try await recover()
        } catch {
            // The client must be shut down before it is released, even on this early exit.
            try? await client.shutdown()
            throw error
        }
        let server = HTTPServer(host: options.ip, port: options.port, logger: logger) { [weak self] request in
            guard let self else { return .text("Agent is shutting down", status: .serviceUnavailable) }
            return await self.route(request)
        }
        boundPort = try await server.start()
        self.server = server
        if options.port == 0 {
            core.config.endpoint = "\(options.ip):\(boundPort)"
        }
        masterLink = Task { [weak self] in await self?.runMasterLink() }
        courier = Task { [outgoing, client, logger] in
            await AgentServer.deliver(outgoing, client: client, logger: logger)
        }
        ticker = Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(500))
                await self?.tick()
            }
        }
        startServiceProxy()
        logger.info("agent listening on \(options.ip):\(boundPort), master \(options.master)")
        return boundPort
    }

    /// Asks every executor to shut down (SHUTDOWN, then destroyed when its grace period ends, as
    /// SHUTDOWN_EXECUTOR would) and waits until all have ended. `mesokube dev` calls this before it
    /// stops the API server, so the kubelet can stop its pods and tear down their sandboxes
    /// (network namespaces, runc state, cgroups) instead of being killed over them.
    public func shutDownExecutors() async {
        await perform(core.shutdownAllExecutors(now: Date().timeIntervalSince1970))
        // The ticker destroys executors at their deadline; this bound only guards against a
        // container whose end is never noticed.
        let deadline = ContinuousClock.now + .seconds(options.executorShutdownGracePeriod + 10)
        while !core.allExecutorsTerminated, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(100))
        }
    }

    /// Stops serving. Running containers are left alone unless `killContainers` (dev mode
    /// shutdown kills them so nothing outlives the cluster).
    public func stop(killContainers: Bool) async {
        masterLink?.cancel()
        ticker?.cancel()
        await stopServiceProxy(removeRules: killContainers)
        outbox.finish()
        courier?.cancel()
        for stream in executorStreams.values { stream.finish() }
        if killContainers {
            for containerID in Array(checkersByContainer.keys) { stopHealthChecks(containerID) }
            for container in containers.values { await killLeftover(container) }
            containers = [:]
        }
        await server?.shutdown()
        server = nil
        try? await client.shutdown()
    }

    func tick() async {
        await perform(core.tick(now: Date().timeIntervalSince1970))
    }

    /// Carries out the core's decisions in order.
    func perform(_ actions: [AgentAction]) async {
        var checkpointNeeded = false
        defer {
            if checkpointNeeded {
                saveAgentID()
                saveCheckpoint()
            }
        }
        for action in actions {
            switch action {
            case .launchContainer(let key, let containerID, let plan):
                await launchContainer(key, containerID: containerID, plan: plan)
            case .destroyContainer(_, let containerID, let grace):
                destroyContainer(containerID, gracePeriod: grace)
            case .updateContainer(let key, let containerID, let resources):
                resizeContainer(key, containerID: containerID, resources: resources)
            case .sendToExecutor(let key, let event):
                executorStreams[key]?.sendRecord(encodeRecord(event))
            case .closeExecutorStream(let key):
                executorStreams.removeValue(forKey: key)?.finish()
            case .sendToMaster(let call):
                sendToMaster(call)
            case .checkpoint:
                checkpointNeeded = true
            }
        }
    }

    func encodeRecord<T: Encodable>(_ value: T) -> [UInt8] {
        (try? MesosJSON.encodeBytes(value)) ?? Array("{}".utf8)
    }

    var metaDirectory: String { options.workDir + "/meta" }

    static func loadAgentID(workDir: String) -> AgentID? {
        guard let text = try? String(contentsOfFile: workDir + "/meta/agent-id", encoding: .utf8) else { return nil }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed.isEmpty ? nil : AgentID(trimmed)
    }

    /// The agent id survives restarts so the master sees the same agent come back.
    func saveAgentID() {
        guard let id = core.agentID else { return }
        let path = metaDirectory + "/agent-id"
        if (try? String(contentsOfFile: path, encoding: .utf8)) == id.value { return }
        try? FileManager.default.createDirectory(atPath: metaDirectory, withIntermediateDirectories: true)
        try? FileReplacement.write(Data(id.value.utf8), to: path)
    }
}
