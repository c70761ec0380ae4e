import Foundation
import HTTPSupport
import Logging
import MesosModel

/// The executor's side of the agent's event stream. The driver calls these one at a time, in
/// stream order; long work (starting containers) belongs in tasks the handler starts itself, so
/// that KILL and SHUTDOWN are not held up behind it.
public protocol ExecutorEventHandler: Sendable {
    func subscribed(_ driver: ExecutorDriver, executor: ExecutorInfo, framework: FrameworkInfo, agent: AgentInfo) async
    func launch(_ driver: ExecutorDriver, task: TaskInfo) async
    func kill(_ driver: ExecutorDriver, taskID: TaskID, killPolicy: KillPolicy?) async
    func message(_ driver: ExecutorDriver, data: [UInt8]) async
    /// SHUTDOWN from the agent, or the agent stayed away past the recovery timeout: stop every
    /// task. `run` returns after this.
    func shutdown(_ driver: ExecutorDriver) async
    func error(_ driver: ExecutorDriver, message: String) async
}

extension ExecutorEventHandler {
    public func subscribed(
        _ driver: ExecutorDriver, executor: ExecutorInfo, framework: FrameworkInfo, agent: AgentInfo
    )
        async
    {}
    public func message(_ driver: ExecutorDriver, data: [UInt8]) async {}
    public func error(_ driver: ExecutorDriver, message: String) async {}
}

/// A Mesos v1 HTTP executor: subscribes to its agent, hands events to a handler, sends status
/// updates, and keeps what the agent has not acknowledged (`ExecutorLedger`) to resend when it
/// re-subscribes after an agent restart, as Mesos' executor library does.
public actor ExecutorDriver {
    public nonisolated let environment: ExecutorEnvironment
    private let session: HTTPClientSession
    private let logger: Logger
    private var ledger = ExecutorLedger()
    private var agentID: AgentID?
    private var connected = false
    private var stopped = false
    private var random = SystemRandomNumberGenerator()

    public init(environment: ExecutorEnvironment, session: HTTPClientSession = .shared, logger: Logger) {
        self.environment = environment
        self.session = session
        self.logger = logger
    }

    private var url: String { "http://\(environment.agentEndpoint)/api/v1/executor" }

    /// Subscribes and dispatches events until SHUTDOWN, `stop()`, or an agent that stays away.
    public func run(handler: some ExecutorEventHandler) async {
        var lostSince: ContinuousClock.Instant?
        var backoff = Duration.milliseconds(100)
        while !stopped {
            let outcome = await subscribeOnce(handler: handler)
            connected = false
            if stopped || outcome == .shutdown { return }
            // Executors of frameworks without checkpointing do not outlive their agent connection.
            guard environment.checkpoint, outcome != .refused else {
                logger.info("agent connection ended; shutting down", metadata: ["outcome": "\(outcome)"])
                await handler.shutdown(self)
                return
            }
            if outcome == .subscribed {
                // A fresh loss: the recovery clock and the backoff start again.
                lostSince = .now
                backoff = .milliseconds(100)
            }
            let since = lostSince ?? .now
            lostSince = since
            if ContinuousClock.now - since > environment.recoveryTimeout {
                logger.warning("agent did not come back within the recovery timeout; shutting down")
                await handler.shutdown(self)
                return
            }
            try? await Task.sleep(for: backoff)
            backoff = min(backoff * 2, environment.subscriptionBackoffMax)
        }
    }

    public func stop() { stopped = true }

    enum Outcome: Equatable {
        /// The stream ran (SUBSCRIBED arrived) and then ended.
        case subscribed
        /// No stream: the agent was unreachable or busy.
        case unreachable
        /// The agent refused this executor for good (it does not know it).
        case refused
        case shutdown
    }

    private func subscribeOnce(handler: some ExecutorEventHandler) async -> Outcome {
        var call = ExecutorCall(
            type: .subscribe, frameworkID: environment.frameworkID, executorID: environment.executorID)
        call.subscribe = ledger.subscribe
        let response: HTTPClientSession.StreamResponse
        do {
            response = try await session.postStream(url: url, json: call, timeout: .seconds(10))
        } catch {
            return .unreachable
        }
        guard response.status == .ok else {
            logger.warning("SUBSCRIBE refused", metadata: ["status": "\(response.status.code)"])
            // 4xx: the agent does not know this executor; 5xx (recovering): try again.
            return response.status.code < 500 ? .refused : .unreachable
        }
        var subscribed = false
        do {
            for try await record in response.records {
                let event = try MesosJSON.decode(ExecutorEvent.self, from: record)
                if case .subscribed = event { subscribed = true }
                if await dispatch(event, handler: handler) { return .shutdown }
            }
        } catch {
            logger.info("executor stream broke", metadata: ["error": "\(error)"])
        }
        return subscribed ? .subscribed : .unreachable
    }

    /// Hands one event on; returns true for SHUTDOWN.
    private func dispatch(_ event: ExecutorEvent, handler: some ExecutorEventHandler) async -> Bool {
        switch event {
        case .subscribed(let executor, let framework, let agent, _):
            connected = true
            agentID = agent.id
            await handler.subscribed(self, executor: executor, framework: framework, agent: agent)
            await resendUnacknowledged()
        case .launch(let task):
            ledger.launched(task)
            await handler.launch(self, task: task)
        case .launchGroup(let group):
            for task in group.tasks {
                ledger.launched(task)
                await handler.launch(self, task: task)
            }
        case .kill(let taskID, let policy):
            await handler.kill(self, taskID: taskID, killPolicy: policy)
        case .acknowledged(let taskID, let uuid):
            ledger.acknowledged(taskID: taskID, uuid: uuid)
        case .message(let data):
            await handler.message(self, data: Base64.decode(data) ?? [])
        case .error(let message):
            await handler.error(self, message: message)
        case .shutdown:
            stopped = true
            await handler.shutdown(self)
            return true
        case .heartbeat:
            break
        }
        return false
    }

    /// Sends a status update for one of this executor's tasks. It is kept until the agent
    /// acknowledges it, and sent again on re-subscription if the agent went away meanwhile.
    public func update(_ status: TaskStatus) async {
        var status = status
        status.uuid = StatusUUID.make(using: &random)
        status.source = .executor
        status.executorID = environment.executorID
        status.agentID = status.agentID ?? agentID
        status.timestamp = Date().timeIntervalSince1970
        ledger.sent(status)
        guard connected else { return }
        await send(status)
    }

    private func send(_ status: TaskStatus) async {
        var call = ExecutorCall(type: .update, frameworkID: environment.frameworkID, executorID: environment.executorID)
        call.update = ExecutorCall.Update(status: status)
        do {
            let response = try await session.post(url: url, json: call, timeout: .seconds(10))
            if response.status != .accepted {
                logger.warning(
                    "UPDATE refused", metadata: ["status": "\(response.status.code)", "body": "\(response.bodyString)"])
            }
        } catch {
            logger.info("UPDATE not delivered; it is resent on re-subscription", metadata: ["error": "\(error)"])
        }
    }

    /// Updates sent while the agent was away go out now; the SUBSCRIBE call carried them too,
    /// and the agent drops duplicates by uuid.
    private func resendUnacknowledged() async {
        for status in ledger.updates { await send(status) }
    }

    /// Bytes for the framework's scheduler (`MESSAGE`).
    public func message(_ data: [UInt8]) async throws {
        var call = ExecutorCall(
            type: .message, frameworkID: environment.frameworkID, executorID: environment.executorID)
        call.message = ExecutorCall.Message(data: Base64.encode(data))
        _ = try await session.post(url: url, json: call, timeout: .seconds(10))
    }

    /// Tasks given and updates not yet acknowledged (for tests and diagnostics).
    public var unacknowledged: ExecutorLedger { ledger }
}
