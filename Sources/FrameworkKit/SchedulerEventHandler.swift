import MesosModel

/// What a framework learns when its subscription is confirmed.
public struct Subscription: Sendable, Hashable {
    /// The framework's id (minted by the master on first subscription, kept on re-subscription).
    public var frameworkID: FrameworkID
    /// How often the master promises a HEARTBEAT.
    public var heartbeatIntervalSeconds: Double
    /// The master now serving the framework, when it says.
    public var masterInfo: MasterInfo?
    /// True when the framework already had this id (failover / reconnection), like pymesos's `reregistered`.
    public var isResubscription: Bool

    public init(
        frameworkID: FrameworkID, heartbeatIntervalSeconds: Double, masterInfo: MasterInfo?, isResubscription: Bool
    ) {
        self.frameworkID = frameworkID
        self.heartbeatIntervalSeconds = heartbeatIntervalSeconds
        self.masterInfo = masterInfo
        self.isResubscription = isResubscription
    }
}

/// The framework's side of the event stream. The driver calls these one at a time, in stream
/// order, and waits for each to return before dispatching the next event, so a handler may call
/// back into the driver (accept, decline, ...) freely. Every method has a no-op default.
public protocol SchedulerEventHandler: Sendable {
    /// SUBSCRIBED: the master accepted the (re-)subscription.
    func subscribed(_ driver: SchedulerDriver, _ subscription: Subscription) async
    /// OFFERS: resources the framework may use until it accepts, declines, or they are rescinded.
    func offers(_ driver: SchedulerDriver, _ offers: [Offer]) async
    /// RESCIND: the offer is no longer valid.
    func rescind(_ driver: SchedulerDriver, _ offerID: OfferID) async
    /// UPDATE: a task status. With implicit acknowledgements (the default) the driver acknowledges
    /// it after this returns.
    func update(_ driver: SchedulerDriver, _ status: TaskStatus) async
    /// MESSAGE: bytes an executor sent to the framework.
    func message(_ driver: SchedulerDriver, agentID: AgentID, executorID: ExecutorID, data: [UInt8]) async
    /// FAILURE: an agent was lost (no executor id) or an executor exited (with its status).
    func failure(_ driver: SchedulerDriver, agentID: AgentID?, executorID: ExecutorID?, status: Int32?) async
    /// ERROR from the master, or a subscription refused for good. The driver's `run` ends after this.
    func error(_ driver: SchedulerDriver, _ message: String) async
    /// The subscription stream was lost; outstanding offers are void. The driver re-subscribes by itself.
    func disconnected(_ driver: SchedulerDriver, reason: String) async
}

extension SchedulerEventHandler {
    public func subscribed(_ driver: SchedulerDriver, _ subscription: Subscription) async {}
    public func offers(_ driver: SchedulerDriver, _ offers: [Offer]) async {}
    public func rescind(_ driver: SchedulerDriver, _ offerID: OfferID) async {}
    public func update(_ driver: SchedulerDriver, _ status: TaskStatus) async {}
    public func message(_ driver: SchedulerDriver, agentID: AgentID, executorID: ExecutorID, data: [UInt8]) async {}
    public func failure(_ driver: SchedulerDriver, agentID: AgentID?, executorID: ExecutorID?, status: Int32?) async {}
    public func error(_ driver: SchedulerDriver, _ message: String) async {}
    public func disconnected(_ driver: SchedulerDriver, reason: String) async {}
}
