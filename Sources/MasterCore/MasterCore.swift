import Allocation
import MesosModel

/// The master as a pure state machine (ARCHITECTURE.md rule 1): the shell feeds it calls,
/// agent messages and clock ticks; it answers with `MasterAction`s for the shell to perform.
/// It never does I/O, never reads a clock (every input carries `now`, seconds since the
/// epoch) and draws randomness only from its own seeded generator.
public struct MasterCore: Sendable {
    public struct Config: Sendable {
        public var masterID: String
        public var hostname: String
        public var ip: String
        public var port: Int
        public var heartbeatIntervalSeconds: Double = 15
        /// Outstanding offers are rescinded after this long; nil keeps them until used.
        public var offerTimeoutSeconds: Double?
        public var allocationIntervalSeconds: Double = 1
        /// How long a disconnected agent (or one known only from the registry after a
        /// master restart) may take to come back before its tasks are declared lost.
        public var agentReregisterTimeoutSeconds: Double = 600
        /// Mesos `--agent_ping_timeout`: the master pings each agent this often and expects a
        /// PONG before the next ping.
        public var agentPingTimeoutSeconds: Double = 15
        /// Mesos `--max_agent_ping_timeouts`: missed pings after which the agent is unreachable.
        public var maxAgentPingTimeouts: Int = 5
        /// Mesos `--registry_max_agent_age` (2 weeks): unreachable agents are forgotten after it.
        public var registryMaxAgentAgeSeconds: Double = 14 * 24 * 3600
        /// Mesos `--registry_max_agent_count`: unreachable agents kept at most.
        public var registryMaxAgentCount: Int = 100 * 1024
        /// Completed tasks kept per framework for `/state`.
        public var maxCompletedTasksPerFramework: Int = 1000
        public var maxCompletedFrameworks: Int = 50
        public var minAllocatableResources: [[String: Double]] = [["cpus": 0.01], ["mem": 32]]

        public init(masterID: String, hostname: String, ip: String, port: Int) {
            self.masterID = masterID
            self.hostname = hostname
            self.ip = ip
            self.port = port
        }
    }

    public var config: Config
    public internal(set) var agents: [AgentID: AgentRecord] = [:]
    public internal(set) var frameworks: [FrameworkID: FrameworkRecord] = [:]
    public internal(set) var completedFrameworks: [FrameworkRecord] = []
    public internal(set) var offers: [OfferID: OfferRecord] = [:]
    public internal(set) var allocator: HierarchicalAllocator
    public internal(set) var registry: MasterRegistry
    public internal(set) var counters = MasterCounters()
    public internal(set) var startTime: Double
    var rng: SplitMix64
    var nextFrameworkNumber = 0
    var nextOfferNumber = 0
    var nextAgentNumber = 0
    /// When the last round of agent PINGs went out.
    var lastPingTime = -Double.infinity

    public var masterInfo: MasterInfo {
        MasterInfo(
            id: config.masterID, ip: ipv4NetworkOrder(config.ip), port: config.port,
            pid: "master@\(config.ip):\(config.port)", hostname: config.hostname, version: mesosAPIVersion,
            address: Address(hostname: config.hostname, ip: config.ip, port: config.port))
    }

    /// Builds a master from its durable registry: agents it admitted become "recovered"
    /// until they re-register, frameworks get their failover clocks restarted.
    public init(config: Config, registry: MasterRegistry, now: Double, seed: UInt64) {
        self.config = config
        self.registry = registry
        self.startTime = now
        self.rng = SplitMix64(seed: seed)
        var allocatorConfig = AllocatorConfig()
        allocatorConfig.allocationInterval = config.allocationIntervalSeconds
        allocatorConfig.minAllocatableResources = config.minAllocatableResources
        self.allocator = HierarchicalAllocator(config: allocatorConfig)
        allocator.updateWeights(registry.weights)
        for (role, limits) in registry.quotas {
            allocator.updateQuota(role: role, limits: limits)
        }
        recoverFromRegistry(now: now)
    }

    mutating func nextOfferID() -> OfferID {
        defer { nextOfferNumber += 1 }
        return OfferID("\(config.masterID)-O\(nextOfferNumber)")
    }

    mutating func nextFrameworkID() -> FrameworkID {
        defer { nextFrameworkNumber += 1 }
        return FrameworkID("\(config.masterID)-\(zeroPadded(nextFrameworkNumber, width: 4))")
    }

    mutating func nextAgentID() -> AgentID {
        defer { nextAgentNumber += 1 }
        return AgentID("\(config.masterID)-S\(nextAgentNumber)")
    }

}

/// What the shell must do after feeding the core an input.
public enum MasterAction: Hashable, Sendable {
    /// Write an event to a framework's subscription stream.
    case sendToFramework(streamID: String, SchedulerEvent)
    /// End a framework's subscription stream (after any events queued for it).
    case closeFrameworkStream(streamID: String)
    /// Write an event to an agent's registration stream.
    case sendToAgent(sessionID: String, AgentEvent)
    case closeAgentSession(sessionID: String)
    /// The registry changed: write `MasterCore.registry` to the store before going on.
    case persistRegistry
    /// Something happened that may make new offers possible; run an allocation soon.
    case requestAllocation
    /// A change operator-API subscribers are told about (TASK_ADDED, AGENT_REMOVED, ...).
    case observed(MasterObservation)
}

/// Changes reported on the operator event stream (`POST /api/v1` SUBSCRIBE).
public enum MasterObservation: Hashable, Sendable {
    case taskAdded(FrameworkID, TaskID)
    case taskUpdated(FrameworkID, TaskStatus)
    case agentAdded(AgentID)
    case agentRemoved(AgentID)
    case frameworkAdded(FrameworkID)
    case frameworkUpdated(FrameworkID)
    case frameworkRemoved(FrameworkInfo)
}

/// An error answered synchronously to an HTTP call, in Mesos' convention (status + plain message).
public struct MasterCallError: Error, Hashable, Sendable {
    public var status: Int
    public var message: String
    /// For SUBSCRIBE: answer 200 and deliver the message as an ERROR event before closing,
    /// as Mesos does for errors found after the stream is accepted.
    public var asStreamError: Bool
    public init(_ status: Int, _ message: String, asStreamError: Bool = false) {
        self.status = status
        self.message = message
        self.asStreamError = asStreamError
    }
    public static func badRequest(_ message: String) -> MasterCallError { MasterCallError(400, message) }
    public static func forbidden(_ message: String) -> MasterCallError { MasterCallError(403, message) }
}

public struct MasterCounters: Hashable, Sendable {
    public var frameworkCalls: [String: Int] = [:]
    public var invalidFrameworkCalls = 0
    public var agentsMarkedUnreachable = 0
    public var statusUpdates = 0
    public var validStatusUpdateAcknowledgements = 0
    public var invalidStatusUpdateAcknowledgements = 0
    public var offersSent = 0
    public var offersDeclined = 0
    public var offersRescinded = 0
    public var tasksLaunched = 0
    public var tasksInvalid = 0
    public var allocationRuns = 0
    public var invalidOperations = 0
    public var lastInvalidOperation: String?
    public var agentRegistrations = 0
    public var agentReregistrations = 0
    public var agentRemovals = 0
    public var frameworkRemovals = 0
    public init() {}
}

func zeroPadded(_ number: Int, width: Int) -> String {
    let text = String(number)
    return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
}

/// MasterInfo.ip is a uint32 in network byte order (deprecated but still read by old tools).
func ipv4NetworkOrder(_ ip: String) -> UInt32 {
    let parts = ip.split(separator: ".").compactMap { UInt32($0) }
    guard parts.count == 4, parts.allSatisfy({ $0 < 256 }) else { return 0 }
    return parts[0] | parts[1] << 8 | parts[2] << 16 | parts[3] << 24
}
