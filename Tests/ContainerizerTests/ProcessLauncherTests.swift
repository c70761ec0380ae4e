import Foundation
import Glibc
import Testing

@testable import Containerizer

/// Every test here runs real processes under a fresh temporary sandbox.
@Suite(.timeLimit(.minutes(2))) struct ProcessLauncherTests {
    let launcher = ProcessLauncher()
    let basicEnvironment = ["PATH": "/usr/local/bin:/usr/bin:/bin"]

    private func spec(
        _ command: LaunchSpec.Command, in sandbox: String, environment: [String: String]? = nil
    ) -> LaunchSpec {
        LaunchSpec(
            command: command, environment: environment ?? basicEnvironment, workingDirectory: sandbox,
            stdoutPath: "stdout", stderrPath: "stderr")
    }

    @Test func shellFormRunsInTheSandboxWithTheGivenEnvironment() async throws {
        let root = try TemporaryDirectory()
        defer { root.remove() }
        let sandbox = root.path + "/nested/not/yet/created"
        var environment = basicEnvironment
        environment["GREETING"] = "hello world"
        let handle = try launcher.launch(
            spec(.shell("echo \"out:$GREETING\"; echo err-line >&2; pwd"), in: sandbox, environment: environment))

        #expect(await launcher.waitForExit(handle) == .exited(0))
        #expect(contents(of: sandbox + "/stdout") == "out:hello world\n\(sandbox)\n")
        #expect(contents(of: sandbox + "/stderr") == "err-line\n")
    }

    @Test func argvFormPassesArgumentsVerbatimWithoutAShell() async throws {
        let root = try TemporaryDirectory()
        defer { root.remove() }
        let handle = try launcher.launch(
            spec(.argv(executable: "printf", arguments: ["printf", "%s|", "a b", "$HOME", "*"]), in: root.path))

        #expect(await launcher.waitForExit(handle) == .exited(0))
        #expect(contents(of: root.path + "/stdout") == "a b|$HOME|*|")
    }

    @Test func environmentIsExactlyTheSpecNothingInherited() async throws {
        let root = try TemporaryDirectory()
        defer { root.remove() }
        let handle = try launcher.launch(
            spec(
                .argv(executable: "/usr/bin/env", arguments: ["env"]), in: root.path,
                environment: ["MESOS_SANDBOX": root.path, "ONLY": "this"]))

        #expect(await launcher.waitForExit(handle) == .exited(0))
        let lines = Set(contents(of: root.path + "/stdout").split(separator: "\n").map(String.init))
        #expect(lines == ["MESOS_SANDBOX=\(root.path)", "ONLY=this"])
    }

    @Test func outputFilesAreAppendedAcrossRuns() async throws {
        let root = try TemporaryDirectory()
        defer { root.remove() }
        for word in ["first", "second"] {
            let handle = try launcher.launch(spec(.shell("echo \(word)"), in: root.path))
            _ = await launcher.waitForExit(handle)
        }
        #expect(contents(of: root.path + "/stdout") == "first\nsecond\n")
    }

    @Test func stdinIsDevNullAndNoOtherDescriptorLeaks() async throws {
        let root = try TemporaryDirectory()
        defer { root.remove() }
        // A descriptor the test opens without O_CLOEXEC must still not reach the child.
        let leaked = open("/dev/null", O_RDONLY)
        defer { close(leaked) }
        try #require(leaked > 3)
        let handle = try launcher.launch(
            spec(.shell("cat; echo stdin-done; ls /proc/self/fd >&2"), in: root.path))

        #expect(await launcher.waitForExit(handle) == .exited(0))
        #expect(contents(of: root.path + "/stdout") == "stdin-done\n")
        // 0-2 are stdio and 3 is the directory `ls` itself opened.
        let descriptors = Set(contents(of: root.path + "/stderr").split(separator: "\n").map(String.init))
        #expect(descriptors == ["0", "1", "2", "3"])
    }

    @Test func ignoredSignalsAreNotInherited() async throws {
        let root = try TemporaryDirectory()
        defer { root.remove() }
        // Servers ignore SIGPIPE; a task must still start with default dispositions.
        signal(SIGPIPE, SIG_IGN)
        let handle = try launcher.launch(spec(.shell("grep -E '^Sig(Ign|Blk)' /proc/self/status"), in: root.path))

        #expect(await launcher.waitForExit(handle) == .exited(0))
        let output = contents(of: root.path + "/stdout")
        #expect(output.contains("SigIgn:\t0000000000000000"))
        #expect(output.contains("SigBlk:\t0000000000000000"))
    }

    @Test func nonZeroExitCodeIsReported() async throws {
        let root = try TemporaryDirectory()
        defer { root.remove() }
        let handle = try launcher.launch(spec(.shell("exit 3"), in: root.path))

        let status = await launcher.waitForExit(handle)
        #expect(status == .exited(3))
        #expect(status.mesosMessage == "Command exited with status 3")
        // A second waiter after the fact gets the same answer, and the group is gone.
        #expect(await launcher.waitForExit(handle) == .exited(3))
        #expect(!launcher.isGroupAlive(handle))
        #expect(!launcher.signalGroup(handle, 0))
    }

    @Test func deathBySignalIsReported() async throws {
        let root = try TemporaryDirectory()
        defer { root.remove() }
        let handle = try launcher.launch(spec(.shell("kill -KILL $$"), in: root.path))

        let status = await launcher.waitForExit(handle)
        #expect(status == .signaled(SIGKILL))
        #expect(status.mesosMessage == "Command terminated with signal Killed")
    }

    @Test func childLeadsItsOwnSessionAndProcessGroup() async throws {
        let root = try TemporaryDirectory()
        defer { root.remove() }
        let handle = try launcher.launch(spec(.argv(executable: "sleep", arguments: ["sleep", "300"]), in: root.path))

        #expect(getsid(handle.pid) == handle.pid)
        #expect(getsid(handle.pid) != getsid(0))
        #expect(getpgid(handle.pid) == handle.pid)
        #expect(getpgid(handle.pid) != getpgid(0))
        #expect(await launcher.terminate(handle, gracePeriod: .seconds(30)) == .signaled(SIGTERM))
    }

    @Test func childKillingItsOwnGroupCannotReachTheLauncher() async throws {
        let root = try TemporaryDirectory()
        defer { root.remove() }
        // What a pymesos executor does on shutdown: os.killpg(0, SIGKILL).
        let handle = try launcher.launch(spec(.shell("kill -KILL 0"), in: root.path))

        #expect(await launcher.waitForExit(handle) == .signaled(SIGKILL))
    }

    @Test func terminateReturnsTheStatusOfATermHandler() async throws {
        let root = try TemporaryDirectory()
        defer { root.remove() }
        let script = "trap 'echo got-term; exit 7' TERM; echo ready; while :; do sleep 0.05; done"
        let handle = try launcher.launch(spec(.shell(script), in: root.path))
        try await waitUntil(root.path + "/stdout", contains: "ready")

        #expect(await launcher.terminate(handle, gracePeriod: .seconds(60)) == .exited(7))
        #expect(contents(of: root.path + "/stdout") == "ready\ngot-term\n")
    }

    @Test func terminateKillsAProcessThatIgnoresTermAfterTheGracePeriod() async throws {
        let root = try TemporaryDirectory()
        defer { root.remove() }
        let script = "trap '' TERM; echo ready; while :; do sleep 0.05; done"
        let handle = try launcher.launch(spec(.shell(script), in: root.path))
        try await waitUntil(root.path + "/stdout", contains: "ready")

        #expect(await launcher.terminate(handle, gracePeriod: .milliseconds(300)) == .signaled(SIGKILL))
        // The group's other members (the loop's `sleep`) die of the same SIGKILL, but an orphan lingers
        // until init reaps it: on a loaded machine that is not instantaneous.
        try await waitUntilGroupGone(handle)
    }

    @Test func terminateKillsBackgroundChildrenWhileTheLeaderRuns() async throws {
        let root = try TemporaryDirectory()
        defer { root.remove() }
        let handle = try launcher.launch(spec(.shell("sleep 300 & echo child=$!; echo ready; wait"), in: root.path))
        let output = try await waitUntil(root.path + "/stdout", contains: "ready")
        let child = try #require(childPID(in: output))
        #expect(ProcessTable.entry(pid: child)?.processGroup == handle.pid)

        #expect(await launcher.terminate(handle, gracePeriod: .seconds(60)) == .signaled(SIGTERM))
        #expect(!isLive(child))
    }

    @Test func terminateReachesTheGroupAfterItsLeaderExited() async throws {
        let root = try TemporaryDirectory()
        defer { root.remove() }
        let handle = try launcher.launch(spec(.shell("sleep 300 & echo child=$!; exit 0"), in: root.path))

        #expect(await launcher.waitForExit(handle) == .exited(0))
        let child = try #require(childPID(in: contents(of: root.path + "/stdout")))
        #expect(isLive(child))
        #expect(launcher.isGroupAlive(handle))

        #expect(await launcher.terminate(handle, gracePeriod: .seconds(60)) == .exited(0))
        try await waitUntilGone(child)
        try await waitUntilGroupGone(handle)
    }

    @Test func signalSessionReachesMembersThatLeftTheGroup() async throws {
        let root = try TemporaryDirectory()
        defer { root.remove() }
        // perl moves itself into a new process group but stays in the session.
        let script = "perl -e 'setpgrp(0, 0); sleep 300' & echo child=$!; echo ready; wait"
        let handle = try launcher.launch(spec(.shell(script), in: root.path))
        let output = try await waitUntil(root.path + "/stdout", contains: "ready")
        let child = try #require(childPID(in: output))
        try await waitUntilInOwnGroup(child)
        #expect(ProcessTable.entry(pid: child)?.session == handle.pid)

        #expect(launcher.signalSession(handle, SIGKILL) >= 2)
        #expect(await launcher.waitForExit(handle) == .signaled(SIGKILL))
        try await waitUntilGone(child)
    }

    @Test func missingExecutableIsAClearError() throws {
        let root = try TemporaryDirectory()
        defer { root.remove() }
        let byName = #expect(throws: LaunchError.self) {
            _ = try launcher.launch(self.spec(.argv(executable: "no-such-tool-xyz", arguments: []), in: root.path))
        }
        #expect(byName.map { if case .executableNotFound = $0 { true } else { false } } == true)
        #expect(byName?.description.contains("no-such-tool-xyz") == true)

        let byPath = #expect(throws: LaunchError.self) {
            _ = try launcher.launch(self.spec(.argv(executable: "/no/such/tool", arguments: []), in: root.path))
        }
        #expect(byPath.map { if case .executableNotFound = $0 { true } else { false } } == true)
        #expect(byPath?.description.contains("/no/such/tool") == true)
    }

    @Test func nonExecutableFileIsRefused() throws {
        let root = try TemporaryDirectory()
        defer { root.remove() }
        try root.write("script.sh", "echo hi\n", mode: 0o644)
        let error = #expect(throws: LaunchError.self) {
            _ = try launcher.launch(self.spec(.argv(executable: "./script.sh", arguments: []), in: root.path))
        }
        #expect(error.map { if case .executableNotRunnable = $0 { true } else { false } } == true)
    }

    @Test func executableIsLookedUpInTheChildsPath() async throws {
        let root = try TemporaryDirectory()
        defer { root.remove() }
        try root.write("bin/hello-tool", "#!/bin/sh\necho from-tool \"$@\"\n", mode: 0o755)
        let environment = ["PATH": root.path + "/bin:/usr/bin:/bin"]
        let handle = try launcher.launch(
            spec(
                .argv(executable: "hello-tool", arguments: ["hello-tool", "x"]), in: root.path + "/sb",
                environment: environment))

        #expect(await launcher.waitForExit(handle) == .exited(0))
        #expect(contents(of: root.path + "/sb/stdout") == "from-tool x\n")
    }

    @Test func fiftyConcurrentLaunchesAreAllReaped() async throws {
        let root = try TemporaryDirectory()
        defer { root.remove() }
        let launcher = self.launcher
        let environment = basicEnvironment
        let results = try await withThrowingTaskGroup(of: ConcurrentRun.self) { group in
            for index in 0..<50 {
                let sandbox = root.path + "/run-\(index)"
                var childEnvironment = environment
                childEnvironment["INDEX"] = String(index)
                let spec = LaunchSpec(
                    command: .shell("echo $INDEX; exit $((INDEX % 7))"), environment: childEnvironment,
                    workingDirectory: sandbox)
                group.addTask {
                    let handle = try launcher.launch(spec)
                    let status = await launcher.waitForExit(handle)
                    return ConcurrentRun(index: index, status: status, output: contents(of: sandbox + "/stdout"))
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results.count == 50)
        #expect(Set(results.map(\.index)) == Set(0..<50))
        for run in results {
            #expect(run.status == .exited(Int32(run.index % 7)))
            #expect(run.output == "\(run.index)\n")
        }
    }

    // MARK: - Helpers

    private struct ConcurrentRun: Sendable {
        var index: Int
        var status: Containerizer.ExitStatus
        var output: String
    }

    private func childPID(in output: String) -> Int32? {
        output.split(separator: "\n").first { $0.hasPrefix("child=") }.flatMap { Int32($0.dropFirst(6)) }
    }

    /// Alive and not a zombie (an orphan may linger as a zombie until init reaps it).
    private func isLive(_ pid: Int32) -> Bool {
        ProcessTable.entry(pid: pid)?.isLive ?? false
    }

    private func waitUntilGone(_ pid: Int32) async throws {
        for _ in 0..<3000 where isLive(pid) {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(!isLive(pid))
    }

    private func waitUntilGroupGone(_ handle: ProcessHandle) async throws {
        for _ in 0..<3000 where launcher.isGroupAlive(handle) {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(!launcher.isGroupAlive(handle))
    }

    private func waitUntilInOwnGroup(_ pid: Int32) async throws {
        for _ in 0..<3000 where ProcessTable.entry(pid: pid)?.processGroup != pid {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(ProcessTable.entry(pid: pid)?.processGroup == pid)
    }
}
