import ClusterTestSupport
import Foundation
import FrameworkKit
import HTTPSupport
import Logging
import MesosModel
import Testing

/// Everything the handler saw, in order.
actor EventLog {
    private(set) var subscriptions: [Subscription] = []
    private(set) var updates: [TaskStatus] = []
    private(set) var errors: [String] = []
    private(set) var disconnects: [String] = []
    /// Offers not yet taken by the test; voided when the connection is lost.
    private var pendingOffers: [Offer] = []
    private(set) var offerCount = 0

    func record(_ subscription: Subscription) { subscriptions.append(subscription) }
    func record(offers: [Offer]) {
        pendingOffers += offers
        offerCount += offers.count
    }
    func rescind(_ id: OfferID) { pendingOffers.removeAll { $0.id == id } }
    func record(_ status: TaskStatus) { updates.append(status) }
    func record(error: String) { errors.append(error) }
    func record(disconnect reason: String) {
        disconnects.append(reason)
        pendingOffers = []
    }

    /// Removes and returns the oldest unused offer.
    func takeOffer() -> Offer? { pendingOffers.isEmpty ? nil : pendingOffers.removeFirst() }

    func states(of taskID: TaskID) -> [TaskState] {
        updates.filter { $0.taskID == taskID }.map(\.state)
    }
}

struct RecordingHandler: SchedulerEventHandler {
    let log: EventLog

    func subscribed(_ driver: SchedulerDriver, _ subscription: Subscription) async { await log.record(subscription) }
    func offers(_ driver: SchedulerDriver, _ offers: [Offer]) async { await log.record(offers: offers) }
    func rescind(_ driver: SchedulerDriver, _ offerID: OfferID) async { await log.rescind(offerID) }
    func update(_ driver: SchedulerDriver, _ status: TaskStatus) async { await log.record(status) }
    func error(_ driver: SchedulerDriver, _ message: String) async { await log.record(error: message) }
    func disconnected(_ driver: SchedulerDriver, reason: String) async { await log.record(disconnect: reason) }
}

actor Flag {
    private(set) var value = false
    func set() { value = true }
}

/// A framework connected to a cluster through the HTTP transport, with its `run` task.
struct RunningFramework {
    let driver: SchedulerDriver
    let log: EventLog
    let run: Task<Void, Never>
    /// Set once `run` has returned.
    let ended: Flag

    static func start(
        master: String, name: String = "frameworkkit-test", settings: SchedulerDriver.Settings = fastSettings()
    ) -> RunningFramework {
        let driver = SchedulerDriver(
            framework: FrameworkInfo(user: ProcessInfo.processInfo.userName, name: name),
            transport: HTTPSchedulerTransport(master: master), settings: settings, logger: quietLogger("driver"))
        let log = EventLog()
        let handler = RecordingHandler(log: log)
        let ended = Flag()
        let run = Task {
            await driver.run(handler: handler)
            await ended.set()
        }
        return RunningFramework(driver: driver, log: log, run: run, ended: ended)
    }

    static func fastSettings() -> SchedulerDriver.Settings {
        var settings = SchedulerDriver.Settings()
        settings.initialBackoff = .milliseconds(100)
        settings.maxBackoff = .seconds(1)
        settings.jitterSeed = 7
        return settings
    }

    func subscribed() async throws -> FrameworkID {
        try await eventually("SUBSCRIBED") { await driver.isSubscribed ? await driver.frameworkID : nil }
    }

    func nextOffer() async throws -> Offer {
        try await eventually("an offer") { await log.takeOffer() }
    }

    /// Waits until `taskID` has reached `state`; returns all states seen for it.
    func waitForState(_ state: TaskState, of taskID: TaskID) async throws -> [TaskState] {
        try await eventually("\(taskID) to reach \(state.rawValue)") {
            let states = await log.states(of: taskID)
            return states.contains(state) ? states : nil
        }
    }

    func stop() async {
        await driver.stop()
        await run.value
    }
}

/// A shell command task using a slice of `offer`.
func commandTask(_ id: String, _ command: String, on offer: Offer) throws -> TaskInfo {
    TaskInfo(
        name: id, taskID: TaskID(id), agentID: offer.agentID,
        resources: try Resources.parse("cpus:0.1;mem:32").list, command: CommandInfo(value: command))
}
