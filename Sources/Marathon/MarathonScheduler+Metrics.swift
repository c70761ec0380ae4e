import Foundation
import MarathonCore
import MesosModel

/// `GET /metrics` (reference §1.9): a Dropwizard-style JSON snapshot — `counters`, `gauges`,
/// `histograms`, `meters`, `timers` — with names prefixed `marathon.` and suffixed by their type, and
/// `GET /metrics/prometheus`, the same gauges and counters in the Prometheus text format. Marathon
/// gives its metric names no stability guarantee; these are the ones a cluster operator watches.
extension MarathonScheduler {
    struct MetricsCounters: Sendable {
        var tasksLaunched = 0
        var tasksKilled = 0
        var tasksFailed = 0
        var deploymentsSucceeded = 0
        var deploymentsFailed = 0
        var unhealthyKills = 0
    }

    func metricsValues(now: Date) -> (gauges: [String: Double], counters: [String: Int]) {
        let live = Array(tasks.values)
        let gauges: [String: Double] = [
            "marathon.apps.active.gauge": Double(apps.count),
            "marathon.groups.active.gauge": Double(groupTree.allGroupIds.count - 1),  // without the root
            "marathon.deployments.active.gauge": Double(deployments.count),
            "marathon.instances.running.gauge": Double(live.filter(\.isRunning).count),
            "marathon.instances.staged.gauge": Double(live.filter(\.isStaged).count),
            "marathon.instances.launch-queue.gauge": Double(apps.keys.map { decision(for: $0).launch }.reduce(0, +)),
            "marathon.leadership.duration.gauge.seconds": now.timeIntervalSince(startedAt),
            "marathon.http.event-streams.active.gauge": Double(eventSubscribers.count),
        ]
        let counters: [String: Int] = [
            "marathon.tasks.launched.counter": metrics.tasksLaunched,
            "marathon.tasks.killed.counter": metrics.tasksKilled,
            "marathon.tasks.failed.counter": metrics.tasksFailed,
            "marathon.deployments.success.counter": metrics.deploymentsSucceeded,
            "marathon.deployments.failure.counter": metrics.deploymentsFailed,
            "marathon.health-checks.unhealthy-kills.counter": metrics.unhealthyKills,
        ]
        return (gauges, counters)
    }

    func metricsJSON() -> JSONValue {
        let (gauges, counters) = metricsValues(now: Date())
        return .object([
            "version": .string("4.0.0"),
            "gauges": .object(gauges.mapValues { .object(["value": .number($0)]) }),
            "counters": .object(counters.mapValues { .object(["count": .number(Double($0))]) }),
            "histograms": .object([:]), "meters": .object([:]), "timers": .object([:]),
        ])
    }

    func metricsPrometheus() -> String {
        let (gauges, counters) = metricsValues(now: Date())
        func name(_ dotted: String) -> String {
            String(dotted.map { $0.isLetter || $0.isNumber ? $0 : "_" })
        }
        var lines: [String] = []
        for key in gauges.keys.sorted() {
            lines += ["# TYPE \(name(key)) gauge", "\(name(key)) \(gauges[key]!)"]
        }
        for key in counters.keys.sorted() {
            lines += ["# TYPE \(name(key)) counter", "\(name(key)) \(counters[key]!)"]
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
