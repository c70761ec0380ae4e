import KubeTypes
import Testing

@testable import KubeletCore

/// CPU rates from cumulative counters and the Summary API document built from readings.
@Suite struct StatsSummaryTests {
    static let second: Int64 = 1_000_000_000
    static let start: Int64 = 1_700_000_000 * second

    @Test func aRateNeedsTwoReadingsAWindowApart() {
        var rates = CPUUsageRates(windowNanoseconds: 10 * Self.second)
        #expect(rates.observe("c", cpuNanoseconds: 0, now: Self.start) == nil)
        // 5 s later: not a window yet, still no rate.
        #expect(rates.observe("c", cpuNanoseconds: 2 * Self.second.magnitude, now: Self.start + 5 * Self.second) == nil)
        // 10 s after the first: 5 s of CPU in 10 s is half a core.
        #expect(
            rates.observe("c", cpuNanoseconds: 5 * Self.second.magnitude, now: Self.start + 10 * Self.second)
                == 500_000_000)
        // A reading soon after reuses the rate rather than measuring over 1 s.
        #expect(
            rates.observe("c", cpuNanoseconds: 6 * Self.second.magnitude, now: Self.start + 11 * Self.second)
                == 500_000_000)
        // The next window: 1 core-second more over 10 s (from the reading at 10 s).
        #expect(
            rates.observe("c", cpuNanoseconds: 6 * Self.second.magnitude, now: Self.start + 20 * Self.second)
                == 100_000_000)
    }

    @Test func aCounterGoingBackwardsStartsOver() {
        var rates = CPUUsageRates(windowNanoseconds: Self.second)
        _ = rates.observe("c", cpuNanoseconds: 10 * Self.second.magnitude, now: Self.start)
        #expect(rates.observe("c", cpuNanoseconds: 1, now: Self.start + 2 * Self.second) == nil)
        #expect(
            rates.observe("c", cpuNanoseconds: 1 + Self.second.magnitude, now: Self.start + 4 * Self.second)
                == 500_000_000)
    }

    @Test func theWorkingSetLeavesOutInactiveFilePages() {
        #expect(UsageReading.workingSet(usage: 100, inactiveFile: 30) == 70)
        #expect(UsageReading.workingSet(usage: 10, inactiveFile: 30) == 0)
    }

    @Test func theSummaryHasUpstreamsShape() {
        var rates = CPUUsageRates(windowNanoseconds: 10 * Self.second)
        let node = UsageReading(cpuNanoseconds: 0, memoryUsageBytes: 4096, workingSetBytes: 2048)
        func pod(cpu: UInt64) -> PodUsageReading {
            PodUsageReading(
                name: "web", namespace: "default", uid: "u1",
                containers: [
                    ContainerUsageReading(
                        name: "app", key: "rt-1",
                        reading: UsageReading(cpuNanoseconds: cpu, memoryUsageBytes: 2048, workingSetBytes: 1024))
                ])
        }
        let first = StatsSummary.build(
            nodeName: "n1", node: node, pods: [pod(cpu: 0)], rates: &rates, now: Self.start)
        #expect(first[path: ["node", "nodeName"]] == "n1")
        #expect(first[path: ["node", "memory", "workingSetBytes"]] == 2048)
        let firstPod = first["pods"]?.arrayValue?.first
        #expect(firstPod?[path: ["podRef", "uid"]] == "u1")
        #expect(firstPod?["containers"]?.arrayValue?.first?[path: ["cpu", "usageNanoCores"]] == nil)
        let second = StatsSummary.build(
            nodeName: "n1", node: node, pods: [pod(cpu: 2 * Self.second.magnitude)], rates: &rates,
            now: Self.start + 10 * Self.second)
        let container = second["pods"]?.arrayValue?.first?["containers"]?.arrayValue?.first
        #expect(container?["name"] == "app")
        #expect(container?[path: ["cpu", "usageNanoCores"]] == 200_000_000)
        #expect(container?[path: ["cpu", "usageCoreNanoSeconds"]] == 2_000_000_000)
        #expect(container?[path: ["memory", "workingSetBytes"]] == 1024)
        #expect(container?[path: ["cpu", "time"]] == .string(Timestamp.format(1_700_000_010)))
        #expect(second["pods"]?.arrayValue?.first?[path: ["cpu", "usageNanoCores"]] == 200_000_000)
        // A container that is gone is forgotten.
        _ = StatsSummary.build(nodeName: "n1", node: node, pods: [], rates: &rates, now: Self.start + 20 * Self.second)
        #expect(rates.keys == [StatsSummary.nodeKey])
    }
}
