import Foundation
import Simulation
import TestSupport
import Testing

/// Seeds to run: `MESOKUBE_SIM_SEED=<n>` replays one seed, `MESOKUBE_SIM_RUNS=<n>` changes
/// how many seeds the sweep covers (default 200). `MESOKUBE_SIM_TRACE=<file>` writes the
/// full trace of the replayed seed to that file. `MESOKUBE_SIM_SOAK=<n>` also runs n long
/// seeds (`SimulationConfig.soak`), which the default test run skips.
enum SimulationSeeds {
    static let shardCount = 4

    static var environment: [String: String] { ProcessInfo.processInfo.environment }

    static var replaySeed: UInt64? { environment["MESOKUBE_SIM_SEED"].flatMap { UInt64($0) } }

    static var soakRuns: UInt64? { environment["MESOKUBE_SIM_SOAK"].flatMap { UInt64($0) } }

    static var all: [UInt64] {
        if let seed = replaySeed { return [seed] }
        let runs = environment["MESOKUBE_SIM_RUNS"].flatMap { Int($0) } ?? 200
        return (1...max(runs, 1)).map { UInt64($0) }
    }

    static func shard(_ index: Int) -> [UInt64] {
        all.enumerated().filter { $0.offset % shardCount == index }.map(\.element)
    }

    static func run(_ seed: UInt64, soak: Bool = false) -> SimulationReport {
        var config = soak ? SimulationConfig.soak(seed: seed) : SimulationConfig(seed: seed)
        let traceFile = environment["MESOKUBE_SIM_TRACE"]
        config.keepFullTrace = traceFile != nil && replaySeed != nil
        let report = Simulator.run(config)
        if let traceFile, let lines = report.fullTrace {
            try? (lines.joined(separator: "\n") + "\n").write(toFile: traceFile, atomically: true, encoding: .utf8)
        }
        return report
    }
}

@Suite("Deterministic simulation")
struct SimulationSeedTests {
    /// The seed sweep, in shards so Swift Testing runs them side by side. A failing seed is
    /// printed with its violations and trace tail; replay it with MESOKUBE_SIM_SEED.
    @Test("Invariants hold for every seed", arguments: 0..<SimulationSeeds.shardCount)
    func seedSweep(shard: Int) async {
        // A soak seed is replayed by the soak test.
        if SimulationSeeds.replaySeed != nil && SimulationSeeds.soakRuns != nil { return }
        var total = SimulationStats()
        let reports = await runOffCooperativePool { SimulationSeeds.shard(shard).map { SimulationSeeds.run($0) } }
        for report in reports {
            total.add(report.stats)
            Self.record(report)
        }
        // The sweep must actually exercise the faults it claims to, or it proves nothing.
        if SimulationSeeds.replaySeed == nil && SimulationSeeds.shard(shard).count >= 25 {
            #expect(total.tasksLaunched > 0)
            #expect(total.masterCrashes > 0)
            #expect(total.agentDisconnects > 0)
            #expect(total.agentsRemovedByMaster > 0)
            #expect(total.frameworkDisconnects > 0)
            #expect(total.frameworkFailovers > 0)
            #expect(total.frameworksRemoved > 0)
            #expect(total.droppedAgentCalls > 0)
            #expect(total.duplicateUpdatesSeen > 0)
        }
    }

    /// Long runs, only on request: MESOKUBE_SIM_SOAK=<number of seeds>.
    @Test(
        "Invariants hold in long runs", .enabled(if: SimulationSeeds.soakRuns != nil), arguments: 0..<2)
    func soak(shard: Int) async {
        let runs = SimulationSeeds.soakRuns ?? 1
        let seeds =
            SimulationSeeds.replaySeed.map { shard == 0 ? [$0] : [] }
            ?? Array(stride(from: UInt64(1_000 + shard), to: 1_000 + max(runs, 1), by: 2))
        let reports = await runOffCooperativePool { seeds.map { SimulationSeeds.run($0, soak: true) } }
        for report in reports { Self.record(report) }
    }

    /// A failure is an issue, or a known issue when only known core bugs explain it.
    static func record(_ report: SimulationReport) {
        guard !report.passed else { return }
        if let bugs = KnownCoreBug.explanation(of: report) {
            // Kept short: the full description is one MESOKUBE_SIM_SEED replay away.
            withKnownIssue("seed \(report.seed) hits known core bug(s) \(bugs)", isIntermittent: true) {
                Issue.record(Comment(rawValue: report.violations.first?.description ?? ""))
            }
        } else {
            Issue.record(Comment(rawValue: report.failureDescription))
        }
    }

    @Test("The same seed gives the same trace")
    func sameSeedSameTrace() async {
        var config = SimulationConfig(seed: 7)
        config.keepFullTrace = true
        let (first, second) = await runOffCooperativePool { [config] in
            (Simulator.run(config), Simulator.run(config))
        }
        let firstLines = first.fullTrace ?? []
        let secondLines = second.fullTrace ?? []
        if let index = firstLines.indices.first(where: { $0 < secondLines.count && firstLines[$0] != secondLines[$0] })
        {
            Issue.record("traces diverge at line \(index): '\(firstLines[index])' vs '\(secondLines[index])'")
        }
        #expect(first.traceHash == second.traceHash)
        #expect(firstLines.count == secondLines.count)
        #expect(first.stats == second.stats)
        #expect(firstLines.count > 500, "the run should be long enough to mean something")
    }

    @Test("Different seeds give different traces")
    func differentSeedsDiffer() {
        #expect(
            Simulator.run(SimulationConfig(seed: 11)).traceHash != Simulator.run(SimulationConfig(seed: 12)).traceHash)
    }

    @Test("A run without faults keeps every invariant and finishes its tasks")
    func faultFreeRun() {
        var config = SimulationConfig(seed: 3)
        config.faults = .none
        let report = Simulator.run(config)
        #expect(report.passed, Comment(rawValue: report.failureDescription))
        #expect(report.stats.tasksLaunched > 10)
        #expect(report.stats.tasksFinishedTerminal > 10)
        #expect(report.stats.masterCrashes == 0)
        #expect(report.stats.droppedAgentCalls == 0)
    }
}

extension SimulationStats {
    mutating func add(_ other: SimulationStats) {
        events += other.events
        tasksLaunched += other.tasksLaunched
        tasksFinishedTerminal += other.tasksFinishedTerminal
        statusUpdatesAcked += other.statusUpdatesAcked
        duplicateUpdatesSeen += other.duplicateUpdatesSeen
        masterCrashes += other.masterCrashes
        agentDisconnects += other.agentDisconnects
        agentsRemovedByMaster += other.agentsRemovedByMaster
        frameworkDisconnects += other.frameworkDisconnects
        frameworkFailovers += other.frameworkFailovers
        frameworksRemoved += other.frameworksRemoved
        droppedAgentCalls += other.droppedAgentCalls
        offersReceived += other.offersReceived
    }
}
