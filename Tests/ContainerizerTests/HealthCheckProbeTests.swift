import Foundation
import Glibc
import HTTPSupport
import Synchronization
import Testing

@testable import Containerizer

/// A real local HTTP server whose answer can be switched between healthy and unhealthy.
final class SwitchableHealthServer: Sendable {
    /// Shared with the server's handler, which outlives no test.
    private final class Answer: Sendable {
        let statusCode = Mutex(200)
        let paths = Mutex<[String]>([])
    }

    private let state: Answer
    private let server: HTTPServer
    let port: Int

    init() async throws {
        let answer = Answer()
        state = answer
        server = HTTPServer(host: "127.0.0.1", port: 0) { request in
            answer.paths.withLock { $0.append(request.path) }
            let code = answer.statusCode.withLock { $0 }
            if code == 0 {
                // Answers long after the probe's deadline; `shutdown()` waits for this handler to end.
                try? await Task.sleep(for: .seconds(20))
            }
            if code == 302 {
                return HTTPResponse(status: .found, headers: ["Location": "/elsewhere"])
            }
            return .text("status \(code)", status: .init(statusCode: code))
        }
        port = try await server.start()
    }

    func answer(_ code: Int) { state.statusCode.withLock { $0 = code } }
    var requestedPaths: [String] { state.paths.withLock { $0 } }
    func shutdown() async { await server.shutdown() }
}

/// A kernel-bound TCP socket on 127.0.0.1 with an ephemeral port; listening only if asked.
/// Nothing ever accepts: the kernel completes handshakes from its backlog, which is all a
/// TCP probe needs.
final class LocalSocket {
    let descriptor: Int32
    let port: Int

    init(listening: Bool) throws {
        descriptor = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let descriptor = self.descriptor
        let ready = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
                bind(descriptor, raw, length) == 0 && getsockname(descriptor, raw, &length) == 0
                    && (!listening || listen(descriptor, 16) == 0)
            }
        }
        port = Int(UInt16(bigEndian: address.sin_port))
        // On failure `deinit` still runs (the object was fully initialised) and closes it.
        guard descriptor >= 0, ready else {
            throw TimedOut(description: "cannot set up a local socket")
        }
    }

    deinit { close(descriptor) }
}

/// A port nothing listens on: bound by the kernel, then released.
func closedPort() throws -> Int {
    try LocalSocket(listening: false).port
}

@Suite struct HealthCheckProbeTests {
    @Test func httpProbeFollowsTheServerAnswer() async throws {
        let server = try await SwitchableHealthServer()
        do {
            let healthy = await HealthCheckProbes.http(
                host: "127.0.0.1", port: server.port, path: "/health", timeout: .seconds(10))
            #expect(healthy == .http(statusCode: 200))
            #expect(healthy.isHealthy)
            server.answer(500)
            let failing = await HealthCheckProbes.http(
                host: "127.0.0.1", port: server.port, path: "/health", timeout: .seconds(10))
            #expect(failing == .http(statusCode: 500))
            #expect(!failing.isHealthy)
            // curl without -L: a redirect is an answer, and a healthy one.
            server.answer(302)
            let redirect = await HealthCheckProbes.http(
                host: "127.0.0.1", port: server.port, path: "/health", timeout: .seconds(10))
            #expect(redirect == .http(statusCode: 302))
            #expect(server.requestedPaths == ["/health", "/health", "/health"])
        }
        await server.shutdown()
    }

    @Test func httpProbeTimesOutOnAServerThatDoesNotAnswer() async throws {
        let server = try await SwitchableHealthServer()
        server.answer(0)
        let result = await HealthCheckProbes.http(
            host: "127.0.0.1", port: server.port, path: "/slow", timeout: .milliseconds(300))
        await server.shutdown()
        #expect(result == .timedOut)
    }

    @Test func httpProbeOfAClosedPortFails() async throws {
        let result = await HealthCheckProbes.http(
            host: "127.0.0.1", port: try closedPort(), path: "/", timeout: .seconds(10))
        guard case .failed = result else {
            Issue.record("expected a connection failure, got \(result)")
            return
        }
    }

    @Test func tcpProbeConnectsOnlyToAListeningPort() async throws {
        // A bare listening socket rather than HTTPServer: a connection the server accepts
        // while it shuts down is not this test's concern.
        let listener = try LocalSocket(listening: true)
        let open = await HealthCheckProbes.tcp(host: "127.0.0.1", port: listener.port, timeout: .seconds(10))
        #expect(open == .tcpConnected)
        let closed = await HealthCheckProbes.tcp(host: "127.0.0.1", port: try closedPort(), timeout: .seconds(10))
        #expect(!closed.isHealthy)
        guard case .failed = closed else {
            Issue.record("expected a refused connection, got \(closed)")
            return
        }
        withExtendedLifetime(listener) {}
    }

    @Test func commandProbeReportsTheExitCode() async throws {
        let sandbox = try TemporaryDirectory("healthcheck")
        defer { sandbox.remove() }
        let context = ProbeContext(sandbox: sandbox.path, environment: ["PATH": ProcessLauncher.defaultSearchPath])
        #expect(
            await HealthCheckProbes.command(.shell("exit 0"), context: context, timeout: .seconds(30))
                == .command(.exited(0)))
        #expect(
            await HealthCheckProbes.command(.shell("exit 1"), context: context, timeout: .seconds(30))
                == .command(.exited(1)))
    }

    @Test func commandProbeRunsInTheSandboxWithTheTaskEnvironment() async throws {
        let sandbox = try TemporaryDirectory("healthcheck")
        defer { sandbox.remove() }
        try sandbox.write("ready", "")
        let context = ProbeContext(
            sandbox: sandbox.path, environment: ["PATH": ProcessLauncher.defaultSearchPath, "EXPECTED": sandbox.path])
        let script = #"test -f ready && test "$(pwd)" = "$EXPECTED""#
        #expect(await HealthCheckProbes.command(.shell(script), context: context, timeout: .seconds(30)).isHealthy)
        try FileManager.default.removeItem(atPath: sandbox.path + "/ready")
        #expect(
            await HealthCheckProbes.command(.shell(script), context: context, timeout: .seconds(30))
                == .command(.exited(1)))
        let missing = await HealthCheckProbes.command(
            .argv(executable: "no-such-probe", arguments: []), context: context, timeout: .seconds(30))
        guard case .failed = missing else {
            Issue.record("expected a launch failure, got \(missing)")
            return
        }
    }

    @Test func hangingCommandTimesOutAndItsGroupIsKilled() async throws {
        let sandbox = try TemporaryDirectory("healthcheck")
        defer { sandbox.remove() }
        let context = ProbeContext(sandbox: sandbox.path, environment: ["PATH": ProcessLauncher.defaultSearchPath])
        // The shell records its pid (= the probe's process group) and leaves a child sleeping.
        let result = await HealthCheckProbes.command(
            .shell("echo $$ > pid; sleep 100 & sleep 100"), context: context, timeout: .seconds(2))
        #expect(result == .timedOut)
        let text = contents(of: sandbox.path + "/pid").trimmingCharacters(in: .whitespacesAndNewlines)
        let group = try #require(Int32(text))
        // SIGKILL is immediate, but the orphaned sleeper is reaped by init asynchronously.
        var alive = true
        for _ in 0..<500 where alive {
            alive = ProcessTable.groupHasLiveMembers(group)
            if alive { try await Task.sleep(for: .milliseconds(10)) }
        }
        #expect(!alive, "process group \(group) survived the probe timeout")
    }
}
