import AsyncHTTPClient
import Foundation
import Glibc
import MesosModel
import NIOCore
import NIOPosix

/// What one probe saw.
public enum ProbeResult: Sendable, Equatable {
    /// The command ran to completion.
    case command(ExitStatus)
    /// The HTTP server answered with this status code.
    case http(statusCode: Int)
    /// A TCP connection was established.
    case tcpConnected
    /// The probe did not finish within its timeout (a command probe's group was killed).
    case timedOut
    /// The probe could not run or connect; the text says why.
    case failed(String)

    /// Mesos' health verdict: exit code 0, HTTP status in [200, 400), or a TCP connect.
    public var isHealthy: Bool {
        switch self {
        case .command(let status): status.isSuccess
        case .http(let code): (200..<400).contains(code)
        case .tcpConnected: true
        case .timedOut, .failed: false
        }
    }

    /// The general-check status for a probe of `type`; a probe that produced no value gives
    /// an empty nested result, except TCP where a failed connect is a result (`false`).
    public func checkStatus(_ type: CheckProbeType) -> CheckStatusInfo {
        switch (type, self) {
        case (.command, .command(.exited(let code))):
            return CheckStatusInfo(type: .command, command: .init(exitCode: Int(code)))
        case (.http, .http(let code)):
            return CheckStatusInfo(type: .http, http: .init(statusCode: code))
        case (.tcp, .tcpConnected):
            return CheckStatusInfo(type: .tcp, tcp: .init(succeeded: true))
        case (.tcp, .failed):
            return CheckStatusInfo(type: .tcp, tcp: .init(succeeded: false))
        default:
            return .empty(type)
        }
    }
}

/// Where a task's probes run: the address its ports listen on and, for command probes, the
/// task's sandbox and environment.
public struct ProbeContext: Sendable {
    public var host: String
    public var sandbox: String
    public var environment: [String: String]
    /// Where a command probe's stdout/stderr go; `/dev/null` keeps the task's own logs clean.
    public var outputPath: String

    public init(
        host: String = "127.0.0.1", sandbox: String, environment: [String: String],
        outputPath: String = "/dev/null"
    ) {
        self.host = host
        self.sandbox = sandbox
        self.environment = environment
        self.outputPath = outputPath
    }
}

/// The real probes. Each call is bounded by its timeout and cancellable.
public enum HealthCheckProbes {
    /// Health-check HTTP requests must see redirects as answers (Mesos runs curl without
    /// `-L`, so a 3xx is healthy) and must not verify certificates (curl `-k`). Never shut
    /// down: it lives as long as the process, like `HTTPClient.shared`.
    static let httpClient: HTTPClient = {
        var configuration = HTTPClient.Configuration(
            certificateVerification: .none, redirectConfiguration: .disallow)
        // A refused connection is an immediate failure (as for curl), not something to retry
        // with backoff until the probe's timeout.
        configuration.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, configuration: configuration)
    }()

    /// GET `scheme://host:port/path`; the body is drained and ignored.
    public static func http(
        host: String, port: Int, path: String, scheme: String = "http", timeout: Duration
    ) async -> ProbeResult {
        var request = HTTPClientRequest(url: "\(scheme)://\(hostLiteral(host)):\(port)\(path)")
        // A fresh connection per probe, as curl does: a pooled one could hide a server that
        // no longer accepts connections.
        request.headers.add(name: "Connection", value: "close")
        do {
            let response = try await httpClient.execute(request, timeout: timeAmount(timeout))
            _ = try? await response.body.collect(upTo: 1 << 20)
            return .http(statusCode: Int(response.status.code))
        } catch let error as HTTPClientError where error == .deadlineExceeded {
            return .timedOut
        } catch {
            return .failed("HTTP probe of \(host):\(port)\(path) failed: \(error)")
        }
    }

    /// Opens (then closes) a TCP connection to `host:port`.
    public static func tcp(host: String, port: Int, timeout: Duration) async -> ProbeResult {
        let bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(timeAmount(timeout))
        do {
            let channel = try await bootstrap.connect(host: host, port: port).get()
            try? await channel.close()
            return .tcpConnected
        } catch ChannelError.connectTimeout {
            return .timedOut
        } catch {
            return .failed("TCP connection to \(host):\(port) failed: \(error)")
        }
    }

    /// Runs `command` in the sandbox with the task's environment, in a process group of its
    /// own. On timeout (or cancellation) the whole group is SIGKILLed and reaped.
    public static func command(
        _ command: LaunchSpec.Command, context: ProbeContext, timeout: Duration,
        launcher: ProcessLauncher = ProcessLauncher()
    ) async -> ProbeResult {
        let spec = LaunchSpec(
            command: command, environment: context.environment, workingDirectory: context.sandbox,
            stdoutPath: context.outputPath, stderrPath: context.outputPath)
        let handle: ProcessHandle
        do {
            handle = try launcher.launch(spec)
        } catch {
            return .failed(error.description)
        }
        return await withTaskGroup(of: CommandRace.self) { group in
            group.addTask { .exited(await handle.waitForExit()) }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return .deadline
            }
            let first = await group.next() ?? .deadline
            group.cancelAll()
            if case .exited(let status) = first { return .command(status) }
            // The deadline (or our cancellation) won: kill the group, then let the exit
            // child reap the leader so no zombie outlives the probe.
            launcher.signalGroup(handle, SIGKILL)
            while let _ = await group.next() {}
            return .timedOut
        }
    }

    private enum CommandRace: Sendable {
        case exited(ExitStatus)
        case deadline
    }

    /// The probe a Mesos command definition describes (`shell` defaults to true).
    public static func launchCommand(_ info: CommandInfo) -> LaunchSpec.Command {
        if info.isShell { return .shell(info.value ?? "") }
        return .argv(executable: info.value ?? "", arguments: info.arguments ?? [])
    }

    static func timeAmount(_ duration: Duration) -> TimeAmount {
        let (seconds, attoseconds) = duration.components
        return .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }

    /// IPv6 literals need brackets in a URL.
    static func hostLiteral(_ host: String) -> String {
        host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
    }
}
