import MesosModel

/// Convenience draws on the simulation's single seeded generator.
extension SplitMix64 {
    /// Uniform in [0, 1).
    mutating func unit() -> Double { Double(next() >> 11) * 0x1p-53 }

    mutating func uniform(_ low: Double, _ high: Double) -> Double { low + (high - low) * unit() }

    mutating func chance(_ probability: Double) -> Bool { probability > 0 && unit() < probability }

    /// Exponential with the given mean (inter-arrival times of faults).
    mutating func exponential(mean: Double) -> Double {
        -mean * naturalLog(1 - unit())
    }

    mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &self) }

    mutating func pick<T>(_ items: [T]) -> T? {
        items.isEmpty ? nil : items[Int.random(in: 0..<items.count, using: &self)]
    }

    /// A child seed for a core, so cores and the simulation draw from independent streams.
    mutating func childSeed() -> UInt64 { next() }
}

/// ln(v) for v > 0 by range reduction to [0.5, 1) and an atanh series; precise to ~1e-15.
func naturalLog(_ value: Double) -> Double {
    precondition(value > 0)
    var mantissa = value
    var exponent = 0.0
    while mantissa >= 1 {
        mantissa /= 2
        exponent += 1
    }
    while mantissa < 0.5 {
        mantissa *= 2
        exponent -= 1
    }
    let y = (mantissa - 1) / (mantissa + 1)
    let y2 = y * y
    var term = y
    var sum = 0.0
    var n = 1.0
    while abs(term / n) > 1e-17 {
        sum += term / n
        term *= y2
        n += 2
    }
    return 2 * sum + exponent * 0.693_147_180_559_945_3
}
