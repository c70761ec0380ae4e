import Allocation
import MesosModel

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Mesos' `HierarchicalAllocator_BENCHMARK_Test.DeclineOffers`: every agent already runs a task
/// of one framework (round robin), and every framework declines every offer with a long refuse
/// filter, so each round must look past more and more filters to find a taker.
enum DeclineOffersBenchmark {
    struct Settings {
        var agents: Int
        var frameworks: Int
        var rounds: Int
        var seed: UInt64
    }

    struct Round {
        var index: Int
        var allocateSeconds: Double
        var declineSeconds: Double
        var offers: Int
        var filtersBefore: Int
    }

    struct Report {
        var settings: Settings
        var setupSeconds: Double
        var rounds: [Round]

        var jsonLine: String {
            let rounds = rounds.map { round in
                "{\"round\":\(round.index),\"allocate_seconds\":\(round.allocateSeconds),"
                    + "\"decline_seconds\":\(round.declineSeconds),\"offers\":\(round.offers),"
                    + "\"filters\":\(round.filtersBefore)}"
            }
            return "{\"benchmark\":\"allocator.decline_offers\",\"agents\":\(settings.agents),"
                + "\"frameworks\":\(settings.frameworks),\"seed\":\(settings.seed),"
                + "\"setup_seconds\":\(setupSeconds),\"rounds\":[\(rounds.joined(separator: ","))]}"
        }
    }

    /// Agent shape of the Mesos benchmark.
    static let agentResources = "cpus:24;mem:4096;disk:4096;ports:[31000-32000]"
    /// What each agent already runs; the ports are fragmented so range arithmetic is exercised.
    static let usedScalars = "cpus:16;mem:2014;disk:1024"
    /// Long enough never to expire during the run (capped at 365 days by the allocator).
    static let refuseSeconds = 365.0 * 24 * 3600

    static func run(_ settings: Settings) -> Report {
        let clock = ContinuousClock()
        let setupStart = clock.now
        var allocator = HierarchicalAllocator()
        let frameworkIDs = (0..<settings.frameworks).map { FrameworkID("framework-\($0)") }
        for id in frameworkIDs {
            allocator.addFramework(id, roles: ["*"], suppressedRoles: [], active: true, used: [:])
        }
        let total = try! Resources.parse(agentResources)
        let used = (try! Resources.parse(usedScalars) + Resources([.ranges("ports", fragmentedPorts())]))
            .allocated(to: "*")
        for index in 0..<settings.agents {
            let owner = frameworkIDs[index % frameworkIDs.count]
            allocator.addAgent(AgentID("agent-\(index)"), total: total, used: [owner: used])
        }
        let setupSeconds = seconds(clock.now - setupStart)
        print(
            "Added \(settings.frameworks) frameworks and \(settings.agents) agents "
                + "(\(agentResources)) in \(format(setupSeconds))")

        var generator = SplitMix64(seed: settings.seed)
        var rounds: [Round] = []
        var now = 0.0
        var declined = 0
        for index in 0..<settings.rounds {
            let allocateStart = clock.now
            let offers = allocator.allocate(now: now, using: &generator)
            let allocateSeconds = seconds(clock.now - allocateStart)
            let declineStart = clock.now
            for offer in offers {
                allocator.recoverResources(
                    framework: offer.framework, agent: offer.agent, resources: offer.resources,
                    refuseSeconds: refuseSeconds, now: now)
            }
            let declineSeconds = seconds(clock.now - declineStart)
            print(
                "round \(index) allocate() took \(format(allocateSeconds)) to make \(offers.count) offers "
                    + "after filtering \(declined) offers (declining took \(format(declineSeconds)))")
            rounds.append(
                Round(
                    index: index, allocateSeconds: allocateSeconds, declineSeconds: declineSeconds,
                    offers: offers.count, filtersBefore: declined))
            declined += offers.count
            now += allocator.config.allocationInterval
        }
        return Report(settings: settings, setupSeconds: setupSeconds, rounds: rounds)
    }

    /// Every size of the grid; each figure is the mean `allocate()` time over the rounds (round 0
    /// checks no filters, later rounds check more and more).
    static func matrix(rounds: Int, seed: UInt64) -> [BenchFigure] {
        var figures: [BenchFigure] = []
        for agents in [1_000, 10_000, 50_000] {
            for frameworks in [1, 100, 1_000] {
                let report = run(.init(agents: agents, frameworks: frameworks, rounds: rounds, seed: seed))
                let times = report.rounds.map(\.allocateSeconds)
                var details = ["agents": Double(agents), "frameworks": Double(frameworks)]
                for round in report.rounds { details["round\(round.index)_ms"] = round.allocateSeconds * 1000 }
                let headline = agents == 10_000 && frameworks == 1_000
                figures.append(
                    BenchFigure(
                        name: "allocator.decline_offers",
                        measure:
                            "Allocator cycle, \(agents) agents × \(frameworks) frameworks (mean of \(rounds) rounds)",
                        value: times.reduce(0, +) / Double(max(times.count, 1)) * 1000, unit: "ms",
                        target: headline ? "≤ 50 ms" : "",
                        anchor: headline ? "Mesos 1.8 ≈1.1 s" : "", details: details))
            }
        }
        return figures
    }

    /// 16 fragments of [31000-32000] in use: 15 single ports two apart, then the rest.
    static func fragmentedPorts() -> [ClosedRange<UInt64>] {
        var ranges: [ClosedRange<UInt64>] = []
        for index in 0..<UInt64(15) {
            let port: UInt64 = 31000 + 2 * index
            ranges.append(port...port)
        }
        ranges.append(31030...32000)
        return ranges
    }

    static func seconds(_ duration: Duration) -> Double {
        let parts = duration.components
        return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
    }

    static func format(_ seconds: Double) -> String {
        if seconds >= 1 { return "\((seconds * 1000).rounded() / 1000)s" }
        return "\((seconds * 1_000_000).rounded() / 1000)ms"
    }
}
