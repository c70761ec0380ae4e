/// Why a quantity string was rejected, with upstream's messages.
public struct QuantityError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }

    public static let formatWrong = QuantityError(
        "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'")
    public static let numeric = QuantityError("unable to parse numeric part of quantity")
    public static let suffix = QuantityError("unable to parse quantity's suffix")
}

/// `resource.Quantity`: an exact decimal number with the notation it was written in (`500m`, `1Gi`,
/// `1e3`). The value is `mantissa × 10^exponent`, kept normalised (no trailing zeros in the mantissa),
/// and rounded up to a multiple of 10⁻⁹ on parse as upstream does, so no floating point is involved.
/// Equality and ordering compare values only: `1Gi == 1073741824`.
public struct Quantity: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The notation the canonical form uses, chosen by the suffix the quantity was written with.
    public enum Format: String, Sendable, Hashable {
        /// `1k`, `500m`: powers of 1000.
        case decimalSI = "DecimalSI"
        /// `1Ki`, `1Gi`: powers of 1024.
        case binarySI = "BinarySI"
        /// `1e3`: powers of ten written as an exponent.
        case decimalExponent = "DecimalExponent"
    }

    public private(set) var mantissa: Int128
    public private(set) var exponent: Int
    public var format: Format

    /// Largest value upstream keeps for binary quantities (2⁶³ − 1); larger ones are capped.
    static let binaryCap = Int128(Int64.max)

    public init(mantissa: Int128, exponent: Int = 0, format: Format = .decimalSI) {
        (self.mantissa, self.exponent) = Self.normalized(mantissa, exponent)
        self.format = format
    }

    /// An integer quantity (`Quantity(3)` is `3`; `Quantity(1024, format: .binarySI)` is `1Ki`).
    public init(_ value: Int64, format: Format = .decimalSI) {
        self.init(mantissa: Int128(value), format: format)
    }

    /// A quantity of thousandths: `Quantity(milli: 500)` is `500m`.
    public init(milli: Int64) {
        self.init(mantissa: Int128(milli), exponent: -3)
    }

    public static let zero = Quantity(0)

    public var isZero: Bool { mantissa == 0 }

    /// -1, 0 or 1.
    public var sign: Int { mantissa == 0 ? 0 : (mantissa < 0 ? -1 : 1) }

    /// Value in thousandths (`500m` → 500, `1` → 1000), rounded away from zero and saturating.
    public var milliValue: Int64 { scaledValue(-3) }

    /// Whole value, rounded away from zero (`1500m` → 2) and saturating.
    public var value: Int64 { scaledValue(0) }

    /// The value in units of 10^`scale`, rounded away from zero, saturating at the Int64 bounds.
    public func scaledValue(_ scale: Int) -> Int64 {
        let shift = exponent - scale
        let magnitude: UInt128
        if shift >= 0 {
            guard let scaled = Self.timesPowerOfTen(mantissa.magnitude, shift) else { return saturated }
            magnitude = scaled
        } else if -shift > 38 {
            magnitude = mantissa == 0 ? 0 : 1
        } else {
            let divisor = Self.powerOfTen(-shift)
            let (quotient, remainder) = mantissa.magnitude.quotientAndRemainder(dividingBy: divisor)
            magnitude = remainder == 0 ? quotient : quotient + 1
        }
        guard magnitude <= UInt128(Int64.max) else { return saturated }
        return mantissa < 0 ? -Int64(magnitude) : Int64(magnitude)
    }

    private var saturated: Int64 { mantissa < 0 ? Int64.min : Int64.max }

    /// The value as a floating-point number, for display and ratios only.
    public var approximateDouble: Double {
        var result = Double(mantissa)
        if exponent >= 0 {
            for _ in 0..<min(exponent, 400) { result *= 10 }
        } else {
            for _ in 0..<min(-exponent, 400) { result /= 10 }
        }
        return result
    }

    public var description: String { canonical }

    // MARK: - Comparison and arithmetic

    public static func == (lhs: Quantity, rhs: Quantity) -> Bool {
        lhs.mantissa == rhs.mantissa && lhs.exponent == rhs.exponent
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(mantissa)
        hasher.combine(exponent)
    }

    public static func < (lhs: Quantity, rhs: Quantity) -> Bool {
        compare(lhs, rhs) < 0
    }

    /// -1, 0 or 1 as `lhs` is smaller than, equal to or larger than `rhs`.
    public static func compare(_ lhs: Quantity, _ rhs: Quantity) -> Int {
        if lhs.sign != rhs.sign { return lhs.sign < rhs.sign ? -1 : 1 }
        if lhs.sign == 0 { return 0 }
        let order = compareMagnitudes(lhs, rhs)
        return lhs.sign > 0 ? order : -order
    }

    private static func compareMagnitudes(_ lhs: Quantity, _ rhs: Quantity) -> Int {
        // Position of the leading digit decides unless both lead at the same place; then aligning the
        // two needs no more digits than the longer mantissa has, so it cannot overflow.
        let lhsLead = digitCount(lhs.mantissa.magnitude) + lhs.exponent
        let rhsLead = digitCount(rhs.mantissa.magnitude) + rhs.exponent
        if lhsLead != rhsLead { return lhsLead < rhsLead ? -1 : 1 }
        let low = min(lhs.exponent, rhs.exponent)
        let left = timesPowerOfTen(lhs.mantissa.magnitude, lhs.exponent - low) ?? UInt128.max
        let right = timesPowerOfTen(rhs.mantissa.magnitude, rhs.exponent - low) ?? UInt128.max
        return left == right ? 0 : (left < right ? -1 : 1)
    }

    /// The sum, in the notation of `lhs` (or of `rhs` when `lhs` is zero), as upstream's `Add` does.
    public static func + (lhs: Quantity, rhs: Quantity) -> Quantity {
        let format = lhs.isZero ? rhs.format : lhs.format
        if lhs.isZero { return Quantity(mantissa: rhs.mantissa, exponent: rhs.exponent, format: format) }
        if rhs.isZero { return lhs }
        let low = min(lhs.exponent, rhs.exponent)
        guard let left = scaledMantissa(lhs, to: low), let right = scaledMantissa(rhs, to: low) else {
            // Beyond 38 significant digits: keep the operand that dominates.
            return compareMagnitudes(lhs, rhs) >= 0
                ? lhs : Quantity(mantissa: rhs.mantissa, exponent: rhs.exponent, format: format)
        }
        let (sum, overflow) = left.addingReportingOverflow(right)
        let mantissa = overflow ? (left > 0 ? Int128.max : Int128.min) : sum
        return Quantity(mantissa: mantissa, exponent: low, format: format)
    }

    public static prefix func - (operand: Quantity) -> Quantity {
        Quantity(mantissa: -operand.mantissa, exponent: operand.exponent, format: operand.format)
    }

    public static func - (lhs: Quantity, rhs: Quantity) -> Quantity {
        lhs + -rhs
    }

    public static func += (lhs: inout Quantity, rhs: Quantity) { lhs = lhs + rhs }
    public static func -= (lhs: inout Quantity, rhs: Quantity) { lhs = lhs - rhs }

    private static func scaledMantissa(_ quantity: Quantity, to exponent: Int) -> Int128? {
        guard let magnitude = timesPowerOfTen(quantity.mantissa.magnitude, quantity.exponent - exponent),
            magnitude <= UInt128(Int128.max)
        else { return nil }
        return quantity.mantissa < 0 ? -Int128(magnitude) : Int128(magnitude)
    }

    // MARK: - JSON

    /// A quantity from its JSON form: a string, or a number as some clients send it (`cpu: 2`).
    public init(json: JSON) throws {
        switch json {
        case .string(let text): try self.init(parsing: text)
        case .int(let number): self.init(number)
        case .double(let number) where number.isFinite: try self.init(parsing: JSON.format(number))
        default: throw QuantityError.formatWrong
        }
    }

    /// The canonical string, as the API server stores and returns quantities.
    public var json: JSON { .string(canonical) }

    // MARK: - Number helpers

    static func normalized(_ mantissa: Int128, _ exponent: Int) -> (Int128, Int) {
        if mantissa == 0 { return (0, 0) }
        var mantissa = mantissa
        var exponent = exponent
        while mantissa % 10 == 0 {
            mantissa /= 10
            exponent += 1
        }
        return (mantissa, exponent)
    }

    static func powerOfTen(_ power: Int) -> UInt128 {
        var result: UInt128 = 1
        for _ in 0..<power { result *= 10 }
        return result
    }

    /// `value × 10^power`, nil on overflow.
    static func timesPowerOfTen(_ value: UInt128, _ power: Int) -> UInt128? {
        if value == 0 { return 0 }
        if power > 38 { return nil }
        let (product, overflow) = value.multipliedReportingOverflow(by: powerOfTen(power))
        return overflow ? nil : product
    }

    static func digitCount(_ value: UInt128) -> Int {
        var count = 1
        var rest = value / 10
        while rest > 0 {
            count += 1
            rest /= 10
        }
        return count
    }
}
