import Foundation
import KubeTypes

/// A CronJob schedule the way upstream's cron library reads it (`cron.ParseStandard`): five
/// fields (minute hour day-of-month month day-of-week) with `*`, lists, ranges, steps and
/// month/day names, the `@yearly`…`@hourly` macros and `@every <duration>`. Syntax errors use
/// `CronSchedule`'s messages, which the API server already returns at validation.
///
/// Times are epoch seconds; the fields are matched against the wall clock of a time zone.
public struct CronExpression: Sendable, Hashable {
    enum Shape: Sendable, Hashable {
        /// Bit sets of the allowed values; `*` in day-of-month or day-of-week changes how the
        /// two combine (see `dayMatches`).
        case fields(minutes: UInt64, hours: UInt64, days: UInt64, months: UInt64, weekdays: UInt64, anyDay: Bool)
        /// `@every`: a fixed interval in whole seconds.
        case every(Int64)
    }

    /// The values one field may take, and the names it accepts for them.
    struct FieldBounds {
        var min: Int
        var max: Int
        var names: [String: Int] = [:]

        static let minutes = FieldBounds(min: 0, max: 59)
        static let hours = FieldBounds(min: 0, max: 23)
        static let daysOfMonth = FieldBounds(min: 1, max: 31)
        static let months = FieldBounds(
            min: 1, max: 12,
            names: [
                "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "oct": 10,
                "nov": 11, "dec": 12,
            ])
        static let daysOfWeek = FieldBounds(
            min: 0, max: 6, names: ["sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6])
    }

    let shape: Shape
    /// The zone named by a legacy `TZ=`/`CRON_TZ=` prefix, if any.
    public let zonePrefix: String?

    public struct ParseError: Error, Equatable, CustomStringConvertible {
        public var description: String
    }

    public init(_ schedule: String) throws(ParseError) {
        if let problem = CronSchedule.problem(schedule) { throw ParseError(description: problem) }
        var spec = Substring(schedule.trimmingCharacters(in: .whitespaces))
        var zone: String?
        if spec.hasPrefix("TZ=") || spec.hasPrefix("CRON_TZ=") {
            let space = spec.firstIndex(of: " ") ?? spec.endIndex
            zone = String(spec[spec.index(after: spec.firstIndex(of: "=")!)..<space])
            spec = spec[space...].drop(while: { $0 == " " })
        }
        zonePrefix = zone
        if spec.hasPrefix("@every ") {
            let seconds = Self.goDurationSeconds(String(spec.dropFirst("@every ".count))) ?? 1
            shape = .every(max(1, Int64(seconds.rounded(.down))))
            return
        }
        let macros = [
            "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *", "@weekly": "0 0 * * 0",
            "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *",
        ]
        let text = macros[String(spec)] ?? String(spec)
        let fields = text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).map(String.init)
        let bounds = [FieldBounds.minutes, .hours, .daysOfMonth, .months, .daysOfWeek]
        let parsed = zip(fields, bounds).map { Self.bits($0, $1) }
        shape = .fields(
            minutes: parsed[0].bits, hours: parsed[1].bits, days: parsed[2].bits, months: parsed[3].bits,
            weekdays: parsed[4].bits, anyDay: parsed[2].star || parsed[4].star)
    }

    /// The allowed values of one field, and whether it was an unstepped `*`/`?`.
    static func bits(_ field: String, _ bounds: FieldBounds) -> (bits: UInt64, star: Bool) {
        var bits: UInt64 = 0
        var star = false
        for expression in field.split(separator: ",") {
            let rangeAndStep = expression.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
            let lowAndHigh = rangeAndStep[0].split(separator: "-").map(String.init)
            var (start, end) = (bounds.min, bounds.max)
            let isStar = lowAndHigh[0] == "*" || lowAndHigh[0] == "?"
            if !isStar {
                start = value(lowAndHigh[0], bounds)
                end = lowAndHigh.count > 1 ? value(lowAndHigh[1], bounds) : start
            }
            var step = 1
            if rangeAndStep.count == 2 {
                step = max(1, Int(rangeAndStep[1]) ?? 1)
                // `N/step` runs from N to the end of the range.
                if lowAndHigh.count == 1 { end = bounds.max }
            }
            // Upstream marks an unstepped (or step 1) star, which changes how the day fields combine.
            if isStar && step == 1 { star = true }
            for number in stride(from: start, through: end, by: step) { bits |= 1 << UInt64(number) }
        }
        return (bits, star)
    }

    static func value(_ text: String, _ bounds: FieldBounds) -> Int {
        bounds.names[text.lowercased()] ?? Int(text.trimmingCharacters(in: CharacterSet(charactersIn: "+"))) ?? 0
    }

    /// The first time strictly after `time` the schedule fires, in `zone`'s wall clock; nil when
    /// it never does within five years (a schedule like `0 0 30 2 *`), as upstream gives up then.
    public func next(after time: Int64, in zone: TimeZone) -> Int64? {
        switch shape {
        case .every(let seconds):
            return time + seconds
        case .fields(let minutes, let hours, let days, let months, let weekdays, let anyDay):
            let clock = WallClockMath(zone: zone)
            // Fields have minute resolution: start at the next whole minute after `time`.
            var local = clock.local(time) + 1
            local = Self.ceilDiv(local, 60) * 60
            let yearLimit = WallClockMath.civil(local).year + 5
            while true {
                let civil = WallClockMath.civil(local)
                if civil.year > yearLimit { return nil }
                if months & (1 << UInt64(civil.month)) == 0 {
                    local = WallClockMath.startOfNextMonth(civil)
                    continue
                }
                let dayOfMonth = days & (1 << UInt64(civil.day)) != 0
                let dayOfWeek = weekdays & (1 << UInt64(civil.weekday)) != 0
                // Upstream: with a `*` in either day field both must match, else either may.
                let dayMatches = anyDay ? (dayOfMonth && dayOfWeek) : (dayOfMonth || dayOfWeek)
                if !dayMatches {
                    local = (Self.floorDiv(local, 86400) + 1) * 86400
                    continue
                }
                if hours & (1 << UInt64(civil.hour)) == 0 {
                    local = (Self.floorDiv(local, 3600) + 1) * 3600
                    continue
                }
                if minutes & (1 << UInt64(civil.minute)) == 0 {
                    local += 60
                    continue
                }
                let instant = clock.instant(local)
                // A wall time skipped by a daylight-saving jump maps back before `time`: go on.
                if instant > time { return instant }
                local += 60
            }
        }
    }

    static func floorDiv(_ value: Int64, _ divisor: Int64) -> Int64 {
        value >= 0 ? value / divisor : -((-value + divisor - 1) / divisor)
    }

    static func ceilDiv(_ value: Int64, _ divisor: Int64) -> Int64 { -floorDiv(-value, divisor) }

    /// Go's `time.ParseDuration` value in seconds (the syntax is already checked).
    static func goDurationSeconds(_ text: String) -> Double? {
        let units: [String: Double] = [
            "ns": 1e-9, "us": 1e-6, "µs": 1e-6, "μs": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600,
        ]
        var rest = Substring(text)
        var sign = 1.0
        if let first = rest.first, first == "+" || first == "-" {
            sign = first == "-" ? -1 : 1
            rest = rest.dropFirst()
        }
        if rest == "0" { return 0 }
        var total = 0.0
        while !rest.isEmpty {
            let number = rest.prefix(while: { $0.isASCII && ($0.isNumber || $0 == ".") })
            rest = rest.dropFirst(number.count)
            let unit = rest.prefix(while: { !($0.isASCII && ($0.isNumber || $0 == ".")) })
            rest = rest.dropFirst(unit.count)
            guard let value = Double(number), let scale = units[String(unit)] else { return nil }
            total += value * scale
        }
        return sign * total
    }
}

/// Conversions between instants (epoch seconds) and a zone's wall clock, kept as "local epoch
/// seconds" so calendar fields come from plain civil-date arithmetic.
struct WallClockMath {
    let zone: TimeZone

    struct Civil {
        var year: Int64
        var month: Int64
        var day: Int64
        var hour: Int64
        var minute: Int64
        var second: Int64
        /// 0 = Sunday.
        var weekday: Int64
    }

    func offset(_ instant: Int64) -> Int64 {
        Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(instant))))
    }

    func local(_ instant: Int64) -> Int64 { instant + offset(instant) }

    /// The instant showing wall time `local`; for a wall time that occurs twice, the first.
    func instant(_ local: Int64) -> Int64 {
        let guess = local - offset(local)
        let refined = local - offset(guess)
        return min(refined, local - offset(refined))
    }

    /// Howard Hinnant's `civil_from_days`.
    static func civil(_ local: Int64) -> Civil {
        let days = CronExpression.floorDiv(local, 86400)
        let secondOfDay = local - days * 86400
        let shifted = days + 719_468
        let era = CronExpression.floorDiv(shifted, 146_097)
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        let weekday = ((days % 7) + 11) % 7
        return Civil(
            year: year, month: month, day: day, hour: secondOfDay / 3600, minute: secondOfDay % 3600 / 60,
            second: secondOfDay % 60, weekday: weekday)
    }

    /// Howard Hinnant's `days_from_civil`, in seconds.
    static func local(year: Int64, month: Int64, day: Int64) -> Int64 {
        let shiftedYear = month <= 2 ? year - 1 : year
        let era = CronExpression.floorDiv(shiftedYear, 400)
        let yearOfEra = shiftedYear - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return (era * 146_097 + dayOfEra - 719_468) * 86400
    }

    static func startOfNextMonth(_ civil: Civil) -> Int64 {
        civil.month == 12
            ? local(year: civil.year + 1, month: 1, day: 1) : local(year: civil.year, month: civil.month + 1, day: 1)
    }

    /// RFC 3339 in the zone's wall clock, `Z` for a zero offset, as Go's `time.RFC3339` writes it.
    func rfc3339(_ instant: Int64) -> String {
        let civil = Self.civil(local(instant))
        let shift = offset(instant)
        var text =
            "\(civil.year)-\(Self.two(civil.month))-\(Self.two(civil.day))T"
            + "\(Self.two(civil.hour)):\(Self.two(civil.minute)):\(Self.two(civil.second))"
        if shift == 0 {
            text += "Z"
        } else {
            let magnitude = abs(shift)
            text += (shift < 0 ? "-" : "+") + Self.two(magnitude / 3600) + ":" + Self.two(magnitude % 3600 / 60)
        }
        return text
    }

    /// Go's `time.RFC1123Z` in UTC, as upstream's MissSchedule event prints the time.
    static func rfc1123Z(_ instant: Int64) -> String {
        let civil = civil(instant)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        return "\(days[Int(civil.weekday)]), \(two(civil.day)) \(months[Int(civil.month) - 1]) \(civil.year) "
            + "\(two(civil.hour)):\(two(civil.minute)):\(two(civil.second)) +0000"
    }

    static func two(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }
}
