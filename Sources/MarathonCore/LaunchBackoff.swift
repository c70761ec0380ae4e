/// Launch backoff of an app (reference §2 "Backoff"): each failed or finished task multiplies the
/// delay before the next launch by `backoffFactor`, starting at `backoffSeconds` and capped at
/// `maxLaunchDelaySeconds`. A new app version resets it, as does `DELETE /v2/queue/{id}/delay`, and a
/// quiet period: a failure after `deadline + maxLaunchDelaySeconds` starts again from `backoffSeconds`.
///
/// Public API for the framework shell: `LaunchBackoff(version:)`, `recordFailure(of:now:)`,
/// `adopt(_ app:)` (call on every stored app change), `reset()`, `allowsLaunch(now:)`,
/// `timeLeftSeconds(now:)`, `queueDelayJSON(now:)` (the `/v2/queue` `delay` object), and
/// `LaunchBackoff.countsTowardBackoff(state:killedForHealth:)` to filter task status updates.
import Foundation
import MesosModel

public struct LaunchBackoff: Hashable, Sendable {
    /// The current delay in seconds (0 when no failure is pending).
    public private(set) var delaySeconds: Double = 0
    /// Launches wait until this instant; nil = launch freely.
    public private(set) var deadline: Date?
    /// The app version (configuration) this backoff belongs to.
    public private(set) var version: Date?

    public init(version: Date? = nil) { self.version = version }

    /// Task states that grow the delay: failures and finished tasks, and kills for failed health checks.
    public static func countsTowardBackoff(state: String, killedForHealth: Bool = false) -> Bool {
        switch state {
        case "TASK_FAILED", "TASK_FINISHED", "TASK_ERROR", "TASK_DROPPED", "TASK_GONE", "TASK_LOST": return true
        case "TASK_KILLED": return killedForHealth
        default: return false
        }
    }

    public mutating func recordFailure(of app: AppDefinition, now: Date) {
        adopt(app)
        let quiet = deadline.map { now >= $0.addingTimeInterval(app.maxLaunchDelaySeconds) } ?? true
        if delaySeconds == 0 || quiet {
            delaySeconds = min(app.backoffSeconds, app.maxLaunchDelaySeconds)
        } else {
            delaySeconds = min(delaySeconds * app.backoffFactor, app.maxLaunchDelaySeconds)
        }
        deadline = now.addingTimeInterval(delaySeconds)
    }

    /// A new configuration version starts without delay; a pure scale keeps the current backoff.
    public mutating func adopt(_ app: AppDefinition) {
        let configVersion = app.versionInfo?.lastConfigChangeAt ?? app.version
        if configVersion != version {
            reset()
            version = configVersion
        }
    }

    public mutating func reset() {
        delaySeconds = 0
        deadline = nil
    }

    public func allowsLaunch(now: Date) -> Bool { deadline.map { now >= $0 } ?? true }

    public func timeLeftSeconds(now: Date) -> Double {
        max(0, deadline.map { $0.timeIntervalSince(now) } ?? 0)
    }

    public func queueDelayJSON(now: Date) -> JSONValue {
        .object([
            "timeLeftSeconds": .number(timeLeftSeconds(now: now).rounded(.up)),
            "overdue": .bool(allowsLaunch(now: now)),
        ])
    }
}
