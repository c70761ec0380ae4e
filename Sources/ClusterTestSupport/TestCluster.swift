import Agent
import Foundation
import HTTPSupport
import Logging
import Master
import MesosModel
import StateStore

/// A real master (memory store, 0.1 s allocation) and one real agent on ephemeral ports.
public actor TestCluster {
    public let root: String
    public let store = MemoryStateStore()
    public let http = HTTPClientSession()
    public private(set) var master: MasterServer
    public private(set) var agent: AgentServer?
    public private(set) var masterPort = 0
    let agentResources: String

    init(agentResources: String) {
        self.agentResources = agentResources
        root = FileManager.default.temporaryDirectory.path + "/frameworkkit-\(UUID().uuidString)"
        master = MasterServer(options: Self.masterOptions(port: 0), store: store, logger: quietLogger("master"))
    }

    public static func start(
        agentResources: String = "cpus:2;mem:1024;disk:1024;ports:[31000-31010]"
    ) async throws -> TestCluster {
        let cluster = TestCluster(agentResources: agentResources)
        try await cluster.boot()
        return cluster
    }

    private func boot() async throws {
        masterPort = try await master.start()
        var options = AgentOptions(workDir: root + "/agent")
        options.port = 0
        options.master = "127.0.0.1:\(masterPort)"
        options.resources = try Resources.parse(agentResources).list
        options.executorShutdownGracePeriod = 1
        let agent = try AgentServer(options: options, logger: quietLogger("agent"))
        self.agent = agent
        try await agent.start()
    }

    public static func masterOptions(port: Int) -> MasterOptions {
        var options = MasterOptions()
        options.port = port
        options.allocationInterval = 0.1
        return options
    }

    public var masterAddress: String { "127.0.0.1:\(masterPort)" }

    /// A master failover on the same address: the new master reads the registry from the same store.
    public func restartMaster() async throws {
        await master.stop()
        master = MasterServer(
            options: Self.masterOptions(port: masterPort), store: store, logger: quietLogger("master"))
        _ = try await master.start()
    }

    /// GET a master endpoint and parse its JSON.
    public func masterJSON(_ path: String) async throws -> JSONValue {
        let response = try await http.get(url: "http://\(masterAddress)\(path)")
        guard response.status.code == 200 else {
            throw HTTPError(response.status, "GET \(path): \(response.bodyString)")
        }
        return try JSONDecoder().decode(JSONValue.self, from: Data(response.body))
    }

    public func shutdown() async {
        await agent?.stop(killContainers: true)
        await master.stop()
        try? await http.shutdown()
        try? FileManager.default.removeItem(atPath: root)
    }
}

public func quietLogger(_ label: String) -> Logger {
    var logger = Logger(label: "cluster-test.\(label)")
    logger.logLevel = .warning
    return logger
}

public struct TimedOut: Error, CustomStringConvertible {
    public let what: String
    public var description: String { "Timed out waiting for \(what)" }

    public init(what: String) { self.what = what }
}

/// Polls `probe` until it returns a value; bounded, never asserts how long it took.
public func eventually<T>(
    _ what: String, within seconds: Double = 30, _ probe: () async throws -> T?
) async throws -> T {
    let deadline = ContinuousClock.now + .seconds(seconds)
    while ContinuousClock.now < deadline {
        if let value = try await probe() { return value }
        try await Task.sleep(for: .milliseconds(25))
    }
    throw TimedOut(what: what)
}
