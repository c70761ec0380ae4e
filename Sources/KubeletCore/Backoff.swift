/// One key's state in upstream's `flowcontrol.Backoff`: the current delay and when it last moved.
struct BackoffEntry: Sendable, Hashable {
    var seconds: Int64
    var lastUpdate: Int64
}

/// Upstream's `flowcontrol.Backoff` as the kubelet configures it for crash loops and image pulls:
/// 10 s initial, doubling, capped at 5 minutes, no jitter. An entry untouched for twice the cap
/// (10 minutes) has expired: the next failure starts over at the initial delay. For crash loops the
/// clock starts when the kubelet decides to restart, so a container that then runs for more than
/// 10 minutes before exiting is restarted at once and its next delay is 10 s again.
public struct BackoffPolicy: Sendable, Hashable {
    public var initialSeconds: Int64
    public var maxSeconds: Int64

    public init(initialSeconds: Int64 = 10, maxSeconds: Int64 = 300) {
        self.initialSeconds = initialSeconds
        self.maxSeconds = maxSeconds
    }

    func hasExpired(_ entry: BackoffEntry, eventTime: Int64) -> Bool {
        eventTime - entry.lastUpdate > maxSeconds * 2
    }

    /// `IsInBackOffSince`: still waiting out the delay that started at `eventTime` (a container's exit).
    func isInBackoff(_ entry: BackoffEntry?, since eventTime: Int64, now: Int64) -> Bool {
        guard let entry, !hasExpired(entry, eventTime: eventTime) else { return false }
        return now - eventTime < entry.seconds
    }

    /// `IsInBackOffSinceUpdate`: still waiting out the delay that started at the last failure.
    func isInBackoffSinceUpdate(_ entry: BackoffEntry?, now: Int64) -> Bool {
        guard let entry, !hasExpired(entry, eventTime: now) else { return false }
        return now - entry.lastUpdate < entry.seconds
    }

    /// `Next`: a fresh entry after expiry or on first use, otherwise the doubled (capped) delay.
    func next(_ entry: BackoffEntry?, eventTime: Int64, now: Int64) -> BackoffEntry {
        guard let entry, !hasExpired(entry, eventTime: eventTime) else {
            return BackoffEntry(seconds: initialSeconds, lastUpdate: now)
        }
        return BackoffEntry(seconds: min(entry.seconds * 2, maxSeconds), lastUpdate: now)
    }
}

/// Go's `time.Duration.String()`, which upstream messages embed (`5m0s`, `1m20s`, `1.561s`, `350ms`).
enum GoDuration {
    static func string(seconds: Int64) -> String {
        string(milliseconds: seconds * 1000)
    }

    static func string(milliseconds: Int64) -> String {
        if milliseconds == 0 { return "0s" }
        let sign = milliseconds < 0 ? "-" : ""
        let total = abs(milliseconds)
        if total < 1000 { return "\(sign)\(total)ms" }
        let hours = total / 3_600_000
        let minutes = total / 60_000 % 60
        let millisOfMinute = total % 60_000
        var secondsText = String(millisOfMinute / 1000)
        let fraction = millisOfMinute % 1000
        if fraction != 0 {
            var digits = String(fraction)
            digits = String(repeating: "0", count: 3 - digits.count) + digits
            while digits.hasSuffix("0") { digits.removeLast() }
            secondsText += "." + digits
        }
        if hours > 0 { return "\(sign)\(hours)h\(minutes)m\(secondsText)s" }
        if minutes > 0 { return "\(sign)\(minutes)m\(secondsText)s" }
        return "\(sign)\(secondsText)s"
    }
}
