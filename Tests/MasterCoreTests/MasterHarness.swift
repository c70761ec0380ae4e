import MasterCore
import MesosModel
import TestSupport
import Testing

/// Drives one `MasterCore` the way `MasterServer` does, under a manual clock, and keeps what
/// it was told to persist so a "crash" can rebuild the master from the registry.
struct MasterHarness {
    var core: MasterCore
    var clock = ManualClock()
    var persisted = MasterRegistry()
    var nextStream = 0

    static func config(masterID: String = "m1") -> MasterCore.Config {
        MasterCore.Config(masterID: masterID, hostname: "master.test", ip: "10.0.0.1", port: 5050)
    }

    init(config: MasterCore.Config = MasterHarness.config(), registry: MasterRegistry = MasterRegistry()) {
        core = MasterCore(config: config, registry: registry, now: clock.now, seed: 42)
        persisted = registry
    }

    var now: Double { clock.now }

    mutating func advance(by seconds: Double) { clock.advance(by: seconds) }

    mutating func newStreamID(_ prefix: String = "stream") -> String {
        nextStream += 1
        return "\(prefix)-\(nextStream)"
    }

    /// Records `.persistRegistry` as the shell would, then hands the actions back.
    @discardableResult
    mutating func perform(_ actions: [MasterAction]) -> [MasterAction] {
        if actions.contains(.persistRegistry) { persisted = core.registry }
        return actions
    }

    /// SUBSCRIBE on a fresh stream; fails the test if the master refuses.
    mutating func subscribe(_ info: FrameworkInfo) -> (id: FrameworkID, stream: String, actions: [MasterAction]) {
        let stream = newStreamID()
        switch core.subscribe(SchedulerCalls.subscribe(info), streamID: stream, now: now) {
        case .success(let (id, actions)):
            return (id, stream, perform(actions))
        case .failure(let error):
            Issue.record("subscribe refused: \(error.status) \(error.message)")
            return (FrameworkID("none"), stream, [])
        }
    }

    /// REGISTER of an agent on a fresh session; fails the test if refused.
    mutating func registerAgent(
        _ registration: AgentRegistration = makeAgentRegistration()
    )
        -> (id: AgentID, session: String, actions: [MasterAction])
    {
        let session = newStreamID("session")
        switch core.registerAgent(registration, sessionID: session, now: now) {
        case .success(let (id, actions)):
            return (id, session, perform(actions))
        case .failure(let error):
            Issue.record("registration refused: \(error.status) \(error.message)")
            return (AgentID("none"), session, [])
        }
    }

    /// A call that must succeed; returns its actions.
    @discardableResult
    mutating func call(_ call: SchedulerCall, stream: String) -> [MasterAction] {
        switch core.handleCall(call, streamID: stream, now: now) {
        case .success(let actions):
            return perform(actions)
        case .failure(let error):
            Issue.record("\(call.type.rawValue) refused: \(error.status) \(error.message)")
            return []
        }
    }

    /// An allocation run; returns the offers sent to `stream`.
    mutating func offers(for stream: String) -> [Offer] {
        perform(core.allocate(now: now)).schedulerEvents(for: stream).flatMap { event -> [Offer] in
            if case .offers(let offers) = event { return offers }
            return []
        }
    }

    /// A framework with one agent and one offer in hand, the common starting point.
    static func withOffer(
        _ info: FrameworkInfo = makeFrameworkInfo(),
        agentResources: [Resource] = TestResources.agent(cpus: 4, mem: 4096)
    ) -> (harness: MasterHarness, framework: FrameworkID, stream: String, agent: AgentID, session: String, offer: Offer)
    {
        var harness = MasterHarness()
        let agent = harness.registerAgent(makeAgentRegistration(resources: agentResources))
        let framework = harness.subscribe(info)
        let offers = harness.offers(for: framework.stream)
        #expect(offers.count == 1)
        let offer =
            offers.first
            ?? Offer(
                id: OfferID("missing"), frameworkID: framework.id, agentID: agent.id, hostname: "", url: nil,
                resources: [],
                attributes: nil, executorIDs: nil, allocationInfo: nil)
        return (harness, framework.id, framework.stream, agent.id, agent.session, offer)
    }

    /// The agent's status update as the agent shell forwards it.
    @discardableResult
    mutating func agentUpdate(
        _ task: TaskID, _ state: TaskState, framework: FrameworkID, agent: AgentID, uuid: String?,
        latest: TaskState? = nil
    ) -> [MasterAction] {
        let status = TaskStatus(
            taskID: task, state: state, source: .executor, agentID: agent, executorID: ExecutorID(task.value),
            timestamp: now, uuid: uuid)
        let update = AgentCall.StatusUpdate(frameworkID: framework, status: status, latestState: latest ?? state)
        return perform(core.statusUpdate(update, from: agent, now: now))
    }
}

extension Array where Element == MasterAction {
    func schedulerEvents(for stream: String) -> [SchedulerEvent] {
        compactMap { action in
            if case .sendToFramework(let target, let event) = action, target == stream { return event }
            return nil
        }
    }

    func agentEvents(for session: String) -> [AgentEvent] {
        compactMap { action in
            if case .sendToAgent(let target, let event) = action, target == session { return event }
            return nil
        }
    }

    /// The task statuses sent to `stream`, in order.
    func updates(for stream: String) -> [TaskStatus] {
        schedulerEvents(for: stream).compactMap { event in
            if case .update(let status) = event { return status }
            return nil
        }
    }

    func closes(_ stream: String) -> Bool { contains(.closeFrameworkStream(streamID: stream)) }
}

extension MasterCore {
    /// Scalar sums the allocator holds on an agent (offers + used), for double-counting checks.
    func allocatedScalar(_ name: String, on agent: AgentID) -> Double {
        allocator.allocated(onAgent: agent).values.reduce(0) { $0 + $1.scalar(name) }
    }
}
