import FrameworkKit
import HTTPSupport
import Logging
import MesosModel
import StateStore

/// Marathon running: its state loaded from the store, the framework subscribed to the master,
/// and the /v2 API served. `mesokube dev` and `mesokube master` start one.
public struct MarathonService: Sendable {
    public let scheduler: MarathonScheduler
    public let port: Int
    let driver: SchedulerDriver
    let http: HTTPServer
    let run: Task<Void, Never>

    /// Loads state, serves the API on `host:port` (0 = any free port) and subscribes to
    /// `master` (HOST:PORT) with the framework id of the previous run, if any.
    public static func start(
        store: any StateStore, master: String, host: String, port: Int, options: MarathonScheduler.Options,
        logger: Logger
    ) async throws -> MarathonService {
        var options = options
        options.master = master
        let scheduler = MarathonScheduler(
            options: options, store: MarathonStore(store: store, role: options.role), logger: logger)
        try await scheduler.load()
        let http = HTTPServer(host: host, port: port, handler: MarathonAPI(scheduler: scheduler), logger: logger)
        let bound = try await http.start()
        let advertised = "\(host == "0.0.0.0" ? "127.0.0.1" : host):\(bound)"
        await scheduler.setAdvertisedAddress(advertised)
        let previous = await scheduler.storedFrameworkID()
        let driver = SchedulerDriver(
            framework: await scheduler.frameworkInfo(id: previous), transport: HTTPSchedulerTransport(master: master),
            logger: logger)
        await scheduler.startTimer()
        let run = Task { await driver.run(handler: scheduler) }
        return MarathonService(scheduler: scheduler, port: bound, driver: driver, http: http, run: run)
    }

    /// Stops serving and unsubscribes; tasks keep running (the framework fails over on restart).
    public func stop() async {
        await scheduler.closeEventStreams()
        await http.shutdown()
        await scheduler.stopTimer()
        await driver.stop()
        await run.value
    }
}
