import Foundation
import HTTPSupport
import Logging
import MasterCore
import MesosModel
import NIOCore
import NIOHTTP1
import StateStore

/// Settings of one master process (flags of `mesokube master`).
public struct MasterOptions: Sendable {
    public var ip: String = "127.0.0.1"
    public var port: Int = 5050
    public var hostname: String?
    public var allocationInterval: Double = 1
    public var offerTimeout: Double?
    public var agentReregisterTimeout: Double = 600
    /// `--agent-ping-timeout` and `--max-agent-ping-timeouts` (Mesos' names and defaults).
    public var agentPingTimeout: Double = 15
    public var maxAgentPingTimeouts: Int = 5
    /// `--registry-max-agent-age` and `--registry-max-agent-count`: how long and how many
    /// unreachable agents the registry remembers (Mesos' defaults: 2 weeks, 102,400).
    public var registryMaxAgentAge: Double = 14 * 24 * 3600
    public var registryMaxAgentCount: Int = 100 * 1024
    public var minAllocatableResources: [[String: Double]] = [["cpus": 0.01], ["mem": 32]]
    /// nil: this master leads from the start (one master, or `--leader` not given). Otherwise it
    /// starts as a standby that sends clients to this leader (`host:port`; empty: none known,
    /// 503) until `assumeLeadership()`; HA masters start with "" and follow the election.
    public var leader: String?
    /// Flags as given, echoed in `/flags` and `/master/state`.
    public var flags: [String: String] = [:]
    public var maxBodyBytes: Int = 16 << 20

    public init() {}
}

/// The master shell: owns the `MasterCore`, serves the HTTP APIs, runs the timers,
/// streams events and writes the registry to the store.
public actor MasterServer {
    let options: MasterOptions
    let store: any StateStore
    let logger: Logger
    var core: MasterCore!
    var server: HTTPServer?
    var frameworkStreams: [String: ResponseStream] = [:]
    var agentSessions: [String: AgentSession] = [:]
    var operatorStreams: [UUID: ResponseStream] = [:]
    var timers: [Task<Void, Never>] = []
    var allocationPending = false
    var electedTime: Double = 0
    var lastAllocationMillis: Double = 0
    var registryWrites = 0
    /// Group commit of the registry (see `persistRegistry`): requests made, requests durable, and
    /// the write in flight.
    var registryRequests = 0
    var registryDurable = 0
    var registryWrite: Task<Void, Never>?
    /// What the store holds of the registry, as of the last write that finished.
    var registryWritten = RegistryStorage(MasterRegistry())
    /// The latest service discovery snapshot (version, JSON) and the agents' polls waiting for a newer one.
    var discovery: (version: UInt64, body: ByteBuffer) = (0, ByteBuffer())
    var discoveryWaiters: [UUID: CheckedContinuation<Void, Never>] = [:]
    public private(set) var boundPort: Int = 0
    /// Where a standby sends clients (see `MasterOptions.leader`); nil once this master leads.
    var leader: String?

    struct AgentSession {
        var agentID: AgentID
        var stream: ResponseStream
        /// Events decided while the session's REGISTERED waits for its registry write (the actor
        /// runs other work meanwhile): sent after it, so the agent hears it is registered first.
        /// Nil once REGISTERED went out.
        var held: [AgentEvent]? = []
    }

    public init(options: MasterOptions, store: any StateStore, logger: Logger = Logger(label: "mesokube.master")) {
        self.options = options
        self.store = store
        self.logger = logger
        self.leader = options.leader
    }

    /// A fresh core from the registry as stored now, with a new master id (as a new Mesos
    /// leader has): agents re-register to it and frameworks re-subscribe.
    private func recoverCore() async throws -> MasterCore {
        let (registry, written) = try await RegistryStorage.load(from: store)
        registryWritten = written
        var config = MasterCore.Config(
            masterID: UUID().uuidString.lowercased(), hostname: options.hostname ?? options.ip, ip: options.ip,
            port: boundPort == 0 ? options.port : boundPort)
        config.allocationIntervalSeconds = options.allocationInterval
        config.offerTimeoutSeconds = options.offerTimeout
        config.agentReregisterTimeoutSeconds = options.agentReregisterTimeout
        config.agentPingTimeoutSeconds = options.agentPingTimeout
        config.maxAgentPingTimeouts = options.maxAgentPingTimeouts
        config.registryMaxAgentAgeSeconds = options.registryMaxAgentAge
        config.registryMaxAgentCount = options.registryMaxAgentCount
        config.minAllocatableResources = options.minAllocatableResources
        return MasterCore(config: config, registry: registry, now: wallClock(), seed: UInt64.random(in: 0...UInt64.max))
    }

    /// A standby becomes the leader: it recovers from the registry the last leader wrote and
    /// starts allocating. Agents and frameworks find it through the other masters' redirects.
    public func assumeLeadership() async throws {
        guard leader != nil else { return }
        core = try await recoverCore()
        electedTime = wallClock()
        leader = nil
        startTimers()
        logger.info("master \(core.config.masterID) elected leader on \(options.ip):\(boundPort)")
    }

    /// A standby learns who leads (`host:port`, or "" while nobody does).
    public func follow(leader address: String) {
        guard leader != nil else { return }
        leader = address
    }

    /// Loads the registry, binds the port and, when leading, starts the timers. Returns the bound port.
    @discardableResult
    public func start() async throws -> Int {
        core = try await recoverCore()
        electedTime = wallClock()
        let server = HTTPServer(
            host: options.ip, port: options.port, maxBodyBytes: options.maxBodyBytes, logger: logger
        ) { [weak self] request in
            guard let self else { return .text("Master is shutting down", status: .serviceUnavailable) }
            return await self.route(request)
        }
        boundPort = try await server.start()
        self.server = server
        if options.port == 0 {
            core.config.port = boundPort
        }
        if leader == nil { startTimers() }
        logger.info("master \(core.config.masterID) listening on \(options.ip):\(boundPort)")
        return boundPort
    }

    /// The master stops acting as leader, ahead of a shutdown (after an HA master resigned, a
    /// standby may lead already): its timers stop, every client stream ends so agents and
    /// frameworks look for the leader at once, later calls are answered as a standby with no
    /// known leader (503), and the registry is written no more. Shutting the rest down (the
    /// in-process frameworks, DNS) took seconds at 3,000 agents, during which the resigned
    /// master still accepted calls and wrote the registry beside the new leader.
    public func stepDown() {
        guard leader == nil else { return }
        leader = ""
        finishStreams()
    }

    public func stop() async {
        finishStreams()
        await server?.shutdown()
        server = nil
    }

    private func finishStreams() {
        for timer in timers { timer.cancel() }
        timers = []
        for stream in frameworkStreams.values { stream.finish() }
        for session in agentSessions.values { session.stream.finish() }
        for stream in operatorStreams.values { stream.finish() }
        for waiter in discoveryWaiters.values { waiter.resume() }
        discoveryWaiters = [:]
    }

    private func startTimers() {
        let interval = max(options.allocationInterval, 0.01)
        timers.append(
            Task { [weak self] in
                while !Task.isCancelled {
                    try? await Task.sleep(for: .milliseconds(Int(interval * 1000)))
                    await self?.tick()
                }
            })
        let heartbeat = core.config.heartbeatIntervalSeconds
        timers.append(
            Task { [weak self] in
                while !Task.isCancelled {
                    try? await Task.sleep(for: .seconds(heartbeat))
                    await self?.sendHeartbeats()
                }
            })
    }

    func tick() async {
        let actions = core.tick(now: wallClock())
        await perform(actions)
    }

    func sendHeartbeats() {
        let record = encodeRecord(SchedulerEvent.heartbeat)
        for stream in frameworkStreams.values { stream.sendRecord(record) }
        let operatorRecord = encodeRecord(JSONValue.object(["type": .string("HEARTBEAT")]))
        for stream in operatorStreams.values { stream.sendRecord(operatorRecord) }
    }

    /// Carries out the core's decisions in order. The registry is written once per batch: the
    /// core had made every change of the batch before returning it, so the first write holds them.
    func perform(_ actions: [MasterAction]) async {
        var registryPersisted = false
        for action in actions {
            switch action {
            case .sendToFramework(let streamID, let event):
                frameworkStreams[streamID]?.sendRecord(encodeRecord(event))
            case .closeFrameworkStream(let streamID):
                frameworkStreams.removeValue(forKey: streamID)?.finish()
            case .sendToAgent(let sessionID, let event):
                sendToAgent(sessionID, event)
            case .closeAgentSession(let sessionID):
                agentSessions.removeValue(forKey: sessionID)?.stream.finish()
            case .persistRegistry:
                guard !registryPersisted else { continue }
                registryPersisted = true
                await persistRegistry()
            case .requestAllocation:
                scheduleAllocation()
            case .observed(let observation):
                publish(observation)
            }
        }
    }

    /// Sends an event on an agent's session in the order the agent must hear it: nothing before
    /// REGISTERED, and no PING at all before it (Mesos pings registered agents only; an agent
    /// could not yet answer it with its id).
    func sendToAgent(_ sessionID: String, _ event: AgentEvent) {
        guard let session = agentSessions[sessionID] else { return }
        if event.type == .registered {
            session.stream.sendRecord(encodeRecord(event))
            for held in session.held ?? [] { session.stream.sendRecord(encodeRecord(held)) }
            agentSessions[sessionID]?.held = nil
        } else if session.held != nil {
            if event.type != .ping { agentSessions[sessionID]?.held?.append(event) }
        } else {
            session.stream.sendRecord(encodeRecord(event))
        }
    }

    /// Returns once the registry as it is now is durable. Writes are group-committed, as Mesos'
    /// registrar batches its operations: a caller that arrives while a write is in flight waits
    /// for the next one, which carries every change made meanwhile. A storm of registrations then
    /// costs one write per store round trip, not one whole-registry write per agent (1,000 agents
    /// re-registering after a restart: 87% of the master's time went to those writes).
    func persistRegistry() async {
        // Only the leader writes: a master that stepped down must not overwrite its successor's.
        guard leader == nil else { return }
        registryRequests += 1
        let request = registryRequests
        while registryDurable < request {
            if let inFlight = registryWrite {
                await inFlight.value
                continue
            }
            let covering = registryRequests
            let registry = core.registry
            let write = Task { await self.writeRegistry(registry, covering: covering) }
            registryWrite = write
            await write.value
        }
    }

    /// One write of the registry (the keys that changed since the last); it marks the requests
    /// it covers durable before the waiters resume.
    func writeRegistry(_ registry: MasterRegistry, covering: Int) async {
        do {
            registryWritten = try await RegistryStorage.write(registry, over: registryWritten, to: store)
            registryWrites += 1
            registryDurable = max(registryDurable, covering)
            registryWrite = nil
            // Only the latest registry matters, but the store is shared (Kubernetes objects,
            // Marathon, other masters' watches): keep as much history as kube-apiserver's compactor.
            if registryWrites % 100 == 0 { try await store.compact(keepingLast: 1000) }
        } catch {
            // Mesos' registrar does the same: a master whose decisions can no longer be made
            // durable must not go on acting on them. The supervisor restarts it from the
            // last registry that was written (each write is one transaction).
            logger.critical("failed to persist the registry, exiting: \(error)")
            exit(70)
        }
    }

    /// Event-driven allocation, coalesced: many triggers in a burst make one run.
    func scheduleAllocation() {
        guard !allocationPending else { return }
        allocationPending = true
        Task { [weak self] in
            try? await Task.sleep(for: .milliseconds(5))
            await self?.runRequestedAllocation()
        }
    }

    func runRequestedAllocation() async {
        allocationPending = false
        let started = ContinuousClock.now
        let actions = core.allocate(now: wallClock())
        let elapsed = (ContinuousClock.now - started).components
        lastAllocationMillis = Double(elapsed.seconds) * 1000 + Double(elapsed.attoseconds) / 1e15
        await perform(actions)
    }

    func encodeRecord<T: Encodable>(_ value: T) -> [UInt8] {
        (try? MesosJSON.encodeBytes(value)) ?? Array("{}".utf8)
    }
}

/// Seconds since the epoch: the shell's clock, handed to the core with every input.
func wallClock() -> Double { Date().timeIntervalSince1970 }
