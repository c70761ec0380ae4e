/// Simulated time for tests of the pure cores: seconds since the epoch, moved only by hand.
public struct ManualClock: Sendable, Hashable {
    public private(set) var now: Double

    public init(now: Double = 1_700_000_000) { self.now = now }

    /// Moves time forward and returns the new time.
    @discardableResult
    public mutating func advance(by seconds: Double) -> Double {
        precondition(seconds >= 0, "time only moves forward")
        now += seconds
        return now
    }
}

/// A 64-bit FNV-1a hash, stable across processes (unlike `Hasher`), for comparing traces.
public struct StableHasher: Sendable, Hashable {
    public private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

    public init() {}

    public mutating func combine(_ text: String) {
        for byte in text.utf8 {
            value ^= UInt64(byte)
            value = value &* 0x0000_0100_0000_01b3
        }
        // A separator so that ["ab", "c"] and ["a", "bc"] differ.
        value ^= 0xff
        value = value &* 0x0000_0100_0000_01b3
    }
}
