import Foundation
import Glibc
import Testing

@testable import Containerizer

/// The v2 code paths against the host's cgroup2 hierarchy: /sys/fs/cgroup/unified on this
/// hybrid host, where cpu and memory are bound to v1 and so cannot be enabled in v2 (limits,
/// memory.events and cpu.max are therefore not exercised here); /sys/fs/cgroup on a pure v2
/// host, where both controllers are used.
@Suite(.serialized, .timeLimit(.minutes(2))) struct CgroupV2Tests {
    /// The unified hierarchy's mount point from mountinfo.
    static func unifiedRoot() throws -> String {
        let mounts = CgroupLayout.parseMountinfo(try CgroupFiles.read("/proc/self/mountinfo"))
        guard let root = mounts.first(where: { $0.fileSystemType == "cgroup2" })?.mountPoint else {
            throw TimedOut(description: "no cgroup2 mount on this host")
        }
        return root
    }

    /// The controllers this host lets the v2 hierarchy use (none on a hybrid host).
    static func usableControllers(_ root: String) throws -> Set<CgroupIsolator.Controller> {
        let available = try CgroupFiles.read(root + "/cgroup.controllers").split(whereSeparator: \.isWhitespace)
        return Set(CgroupIsolator.Controller.allCases.filter { available.contains(Substring($0.rawValue)) })
    }

    @Test func containerCgroupHoldsItsProcessesAndDestroyKillsTheTree() async throws {
        let root = try Self.unifiedRoot()
        try await withCgroupFixture(layout: .v2(root: root), v2Controllers: try Self.usableControllers(root)) {
            fixture in
            let id = CgroupFixture.newContainerID()
            try fixture.isolator.prepare(containerID: id, limits: ResourceLimits(cpus: 1, memoryMB: 64))
            let directory = try fixture.isolator.cgroupDirectories(containerID: id)[0]
            #expect(directory == "\(root)/\(fixture.isolator.baseName)/\(id)")
            let tree = "trap '' TERM; (trap '' TERM; sleep 300 & setsid sleep 300 & wait) & sleep 300 & wait"
            let handle = try fixture.launchInside(id, ["/bin/sh", "-c", tree])
            var members: Set<Int32> = []
            try await eventually("five processes in the v2 cgroup") {
                members = Set(CgroupFiles.processes(in: directory))
                return members.count >= 5
            }
            #expect(members.contains(handle.pid))
            try await fixture.isolator.destroy(containerID: id)
            #expect(killedByDestroy(await handle.waitForExit()))
            try await eventually("all members gone") { !members.contains(where: isRunning) }
            #expect(!CgroupFiles.exists(directory))
        }
    }

    @Test func isolateMovesAProcessIntoTheV2Cgroup() async throws {
        let root = try Self.unifiedRoot()
        try await withCgroupFixture(layout: .v2(root: root), v2Controllers: try Self.usableControllers(root)) {
            fixture in
            let id = CgroupFixture.newContainerID()
            try fixture.isolator.prepare(containerID: id, limits: ResourceLimits(cpus: 1, memoryMB: 64))
            let handle = try fixture.launcher.launch(
                LaunchSpec(
                    command: .argv(executable: "/bin/sleep", arguments: ["sleep", "60"]), environment: [:],
                    workingDirectory: fixture.sandbox.path))
            defer { kill(handle.pid, SIGKILL) }
            try fixture.isolator.isolate(containerID: id, pid: handle.pid)
            let membership = contents(of: "/proc/\(handle.pid)/cgroup")
            #expect(membership.split(separator: "\n").contains { $0 == "0::/\(fixture.isolator.baseName)/\(id)" })
            try await fixture.isolator.destroy(containerID: id)
            #expect(await handle.waitForExit() == .signaled(SIGKILL))
        }
    }

    @Test func usageReadsCPUTimeFromCPUStat() async throws {
        let root = try Self.unifiedRoot()
        try await withCgroupFixture(layout: .v2(root: root), v2Controllers: try Self.usableControllers(root)) {
            fixture in
            let id = CgroupFixture.newContainerID()
            try fixture.isolator.prepare(containerID: id, limits: ResourceLimits(cpus: 1, memoryMB: 64))
            let spin = "import time\nend = time.process_time() + 0.3\nwhile time.process_time() < end: pass"
            let handle = try fixture.launchInside(id, ["/usr/bin/python3", "-c", spin])
            #expect(await handle.waitForExit() == .exited(0))
            let usage = try fixture.isolator.usage(containerID: id)
            #expect(usage.cpuUserSeconds + usage.cpuSystemSeconds >= 0.25)
            #expect(usage.oomKillCount == 0)
            #expect(usage.limitation == nil)
            try await fixture.isolator.destroy(containerID: id)
        }
    }

    @Test func controllersBoundToV1CannotBeRequestedInV2() async throws {
        let root = try Self.unifiedRoot()
        let usable = try Self.usableControllers(root)
        try await withCgroupFixture(layout: .v2(root: root), v2Controllers: [.cpu, .memory]) { fixture in
            let id = CgroupFixture.newContainerID()
            let limits = ResourceLimits(cpus: 0.5, memoryMB: 64, cpusLimit: 1)
            if usable.contains(.cpu), usable.contains(.memory) {
                // Pure v2 host: the limits land in cpu.max and memory.max.
                try fixture.isolator.prepare(containerID: id, limits: limits)
                let usage = try fixture.isolator.usage(containerID: id)
                #expect(usage.cpusLimit == 1)
                #expect(usage.memoryLimitBytes == 64 << 20)
                try await fixture.isolator.destroy(containerID: id)
            } else {
                let missing = CgroupIsolator.Controller.allCases.first { !usable.contains($0) }!.rawValue
                #expect(throws: CgroupError.controllerUnavailable(controller: missing, path: root)) {
                    try fixture.isolator.prepare(containerID: id, limits: limits)
                }
                #expect(!CgroupFiles.exists(root + "/\(fixture.isolator.baseName)/\(id)"))
            }
        }
    }

    @Test func twentyV2ContainersLeaveNothingBehind() async throws {
        let root = try Self.unifiedRoot()
        try await withCgroupFixture(layout: .v2(root: root), v2Controllers: try Self.usableControllers(root)) {
            fixture in
            var handles: [ProcessHandle] = []
            var ids: [String] = []
            for _ in 0..<20 {
                let id = CgroupFixture.newContainerID()
                try fixture.isolator.prepare(containerID: id, limits: ResourceLimits(cpus: 0.1, memoryMB: 32))
                handles.append(try fixture.launchInside(id, ["/bin/sh", "-c", "sleep 300 & sleep 300"]))
                ids.append(id)
            }
            let base = fixture.isolator.baseDirectories[0]
            #expect(CgroupFiles.childDirectories(of: base).count == 20)
            for id in ids { try await fixture.isolator.destroy(containerID: id) }
            #expect(CgroupFiles.childDirectories(of: base).isEmpty)
            for handle in handles {
                #expect(killedByDestroy(await handle.waitForExit()))
            }
        }
    }
}
