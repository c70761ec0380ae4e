import AgentCore
import Foundation
import HTTPSupport
import KubeClient
import KubeTypes
import MesosModel
import NIOConcurrencyHelpers
import NIOHTTP1

/// Agents that register with a real master and run nothing, as kubemark's hollow nodes and kwok's
/// fake nodes do. Each holds its own event stream to the master over HTTP, as `mesokube agent`
/// does, answers RUN_TASK with TASK_RUNNING at once, KILL_TASK with TASK_KILLED and PING with PONG,
/// and — the one step of a kubelet without which a pod is not scheduled — binds the pod a kube task
/// carries to its node. A lost stream re-registers with the agent's id and tasks, as an agent does
/// after a master failover, so the fleet also measures recovery.
final class HollowFleet: Sendable {
    struct Options: Sendable {
        var count: Int
        /// Each agent's resources, in the agent's `--resources` syntax.
        var resources: String
        /// Host names are `<prefix>-<index>`; they become the kube Node names.
        var namePrefix = "hollow"
        /// Binds pods of kube tasks when given (the kubelet's first step).
        var kube: KubeClient?
    }

    /// What the fleet has seen, for the benchmarks to wait on.
    struct Counters: Sendable {
        var registered = 0
        var reregistered = 0
        var launched = 0
        var running = 0
        var killed = 0
        var bindFailures = 0
        /// Registration attempts that failed (master unreachable, or an error answer).
        var registrationFailures = 0
        /// The failed attempts by what failed them (an error, or a status and its message).
        var registrationFailureKinds: [String: Int] = [:]
        /// Calls (status updates, pongs) not delivered after their retries.
        var callFailures = 0
        var lastError: String?

        /// Counts a failed registration attempt under what failed it.
        mutating func registrationFailed(_ what: String) {
            lastError = "register: \(what)"
            registrationFailures += 1
            registrationFailureKinds[String(what.prefix(80)), default: 0] += 1
        }
    }

    let options: Options
    let resources: [Resource]
    /// Each agent's own client for its registration and stream, as each `mesokube agent` process
    /// has: async-http-client backs off creating connections by the failures of its whole pool
    /// (100 ms × 1.25ⁿ, up to 60 s), so a pool shared by 250 agents that all retried a killed master
    /// five times reached the minute-long backoff, and its agents re-registered 40–60 s late.
    let streamClients: [HTTPClientSession]
    /// The agents' calls (status updates), a shared client per shard of agents.
    let callClients: [HTTPClientSession]
    private let state = NIOLockedValueBox(Counters())
    private let loops = NIOLockedValueBox([Task<Void, Never>]())

    init(_ options: Options) throws {
        self.options = options
        resources = try Resources.parse(options.resources).list
        // A stream that ended leaves its connection idle in the pool; after a leader change
        // each agent would hold one to the old leader beside its new stream for the pool's
        // default minute, and 10,000 agents passed the 20,000 open files a process may have
        // here (libdispatch aborts the process when it then cannot read /proc).
        streamClients = (0..<options.count).map { _ in
            HTTPClientSession.forMasters(connectionsPerHost: 1, idleTimeout: .seconds(1))
        }
        let shards = (options.count + Self.agentsPerClient - 1) / Self.agentsPerClient
        callClients = (0..<max(shards, 1)).map { _ in
            // Half a connection per agent: at 10,000 agents a second connection each, beside the
            // streams, would pass the 20,000 open files a process may have here.
            HTTPClientSession.forMasters(connectionsPerHost: Self.agentsPerClient / 2)
        }
    }

    /// async-http-client's pool scans its connections on every request: one pool holding
    /// 10,000 agents' connections spent the benchmark's whole CPU there, so each call client
    /// serves this many agents.
    static let agentsPerClient = 250

    /// The client agent `index` registers and holds its stream with.
    func streamClient(for index: Int) -> HTTPClientSession { streamClients[index] }

    /// The client agent `index` makes its calls with.
    func callClient(for index: Int) -> HTTPClientSession { callClients[index / Self.agentsPerClient] }

    var counters: Counters { state.withLockedValue { $0 } }

    /// Starts every agent against `master` (`host:port`, or a comma-separated list of masters as
    /// `mesokube agent --master` takes); returns at once.
    private func start(master: String) {
        let tasks = (0..<options.count).map { index in
            Task {
                var agent = HollowAgent(fleet: self, index: index, master: master)
                await agent.run()
            }
        }
        loops.withLockedValue { $0 += tasks }
    }

    /// Runs `body` with the fleet started against `master`, then stops every agent and closes
    /// the fleet's connections, whether `body` succeeded or not.
    static func with<T>(
        _ options: Options, master: String, _ body: (HollowFleet) async throws -> T
    ) async throws -> T {
        let fleet = try HollowFleet(options)
        fleet.start(master: master)
        let result: Result<T, any Error>
        do {
            result = .success(try await body(fleet))
        } catch {
            result = .failure(error)
        }
        for task in fleet.loops.withLockedValue({ $0 }) { task.cancel() }
        for client in fleet.streamClients + fleet.callClients { try? await client.shutdown() }
        return try result.get()
    }

    func update(_ change: (inout Counters) -> Void) {
        state.withLockedValue { change(&$0) }
    }

    /// Polls the counters until `done` holds, or throws after `limit`.
    func wait(_ what: String, limit: Duration, until done: (Counters) -> Bool) async throws {
        try await BenchProcess.waitUntil("hollow agents: \(what)", limit: limit, detail: { "; \(counters)" }) {
            done(counters)
        }
    }
}

/// One hollow agent: its registration loop and the tasks it pretends to run.
private struct HollowAgent {
    let fleet: HollowFleet
    let index: Int
    /// The masters this agent was given and the one it talks to now, as `mesokube agent` keeps them.
    let masters: MasterList
    /// The agent endpoint of the master holding this agent's session: its calls go there.
    var sessionURL = ""
    var agentID: AgentID? { didSet { if agentID != oldValue { registrationHead = nil } } }
    var tasks: [TaskID: AgentTaskReport] = [:]
    /// Each task's report as JSON, encoded once when the task starts. A re-registration splices
    /// them into the call instead of encoding every task again: the fleet shares the two cores
    /// with the master it measures (each real agent encodes on its own machine), and encoding
    /// every agent's tasks at once was a third of the fleet's CPU, as much as the master's
    /// decoding, in the seconds after a master restart.
    var taskJSON: [TaskID: [UInt8]] = [:]
    var executors: [ExecutorID: AgentExecutorReport] = [:] { didSet { registrationHead = nil } }
    var frameworks: [FrameworkID: FrameworkInfo] = [:] { didSet { registrationHead = nil } }
    /// The REGISTER call without its tasks, encoded again only when what it holds changes.
    var registrationHead: [UInt8]?
    var generator = SystemRandomNumberGenerator()

    init(fleet: HollowFleet, index: Int, master: String) {
        self.fleet = fleet
        self.index = index
        masters = MasterList(master)
    }

    var hostname: String { "\(fleet.options.namePrefix)-\(String(format: "%05d", index))" }

    /// Reconnects as `mesokube agent` does (`AgentCore.registrationBackoffCeiling`), so failover
    /// figures include the agents' own backoff: 0.2 s after a session ends, a redirect to the
    /// leader followed at once, five attempts at random in [0.1 s, 0.5 s], then random up to 2ⁿ s,
    /// capped at 10 s (or a shorter ceiling when there are several masters to ask).
    mutating func run() async {
        var failures = 0
        while !Task.isCancelled {
            let outcome = await followMasterOnce()
            if outcome == .redirected { continue }
            failures = outcome == .registered ? 0 : failures + 1
            let ceiling = AgentCore.registrationBackoffCeiling(
                failures: failures, severalMasters: masters.seeds.count > 1)
            let delay = outcome == .registered ? 0.2 : Double.random(in: 0.1...ceiling)
            try? await Task.sleep(for: .milliseconds(Int(delay * 1000)))
        }
    }

    enum Outcome {
        case registered, redirected, failed
    }

    func registration(tasks reported: [AgentTaskReport]) -> AgentCall {
        var call = AgentCall(type: .register, agentID: agentID)
        call.register = AgentRegistration(
            agentInfo: AgentInfo(
                hostname: hostname, port: 5051, resources: fleet.resources, attributes: nil, id: agentID),
            endpoint: "127.0.0.1:\(10_000 + index)", version: mesosAPIVersion, tasks: reported,
            executors: Array(executors.values), frameworks: Array(frameworks.values))
        return call
    }

    /// The REGISTER call as JSON: the call without its tasks, each task's JSON spliced into its
    /// empty `tasks` array (only the registration itself has that key).
    func registrationBody() throws -> [UInt8] {
        var body = try registrationHead ?? MesosJSON.encodeBytes(registration(tasks: []))
        if taskJSON.isEmpty { return body }
        guard let empty = body.firstRange(of: Array(#""tasks":[]"#.utf8)) else {
            return try MesosJSON.encodeBytes(
                registration(tasks: tasks.values.sorted { $0.task.taskID < $1.task.taskID }))
        }
        let reported = taskJSON.sorted { $0.key < $1.key }.map(\.value)
        body.insert(contentsOf: Array(reported.joined(separator: [UInt8(ascii: ",")])), at: empty.upperBound - 1)
        return body
    }

    @discardableResult
    mutating func forget(_ taskID: TaskID) -> AgentTaskReport? {
        taskJSON.removeValue(forKey: taskID)
        return tasks.removeValue(forKey: taskID)
    }

    /// One registration and, once accepted, the master's stream until it ends. A standby's
    /// redirect is followed as the agent follows it; a master that cannot be reached, has no
    /// leader (503) or ends the stream is marked failed, so the next attempt asks the next one.
    mutating func followMasterOnce() async -> Outcome {
        let master = masters.current
        let url = "http://\(master)/internal/agent"
        let response: HTTPClientSession.StreamResponse
        do {
            let body = try registrationBody()
            response = try await fleet.streamClient(for: index).postStream(
                url: url, body: body, headers: ["Content-Type": "application/json"])
        } catch {
            masters.failed(master)
            fleet.update { $0.registrationFailed("\(error)") }
            return .failed
        }
        if response.status == .temporaryRedirect, let location = response.headers.first(name: "Location") {
            if masters.follow(location: location), masters.current != master { return .redirected }
            masters.failed(master)  // it names a leader that just failed
            return .failed
        }
        guard response.status == .ok, let session = response.headers.first(name: "Mesokube-Agent-Session") else {
            if response.status == .serviceUnavailable { masters.failed(master) }
            let answer = String(decoding: response.body, as: UTF8.self)
            fleet.update { $0.registrationFailed("\(response.status) \(answer)") }
            return .failed
        }
        sessionURL = url
        do {
            for try await record in response.records {
                let event = try MesosJSON.decoder.decode(AgentEvent.self, from: Data(record))
                try await handle(event, session: session)
            }
        } catch {
            fleet.update { $0.lastError = "stream: \(error)" }
        }
        // The stream ended: the master died or stepped down. The next attempt asks the next one.
        masters.failed(master)
        return .registered
    }

    mutating func handle(_ event: AgentEvent, session: String) async throws {
        switch event.type {
        case .registered:
            guard let registered = event.registered else { return }
            let again = agentID != nil
            agentID = registered.agentID
            fleet.update { counters in
                if again { counters.reregistered += 1 } else { counters.registered += 1 }
            }
        case .runTask, .runTaskGroup:
            guard let run = event.runTask, let frameworkID = run.frameworkInfo.id else { return }
            if frameworks[frameworkID] != run.frameworkInfo { frameworks[frameworkID] = run.frameworkInfo }
            let launched = run.task.map { [$0] } ?? run.taskGroup?.tasks ?? []
            fleet.update { $0.launched += launched.count }
            for task in launched { try await start(task, executor: run.executor ?? task.executor, of: run, session) }
        case .killTask:
            guard let kill = event.killTask, let report = forget(kill.taskID) else { return }
            try await send(.killed, for: report, session: session)
            fleet.update { $0.killed += 1 }
        case .shutdownFramework, .shutdownExecutor:
            guard let reference = event.executor else { return }
            let ending = tasks.values.filter {
                $0.frameworkID == reference.frameworkID
                    && (reference.executorID == nil || $0.executorID == reference.executorID)
            }
            for report in ending {
                forget(report.task.taskID)
                try await send(.killed, for: report, session: session)
            }
        case .ping:
            try await post(AgentCall(type: .pong, agentID: agentID), session: session)
        case .acknowledge, .heartbeat, .frameworkMessage, .updateFramework:
            break
        }
    }

    mutating func start(
        _ task: TaskInfo, executor: ExecutorInfo?, of run: AgentEvent.RunTask, _ session: String
    )
        async throws
    {
        guard let frameworkID = run.frameworkInfo.id else { return }
        if let executor {
            let reported = AgentExecutorReport(frameworkID: frameworkID, executor: executor, isCommandExecutor: false)
            if executors[executor.executorID] != reported { executors[executor.executorID] = reported }
        }
        var report = AgentTaskReport(
            frameworkID: frameworkID, executorID: executor?.executorID, task: task, state: .running, statusUUID: nil)
        if let pod = Self.pod(of: task), let node = Self.nodeName(of: executor) {
            await bind(pod, to: node)
        }
        report.state = .running
        tasks[task.taskID] = report
        taskJSON[task.taskID] = try MesosJSON.encodeBytes(report)
        if registrationHead == nil { registrationHead = try MesosJSON.encodeBytes(registration(tasks: [])) }
        try await send(.running, for: report, session: session)
        fleet.update { $0.running += 1 }
    }

    /// The kube framework puts the pod in `TaskInfo.data` and the node name in the kubelet's
    /// environment; other frameworks' tasks have neither.
    static func pod(of task: TaskInfo) -> JSON? {
        guard let data = task.data, let bytes = Base64.decode(data) else { return nil }
        return try? JSONReader.parse(bytes)
    }

    static func nodeName(of executor: ExecutorInfo?) -> String? {
        executor?.command?.environment?.variables.first { $0.name == "MESOKUBE_NODE_NAME" }?.value
    }

    func bind(_ pod: JSON, to node: String) async {
        guard let kube = fleet.options.kube else { return }
        let binding: JSON = [
            "apiVersion": "v1", "kind": "Binding",
            "metadata": ["name": .string(pod.name), "namespace": .string(pod.namespace), "uid": .string(pod.uid)],
            "target": ["apiVersion": "v1", "kind": "Node", "name": .string(node)],
        ]
        do {
            _ = try await kube.create(.pods, namespace: pod.namespace, name: pod.name, subresource: "binding", binding)
        } catch {
            fleet.update {
                $0.bindFailures += 1
                $0.lastError = "bind \(pod.name): \(error)"
            }
        }
    }

    mutating func send(_ state: TaskState, for report: AgentTaskReport, session: String) async throws {
        let status = TaskStatus(
            taskID: report.task.taskID, state: state, source: .executor, agentID: agentID,
            executorID: report.executorID, timestamp: Date().timeIntervalSince1970,
            uuid: StatusUUID.make(using: &generator))
        var call = AgentCall(type: .statusUpdate, agentID: agentID)
        call.statusUpdate = .init(frameworkID: report.frameworkID, status: status, latestState: state)
        try await post(call, session: session)
    }

    /// Sends a call as `mesokube agent` does: a call that fails is tried again (an agent resends
    /// an unacknowledged status update) and never ends the stream. Ending it, as the fleet once did,
    /// turned a master slow to accept connections into thousands of re-registrations.
    func post(_ call: AgentCall, session: String) async throws {
        let body = try MesosJSON.encodeBytes(call)
        var failure = ""
        for attempt in 0..<Self.callAttempts {
            if attempt > 0 { try await Task.sleep(for: .seconds(attempt)) }
            do {
                let answer = try await fleet.callClient(for: index).post(
                    url: sessionURL, body: body,
                    headers: ["Content-Type": "application/json", "Mesokube-Agent-Session": session])
                if answer.status == .ok || answer.status == .accepted { return }
                // An answer other than a failure to deliver: the master decided; trying again would not help.
                fleet.update { $0.lastError = "\(call.type.rawValue): \(answer.status) \(answer.bodyString)" }
                return
            } catch {
                failure = "\(call.type.rawValue): \(error)"
            }
        }
        fleet.update {
            $0.callFailures += 1
            $0.lastError = failure
        }
    }

    static let callAttempts = 3
}
