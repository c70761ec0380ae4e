import Foundation
import HTTPSupport
import KubeTypes
import Testing

@testable import KubeletServer

@Suite struct ExecTests {
    /// Runs an exec through a real WebSocket and collects what came back.
    private func exec(
        _ harness: KubeletHarness, _ query: String, protocols: [String] = ["v5.channel.k8s.io"],
        input: @Sendable @escaping (WebSocketWriter) async throws -> Void = { _ in }
    ) async throws -> ExecOutcome {
        try await HTTPStreamClient.withConnection(host: "127.0.0.1", port: harness.port) { connection in
            let opening = try await connection.openWebSocket(
                target: "/exec/default/web-0/web?\(query)", subprotocols: protocols,
                headers: ["Authorization": "Bearer \(KubeletHarness.token)"])
            guard case .opened(let socket, let subprotocol) = opening else {
                Issue.record("exec was refused: \(opening)")
                return ExecOutcome()
            }
            return try await ExecOutcome.collect(socket, subprotocol: subprotocol, input: input)
        }
    }

    private func harness(target: TargetProcess, environment: [String: String] = [:]) async throws -> KubeletHarness {
        let harness = try await KubeletHarness.start()
        let exec = ContainerExecTarget(pid: target.pid, environment: environment, workingDirectory: "/tmp")
        harness.access.set("default", "web-0", "web", .init(logPath: "/dev/null", execTarget: exec))
        return harness
    }

    static func command(_ words: String...) -> String {
        words.map { "command=" + ($0.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? $0) }
            .joined(separator: "&")
    }

    @Test func nonZeroExitReportsOutputAndExitCode() async throws {
        let target = try TargetProcess()
        defer { target.stop() }
        let harness = try await harness(target: target)
        defer { Task { await harness.stop() } }
        let outcome = try await exec(
            harness, Self.command("sh", "-c", "echo hi; echo err >&2; exit 3") + "&stdout=true&stderr=true")
        #expect(outcome.subprotocol == "v5.channel.k8s.io")
        #expect(outcome.stdout == "hi\n")
        #expect(outcome.stderr == "err\n")
        #expect(outcome.exitCode == 3)
        #expect(outcome.status?["reason"] == "NonZeroExitCode")
        #expect(outcome.status?[path: ["details", "causes"]] == [["reason": "ExitCode", "message": "3"]])
    }

    @Test func successRunsInTheWorkingDirectoryWithTheEnvironment() async throws {
        let target = try TargetProcess()
        defer { target.stop() }
        let harness = try await harness(target: target, environment: ["GREETING": "hello"])
        defer { Task { await harness.stop() } }
        let outcome = try await exec(
            harness, Self.command("sh", "-c", "pwd; echo $GREETING") + "&stdout=1", protocols: ["v4.channel.k8s.io"])
        #expect(outcome.subprotocol == "v4.channel.k8s.io")
        #expect(outcome.stdout == "/tmp\nhello\n")
        #expect(outcome.status == ["metadata": .emptyObject, "status": "Success"])
    }

    @Test func stdinIsRelayedAndClosedByTheV5Signal() async throws {
        let target = try TargetProcess()
        defer { target.stop() }
        let harness = try await harness(target: target)
        defer { Task { await harness.stop() } }
        let outcome = try await exec(harness, Self.command("cat") + "&stdin=true&stdout=true&stderr=true") { writer in
            try await writer.send(channel: 0, "line one\n")
            try await writer.send(channel: 0, "line two\n")
            try await writer.send(bytes: [255, 0])
        }
        #expect(outcome.stdout == "line one\nline two\n")
        #expect(outcome.exitCode == 0)
    }

    @Test func terminalHonoursResizeAndIsATTY() async throws {
        let target = try TargetProcess()
        defer { target.stop() }
        let harness = try await harness(target: target)
        defer { Task { await harness.stop() } }
        let script = "read line; stty size; test -t 1 && echo tty; exit 4"
        let outcome = try await exec(
            harness, Self.command("sh", "-c", script) + "&stdin=true&stdout=true&stderr=true&tty=true"
        ) { writer in
            try await writer.send(channel: 4, #"{"Width":100,"Height":40}"#)
            try await writer.send(channel: 0, "go\n")
        }
        #expect(outcome.stdout.contains("40 100"))
        #expect(outcome.stdout.contains("tty"))
        #expect(outcome.stderr.isEmpty)
        #expect(outcome.exitCode == 4)
    }

    @Test func aMissingCommandIsAStatusOnTheErrorChannel() async throws {
        let target = try TargetProcess()
        defer { target.stop() }
        let harness = try await harness(target: target)
        defer { Task { await harness.stop() } }
        let outcome = try await exec(harness, Self.command("no-such-command-here") + "&stdout=true&stderr=true")
        #expect(outcome.exitCode == 127)
        #expect(outcome.stderr.contains("no-such-command-here"))
    }

    @Test func entersTheTargetsNamespaces() async throws {
        // A target in a UTS namespace of its own with another host name; skipped where the test
        // may not create namespaces.
        let probe = try TargetProcess("/usr/bin/unshare", ["--uts", "true"])
        probe.process.waitUntilExit()
        try #require(probe.process.terminationStatus == 0, "cannot create namespaces here")
        let target = try TargetProcess(
            "/usr/bin/unshare", ["--uts", "sh", "-c", "hostname exec-test-ns && exec sleep 60"])
        defer { target.stop() }
        try await Task.sleep(for: .milliseconds(300))
        let harness = try await harness(target: target)
        defer { Task { await harness.stop() } }
        let outcome = try await exec(harness, Self.command("hostname") + "&stdout=true")
        #expect(outcome.stdout == "exec-test-ns\n", "\(outcome)")
        #expect(outcome.exitCode == 0)
    }

    @Test func runsAsTheContainersUser() async throws {
        let target = try TargetProcess()
        defer { target.stop() }
        let harness = try await KubeletHarness.start()
        defer { Task { await harness.stop() } }
        let exec = ContainerExecTarget(
            pid: target.pid, environment: [:], workingDirectory: "/", userID: 65534, groupID: 65533)
        harness.access.set("default", "web-0", "web", .init(logPath: "/dev/null", execTarget: exec))
        let outcome = try await self.exec(harness, Self.command("sh", "-c", "id -u; id -g") + "&stdout=true")
        #expect(outcome.stdout == "65534\n65533\n", "\(outcome)")
    }

    @Test func refusalsAreStatusErrors() async throws {
        let target = try TargetProcess()
        defer { target.stop() }
        let harness = try await harness(target: target)
        defer { Task { await harness.stop() } }
        let plain = try await harness.get("/exec/default/web-0/web?\(Self.command("ls"))&stdout=true")
        #expect(plain.status == 400)
        #expect(plain.body.contains("exec needs a WebSocket upgrade"))
        let noCommand = try await harness.get("/exec/default/web-0/web?stdout=true")
        #expect(noCommand.status == 400)
        #expect(noCommand.body.contains("you must specify at least one command for the container"))
        let noStreams = try await harness.get("/exec/default/web-0/web?\(Self.command("ls"))")
        #expect(noStreams.status == 400)
        #expect(noStreams.body.contains("you must specify at least 1 of stdin, stdout, stderr"))
        let unknown = try await harness.get("/exec/default/web-0/nope?\(Self.command("ls"))&stdout=true")
        #expect(unknown.status == 404)
        let unauthorized = try await harness.get("/exec/default/web-0/web?\(Self.command("ls"))", token: nil)
        #expect(unauthorized.status == 401)

        let refused = try await HTTPStreamClient.withConnection(host: "127.0.0.1", port: harness.port) { connection in
            let opening = try await connection.openWebSocket(
                target: "/exec/default/web-0/web?\(Self.command("ls"))&stdout=true",
                subprotocols: ["v3.channel.k8s.io", "channel.k8s.io"],
                headers: ["Authorization": "Bearer \(KubeletHarness.token)"])
            guard case .refused(let head, let body) = opening else { return (0, "") }
            return (Int(head.status.code), String(buffer: body))
        }
        #expect(refused.0 == 400)
        #expect(refused.1.contains("requested protocol(s) are not supported"))
    }

    @Test func resizeMessagesParse() {
        #expect(ExecSession.terminalSize(ByteBuffer(string: #"{"Width":80,"Height":24}"#)) ?? (0, 0) == (80, 24))
        #expect(ExecSession.terminalSize(ByteBuffer(string: "garbage")) == nil)
    }
}
