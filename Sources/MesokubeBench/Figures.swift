import Foundation
import KubeTypes

/// Request latencies of one phase, summarised as percentiles because that is how the Kubernetes
/// scalability SLOs are stated (p99 over the run).
struct LatencySample: Sendable {
    private(set) var sorted: [Duration]

    init(_ latencies: [Duration]) {
        sorted = latencies.sorted()
    }

    var count: Int { sorted.count }

    /// Nearest-rank percentile (`p` in 0...100); zero for an empty sample.
    func percentile(_ p: Double) -> Duration {
        guard !sorted.isEmpty else { return .zero }
        let rank = Int((p / 100 * Double(sorted.count)).rounded(.up))
        return sorted[min(max(rank, 1), sorted.count) - 1]
    }
}

/// One figure line (and one JSON object) per phase of a benchmark.
struct PhaseFigure: Sendable {
    /// Stable identifier used in the JSON output (`kube_api.<name>`).
    var name: String
    /// What the human-readable line starts with.
    var label: String
    /// Requests (or events) the rate is computed over.
    var operations: Int
    /// Wall time of the whole phase, so concurrency shows up in the rate.
    var wall: Duration
    var latency: LatencySample?
    /// Phase-specific figures, appended to the line and the JSON object.
    var extra: [(key: String, value: JSON, text: String)] = []

    var rate: Double {
        let seconds = wall.seconds
        return seconds > 0 ? Double(operations) / seconds : 0
    }

    var line: String {
        var parts = [
            label + String(repeating: " ", count: max(1, 30 - label.count))
                + "\(operations) in \(Self.fixed(wall.seconds, 2)) s = \(Self.fixed(rate, 0))/s"
        ]
        if let latency {
            parts.append(
                "p50 \(Self.milliseconds(latency.percentile(50))) p90 \(Self.milliseconds(latency.percentile(90)))"
                    + " p99 \(Self.milliseconds(latency.percentile(99))) max \(Self.milliseconds(latency.percentile(100)))"
            )
        }
        parts += extra.map(\.text).filter { !$0.isEmpty }
        return parts.joined(separator: "; ")
    }

    func json(common: [String: JSON]) -> JSON {
        var object = JSON.object(common)
        object["benchmark"] = .string("kube_api." + name)
        object["operations"] = .int(Int64(operations))
        object["seconds"] = .double(Self.rounded(wall.seconds))
        object["per_second"] = .double(Self.rounded(rate))
        if let latency {
            for (key, p) in [("p50_ms", 50.0), ("p90_ms", 90), ("p99_ms", 99), ("max_ms", 100)] {
                object[key] = .double(Self.rounded(latency.percentile(p).milliseconds))
            }
        }
        for item in extra { object[item.key] = item.value }
        return object
    }

    static func fixed(_ value: Double, _ digits: Int) -> String {
        String(format: "%.\(digits)f", value)
    }

    static func milliseconds(_ duration: Duration) -> String {
        let value = duration.milliseconds
        return value < 10 ? "\(fixed(value, 2)) ms" : "\(fixed(value, 1)) ms"
    }

    /// Three decimals: finer digits are noise at these sample sizes.
    static func rounded(_ value: Double) -> Double {
        (value * 1000).rounded() / 1000
    }
}

extension Duration {
    var seconds: Double {
        let parts = components
        return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
    }

    var milliseconds: Double { seconds * 1000 }
}
