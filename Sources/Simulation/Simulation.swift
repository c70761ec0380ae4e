import AgentCore
import MasterCore
import MesosModel
import TestSupport

/// Deterministic simulation of a whole cluster: one real `MasterCore`, real `AgentCore`s,
/// scripted frameworks and simulated containers, joined by a simulated network with random
/// delays and faults. Every decision comes from the seed, so a run replays exactly.
public enum Simulator {
    /// Runs one seed to the end (or to the first violation) and reports.
    public static func run(_ config: SimulationConfig) -> SimulationReport {
        let run = SimulationRun(config: config)
        return run.execute()
    }
}

/// The mutable state of one run. Not shared across threads: each run owns its instance.
final class SimulationRun {
    let config: SimulationConfig
    let startTime: Double = 10_000
    var rng: SplitMix64
    var queue = EventQueue<SimEvent>()
    var now: Double
    var trace: Trace
    var stats = SimulationStats()
    var violations: [Violation] = []
    var stopped = false
    var quiescing = false

    // The master process.
    var master: MasterCore?
    var generation = 0
    var persistedRegistry = MasterRegistry()
    /// The shell's `agentSessions`: session id → agent, while the master holds the stream.
    var masterAgentSessions: [String: AgentID] = [:]
    var allocationPending = false
    /// A crash is due in the middle of the next multi-action input.
    var crashArmed = false
    var offerTimeout: Double?
    /// Set by every input to the master core; the safety checks run only after those.
    var masterTouched = false
    /// The kind of step being processed, for violation reports.
    var currentStep = "start"

    // The network.
    var streams: [String: SimStream] = [:]
    var nextStreamNumber = 0

    // Peers and ground truth.
    var agents: [SimAgent] = []
    var frameworks: [SimFramework] = []
    var frameworkIndexByID: [FrameworkID: Int] = [:]
    var containers: [ContainerID: SimContainer] = [:]
    var liveContainerByTask: [TaskKey: ContainerID] = [:]
    var everLaunched: Set<TaskKey> = []

    // Status-update bookkeeping for the exactly-once/ordering invariants.
    var generatedUUIDs: [TaskKey: [String]] = [:]
    var generatedSet: Set<String> = []
    var droppedUUIDs: Set<String> = []
    var frameworkAcked: Set<String> = []
    var ackedOnBehalf: Set<String> = []
    /// Frameworks whose SHUTDOWN_FRAMEWORK reached an agent (updates for them may be dropped unacknowledged).
    var removedFrameworks: Set<FrameworkID> = []
    /// Memoised scalar sums of tasks and offers (their resources never change).
    var scalarCache: [String: [Double]] = [:]

    init(config: SimulationConfig) {
        self.config = config
        self.rng = SplitMix64(seed: config.seed)
        self.now = startTime
        self.trace = Trace(tailLength: config.traceTailLength, keepFull: config.keepFullTrace)
    }

    var endTime: Double { startTime + config.activeDuration + config.quiesceDuration }

    func execute() -> SimulationReport {
        bootstrap()
        while !stopped, let (time, event) = queue.pop() {
            now = time
            stats.events += 1
            masterTouched = false
            currentStep = stepName(event)
            handle(event)
            if !stopped && masterTouched { checkSafety() }
            if !violations.isEmpty { stopped = true }
        }
        return SimulationReport(
            seed: config.seed, isSoak: config.isSoak, traceHash: trace.hasher.value, violations: violations,
            traceTail: trace.tailLines,
            fullTrace: trace.full, stats: stats)
    }

    func bootstrap() {
        offerTimeout = rng.chance(0.5) ? nil : rng.uniform(10, 40)
        master = MasterCore(
            config: masterConfig(generation), registry: MasterRegistry(), now: now, seed: rng.childSeed())
        log(
            "master \(masterConfig(generation).masterID) starts (offer timeout \(offerTimeout.map(formatTime) ?? "none"))"
        )
        if case .success(let actions) = master!.updateWeights([("analytics", 2), ("web", 1.5)]) {
            performMaster(actions)
        }
        schedule(.masterTick(generation: generation), after: 1)
        for index in 0..<config.agentCount {
            agents.append(makeAgent(index))
            schedule(.agentConnect(index), after: rng.uniform(0, 0.5))
        }
        for _ in 0..<config.frameworkCount {
            schedule(.startFramework, after: rng.uniform(0, 2))
        }
        scheduleFirstFaults()
        queue.push(.beginQuiesce, at: startTime + config.activeDuration)
        queue.push(.finalReconcile, at: endTime - min(30, config.quiesceDuration / 2))
        queue.push(.endOfRun, at: endTime)
    }

    func masterConfig(_ generation: Int) -> MasterCore.Config {
        var masterConfig = MasterCore.Config(
            masterID: "sim\(generation)", hostname: "master.sim", ip: "10.0.0.1", port: 5050)
        masterConfig.agentReregisterTimeoutSeconds = config.agentReregisterTimeout
        masterConfig.offerTimeoutSeconds = offerTimeout
        return masterConfig
    }

    func makeAgent(_ index: Int) -> SimAgent {
        let resources = TestResources.agent(cpus: Double(rng.int(2...8)), mem: Double(rng.int(4...16) * 512))
        var agentConfig = AgentCore.Config(
            hostname: "agent\(index).sim", endpoint: "10.0.1.\(index + 1):5051", resources: resources, attributes: [])
        agentConfig.statusRetryMin = config.statusRetryMin
        agentConfig.statusRetryMax = config.statusRetryMax
        return SimAgent(index: index, core: AgentCore(config: agentConfig, agentID: nil, seed: rng.childSeed()))
    }

    func handle(_ event: SimEvent) {
        switch event {
        case .masterTick(let generation): masterTick(generation)
        case .masterAllocate(let generation): masterAllocate(generation)
        case .masterCrash: if crashArmed { crashMaster(reason: "armed crash fallback") }
        case .masterRestart: restartMaster()
        case .agentTick(let index): agentTick(index)
        case .agentConnect(let index): agentConnect(index)
        case .agentRegisterArrives(let index, let call, let attempt): agentRegisterArrives(index, call, attempt)
        case .agentRegisterFailed(let index, let attempt): agentRegisterFailed(index, attempt)
        case .agentCallArrives(let index, let session, let call): agentCallArrives(index, session, call)
        case .streamDelivery(let id, let payload): deliver(payload, on: id)
        case .masterNoticesClosed(let id, let generation): masterNoticesClosed(id, generation)
        case .peerNoticesBroken(let id): peerNoticesBroken(id)
        case .containerStarted(let index, let containerID): containerStarted(index, containerID)
        case .containerExited(let index, let containerID, let code, let signal):
            containerExited(index, containerID, exitCode: code, signal: signal)
        default: handleFrameworkOrFault(event)
        }
    }

    func handleFrameworkOrFault(_ event: SimEvent) {
        switch event {
        case .frameworkStep(let index): frameworkStep(index)
        case .frameworkSubscribe(let index): frameworkSubscribe(index)
        case .subscribeArrives(let index, let call, let attempt): subscribeArrives(index, call, attempt)
        case .subscribeFailed(let index, let attempt): subscribeFailed(index, attempt)
        case .schedulerCallArrives(let index, let stream, let call): schedulerCallArrives(index, stream, call)
        case .frameworkUseHeldOffer(let index, let offerID): useHeldOffer(index, offerID)
        case .startFramework: startFramework()
        case .faultAgentDisconnect(let index): faultAgentDisconnect(index)
        case .faultFrameworkDisconnect(let index): faultFrameworkDisconnect(index)
        case .faultMasterCrash: faultMasterCrash()
        case .partitionHeals(let index): partitionHeals(index)
        case .beginQuiesce: beginQuiesce()
        case .finalReconcile: finalReconcile()
        case .endOfRun:
            log("end of run: liveness checks")
            checkLiveness()
            stopped = true
        default: break
        }
    }

    func stepName(_ event: SimEvent) -> String {
        switch event {
        case .masterTick: return "master-tick"
        case .masterAllocate: return "master-allocate"
        case .masterCrash, .faultMasterCrash: return "master-crash"
        case .masterRestart: return "master-restart"
        case .agentRegisterArrives: return "agent-register"
        case .agentCallArrives(_, _, let call): return "agent-call \(call.type.rawValue)"
        case .schedulerCallArrives(_, _, let call): return "call \(call.type.rawValue)"
        case .subscribeArrives: return "subscribe"
        case .masterNoticesClosed: return "stream-closed"
        case .endOfRun: return "end"
        default: return "peer"
        }
    }

    // MARK: Scheduling and tracing

    func schedule(_ event: SimEvent, after delay: Double) {
        queue.push(event, at: now + max(delay, 0))
    }

    func log(_ line: String) {
        trace.record(now - startTime, line)
    }

    func violation(_ invariant: String, _ detail: String) {
        let found = Violation(time: now - startTime, invariant: invariant, detail: detail, step: currentStep)
        log("VIOLATION \(found)")
        violations.append(found)
    }

    /// One-way latency of a message: usually small, sometimes slow enough to reorder.
    func networkDelay() -> Double {
        rng.chance(0.05) ? rng.uniform(0.05, 1.5) : rng.uniform(0.001, 0.05)
    }

    // MARK: Streams

    func openStream(to peer: SimStream.Peer) -> String {
        nextStreamNumber += 1
        let id = "g\(generation)s\(nextStreamNumber)"
        streams[id] = SimStream(id: id, peer: peer, generation: generation, lastDelivery: now)
        return id
    }

    /// Queues a payload on a stream, after everything sent on it before.
    func send(_ payload: StreamPayload, on id: String) {
        guard var stream = streams[id], !stream.broken, !stream.finished else { return }
        let at = max(now + networkDelay(), stream.lastDelivery)
        stream.lastDelivery = at
        if case .closed = payload { stream.finished = true }
        streams[id] = stream
        queue.push(.streamDelivery(id, payload), at: at)
    }

    /// The master finishes a stream: queued payloads still arrive, then the end.
    func finishStream(_ id: String) {
        guard let stream = streams[id], !stream.broken, !stream.finished else { return }
        send(.closed, on: id)
        queue.push(.masterNoticesClosed(id, generation: stream.generation), at: now + rng.uniform(0.001, 0.01))
    }

    /// A hard break: undelivered payloads are lost and both ends find out after a while.
    func breakStream(_ id: String) {
        guard var stream = streams[id], !stream.broken else { return }
        stream.broken = true
        streams[id] = stream
        log("stream \(id) breaks")
        schedule(.peerNoticesBroken(id), after: rng.uniform(0.01, 0.5))
        if master != nil && stream.generation == generation {
            schedule(.masterNoticesClosed(id, generation: stream.generation), after: rng.uniform(0.01, 2))
        }
    }

    func deliver(_ payload: StreamPayload, on id: String) {
        guard let stream = streams[id], !stream.broken else { return }
        switch stream.peer {
        case .framework(let index): frameworkReceives(index, stream: id, payload)
        case .agent(let index): agentReceives(index, stream: id, payload)
        }
    }

    func peerNoticesBroken(_ id: String) {
        guard let stream = streams[id] else { return }
        switch stream.peer {
        case .framework(let index): frameworkLostLink(index, stream: id, graceful: false)
        case .agent(let index): agentLostLink(index, stream: id)
        }
    }
}
