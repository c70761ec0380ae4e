/// Parsing and canonical printing of quantities, following upstream's rules:
/// `<sign><digits>[.<digits>]<suffix>` where the suffix is a decimal SI prefix (`n u m k M G T P E`),
/// a binary one (`Ki Mi Gi Ti Pi Ei`) or a decimal exponent (`e3`, `E-2`).
extension Quantity {
    static let decimalSuffixes: [String: Int] = [
        "n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18,
    ]
    static let binarySuffixes: [String: Int] = ["Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60]

    /// The pieces of a quantity string before interpretation.
    struct Pieces {
        var negative = false
        /// Integer digits without leading zeros ("" for none).
        var whole = ""
        /// Digits after the decimal point.
        var fraction = ""
        var suffix = ""
    }

    public init(parsing text: String) throws {
        guard !text.isEmpty else { throw QuantityError.formatWrong }
        let pieces = try Self.split(Array(text.utf8))
        guard let (base, power, format) = Self.interpret(pieces.suffix) else { throw QuantityError.suffix }
        var digits = Substring(pieces.whole + pieces.fraction)
        while digits.first == "0" { digits = digits.dropFirst() }
        var exponent = -pieces.fraction.count + (base == 10 ? power : 0)
        var roundUp = false
        // Round up to nano precision before anything else, as upstream does ("0.1n" is 1n).
        if exponent < -9, base == 10 {
            let dropped = min(-9 - exponent, digits.count)
            roundUp = digits.suffix(dropped).contains { $0 != "0" }
            digits = digits.dropLast(dropped)
            exponent = -9
        }
        guard digits.count <= 38, var magnitude = UInt128(digits.isEmpty ? "0" : String(digits)) else {
            throw QuantityError.numeric
        }
        if roundUp { magnitude += 1 }
        var chosenFormat = format
        if base == 2 {
            (magnitude, exponent) = try Self.applyBinary(magnitude, exponent: exponent, power: power)
            // Fractions of one cannot be written in binary notation.
            if magnitude != 0, Self.compareToOne(magnitude, exponent) < 0 { chosenFormat = .decimalSI }
        }
        let signed = Int128(magnitude)
        self.init(mantissa: pieces.negative ? -signed : signed, exponent: exponent, format: chosenFormat)
    }

    /// Multiplies by 2^power, rounds up to nano precision and caps at 2⁶³ − 1.
    private static func applyBinary(_ magnitude: UInt128, exponent: Int, power: Int) throws -> (UInt128, Int) {
        let (product, overflow) = magnitude.multipliedReportingOverflow(by: UInt128(1) << power)
        if overflow { return (UInt128(binaryCap), 0) }
        var value = product
        var exponent = exponent
        if exponent < -9 {
            let divisor = powerOfTen(min(-9 - exponent, 38))
            let (quotient, remainder) = value.quotientAndRemainder(dividingBy: divisor)
            value = remainder == 0 ? quotient : quotient + 1
            exponent = -9
        }
        if compareMagnitude(value, exponent, UInt128(binaryCap)) > 0 { return (UInt128(binaryCap), 0) }
        return (value, exponent)
    }

    private static func compareToOne(_ value: UInt128, _ exponent: Int) -> Int {
        compareMagnitude(value, exponent, 1)
    }

    /// Compares `value × 10^exponent` with an integer.
    private static func compareMagnitude(_ value: UInt128, _ exponent: Int, _ integer: UInt128) -> Int {
        let lhs = Quantity(mantissa: Int128(value), exponent: exponent)
        let rhs = Quantity(mantissa: Int128(integer))
        return compare(lhs, rhs)
    }

    /// Splits sign, digits and suffix exactly where upstream's scanner does (it accepts `1.` and `.5`).
    static func split(_ bytes: [UInt8]) throws -> Pieces {
        var pieces = Pieces()
        var index = 0
        if bytes[0] == UInt8(ascii: "-") || bytes[0] == UInt8(ascii: "+") {
            pieces.negative = bytes[0] == UInt8(ascii: "-")
            index = 1
        }
        let digits = UInt8(ascii: "0")...UInt8(ascii: "9")
        func run(_ allowed: (UInt8) -> Bool) -> String {
            let start = index
            while index < bytes.count, allowed(bytes[index]) { index += 1 }
            return String(decoding: bytes[start..<index], as: UTF8.self)
        }
        pieces.whole = run { digits.contains($0) }
        var sawPoint = false
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            sawPoint = true
            index += 1
            pieces.fraction = run { digits.contains($0) }
        }
        guard sawPoint || !pieces.whole.isEmpty else { throw QuantityError.formatWrong }
        let suffixLetters = Array("eEinumkKMGTP".utf8)
        var suffix = run { suffixLetters.contains($0) }
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") {
            suffix += String(UnicodeScalar(bytes[index]))
            index += 1
        }
        suffix += run { digits.contains($0) }
        guard index == bytes.count else { throw QuantityError.formatWrong }
        pieces.suffix = suffix
        return pieces
    }

    /// Base (10 or 2), power and notation of a suffix; nil when it is not one.
    static func interpret(_ suffix: String) -> (Int, Int, Format)? {
        if let power = decimalSuffixes[suffix] { return (10, power, .decimalSI) }
        if let power = binarySuffixes[suffix] { return (2, power, .binarySI) }
        if suffix.count > 1, suffix.first == "e" || suffix.first == "E", let power = Int32(suffix.dropFirst()) {
            return (10, Int(power), .decimalExponent)
        }
        return nil
    }

    /// Upstream's canonical form: `500m`, `1Gi`, `1536Mi`, `100M`, `1e3`, `0`. Binary notation is used
    /// only for whole values of at least 1024; otherwise the number is written with a decimal prefix
    /// (or exponent) chosen so the digits are an integer and the power a multiple of three.
    public var canonical: String {
        if isZero { return "0" }
        if format == .binarySI, let binary = binaryCanonical { return binary }
        // Lower the power to a multiple of three by appending zeros to the digits.
        let power = exponent >= 0 ? exponent - exponent % 3 : exponent - ((exponent % 3) + 3) % 3
        var digits = String(mantissa) + String(repeating: "0", count: exponent - power)
        if format == .decimalExponent {
            return power == 0 ? digits : digits + "e\(power)"
        }
        var suffixPower = power
        if suffixPower > 18 {
            digits += String(repeating: "0", count: suffixPower - 18)
            suffixPower = 18
        }
        guard let suffix = Self.decimalSuffixes.first(where: { $0.value == suffixPower })?.key else {
            return digits + "e\(power)"
        }
        return digits + suffix
    }

    /// `1Gi`, `1536Mi`; nil when the value is below 1024 in magnitude or not whole.
    private var binaryCanonical: String? {
        guard exponent >= 0, let magnitude = Self.timesPowerOfTen(mantissa.magnitude, exponent), magnitude >= 1024
        else { return nil }
        var rest = magnitude
        var power = 0
        while rest % 1024 == 0, power < 60 {
            rest /= 1024
            power += 10
        }
        let suffix = Self.binarySuffixes.first { $0.value == power }?.key ?? ""
        return (mantissa < 0 ? "-" : "") + String(rest) + suffix
    }
}
