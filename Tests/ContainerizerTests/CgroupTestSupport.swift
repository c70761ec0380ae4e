import Foundation
import Glibc

@testable import Containerizer

/// An isolator over the host's real cgroups with a base cgroup of its own
/// (`mesokube-test-<uuid>`), so tests running in parallel never see each other's containers.
/// `tearDown()` destroys whatever the test left and removes the base cgroups.
struct CgroupFixture {
    let isolator: CgroupIsolator
    let sandbox: TemporaryDirectory
    let launcher = ProcessLauncher()

    init(
        layout: CgroupLayout? = nil, enableCFS: Bool = false, v2Controllers: Set<CgroupIsolator.Controller>? = nil
    )
        throws
    {
        let resolved = try layout ?? CgroupLayout.detect()
        isolator = CgroupIsolator(
            layout: resolved, baseName: "mesokube-test-\(UUID().uuidString.prefix(8))", enableCFS: enableCFS,
            v2Controllers: v2Controllers ?? [.cpu, .memory], pollInterval: .milliseconds(50))
        sandbox = try TemporaryDirectory("cgroup")
    }

    static func newContainerID() -> String { "c-" + UUID().uuidString.lowercased() }

    /// Launches `argv` so that it starts inside the container's cgroups (attachingCommand).
    func launchInside(_ containerID: String, _ argv: [String], output: String = "stdout") throws -> ProcessHandle {
        let command = try isolator.attachingCommand(containerID: containerID, argv: argv)
        return try launcher.launch(
            LaunchSpec(
                command: .argv(executable: command[0], arguments: command),
                environment: ["PATH": "/usr/local/bin:/usr/bin:/bin"], workingDirectory: sandbox.path,
                stdoutPath: output, stderrPath: output + ".err"))
    }

    /// Destroys every container left under the base cgroup, then the base cgroups themselves.
    func tearDown() async {
        for base in isolator.baseDirectories {
            for leftover in CgroupFiles.childDirectories(of: base) {
                try? await isolator.destroy(containerID: (leftover as NSString).lastPathComponent)
            }
            rmdir(base)
        }
        sandbox.remove()
    }
}

/// Processes listed in the container's cgroup.procs (all its hierarchies, nested cgroups too).
func processesInCgroups(_ isolator: CgroupIsolator, _ containerID: String) throws -> Set<Int32> {
    Set(
        try isolator.cgroupDirectories(containerID: containerID)
            .flatMap(CgroupFiles.subtreeDeepestFirst).flatMap(CgroupFiles.processes(in:)))
}

/// True while `pid` exists and is not a zombie.
func isRunning(_ pid: Int32) -> Bool {
    ProcessTable.entry(pid: pid)?.isLive ?? false
}

/// Polls `condition` every 20 ms; the bound only turns a hang into a failure.
func eventually(_ what: String, within seconds: Int = 30, _ condition: () throws -> Bool) async throws {
    for _ in 0..<(seconds * 50) {
        if try condition() { return }
        try await Task.sleep(for: .milliseconds(20))
    }
    throw TimedOut(description: "never: \(what)")
}

/// Awaits `operation`, cancelling it after `seconds` so a missed event fails instead of hangs.
func boundedResult<T: Sendable>(seconds: Int, _ operation: @escaping @Sendable () async -> T) async -> T {
    let task = Task { await operation() }
    let guardTask = Task {
        try await Task.sleep(for: .seconds(seconds))
        task.cancel()
    }
    defer { guardTask.cancel() }
    return await task.value
}

/// Runs `body` with a fresh fixture and always tears it down, also when `body` throws.
func withCgroupFixture(
    layout: CgroupLayout? = nil, enableCFS: Bool = false, v2Controllers: Set<CgroupIsolator.Controller>? = nil,
    _ body: (CgroupFixture) async throws -> Void
) async throws {
    let fixture = try CgroupFixture(layout: layout, enableCFS: enableCFS, v2Controllers: v2Controllers)
    do {
        try await body(fixture)
    } catch {
        await fixture.tearDown()
        throw error
    }
    await fixture.tearDown()
}

/// Whether a task's shell died from destroy's SIGKILL: killed itself, or (when a child it was
/// waiting for was killed first, in the same sweep) exited with the shell's 128+9.
func killedByDestroy(_ status: ExitStatus) -> Bool {
    status == .signaled(SIGKILL) || status == .exited(128 + SIGKILL)
}
