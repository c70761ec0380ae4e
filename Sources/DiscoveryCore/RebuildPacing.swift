/// When to rebuild something whose rebuild costs time in its size (the DNS table): at once while
/// rebuilds are cheap; once one takes longer than `threshold`, not before the time it took,
/// divided by `share`, has passed since the previous one started — so rebuilds take at most that
/// share of the time however often the input changes. Times are seconds on any one clock.
public struct RebuildPacing: Sendable, Equatable {
    public let threshold: Double
    public let share: Double
    public private(set) var lastDuration = 0.0
    public private(set) var lastEnd = -Double.infinity

    public init(threshold: Double = 0.005, share: Double = 0.1) {
        precondition(share > 0 && share <= 1, "share is a fraction of the time")
        self.threshold = threshold
        self.share = share
    }

    /// Seconds to wait, from `now`, before the next rebuild may start (0: at once).
    public func delay(now: Double) -> Double {
        guard lastDuration > threshold else { return 0 }
        let earliest = lastEnd + lastDuration * (1 / share - 1)
        return max(0, earliest - now)
    }

    public mutating func built(start: Double, end: Double) {
        lastDuration = max(0, end - start)
        lastEnd = end
    }
}
