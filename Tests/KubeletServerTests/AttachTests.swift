import Foundation
import HTTPSupport
import Testing

@testable import KubeletServer

/// `kubectl attach` as the kubelet serves it: the container's output from now on, over the exec
/// channel protocol, ending with a success Status once the instance stops.
@Suite struct AttachTests {
    @Test func streamsWhatIsWrittenFromNowOnAndEndsWhenTheContainerStops() async throws {
        let harness = try await KubeletHarness.start()
        let log = NSTemporaryDirectory() + "attach-\(UUID().uuidString).log"
        try "written before the attach\n".write(toFile: log, atomically: false, encoding: .utf8)
        harness.access.set("default", "web-0", "web", .init(logPath: log))
        let outcome = try await HTTPStreamClient.withConnection(host: "127.0.0.1", port: harness.port) { connection in
            let opening = try await connection.openWebSocket(
                target: "/attach/default/web-0/web?stdout=true&stderr=true", subprotocols: ["v5.channel.k8s.io"],
                headers: ["Authorization": "Bearer \(KubeletHarness.token)"])
            guard case .opened(let socket, let subprotocol) = opening else {
                Issue.record("attach was refused: \(opening)")
                return ExecOutcome()
            }
            let file = try #require(FileHandle(forWritingAtPath: log))
            file.seekToEndOfFile()
            file.write(Data("hello from the container\n".utf8))
            try file.close()
            Task {
                try? await Task.sleep(for: .milliseconds(600))
                harness.access.setRunning("default", "web-0", "web", false)
            }
            return try await ExecOutcome.collect(socket, subprotocol: subprotocol)
        }
        #expect(outcome.stdout == "hello from the container\n")
        #expect(outcome.status?["status"]?.stringValue == "Success")
        await harness.stop()
        try? FileManager.default.removeItem(atPath: log)
    }

    @Test func stdinTerminalsAndStoppedContainersAreRefused() async throws {
        let harness = try await KubeletHarness.start()
        harness.access.set("default", "web-0", "web", .init(logPath: "/dev/null"))
        harness.access.set("default", "web-0", "done", .init(logPath: "/dev/null", running: false))
        let stdin = try await harness.get("/attach/default/web-0/web?stdin=true&stdout=true")
        #expect(stdin.status == 400)
        #expect(stdin.body.contains("never started with stdin or a TTY"))
        let noStreams = try await harness.get("/attach/default/web-0/web")
        #expect(noStreams.status == 400)
        let stopped = try await harness.get("/attach/default/web-0/done?stdout=true")
        #expect(stopped.status == 400)
        #expect(stopped.body.contains("is not running"))
        let plain = try await harness.get("/attach/default/web-0/web?stdout=true")
        #expect(plain.status == 400)
        #expect(plain.body.contains("attach needs a WebSocket upgrade"))
        await harness.stop()
    }
}
