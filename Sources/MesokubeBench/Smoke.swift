import Foundation

/// `mesokube-bench smoke`: every benchmark once at a small size, so that the test command keeps the
/// harness working (a benchmark that cannot run fails it). The figures are printed but mean little:
/// the sizes are too small and the test command runs a debug build.
enum Smoke {
    static func run(json: Bool) async throws {
        let clock = ContinuousClock()
        let began = clock.now
        section("allocator")
        let allocator = DeclineOffersBenchmark.run(.init(agents: 500, frameworks: 10, rounds: 2, seed: 1))
        if json { print(allocator.jsonLine) }
        section("kube-api")
        try await KubeAPIBenchmark.run(.init(objects: 100, clients: 4, watchers: 5, updates: 20, json: json))
        section("discovery")
        try await DiscoveryBenchmark.run(.init(services: 20, endpoints: 3, tasks: 100, queries: 1_000, json: json))
        section("failover")
        try await FailoverBenchmark.run(.init(rounds: 1, ttl: 2, json: json))
        var figures: [BenchFigure] = []
        section("restart")
        figures += try await MasterRestartBenchmark.run(.init(agents: 20, tasksPerAgent: 3))
        section("restart, leader change")
        figures += try await MasterRestartBenchmark.run(
            .init(agents: 20, tasksPerAgent: 3, leaderChange: .init(signal: SIGTERM, ttl: 2)))
        section("marathon")
        figures += try await MarathonBenchmark.run(.init(agents: 5, instances: 20))
        section("pod-scheduling")
        figures += try await PodSchedulingBenchmark.run(.init(agents: 10, pods: 50, clients: 4))
        section("pod-startup")
        figures += try await PodStartupBenchmark.run(.init(pods: 3))
        section("scale")
        figures += try ScaleBenchmark.run(.init(agents: 500, tasks: 5_000, cycles: 2))
        section("idle")
        figures += try await IdleBenchmark.run(.init(seconds: 3, settle: 1))
        section("figures (smoke sizes, not comparable with the targets)")
        BenchReport.emit(figures, json: json)
        print("\nsmoke run complete in \(String(format: "%.1f", began.duration(to: clock.now).seconds)) s")
    }

    static func section(_ name: String) {
        print("\n== \(name) ==")
    }
}
