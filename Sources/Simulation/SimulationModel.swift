import AgentCore
import MasterCore
import MesosModel

/// Everything that can happen in a run, ordered by simulated time.
enum SimEvent {
    case masterTick(generation: Int)
    case masterAllocate(generation: Int)
    case masterCrash
    case masterRestart
    case agentTick(Int)
    /// The agent opens a new registration stream.
    case agentConnect(Int)
    case agentRegisterArrives(Int, AgentCall, attempt: Int)
    case agentRegisterFailed(Int, attempt: Int)
    case agentCallArrives(Int, session: String, AgentCall)
    case streamDelivery(String, StreamPayload)
    /// The master's side of a stream learns it is gone (the shell's `onClose`).
    case masterNoticesClosed(String, generation: Int)
    /// The framework or agent end of a hard-broken stream learns it is gone.
    case peerNoticesBroken(String)
    case containerStarted(Int, ContainerID)
    case containerExited(Int, ContainerID, exitCode: Int32?, signal: Int32?)
    case frameworkStep(Int)
    case frameworkSubscribe(Int)
    case subscribeArrives(Int, SchedulerCall, attempt: Int)
    case subscribeFailed(Int, attempt: Int)
    case schedulerCallArrives(Int, stream: String, SchedulerCall)
    case frameworkUseHeldOffer(Int, OfferID)
    case startFramework
    case faultAgentDisconnect(Int)
    case faultFrameworkDisconnect(Int)
    case faultMasterCrash
    case partitionHeals(Int)
    case beginQuiesce
    case finalReconcile
    case endOfRun
}

/// What travels down a master → peer stream, in order.
enum StreamPayload {
    /// The HTTP response head: the peer now knows the stream (session) id.
    case opened
    case scheduler(SchedulerEvent)
    case agent(AgentEvent)
    /// The master finished the stream after everything queued before it.
    case closed
}

/// One long-lived master → framework or master → agent stream.
struct SimStream {
    enum Peer: Equatable {
        case framework(Int)
        case agent(Int)
    }
    var id: String
    var peer: Peer
    var generation: Int
    /// Hard break (network fault, master crash): nothing more is delivered.
    var broken = false
    /// The master finished it (graceful close); queued payloads still arrive.
    var finished = false
    /// Keeps deliveries in send order despite random delays.
    var lastDelivery: Double
}

/// How a peer's link to the master stands.
enum LinkState: Equatable {
    case idle
    case connecting(attempt: Int)
    case linked(stream: String)
}

/// One simulated agent: the real core plus the simulated containerizer and link.
struct SimAgent {
    var index: Int
    var core: AgentCore
    var link: LinkState = .idle
    /// The session id as the agent knows it (from the response head).
    var session: String?
    var attempt = 0
    var failures = 0
    var partitionedUntil: Double?
    /// When the next agent timer event is queued.
    var timerAt: Double?
    /// Uuids pending on each status stream after the last input, in order.
    var pending: [TaskKey: [String]] = [:]

    var name: String { "agent\(index)" }
}

/// A simulated container: a command task's process.
struct SimContainer {
    var agent: Int
    var key: ExecutorKey
    var taskKey: TaskKey
    var resources: Resources
    var exitScheduled: Double?
}

/// The framework's own view of one task it launched.
struct FrameworkTask {
    var agentID: AgentID
    var state: TaskState?
    /// The task was deliberately invalid and must be refused (TASK_ERROR).
    var invalid: Bool
    /// KILL of a task id the framework never launched: the master must answer TASK_LOST.
    var phantom = false
    var sawError = false
    /// uuids in the order the framework first saw them.
    var seenUUIDs: [String] = []

    /// Ended, or reported unknown to the master (TASK_UNKNOWN, for partition-aware frameworks).
    var terminal: Bool { state.map { $0.isTerminal || $0 == .unknown } ?? false }
}

/// A scripted scheduler driving the master through the scheduler API only.
struct SimFramework {
    var index: Int
    var info: FrameworkInfo
    var id: FrameworkID?
    var link: LinkState = .idle
    var subscribed = false
    var attempt = 0
    var removed = false
    var tearingDown = false
    var suppressed = false
    /// Set while the framework deliberately stays away (maybe past its failover timeout).
    var awayUntil: Double?
    var offers: [OfferID: Offer] = [:]
    var tasks: [TaskID: FrameworkTask] = [:]
    var nextTaskNumber = 0
    var everSubscribed = false

    var name: String { "fw\(index)" }
    var stream: String? {
        if case .linked(let stream) = link, subscribed { return stream }
        return nil
    }
}
