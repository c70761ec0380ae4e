import Foundation
import Glibc
import Testing

@testable import Containerizer

/// The real `mesokube-supervisor` binary from this build directory.
@Suite(.timeLimit(.minutes(2))) struct ContainerSupervisorTests {
    typealias Status = Containerizer.ExitStatus

    func shell(_ script: String, in sandbox: TemporaryDirectory) -> LaunchSpec {
        LaunchSpec(command: .shell(script), environment: ["PATH": "/usr/bin:/bin"], workingDirectory: sandbox.path)
    }

    @Test func recordsTheExitCodeAndOutputOfATask() async throws {
        let sandbox = try TemporaryDirectory("supervisor")
        defer { sandbox.remove() }
        let supervisor = try ContainerSupervisor()
        let record = try await supervisor.launch(
            SupervisedLaunch(spec: shell("echo hello; exit 3", in: sandbox), runDirectory: sandbox.path + "/run"))
        #expect(record.taskPID != record.supervisorPID)
        #expect(await supervisor.waitForExit(record) == .exited(Status.exited(3)))
        #expect(contents(of: sandbox.path + "/stdout") == "hello\n")
    }

    @Test func aSecondSupervisorInstanceFindsTheSameContainer() async throws {
        // What a restarted agent does: it only has the record, not the process handle.
        let sandbox = try TemporaryDirectory("supervisor")
        defer { sandbox.remove() }
        let first = try ContainerSupervisor()
        let record = try await first.launch(
            SupervisedLaunch(spec: shell("sleep 30", in: sandbox), runDirectory: sandbox.path + "/run"))
        let encoded = try JSONEncoder().encode(record)
        let restored = try JSONDecoder().decode(SupervisorRecord.self, from: encoded)
        let second = try ContainerSupervisor()
        #expect(second.isSupervisorAlive(restored))
        #expect(second.exitIfEnded(restored) == nil)
        let outcome = await second.terminate(restored, gracePeriod: .seconds(5))
        #expect(outcome == .exited(Status.signaled(SIGTERM)))
        try await eventually("supervisor gone") { !second.isSupervisorAlive(restored) }
    }

    @Test func aTaskIgnoringSigtermIsKilledAfterTheGracePeriod() async throws {
        let sandbox = try TemporaryDirectory("supervisor")
        defer { sandbox.remove() }
        let supervisor = try ContainerSupervisor()
        let record = try await supervisor.launch(
            SupervisedLaunch(
                spec: shell("trap '' TERM; touch trapped; sleep 30 & wait", in: sandbox),
                runDirectory: sandbox.path + "/run"))
        // Under load the shell may not have run `trap` yet when the launch returns.
        try await eventually("SIGTERM ignored") { FileManager.default.fileExists(atPath: sandbox.path + "/trapped") }
        let outcome = await supervisor.terminate(record, gracePeriod: .milliseconds(300))
        #expect(outcome == .exited(Status.signaled(SIGKILL)))
        #expect(!ProcessTable.groupHasLiveMembers(record.taskPID))
    }

    @Test func pidNamespaceGivesTheTaskItsOwnProcAndForwardsSigterm() async throws {
        let sandbox = try TemporaryDirectory("supervisor")
        defer { sandbox.remove() }
        let supervisor = try ContainerSupervisor()
        let record = try await supervisor.launch(
            SupervisedLaunch(
                spec: shell("echo pid=$$; ls /proc | grep -c '^[0-9]'; exec sleep 30", in: sandbox),
                runDirectory: sandbox.path + "/run", pidNamespace: true, mountProc: true))
        // Both lines are out before the kill (under load the count can take a while).
        try await eventually("the process count printed") {
            contents(of: sandbox.path + "/stdout").split(separator: "\n").count >= 2
        }
        // sleep as pid 1 would ignore SIGTERM; under the init it dies of it.
        let outcome = await supervisor.terminate(record, gracePeriod: .seconds(10))
        #expect(outcome == .exited(Status.signaled(SIGTERM)))
        let lines = contents(of: sandbox.path + "/stdout").split(separator: "\n")
        #expect(lines.first == "pid=2")
        // init, sh, ls and grep: the host's processes are invisible.
        #expect(Int(lines.dropFirst().first ?? "") ?? 99 <= 4)
    }

    @Test func anExecFailureIsReportedAsSetupFailure() async throws {
        let sandbox = try TemporaryDirectory("supervisor")
        defer { sandbox.remove() }
        let supervisor = try ContainerSupervisor()
        let record = try await supervisor.launch(
            SupervisedLaunch(
                spec: LaunchSpec(
                    command: .argv(executable: "/nonexistent/tool", arguments: ["tool"]), environment: [:],
                    workingDirectory: sandbox.path),
                runDirectory: sandbox.path + "/run"))
        guard case .setupFailed(let message) = await supervisor.waitForExit(record) else {
            Issue.record("expected a setup failure")
            return
        }
        #expect(message.contains("Failed to execute '/nonexistent/tool'"))
    }

    @Test func aSupervisorKilledOutrightIsReportedLost() async throws {
        let sandbox = try TemporaryDirectory("supervisor")
        defer { sandbox.remove() }
        let supervisor = try ContainerSupervisor()
        let record = try await supervisor.launch(
            SupervisedLaunch(spec: shell("sleep 30", in: sandbox), runDirectory: sandbox.path + "/run"))
        kill(record.supervisorPID, SIGKILL)
        supervisor.signalContainer(record, SIGKILL)
        #expect(await supervisor.waitForExit(record) == .lost)
    }

    @Test func aLaunchLeftUnrecordedIsKilledButAForeignPidIsNot() async throws {
        let sandbox = try TemporaryDirectory("supervisor")
        defer { sandbox.remove() }
        let supervisor = try ContainerSupervisor()
        let run = sandbox.path + "/run"
        let record = try await supervisor.launch(
            SupervisedLaunch(spec: shell("sleep 30", in: sandbox), runDirectory: run))
        // A pid file naming a process that is not this supervisor's task: left alone.
        let foreign = try ProcessLauncher().launch(shell("sleep 30", in: sandbox))
        defer { kill(foreign.pid, SIGKILL) }
        let decoy = sandbox.path + "/decoy"
        try FileManager.default.createDirectory(atPath: decoy, withIntermediateDirectories: true)
        try "\(foreign.pid)\n".write(toFile: decoy + "/pid", atomically: false, encoding: .utf8)
        supervisor.killUnrecorded(runDirectory: decoy)
        #expect(isRunning(foreign.pid))
        supervisor.killUnrecorded(runDirectory: run)
        #expect(await supervisor.waitForExit(record) == .exited(Status.signaled(SIGKILL)))
    }

    @Test func aRecordOfAnEarlierBootIsNeverSignalled() async throws {
        let sandbox = try TemporaryDirectory("supervisor")
        defer { sandbox.remove() }
        let supervisor = try ContainerSupervisor()
        var record = try await supervisor.launch(
            SupervisedLaunch(spec: shell("sleep 30", in: sandbox), runDirectory: sandbox.path + "/run"))
        let current = record
        record.bootID = "an-earlier-boot"
        #expect(!supervisor.isSupervisorAlive(record))
        #expect(!supervisor.signalGroup(record, SIGKILL))
        #expect(supervisor.isSupervisorAlive(current))
        _ = await supervisor.terminate(current, gracePeriod: .seconds(5))
    }

    @Test func parsesTheStatusFile() {
        #expect(ContainerSupervisor.parseStatus("exited 0") == .exited(0))
        #expect(ContainerSupervisor.parseStatus("signaled 9") == .signaled(9))
        #expect(ContainerSupervisor.parseStatus("garbage") == nil)
        #expect(ContainerSupervisor.parseStatus("exited x") == nil)
    }
}
