import MesosModel

/// The decision core of one task's Mesos health check. Pure: no I/O and no clock; every
/// event carries `now`, a monotonic time measured from any fixed origin the driver picks, so
/// the agent (and tests) can drive it deterministically.
///
/// Mesos semantics:
/// - the first check runs `delay` after the start, each next one `interval` after the
///   previous result;
/// - a failure within `gracePeriod` of the start is ignored, unless a check already
///   succeeded (the first success ends the grace period);
/// - a counted failure makes the task unhealthy; `consecutiveFailures` counted failures in
///   a row kill it;
/// - a health status update is sent for the first result and on every flip.
public struct HealthCheckPolicy: Sendable, Equatable {
    /// What the driver must do after an event.
    public enum Decision: Sendable, Equatable {
        /// Send a status update with `healthy` set to this value.
        case reportHealthy(Bool)
        /// Kill the task; the message is meant for its terminal status update.
        case kill(message: String)
    }

    /// The decisions of one event and when the next check is due (nil: stop checking).
    public struct Outcome: Sendable, Equatable {
        public var decisions: [Decision]
        public var nextCheckAt: Duration?
    }

    public let delay: Duration
    public let interval: Duration
    public let gracePeriod: Duration
    public let consecutiveFailureLimit: Int

    public private(set) var startedAt: Duration?
    /// The last `healthy` value reported, nil before the first report.
    public private(set) var reportedHealthy: Bool?
    /// Counted (non-grace) failures since the last success.
    public private(set) var consecutiveFailures = 0
    /// True until the first success; only then can the grace period apply.
    public private(set) var initializing = true
    /// True once a kill was decided; later results are ignored.
    public private(set) var killed = false

    public init(delay: Duration, interval: Duration, gracePeriod: Duration, consecutiveFailureLimit: Int) {
        self.delay = delay
        self.interval = interval
        self.gracePeriod = gracePeriod
        self.consecutiveFailureLimit = consecutiveFailureLimit
    }

    /// The timing of a Mesos `HealthCheck` definition.
    public init(_ check: HealthCheck) {
        self.init(
            delay: .seconds(check.delaySeconds), interval: .seconds(check.intervalSeconds),
            gracePeriod: .seconds(check.gracePeriodSeconds),
            consecutiveFailureLimit: check.consecutiveFailures)
    }

    /// The task started (or the checker did): schedules the first check after `delay`.
    public mutating func started(now: Duration) -> Outcome {
        startedAt = now
        return Outcome(decisions: [], nextCheckAt: now + delay)
    }

    /// One probe finished (a timeout is a failure).
    public mutating func result(success: Bool, now: Duration) -> Outcome {
        guard !killed else { return Outcome(decisions: [], nextCheckAt: nil) }
        let next = now + interval
        if success {
            initializing = false
            consecutiveFailures = 0
            return Outcome(decisions: report(healthy: true), nextCheckAt: next)
        }
        if isWithinGracePeriod(now: now) {
            return Outcome(decisions: [], nextCheckAt: next)
        }
        consecutiveFailures += 1
        var decisions = report(healthy: false)
        if consecutiveFailures >= consecutiveFailureLimit {
            killed = true
            decisions.append(
                .kill(message: "Task was killed since health check failed \(consecutiveFailures) times in a row"))
            return Outcome(decisions: decisions, nextCheckAt: nil)
        }
        return Outcome(decisions: decisions, nextCheckAt: next)
    }

    /// Mesos compares `now - start <= grace`, and a zero grace period never applies.
    func isWithinGracePeriod(now: Duration) -> Bool {
        guard initializing, gracePeriod > .zero, let startedAt else { return false }
        return now - startedAt <= gracePeriod
    }

    private mutating func report(healthy: Bool) -> [Decision] {
        guard reportedHealthy != healthy else { return [] }
        reportedHealthy = healthy
        return [.reportHealthy(healthy)]
    }
}

/// The decision core of one task's general Mesos check (`TaskInfo.check`): it schedules
/// probes and reports `check_status` whenever the result differs from the last one
/// reported. It never kills. Pure, like `HealthCheckPolicy`.
public struct CheckPolicy: Sendable, Equatable {
    public struct Outcome: Sendable, Equatable {
        /// The status to send in a TaskStatus' `check_status`, nil when unchanged.
        public var report: CheckStatusInfo?
        public var nextCheckAt: Duration
    }

    public let delay: Duration
    public let interval: Duration
    /// The last status reported, nil before the first result.
    public private(set) var reported: CheckStatusInfo?

    public init(delay: Duration, interval: Duration) {
        self.delay = delay
        self.interval = interval
    }

    /// The timing of a Mesos `CheckInfo` definition.
    public init(_ check: CheckInfo) {
        self.init(delay: .seconds(check.delaySeconds), interval: .seconds(check.intervalSeconds))
    }

    /// The first check is due `delay` after the start.
    public func started(now: Duration) -> Duration {
        now + delay
    }

    /// One probe finished with `status` (an empty nested result when it could not run).
    public mutating func result(_ status: CheckStatusInfo, now: Duration) -> Outcome {
        let changed = status != reported
        if changed { reported = status }
        return Outcome(report: changed ? status : nil, nextCheckAt: now + interval)
    }
}
