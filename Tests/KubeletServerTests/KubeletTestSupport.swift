import Foundation
import HTTPSupport
import KubeTypes
import KubeletServer
import Synchronization

/// A node agent's view of its containers, backed by temp files and real processes.
final class FakeAccess: KubeletContainerAccess {
    struct Container: Sendable {
        var logPath: String
        var previousLogPath: String?
        var running = true
        var execTarget: ContainerExecTarget?
    }

    private let containers = Mutex<[String: Container]>([:])
    private let runningChecks = Mutex(0)

    /// How often a follower has asked whether a container still runs.
    var isRunningCalls: Int { runningChecks.withLock { $0 } }

    func set(_ namespace: String, _ pod: String, _ container: String, _ value: Container) {
        containers.withLock { $0["\(namespace)/\(pod)/\(container)"] = value }
    }

    func setRunning(_ namespace: String, _ pod: String, _ container: String, _ running: Bool) {
        containers.withLock { $0["\(namespace)/\(pod)/\(container)"]?.running = running }
    }

    private func find(_ namespace: String, _ pod: String, _ container: String) throws(KubeletAccessError) -> Container {
        guard let found = containers.withLock({ $0["\(namespace)/\(pod)/\(container)"] }) else {
            throw KubeletAccessError(code: 404, message: "container \"\(container)\" in pod \"\(pod)\" not found")
        }
        return found
    }

    func logLocation(
        namespace: String, pod: String, container: String, previous: Bool
    ) async throws(KubeletAccessError) -> ContainerLogLocation {
        let found = try find(namespace, pod, container)
        if previous {
            guard let path = found.previousLogPath else {
                throw KubeletAccessError(
                    code: 400, message: "previous terminated container \"\(container)\" in pod \"\(pod)\" not found")
            }
            return ContainerLogLocation(path: path, running: false)
        }
        return ContainerLogLocation(path: found.logPath, running: found.running)
    }

    func isRunning(namespace: String, pod: String, container: String, path: String) async -> Bool {
        runningChecks.withLock { $0 += 1 }
        return (try? find(namespace, pod, container))?.running ?? false
    }

    func portForwardTarget(namespace: String, pod: String) async throws(KubeletAccessError) -> PortForwardTarget {
        PortForwardTarget(networkNamespace: nil)
    }

    func execTarget(
        namespace: String, pod: String, container: String
    ) async throws(KubeletAccessError)
        -> ContainerExecTarget
    {
        guard let target = try find(namespace, pod, container).execTarget else {
            throw KubeletAccessError(code: 400, message: "container \(container) is not running")
        }
        return target
    }
}

/// A KubeletServer on a loopback port with a scratch directory for log files.
struct KubeletHarness {
    static let token = "kubelet-secret"
    let access: FakeAccess
    let http: HTTPServer
    let port: Int
    let directory: String

    static func start() async throws -> KubeletHarness {
        let directory = NSTemporaryDirectory() + "kubelet-server-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let access = FakeAccess()
        let server = KubeletServer(access: access, token: token, followPollInterval: .milliseconds(50))
        let http = HTTPServer(host: "127.0.0.1", port: 0, handler: server)
        let port = try await http.start()
        return KubeletHarness(access: access, http: http, port: port, directory: directory)
    }

    func stop() async {
        await http.shutdown()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Writes a log file and returns its path.
    func writeLog(_ name: String, _ text: String) throws -> String {
        let path = directory + "/" + name
        try text.write(toFile: path, atomically: false, encoding: .utf8)
        return path
    }

    /// `GET target` and the whole answer.
    func get(_ target: String, token: String? = KubeletHarness.token) async throws -> (status: Int, body: String) {
        try await HTTPStreamClient.withConnection(host: "127.0.0.1", port: port) { connection in
            var headers = HTTPHeaders()
            if let token { headers.add(name: "Authorization", value: "Bearer \(token)") }
            let head = try await connection.request(method: .GET, target: target, headers: headers)
            let body = try await connection.collectBody(upTo: 1 << 20)
            return (Int(head.status.code), String(buffer: body))
        }
    }
}

/// What an exec session delivered, channel by channel.
struct ExecOutcome: Sendable {
    var stdout = ""
    var stderr = ""
    var status: JSON?
    var subprotocol: String?

    var exitCode: Int? {
        guard let status else { return nil }
        if status["status"]?.stringValue == "Success" { return 0 }
        let causes = status[path: ["details", "causes"]]?.arrayValue ?? []
        return causes.first { $0["reason"]?.stringValue == "ExitCode" }.flatMap { $0["message"]?.stringValue }
            .flatMap { Int($0) }
    }

    /// Reads every message until the server closes; `input` runs first (e.g. to send stdin).
    static func collect(
        _ socket: WebSocketConnection, subprotocol: String?,
        input: @Sendable (WebSocketWriter) async throws -> Void = { _ in }
    ) async throws -> ExecOutcome {
        var outcome = ExecOutcome(subprotocol: subprotocol)
        try await input(socket.writer)
        while let message = await socket.receive() {
            var data = message.data
            guard let channel = data.readInteger(as: UInt8.self) else { continue }
            let text = String(buffer: data)
            switch channel {
            case 1: outcome.stdout += text
            case 2: outcome.stderr += text
            case 3: outcome.status = try JSONReader.parse(text)
            default: break
            }
        }
        return outcome
    }
}

extension WebSocketWriter {
    /// Sends `bytes` on an exec channel.
    func send(channel: UInt8, _ text: String) async throws {
        try await send(bytes: [channel] + Array(text.utf8))
    }
}

/// A process that stays put as an exec target (the container's "main" process).
final class TargetProcess {
    let process: Process

    init(_ executable: String = "/bin/sleep", _ arguments: [String] = ["60"]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        try process.run()
        self.process = process
    }

    var pid: Int32 { process.processIdentifier }

    /// SIGKILL: a child started from a test thread may inherit a mask that blocks SIGTERM.
    func stop() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}
