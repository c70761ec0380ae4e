import Logging
import MesosModel

/// The client side of the Mesos v1 scheduler API: subscribes a framework, hands the event
/// stream to a `SchedulerEventHandler`, and sends calls on the live subscription.
///
/// `run(handler:)` owns the connection. When the stream breaks, or the master stays silent for
/// `Settings.missedHeartbeats` heartbeat intervals, it re-subscribes with the framework id
/// (failover) after a jittered exponential backoff, until `stop()`, `teardown()`, or an ERROR
/// event ends it. Calls made while no subscription is live throw `SchedulerDriverError.notSubscribed`.
public actor SchedulerDriver {
    /// Knobs for acknowledgements, reconnection and time.
    public struct Settings: Sendable {
        /// Acknowledge every UPDATE that carries a uuid once the handler has returned (pymesos's default).
        public var implicitAcknowledgements = true
        /// Wait before the first re-subscription attempt (jittered, doubled per failed attempt).
        public var initialBackoff: Duration = .seconds(1)
        /// Upper bound of the re-subscription wait.
        public var maxBackoff: Duration = .seconds(15)
        /// Re-subscribe after this many heartbeat intervals without any event (0 disables the check).
        public var missedHeartbeats = 5
        /// Used when `FrameworkInfo.failover_timeout` is unset. A re-subscription only finds the
        /// framework again if the master kept it, which needs a non-zero timeout (pymesos uses 100 s).
        public var defaultFailoverTimeout: Double = 100
        /// Seed of the backoff jitter; nil picks a random one.
        public var jitterSeed: UInt64?
        /// The clock for backoff and heartbeat supervision.
        public var clock: any Clock<Duration> = ContinuousClock()

        public init() {}
    }

    /// How one subscription attempt ended.
    enum ConnectionEnd: Sendable {
        /// stop(), teardown, or an ERROR event: `run` returns.
        case finished
        /// Worth retrying; `wasSubscribed` tells whether SUBSCRIBED had arrived.
        case broken(reason: String, wasSubscribed: Bool)
        /// The master refused the subscription for good (4xx).
        case fatal(String)
    }

    let transport: any SchedulerTransport
    let settings: Settings
    let logger: Logger
    var framework: FrameworkInfo
    var backoff: ReconnectBackoff

    /// The framework's id once the master has assigned it (or the id it was created with).
    public private(set) var frameworkID: FrameworkID?
    /// The stream calls are sent on; set once SUBSCRIBED arrives, cleared when the stream ends.
    var streamID: String?
    /// Roles the framework asked not to be offered; carried into re-subscriptions.
    var suppressedRoles: Set<String> = []

    private var reader: Task<Void, Never>?
    /// Implicit acknowledgements waiting to be sent on the current stream.
    private var acknowledgements: AsyncStream<TaskStatus>.Continuation?
    private var relayInput: AsyncStream<Relayed>.Continuation?
    private var backoffSleep: Task<Void, Never>?
    private var watchdog: Task<Void, Never>?
    private var generation = 0
    private var dropReason: String?
    private var stopped = false
    private var running = false
    private var sawEvent = false

    /// - Parameters:
    ///   - framework: the FrameworkInfo to subscribe with; set `id` to fail over an existing framework.
    ///   - transport: how to reach the master (for example `HTTPSchedulerTransport`).
    public init(
        framework: FrameworkInfo, transport: any SchedulerTransport, settings: Settings = Settings(),
        logger: Logger = Logger(label: "mesokube.framework")
    ) {
        var framework = framework
        if framework.failoverTimeout == nil { framework.failoverTimeout = settings.defaultFailoverTimeout }
        self.framework = framework
        self.frameworkID = framework.id
        self.transport = transport
        self.settings = settings
        self.logger = logger
        self.backoff = ReconnectBackoff(
            initial: settings.initialBackoff, maximum: settings.maxBackoff,
            seed: settings.jitterSeed ?? UInt64.random(in: 0...UInt64.max))
    }

    /// True while a subscription is live (SUBSCRIBED received, stream open).
    public var isSubscribed: Bool { streamID != nil }

    /// The FrameworkInfo the driver subscribes with (its `id` filled in once known).
    public var frameworkInfo: FrameworkInfo { framework }

    /// Subscribes and dispatches events to `handler` until `stop()`, `teardown()`, an ERROR
    /// event, a refused subscription, or cancellation of the calling task. Calling it while it
    /// already runs returns at once.
    public func run(handler: some SchedulerEventHandler) async {
        guard !running else {
            logger.warning("SchedulerDriver.run called while already running; ignored")
            return
        }
        running = true
        defer { running = false }
        await withTaskCancellationHandler {
            await runLoop(handler)
        } onCancel: {
            Task { await self.stop() }
        }
    }

    private func runLoop(_ handler: some SchedulerEventHandler) async {
        var failures = 0
        while !stopped {
            switch await connectOnce(handler) {
            case .finished:
                return
            case .fatal(let message):
                logger.error("Subscription refused: \(message)")
                await handler.error(self, message)
                return
            case .broken(let reason, let wasSubscribed):
                if wasSubscribed {
                    failures = 0
                    await handler.disconnected(self, reason: reason)
                }
                failures += 1
                logger.info("Scheduler stream lost (\(reason)); re-subscribing (attempt \(failures))")
            }
            guard !stopped else { return }
            let sleep = Task { [clock = settings.clock, delay = backoff.delay(attempt: failures)] in
                _ = try? await clock.sleep(for: delay)
            }
            backoffSleep = sleep
            await sleep.value
            backoffSleep = nil
        }
    }

    /// What the stream reader passes to the dispatcher.
    enum Relayed: Sendable {
        case event(SchedulerEvent)
        /// The stream ended; nil when the master closed it cleanly.
        case ended(failure: String?)
    }

    /// One SUBSCRIBE and the life of its stream.
    ///
    /// A reader task drains the transport's stream into a relay that this method dispatches
    /// from. Dropping the connection cancels only the reader, so handler work and calls in
    /// flight are never cancelled by a reconnect; stale events left in the relay are discarded.
    private func connectOnce(_ handler: some SchedulerEventHandler) async -> ConnectionEnd {
        let subscription: (streamID: String, events: AsyncThrowingStream<SchedulerEvent, any Error>)
        do {
            subscription = try await transport.subscribe(subscribeCall())
        } catch let error as SchedulerCallError where !error.isRetryable {
            return .fatal(error.description)
        } catch {
            return .broken(reason: "SUBSCRIBE failed: \(error)", wasSubscribed: false)
        }
        generation += 1
        let current = generation
        dropReason = nil
        sawEvent = false
        let (relay, relayInput) = AsyncStream<Relayed>.makeStream()
        let events = subscription.events
        reader = Task { await self.pump(events, into: relayInput) }
        self.relayInput = relayInput
        startAcknowledging(generation: current)
        // stop() may have come while SUBSCRIBE was in flight, before there was anything to cancel.
        if stopped { closeConnection() }

        var end: ConnectionEnd?
        var wasSubscribed = false
        for await item in relay {
            if stopped || dropReason != nil { break }
            switch item {
            case .event(let event):
                if case .subscribed = event { wasSubscribed = true }
                if await !dispatch(event, streamID: subscription.streamID, generation: current, handler: handler) {
                    end = .finished
                }
            case .ended(let failure):
                end = .broken(
                    reason: failure.map { "event stream failed: \($0)" } ?? "the master closed the event stream",
                    wasSubscribed: wasSubscribed)
            }
            if end != nil { break }
        }
        closeConnection()
        if stopped { return .finished }
        if let dropReason { return .broken(reason: dropReason, wasSubscribed: wasSubscribed) }
        return end ?? .broken(reason: "the event stream ended", wasSubscribed: wasSubscribed)
    }

    /// The reader: forwards events and notes that the stream is alive.
    private func pump(
        _ events: AsyncThrowingStream<SchedulerEvent, any Error>, into relay: AsyncStream<Relayed>.Continuation
    ) async {
        do {
            for try await event in events {
                sawEvent = true
                relay.yield(.event(event))
            }
            relay.yield(.ended(failure: nil))
        } catch {
            if !Task.isCancelled { relay.yield(.ended(failure: "\(error)")) }
        }
        relay.finish()
    }

    /// Closes the transport stream and ends the relay; calls fail until the next SUBSCRIBED.
    private func closeConnection() {
        reader?.cancel()
        reader = nil
        acknowledgements?.finish()
        acknowledgements = nil
        relayInput?.finish()
        relayInput = nil
        streamID = nil
        watchdog?.cancel()
        watchdog = nil
    }

    /// Hands one event to the handler. Returns false when the subscription must end (ERROR).
    private func dispatch(
        _ event: SchedulerEvent, streamID: String, generation: Int, handler: some SchedulerEventHandler
    ) async -> Bool {
        switch event {
        case .subscribed(let id, let interval, let masterInfo):
            let isResubscription = frameworkID != nil
            frameworkID = id
            framework.id = id
            self.streamID = streamID
            startWatchdog(intervalSeconds: interval, generation: generation)
            logger.info("Framework \(id) subscribed (stream \(streamID))")
            await handler.subscribed(
                self,
                Subscription(
                    frameworkID: id, heartbeatIntervalSeconds: interval, masterInfo: masterInfo,
                    isResubscription: isResubscription))
        case .offers(let offers):
            await handler.offers(self, offers)
        case .rescind(let offerID):
            await handler.rescind(self, offerID)
        case .update(let status):
            await handler.update(self, status)
            // Not on a stream that was dropped meanwhile: the agent resends, and the ack would bounce.
            if settings.implicitAcknowledgements, status.uuid != nil, status.agentID != nil, self.streamID == streamID {
                acknowledgements?.yield(status)
            }
        case .message(let agentID, let executorID, let data):
            await handler.message(self, agentID: agentID, executorID: executorID, data: Base64.decode(data) ?? [])
        case .failure(let agentID, let executorID, let status):
            await handler.failure(self, agentID: agentID, executorID: executorID, status: status)
        case .error(let message):
            logger.error("Master sent ERROR: \(message)")
            await handler.error(self, message)
            return false
        case .heartbeat:
            break
        }
        return true
    }

    /// Implicit acknowledgements go out behind the event loop, at most
    /// `concurrentAcknowledgements` at a time, each after its handler returned. Awaited one by one
    /// in the loop, a burst of 1,049 TASK_RUNNING updates held the offers behind them for 19 s
    /// (one round trip to a busy master each). Those of a stream that has ended are dropped: the
    /// agent resends unacknowledged updates, so a lost ack only delays things.
    private func startAcknowledging(generation: Int) {
        let (pending, input) = AsyncStream<TaskStatus>.makeStream()
        acknowledgements = input
        Task {
            await withTaskGroup(of: Void.self) { group in
                var inFlight = 0
                for await status in pending {
                    if inFlight == Self.concurrentAcknowledgements {
                        await group.next()
                        inFlight -= 1
                    }
                    inFlight += 1
                    group.addTask { await self.acknowledgeImplicitly(status, generation: generation) }
                }
            }
        }
    }

    static let concurrentAcknowledgements = 16

    private func acknowledgeImplicitly(_ status: TaskStatus, generation: Int) async {
        guard generation == self.generation, streamID != nil else { return }
        do {
            try await acknowledge(status: status)
        } catch {
            logger.warning("Implicit acknowledgement of \(status.taskID) failed: \(error)")
        }
    }

    // MARK: Connection control

    /// Ends `run` without tearing the framework down: the master keeps it (and its tasks) for
    /// `failover_timeout`, so another driver with the same id can take over. Final.
    public func stop() {
        stopped = true
        closeConnection()
        backoffSleep?.cancel()
    }

    /// Drops the current stream; `run` then re-subscribes with the framework id after the backoff.
    /// For a framework that suspects its connection (and for tests of failover).
    public func reconnect() {
        drop(generation: generation, reason: "reconnect requested")
    }

    private func drop(generation: Int, reason: String) {
        guard generation == self.generation, reader != nil else { return }
        dropReason = reason
        closeConnection()
    }

    /// Watches the stream: if `missedHeartbeats` intervals pass with no event arriving, the
    /// connection is presumed dead (e.g. a half-open TCP connection).
    private func startWatchdog(intervalSeconds: Double, generation: Int) {
        watchdog?.cancel()
        let limit = settings.missedHeartbeats
        guard limit > 0, intervalSeconds > 0, intervalSeconds.isFinite else { return }
        watchdog = Task { [weak self, clock = settings.clock] in
            var quiet = 0
            while !Task.isCancelled {
                do { try await clock.sleep(for: .seconds(intervalSeconds)) } catch { return }
                guard let self else { return }
                quiet = await self.takeLiveness() ? 0 : quiet + 1
                if quiet >= limit {
                    await self.drop(generation: generation, reason: "no event for \(limit) heartbeat intervals")
                    return
                }
            }
        }
    }

    /// Whether the stream showed life since the last check.
    private func takeLiveness() -> Bool {
        defer { sawEvent = false }
        return sawEvent
    }

    private func subscribeCall() -> SchedulerCall {
        var info = framework
        info.id = frameworkID
        var call = SchedulerCall(type: .subscribe, frameworkID: frameworkID)
        let suppressed = suppressedRoles.intersection(info.effectiveRoles).sorted()
        call.subscribe = SchedulerCall.Subscribe(
            frameworkInfo: info, suppressedRoles: suppressed.isEmpty ? nil : suppressed)
        return call
    }
}
