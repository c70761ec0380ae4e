import ArgumentParser
import ExecutorKit
import Foundation
import HTTPSupport
import KubeClient
import Kubelet
import KubeletServer
import Logging
import MesosModel

/// `mesokube kubelet`: the kube framework's executor. Agents start it (with the first pod of
/// the framework on that agent); it is not meant to be run by hand.
struct KubeletCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kubelet",
        abstract: "Run the kubelet executor (started by an agent for the kube framework's first pod).")

    @Option(help: "Log level.") var logLevel: String = "info"

    func run() async throws {
        LogSetup.bootstrap(level: logLevel)
        let logger = Logger(label: "mesokube.kubelet")
        let environment = ProcessInfo.processInfo.environment
        let executorEnvironment: ExecutorEnvironment
        do {
            executorEnvironment = try ExecutorEnvironment.from(environment)
        } catch {
            throw ValidationError("mesokube kubelet runs as a Mesos executor: \(error)")
        }
        let flags = try await Self.agentFlags(executorEnvironment.agentEndpoint)
        let settings = try KubeletSettings.load(environment: environment, agentFlags: flags)
        let transport = try HTTPKubeTransport(configuration: settings.apiServer)
        let client = KubeClient(transport: transport, fieldManager: "kubelet")
        let executor = try KubeletExecutor(
            settings: settings, client: client, logger: logger,
            shutdownGracePeriod: executorEnvironment.shutdownGracePeriod)
        var server: HTTPServer?
        if let token = settings.serverToken {
            let handler = KubeletServer(access: executor.containerAccess, token: token, logger: logger)
            server = HTTPServer(host: settings.serverHost, port: settings.serverPort, handler: handler)
        }
        let serverPort = try await server?.start()
        await executor.start(serverPort: serverPort)
        logger.info("kubelet of node \(settings.nodeName) subscribing to \(executorEnvironment.agentEndpoint)")
        let driver = ExecutorDriver(environment: executorEnvironment, logger: logger)
        await driver.run(handler: executor)
        await executor.stop()
        await server?.shutdown()
        try? await transport.shutdown()
    }

    /// The agent's `/flags`: its work directory, pod network and registry.
    static func agentFlags(_ endpoint: String) async throws -> [String: String] {
        let response = try await HTTPClientSession.shared.get(url: "http://\(endpoint)/flags")
        guard response.status.code == 200,
            case .object(let object)? = try? JSONDecoder().decode(JSONValue.self, from: Data(response.body))["flags"]
        else {
            throw ValidationError("the agent at \(endpoint) did not answer /flags")
        }
        return object.compactMapValues(\.stringValue)
    }
}
