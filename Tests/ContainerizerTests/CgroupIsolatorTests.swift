import Foundation
import Glibc
import Testing

@testable import Containerizer

/// Real cgroups of this host (v1 here; the same tests run against v2 on a pure v2 host).
/// Every test uses a base cgroup of its own and tears it down, even when it fails.
@Suite(.serialized, .timeLimit(.minutes(2))) struct CgroupIsolatorTests {
    static let python = "/usr/bin/python3"

    @Test func attachedProcessIsListedInEveryHierarchyAndDestroyKillsIt() async throws {
        try await withCgroupFixture { fixture in
            let id = CgroupFixture.newContainerID()
            try fixture.isolator.prepare(containerID: id, limits: ResourceLimits(cpus: 0.5, memoryMB: 64))
            let handle = try fixture.launcher.launch(
                LaunchSpec(
                    command: .argv(executable: "/bin/sleep", arguments: ["sleep", "60"]), environment: [:],
                    workingDirectory: fixture.sandbox.path))
            // If isolate fails the sleep is outside the cgroup, where teardown cannot reach it.
            defer { kill(handle.pid, SIGKILL) }
            try fixture.isolator.isolate(containerID: id, pid: handle.pid)
            for directory in try fixture.isolator.cgroupDirectories(containerID: id) {
                #expect(CgroupFiles.processes(in: directory) == [handle.pid])
            }
            try await fixture.isolator.destroy(containerID: id)
            #expect(await handle.waitForExit() == .signaled(SIGKILL))
            for directory in try fixture.isolator.cgroupDirectories(containerID: id) {
                #expect(!CgroupFiles.exists(directory))
            }
        }
    }

    @Test func attachingCommandStartsTheTaskInsideItsCgroups() async throws {
        try await withCgroupFixture { fixture in
            let id = CgroupFixture.newContainerID()
            try fixture.isolator.prepare(containerID: id, limits: ResourceLimits(cpus: 1, memoryMB: 64))
            let handle = try fixture.launchInside(id, ["/bin/cat", "/proc/self/cgroup"])
            #expect(await handle.waitForExit() == .exited(0))
            let membership = contents(of: fixture.sandbox.path + "/stdout")
            let expected = "/\(fixture.isolator.baseName)/\(id)"
            switch fixture.isolator.layout {
            case .v1:
                #expect(
                    membership.split(separator: "\n").contains { $0.contains(":memory:") && $0.hasSuffix(expected) })
                #expect(membership.split(separator: "\n").contains { $0.contains(":cpu") && $0.hasSuffix(expected) })
            case .v2:
                #expect(membership.split(separator: "\n").contains { $0.hasPrefix("0::") && $0.hasSuffix(expected) })
            }
        }
    }

    @Test func limitsAboveTheRequestAreWrittenAndUpdated() async throws {
        try await withCgroupFixture { fixture in
            let id = CgroupFixture.newContainerID()
            let isolator = fixture.isolator
            try isolator.prepare(
                containerID: id, limits: ResourceLimits(cpus: 0.5, memoryMB: 64, cpusLimit: 2, memoryLimitMB: 128))
            var usage = try isolator.usage(containerID: id)
            #expect(usage.cpusLimit == 2)
            #expect(usage.memoryLimitBytes == 128 << 20)
            if case .v1 = isolator.layout {
                #expect(CgroupFiles.number(isolator.cgroup(id, for: "cpu") + "/cpu.shares") == 512)
                #expect(
                    CgroupFiles.number(isolator.cgroup(id, for: "memory") + "/memory.soft_limit_in_bytes") == 64 << 20)
            }

            try isolator.update(
                containerID: id,
                limits: ResourceLimits(cpus: 0.5, memoryMB: 64, cpusLimit: .infinity, memoryLimitMB: .infinity))
            usage = try isolator.usage(containerID: id)
            #expect(usage.cpusLimit == nil)
            #expect(usage.memoryLimitBytes == nil)
            #expect(usage.limitation == nil)

            let firstDirectory = try isolator.cgroupDirectories(containerID: id)[0]
            #expect(throws: CgroupError.alreadyExists(firstDirectory)) {
                try isolator.prepare(containerID: id, limits: ResourceLimits(cpus: 1, memoryMB: 64))
            }
            try await isolator.destroy(containerID: id)
        }
    }

    @Test func resizeRaisesTheHardMemoryLimitButNeverLowersIt() async throws {
        try await withCgroupFixture { fixture in
            let id = CgroupFixture.newContainerID()
            let isolator = fixture.isolator
            try isolator.prepare(containerID: id, limits: ResourceLimits(cpus: 0.5, memoryMB: 64))
            try isolator.resize(containerID: id, limits: ResourceLimits(cpus: 1.5, memoryMB: 192))
            #expect(try isolator.usage(containerID: id).memoryLimitBytes == 192 << 20)
            try isolator.resize(containerID: id, limits: ResourceLimits(cpus: 0.5, memoryMB: 96))
            #expect(try isolator.usage(containerID: id).memoryLimitBytes == 192 << 20, "shrinking keeps the ceiling")
            if case .v1 = isolator.layout {
                #expect(CgroupFiles.number(isolator.cgroup(id, for: "cpu") + "/cpu.shares") == 512)
                #expect(
                    CgroupFiles.number(isolator.cgroup(id, for: "memory") + "/memory.soft_limit_in_bytes") == 96 << 20)
            }
            try isolator.resize(
                containerID: id, limits: ResourceLimits(cpus: 0.5, memoryMB: 64, memoryLimitMB: .infinity))
            #expect(try isolator.usage(containerID: id).memoryLimitBytes == nil, "no limit asked: lifted")
            try isolator.resize(containerID: id, limits: ResourceLimits(cpus: 0.5, memoryMB: 64))
            #expect(try isolator.usage(containerID: id).memoryLimitBytes == nil, "unlimited stays unlimited")
            try await isolator.destroy(containerID: id)
        }
    }

    @Test func exceedingTheMemoryLimitIsReportedAsALimitation() async throws {
        try await withCgroupFixture { fixture in
            let id = CgroupFixture.newContainerID()
            let isolator = fixture.isolator
            try isolator.prepare(containerID: id, limits: ResourceLimits(cpus: 1, memoryMB: 32))
            let watcher = Task { await isolator.watchForLimitation(containerID: id) }
            // Writes every byte of 200 MB of anonymous memory, far above the 32 MB limit.
            let handle = try fixture.launchInside(id, [Self.python, "-c", "x = b'\\x01' * (200 * 1024 * 1024)"])
            let status = await handle.waitForExit()
            let limitation = await boundedResult(seconds: 20) { await watcher.value }
            #expect(status == .signaled(SIGKILL))
            #expect(limitation?.resource == .memory)
            #expect(limitation?.message.hasPrefix("Memory limit exceeded: Requested: 32MB Maximum Used: ") == true)
            #expect(try isolator.usage(containerID: id).oomKillCount >= 1)
            #expect(try isolator.oomKillCount(containerID: id) == isolator.usage(containerID: id).oomKillCount)
            try await isolator.destroy(containerID: id)
        }
    }

    @Test func watchingStopsWhenTheContainerIsDestroyed() async throws {
        try await withCgroupFixture { fixture in
            let id = CgroupFixture.newContainerID()
            try fixture.isolator.prepare(containerID: id, limits: ResourceLimits(cpus: 1, memoryMB: 64))
            let isolator = fixture.isolator
            let watcher = Task { await isolator.watchForLimitation(containerID: id) }
            try await isolator.destroy(containerID: id)
            #expect(await boundedResult(seconds: 20) { await watcher.value } == nil)
        }
    }

    @Test func cfsQuotaCapsTheCPUABusyLoopGets() async throws {
        try await withCgroupFixture(enableCFS: true) { fixture in
            let id = CgroupFixture.newContainerID()
            try fixture.isolator.prepare(containerID: id, limits: ResourceLimits(cpus: 0.2, memoryMB: 128))
            // ~1.5 s of wall time spinning; 0.2 cpu allows at most ~0.3 s of cpu time in it.
            let spin = "import time\nend = time.monotonic() + 1.5\nwhile time.monotonic() < end: pass"
            let handle = try fixture.launchInside(id, [Self.python, "-c", spin])
            #expect(await handle.waitForExit() == .exited(0))
            let usage = try fixture.isolator.usage(containerID: id)
            let cpuSeconds = usage.cpuUserSeconds + usage.cpuSystemSeconds
            #expect(usage.cpusLimit == 0.2)
            #expect(cpuSeconds > 0.05)
            #expect(cpuSeconds < 0.5)
            try await fixture.isolator.destroy(containerID: id)
        }
    }

    @Test func usageReportsMemoryAndCPUOfTheTask() async throws {
        try await withCgroupFixture { fixture in
            let id = CgroupFixture.newContainerID()
            try fixture.isolator.prepare(containerID: id, limits: ResourceLimits(cpus: 1, memoryMB: 256))
            let script =
                "import sys, time\nx = b'\\x01' * (64 * 1024 * 1024)\nprint('ready', flush=True)\ntime.sleep(60)"
            let handle = try fixture.launchInside(id, [Self.python, "-c", script])
            do {
                try await waitUntil(fixture.sandbox.path + "/stdout", contains: "ready")
                let usage = try fixture.isolator.usage(containerID: id)
                #expect(usage.memoryRSSBytes >= 60 << 20)
                #expect(usage.memoryRSSBytes < 256 << 20)
                #expect((usage.memoryTotalBytes ?? 0) >= usage.memoryRSSBytes)
                #expect(usage.memoryLimitBytes == 256 << 20)
                #expect(usage.cpuUserSeconds + usage.cpuSystemSeconds > 0)
                #expect(usage.cpusLimit == nil)
                #expect(usage.oomKillCount == 0)
                #expect(usage.limitation == nil)
            } catch {
                Issue.record(error)
            }
            try await fixture.isolator.destroy(containerID: id)
            #expect(await handle.waitForExit() == .signaled(SIGKILL))
        }
    }

    @Test func destroyKillsTheWholeTreeIncludingTermIgnorersAndGrandchildren() async throws {
        try await withCgroupFixture { fixture in
            let id = CgroupFixture.newContainerID()
            try fixture.isolator.prepare(containerID: id, limits: ResourceLimits(cpus: 1, memoryMB: 64))
            // A TERM-ignoring shell, a subshell that forks a grandchild and then setsid-escapes its
            // process group; none of this escapes the cgroup.
            let tree = "trap '' TERM; (trap '' TERM; sleep 300 & setsid sleep 300 & wait) & sleep 300 & wait"
            let handle = try fixture.launchInside(id, ["/bin/sh", "-c", tree])
            var members: Set<Int32> = []
            do {
                try await eventually("five processes in the cgroup") {
                    members = try processesInCgroups(fixture.isolator, id)
                    return members.count >= 5
                }
                try await fixture.isolator.destroy(containerID: id)
            } catch {
                Issue.record(error)
            }
            // The leader ends either by destroy's SIGKILL or, when the sweep killed all its
            // children first, by its argument-less `wait` returning 0 in the instant before its
            // own SIGKILL. What matters is below: every member is gone and so are the cgroups.
            let status = await handle.waitForExit()
            #expect(killedByDestroy(status) || status == .exited(0), "leader ended with \(status)")
            try await eventually("all members gone") { !members.contains(where: isRunning) }
            for directory in try fixture.isolator.cgroupDirectories(containerID: id) {
                #expect(!CgroupFiles.exists(directory))
            }
        }
    }

    @Test func nestedCgroupsInsideAContainerAreRemovedToo() async throws {
        try await withCgroupFixture { fixture in
            let id = CgroupFixture.newContainerID()
            try fixture.isolator.prepare(containerID: id, limits: ResourceLimits(cpus: 1, memoryMB: 64))
            let directory = try fixture.isolator.cgroupDirectories(containerID: id)[0]
            try CgroupFiles.makeDirectory(directory + "/nested")
            try CgroupFiles.makeDirectory(directory + "/nested/deeper")
            try await fixture.isolator.destroy(containerID: id)
            #expect(!CgroupFiles.exists(directory))
            try await fixture.isolator.destroy(containerID: id)  // idempotent
        }
    }

    @Test func twentyContainersLeaveNothingBehind() async throws {
        try await withCgroupFixture { fixture in
            var handles: [ProcessHandle] = []
            for _ in 0..<20 {
                let id = CgroupFixture.newContainerID()
                try fixture.isolator.prepare(containerID: id, limits: ResourceLimits(cpus: 0.1, memoryMB: 32))
                handles.append(try fixture.launchInside(id, ["/bin/sh", "-c", "sleep 300 & sleep 300"]))
            }
            let bases = fixture.isolator.baseDirectories
            for base in bases {
                #expect(CgroupFiles.childDirectories(of: base).count == 20)
            }
            for container in CgroupFiles.childDirectories(of: bases[0]) {
                try await fixture.isolator.destroy(containerID: (container as NSString).lastPathComponent)
            }
            for base in fixture.isolator.baseDirectories {
                #expect(CgroupFiles.childDirectories(of: base).isEmpty)
            }
            for handle in handles {
                #expect(killedByDestroy(await handle.waitForExit()))
            }
        }
    }
}
