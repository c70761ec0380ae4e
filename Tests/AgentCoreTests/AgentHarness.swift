import AgentCore
import MesosModel
import TestSupport
import Testing

/// Drives one `AgentCore` as `AgentServer` does, under a manual clock.
struct AgentHarness {
    static let agentID = AgentID("m1-S0")
    static let framework = FrameworkID("m1-0000")

    var core: AgentCore
    var clock = ManualClock()

    init(retryMin: Double = 10, retryMax: Double = 600) {
        var config = AgentCore.Config(
            hostname: "agent1.test", endpoint: "10.0.0.2:5051", resources: TestResources.agent(cpus: 4, mem: 4096),
            attributes: [])
        config.statusRetryMin = retryMin
        config.statusRetryMax = retryMax
        core = AgentCore(config: config, agentID: nil, seed: 7)
    }

    var now: Double { clock.now }

    mutating func advance(by seconds: Double) { clock.advance(by: seconds) }

    static var masterInfo: MasterInfo {
        MasterInfo(
            id: "m1", ip: 0, port: 5050, pid: nil, hostname: "master.test", version: mesosAPIVersion, address: nil)
    }

    static func frameworkInfo(capabilities: [String] = []) -> FrameworkInfo {
        makeFrameworkInfo(id: framework, capabilities: capabilities)
    }

    @discardableResult
    mutating func register() -> [AgentAction] {
        core.handleMasterEvent(.registered(Self.agentID, master: Self.masterInfo), now: now)
    }

    @discardableResult
    mutating func run(_ task: TaskInfo, capabilities: [String] = [], checkpoint: Bool = false) -> [AgentAction] {
        var info = Self.frameworkInfo(capabilities: capabilities)
        if checkpoint { info.checkpoint = true }
        let run = AgentEvent.RunTask(frameworkInfo: info, task: task, executor: nil, taskGroup: nil)
        return core.handleMasterEvent(.runTask(run), now: now)
    }

    @discardableResult
    mutating func acknowledge(_ task: String, _ uuid: String) -> [AgentAction] {
        core.handleMasterEvent(
            .acknowledge(.init(frameworkID: Self.framework, taskID: TaskID(task), uuid: uuid)), now: now)
    }

    @discardableResult
    mutating func kill(_ task: String, grace: Double? = nil) -> [AgentAction] {
        let policy = grace.map { KillPolicy(gracePeriod: DurationInfo(seconds: $0)) }
        return core.handleMasterEvent(
            .kill(.init(frameworkID: Self.framework, taskID: TaskID(task), killPolicy: policy)), now: now)
    }

    /// An UPDATE from custom executor `executor` about `task`, with status uuid number `n`.
    static func executorUpdate(
        _ task: String, _ state: TaskState, _ n: UInt8, executor: String = "exec1"
    )
        -> ExecutorCall
    {
        var call = ExecutorCall(type: .update, frameworkID: framework, executorID: ExecutorID(executor))
        call.update = .init(status: TaskStatus(taskID: TaskID(task), state: state, uuid: makeStatusUUID(n)))
        return call
    }

    /// Custom executor "exec1" sends an UPDATE.
    mutating func update(_ task: String, _ state: TaskState, _ n: UInt8) throws -> [AgentAction] {
        try core.executorUpdate(Self.executorUpdate(task, state, n), now: now).get()
    }

    /// Custom executor `executor` subscribes.
    @discardableResult
    mutating func subscribe(executor: String = "exec1") throws -> [AgentAction] {
        try core.executorSubscribed(
            ExecutorCall(type: .subscribe, frameworkID: Self.framework, executorID: ExecutorID(executor)), now: now
        ).get()
    }

    /// The command executor's key and container for a launched command task.
    func container(of task: String) -> (key: ExecutorKey, id: ContainerID)? {
        let key = ExecutorKey(Self.framework, ExecutorID(task))
        guard let executor = core.executors[key] else { return nil }
        return (key, executor.containerID)
    }

    /// A registered agent running command task "t1", its STARTING update in flight.
    static func runningOne(
        retryMin: Double = 10, retryMax: Double = 600, killGrace: Double? = nil, capabilities: [String] = []
    )
        -> (harness: AgentHarness, starting: AgentCall.StatusUpdate?)
    {
        var harness = AgentHarness(retryMin: retryMin, retryMax: retryMax)
        harness.register()
        let actions = harness.run(
            makeTask("t1", agentID: agentID, cpus: 1, killGracePeriod: killGrace), capabilities: capabilities)
        return (harness, actions.statusUpdates.first)
    }
}

extension Array where Element == AgentAction {
    /// Status updates sent to the master, in order (refreshes included).
    var statusUpdates: [AgentCall.StatusUpdate] {
        compactMap { action in
            if case .sendToMaster(let call) = action { return call.statusUpdate }
            return nil
        }
    }

    /// Full updates only (not latest-state refreshes).
    var newUpdates: [AgentCall.StatusUpdate] { statusUpdates.filter { $0.latestStateOnly != true } }

    var launches: [(ExecutorKey, ContainerID, LaunchPlan)] {
        compactMap { action in
            if case .launchContainer(let key, let id, let plan) = action { return (key, id, plan) }
            return nil
        }
    }

    var destroys: [(ExecutorKey, ContainerID, Double)] {
        compactMap { action in
            if case .destroyContainer(let key, let id, let grace) = action { return (key, id, grace) }
            return nil
        }
    }

    func executorEvents(_ key: ExecutorKey) -> [ExecutorEvent] {
        compactMap { action in
            if case .sendToExecutor(let target, let event) = action, target == key { return event }
            return nil
        }
    }
}
