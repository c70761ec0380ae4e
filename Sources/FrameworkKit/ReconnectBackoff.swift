import MesosModel

/// Jittered exponential backoff for re-subscribing: attempt n waits a random time in
/// [base/2, base] where base = initial · 2ⁿ⁻¹, capped at `maximum` (Mesos recommends ≤ 15 s).
/// The jitter keeps many frameworks from stampeding a master that just came back.
public struct ReconnectBackoff: Sendable {
    public let initial: Duration
    public let maximum: Duration
    private var generator: SplitMix64

    public init(initial: Duration, maximum: Duration, seed: UInt64) {
        self.initial = max(initial, .zero)
        self.maximum = max(maximum, .zero)
        self.generator = SplitMix64(seed: seed)
    }

    /// The wait before attempt `attempt` (1 = first retry). Never more than `maximum`.
    public mutating func delay(attempt: Int) -> Duration {
        let exponent = Double(min(max(attempt - 1, 0), 30))
        let base = min(Self.seconds(maximum), Self.seconds(initial) * Double(1 << Int(exponent)))
        // 53 random bits → a uniform fraction in [0, 1).
        let fraction = Double(generator.next() >> 11) / Double(UInt64(1) << 53)
        return .seconds(base * (0.5 + 0.5 * fraction))
    }

    static func seconds(_ duration: Duration) -> Double {
        let parts = duration.components
        return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
    }
}
