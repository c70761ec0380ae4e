import Foundation
import Testing

@testable import Containerizer

@Suite struct CgroupLayoutTests {
    static let hybrid = """
        31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
        32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
        33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
        35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
        40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
        41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
        """

    @Test func hybridHostUsesTheV1Hierarchies() throws {
        let mounts = CgroupLayout.parseMountinfo(Self.hybrid)
        #expect(mounts.count == 5)
        #expect(
            try CgroupLayout.decide(mounts: mounts)
                == .v1(cpu: "/sys/fs/cgroup/cpu", cpuacct: "/sys/fs/cgroup/cpuacct", memory: "/sys/fs/cgroup/memory"))
    }

    @Test func coMountedCpuAndCpuacctShareOneDirectory() throws {
        let text = """
            25 24 0:22 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid shared:9 - cgroup cgroup rw,cpu,cpuacct
            26 24 0:23 / /sys/fs/cgroup/memory rw,nosuid shared:10 - cgroup cgroup rw,memory
            """
        let layout = try CgroupLayout.decide(mounts: CgroupLayout.parseMountinfo(text))
        #expect(
            layout
                == .v1(
                    cpu: "/sys/fs/cgroup/cpu,cpuacct", cpuacct: "/sys/fs/cgroup/cpu,cpuacct",
                    memory: "/sys/fs/cgroup/memory"))
        #expect(CgroupIsolator(layout: layout).baseDirectories.count == 2)
    }

    @Test func pureV2HostUsesTheUnifiedHierarchy() throws {
        let text = """
            22 1 0:21 / /proc rw,nosuid - proc proc rw
            29 24 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate
            """
        #expect(try CgroupLayout.decide(mounts: CgroupLayout.parseMountinfo(text)) == .v2(root: "/sys/fs/cgroup"))
    }

    @Test func noCgroupMountsIsAnError() {
        #expect(throws: CgroupError.self) {
            try CgroupLayout.decide(mounts: CgroupLayout.parseMountinfo("22 1 0:21 / /proc rw - proc proc rw"))
        }
    }

    @Test func mountPointsWithEscapedSpacesAreDecoded() {
        let mounts = CgroupLayout.parseMountinfo(
            "41 31 0:38 / /tmp/my\\040cgroups rw,relatime shared:3 master:1 - cgroup2 none rw")
        #expect(mounts.map(\.mountPoint) == ["/tmp/my cgroups"])
    }

    /// This machine is hybrid (see the issue-3 notes): the isolator must pick v1.
    @Test func thisHostIsDetectedFromMountinfo() throws {
        guard case .v1(_, _, let memory) = try CgroupLayout.detect() else {
            Issue.record("expected the v1 controllers of this hybrid host")
            return
        }
        #expect(FileManager.default.fileExists(atPath: memory + "/memory.limit_in_bytes"))
    }

    @Test func sharesAndWeightFollowTheRequest() {
        #expect(ResourceLimits(cpus: 1, memoryMB: 64).cpuShares == 1024)
        #expect(ResourceLimits(cpus: 0.5, memoryMB: 64).cpuShares == 512)
        #expect(ResourceLimits(cpus: 0.001, memoryMB: 64).cpuShares == 2)
        #expect(ResourceLimits(cpus: 0.001, memoryMB: 64).cpuWeight == 1)
        #expect(ResourceLimits(cpus: 1, memoryMB: 64).cpuWeight == 39)
        #expect(ResourceLimits(cpus: 256, memoryMB: 64).cpuWeight == 10_000)
    }

    @Test func quotaComesFromTheLimitOrFromTheRequestWithCFS() {
        let plain = ResourceLimits(cpus: 0.25, memoryMB: 64)
        #expect(plain.cfsQuotaMicros(enableCFS: false) == nil)
        #expect(plain.cfsQuotaMicros(enableCFS: true) == 25_000)
        let limited = ResourceLimits(cpus: 0.25, memoryMB: 64, cpusLimit: 2)
        #expect(limited.cfsQuotaMicros(enableCFS: false) == 200_000)
        #expect(limited.cpuShares == 256)
        let unlimited = ResourceLimits(cpus: 0.25, memoryMB: 64, cpusLimit: .infinity)
        #expect(unlimited.cfsQuotaMicros(enableCFS: true) == nil)
        #expect(ResourceLimits(cpus: 0.0001, memoryMB: 64).cfsQuotaMicros(enableCFS: true) == 1_000)
    }

    @Test func memoryLimitComesFromTheLimitOrTheRequest() {
        #expect(ResourceLimits(cpus: 1, memoryMB: 64).memoryLimitBytes == 64 << 20)
        #expect(ResourceLimits(cpus: 1, memoryMB: 64, memoryLimitMB: 128).memoryLimitBytes == 128 << 20)
        #expect(ResourceLimits(cpus: 1, memoryMB: 64, memoryLimitMB: .infinity).memoryLimitBytes == nil)
        #expect(ResourceLimits(cpus: 1, memoryMB: 4).memoryLimitBytes == 32 << 20)
        #expect(ResourceLimits(cpus: 1, memoryMB: 64, memoryLimitMB: 128).memoryRequestBytes == 64 << 20)
    }

    @Test func limitationMessageUsesMesosWording() {
        let limitation = Limitation.memory(limitBytes: 64 << 20, maximumUsedBytes: (64 << 20) + 4096)
        #expect(limitation.message == "Memory limit exceeded: Requested: 64MB Maximum Used: 65540KB")
        #expect(limitation.reason == "REASON_CONTAINER_LIMITATION_MEMORY")
        #expect(Limitation.formatBytes(1000) == "1000B")
        #expect(CgroupIsolator.cpusLimit(cpuMax: "20000 100000\n") == 0.2)
        #expect(CgroupIsolator.cpusLimit(cpuMax: "max 100000\n") == nil)
    }

    @Test func containerIDsCannotEscapeTheBaseCgroup() throws {
        let isolator = CgroupIsolator(layout: .v2(root: "/nonexistent"))
        for bad in ["", "..", "a/b", "a'b", "x y"] {
            #expect(throws: CgroupError.invalidContainerID(bad)) { try isolator.cgroupDirectories(containerID: bad) }
        }
        #expect(try isolator.cgroupDirectories(containerID: "c-1.2_x") == ["/nonexistent/mesokube/c-1.2_x"])
    }
}
