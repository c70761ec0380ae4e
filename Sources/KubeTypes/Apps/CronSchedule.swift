/// Syntax check of CronJob schedules, accepting what upstream's cron parser (standard five-field
/// form plus `@` descriptors) accepts and failing with the same messages, which the API server
/// returns verbatim in `spec.schedule: Invalid value: ...`.
public enum CronSchedule {
    struct Bounds {
        var min: Int
        var max: Int
        var names: [String: Int] = [:]
    }

    static let minutes = Bounds(min: 0, max: 59)
    static let hours = Bounds(min: 0, max: 23)
    static let daysOfMonth = Bounds(min: 1, max: 31)
    static let months = Bounds(
        min: 1, max: 12,
        names: [
            "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "oct": 10,
            "nov": 11, "dec": 12,
        ])
    static let daysOfWeek = Bounds(
        min: 0, max: 6, names: ["sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6])

    static let descriptors: Set<String> = [
        "@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly",
    ]

    /// The parser's complaint about `schedule`, or nil when it is valid.
    public static func problem(_ schedule: String) -> String? {
        if schedule.isEmpty { return "empty spec string" }
        var spec = Substring(schedule)
        // A leading TZ=/CRON_TZ= names a zone; the zone itself is reported separately by validation.
        if spec.hasPrefix("TZ=") || spec.hasPrefix("CRON_TZ=") {
            guard let space = spec.firstIndex(of: " ") else { return "provided bad location \(spec)" }
            spec = spec[space...].drop(while: { $0 == " " })
        }
        if spec.hasPrefix("@") { return descriptorProblem(String(spec)) }
        let fields = spec.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).map(String.init)
        guard fields.count == 5 else {
            return "expected exactly 5 fields, found \(fields.count): [\(fields.joined(separator: " "))]"
        }
        let bounds = [minutes, hours, daysOfMonth, months, daysOfWeek]
        for (field, bound) in zip(fields, bounds) {
            for expression in field.split(separator: ",") {
                if let problem = rangeProblem(String(expression), bound) { return problem }
            }
        }
        return nil
    }

    static func descriptorProblem(_ spec: String) -> String? {
        if descriptors.contains(spec) { return nil }
        let every = "@every "
        guard spec.hasPrefix(every) else { return "unrecognized descriptor: \(spec)" }
        let duration = String(spec.dropFirst(every.count))
        return isGoDuration(duration) ? nil : "failed to parse duration \(spec): time: invalid duration \"\(duration)\""
    }

    /// One comma-separated piece: `*`, `?`, `N`, `N-M`, any of those with `/step`, or month/day names.
    static func rangeProblem(_ expression: String, _ bounds: Bounds) -> String? {
        let rangeAndStep = expression.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        let lowAndHigh = rangeAndStep[0].split(separator: "-", omittingEmptySubsequences: false).map(String.init)
        var start: Int
        var end: Int
        if lowAndHigh[0] == "*" || lowAndHigh[0] == "?" {
            start = bounds.min
            end = bounds.max
        } else {
            switch intOrName(lowAndHigh[0], bounds) {
            case .failure(let message): return message.text
            case .success(let value): start = value
            }
            switch lowAndHigh.count {
            case 1: end = start
            case 2:
                switch intOrName(lowAndHigh[1], bounds) {
                case .failure(let message): return message.text
                case .success(let value): end = value
                }
            default: return "too many hyphens: \(expression)"
            }
        }
        var step = 1
        switch rangeAndStep.count {
        case 1: break
        case 2:
            switch number(rangeAndStep[1]) {
            case .failure(let message): return message.text
            case .success(let value): step = value
            }
            // `N/step` means from N to the end of the range.
            if lowAndHigh.count == 1 { end = bounds.max }
        default: return "too many slashes: \(expression)"
        }
        if start < bounds.min { return "beginning of range (\(start)) below minimum (\(bounds.min)): \(expression)" }
        if end > bounds.max { return "end of range (\(end)) above maximum (\(bounds.max)): \(expression)" }
        if start > end { return "beginning of range (\(start)) beyond end of range (\(end)): \(expression)" }
        if step == 0 { return "step of range should be a positive number: \(expression)" }
        return nil
    }

    struct Message: Error {
        var text: String
    }

    static func intOrName(_ text: String, _ bounds: Bounds) -> Result<Int, Message> {
        if let named = bounds.names[text.lowercased()] { return .success(named) }
        return number(text)
    }

    /// Go's `strconv.Atoi` as the cron parser reports it, then the parser's own sign check.
    static func number(_ text: String) -> Result<Int, Message> {
        var digits = Substring(text)
        var negative = false
        if let sign = digits.first, sign == "+" || sign == "-" {
            negative = sign == "-"
            digits = digits.dropFirst()
        }
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            return .failure(
                Message(text: "failed to parse int from \(text): strconv.Atoi: parsing \"\(text)\": invalid syntax"))
        }
        guard let magnitude = Int(digits), magnitude <= Int(Int64.max) else {
            return .failure(
                Message(text: "failed to parse int from \(text): strconv.Atoi: parsing \"\(text)\": value out of range")
            )
        }
        if negative && magnitude != 0 {
            return .failure(Message(text: "negative number (-\(magnitude)) not allowed: \(text)"))
        }
        return .success(magnitude)
    }

    /// Go's `time.ParseDuration` syntax: signed sequence of decimal numbers with units
    /// ns, us, µs, ms, s, m, h (`1h30m`, `1.5s`); a bare `0` is allowed.
    static func isGoDuration(_ text: String) -> Bool {
        var rest = Substring(text)
        if let sign = rest.first, sign == "+" || sign == "-" { rest = rest.dropFirst() }
        if rest == "0" { return true }
        if rest.isEmpty { return false }
        let units = ["ns", "us", "µs", "μs", "ms", "s", "m", "h"]
        while !rest.isEmpty {
            let number = rest.prefix(while: { $0.isASCII && ($0.isNumber || $0 == ".") })
            guard !number.isEmpty, number != ".", number.filter({ $0 == "." }).count <= 1 else { return false }
            rest = rest.dropFirst(number.count)
            let unit = rest.prefix(while: { !($0.isASCII && ($0.isNumber || $0 == ".")) })
            guard units.contains(String(unit)) else { return false }
            rest = rest.dropFirst(unit.count)
        }
        return true
    }
}
