/// Health and readiness of one task as Marathon keeps them (reference §2, health checks):
/// - one `CheckHealth` per health check of the app. Marathon-level checks (HTTP, HTTPS, TCP) are
///   probed by the framework; their failures count only after `gracePeriodSeconds` from the task's
///   start unless a check already succeeded, and `maxConsecutiveFailures` counted failures in a row
///   (0 = never) kill the task. COMMAND and MESOS_* checks run next to the task on the agent, which
///   applies the grace period and kills; their results arrive as `healthy` on status updates.
/// - `alive` is Marathon's rule: a success exists and is later than any failure.
/// - readiness (one check at most): a task launched by a deployment is ready after one probe
///   answered a status in `httpStatusCodesForReady`; readiness is never lost again.
/// - a running task counts as healthy for deployments when every check is alive and it is ready.
///
/// Public API for the framework shell: `TaskHealth` (`record(_:check:index:startedAt:now:)`,
/// `recordMesos(healthy:cause:now:)`, `recordReadiness(...)`, `isHealthy(for:)`, `resultsJSON`),
/// `HealthProbeOutcome`, `HealthChange`, `ReadinessOutcome`, `CheckHealth`.
import Foundation
import MesosModel

/// What one probe of a Marathon-level check found.
public enum HealthProbeOutcome: Hashable, Sendable {
    case healthy
    /// The probe failed; the cause is shown as `lastFailureCause`.
    case unhealthy(String)
    /// An HTTP 1xx answer with `ignoreHttp1xx`: neither a success nor a failure.
    case ignored

    /// Marathon's HTTP rule: 200–399 healthy, 100–199 ignored when the check says so.
    public static func http(statusCode: Int, ignoreHttp1xx: Bool) -> HealthProbeOutcome {
        if (200..<400).contains(statusCode) { return .healthy }
        if ignoreHttp1xx && (100..<200).contains(statusCode) { return .ignored }
        return .unhealthy("HTTP \(statusCode)")
    }
}

/// What the shell must do after a result.
public enum HealthChange: Hashable, Sendable {
    /// `alive` flipped (health_status_changed_event).
    case aliveChanged(Bool)
    /// A counted failure (failed_health_check_event).
    case failed
    /// Too many failures in a row: kill the task (unhealthy_instance_kill_event).
    case kill(reason: String)
}

/// One health check's record for one task (Marathon's `Health`).
public struct CheckHealth: Hashable, Sendable {
    public var consecutiveFailures = 0
    public var firstSuccess: Date?
    public var lastSuccess: Date?
    public var lastFailure: Date?
    public var lastFailureCause: String?

    public init() {}

    public var alive: Bool {
        guard let lastSuccess else { return false }
        return lastFailure.map { lastSuccess > $0 } ?? true
    }

    var hasResult: Bool { lastSuccess != nil || lastFailure != nil }

    mutating func succeeded(at now: Date) {
        firstSuccess = firstSuccess ?? now
        lastSuccess = now
        consecutiveFailures = 0
    }

    mutating func failed(at now: Date, cause: String) {
        lastFailure = now
        lastFailureCause = cause
        consecutiveFailures += 1
    }

    public func json(instanceId: String) -> JSONValue {
        func time(_ date: Date?) -> JSONValue { date.map { .string(Timestamp.format($0)) } ?? .null }
        return .object([
            "alive": .bool(alive), "consecutiveFailures": .number(Double(consecutiveFailures)),
            "firstSuccess": time(firstSuccess), "lastSuccess": time(lastSuccess), "lastFailure": time(lastFailure),
            "lastFailureCause": lastFailureCause.map(JSONValue.string) ?? .null, "instanceId": .string(instanceId),
        ])
    }
}

/// The outcome of one readiness probe.
public struct ReadinessOutcome: Hashable, Sendable {
    public var ready: Bool
    /// `{status, contentType, body}` when the check preserves the last response.
    public var lastResponse: JSONValue?

    public init(ready: Bool, lastResponse: JSONValue? = nil) {
        self.ready = ready
        self.lastResponse = lastResponse
    }
}

public struct TaskHealth: Hashable, Sendable {
    public var checks: [CheckHealth]
    /// nil until a readiness probe answered.
    public var readiness: ReadinessOutcome?

    public init(checkCount: Int) {
        checks = Array(repeating: CheckHealth(), count: checkCount)
    }

    /// A Marathon-level probe result for health check `index`.
    public mutating func record(
        _ outcome: HealthProbeOutcome, check: HealthCheck, index: Int, startedAt: Date?, now: Date
    ) -> [HealthChange] {
        guard checks.indices.contains(index) else { return [] }
        let wasAlive = checks[index].alive
        switch outcome {
        case .ignored: return []
        case .healthy: checks[index].succeeded(at: now)
        case .unhealthy(let cause):
            let inGrace = startedAt.map { now < $0.addingTimeInterval(check.gracePeriodSeconds) } ?? true
            if inGrace && checks[index].firstSuccess == nil { return [] }
            checks[index].failed(at: now, cause: cause)
        }
        var changes: [HealthChange] = []
        if checks[index].alive != wasAlive { changes.append(.aliveChanged(checks[index].alive)) }
        if case .unhealthy = outcome {
            changes.append(.failed)
            let limit = check.maxConsecutiveFailures
            if limit > 0 && checks[index].consecutiveFailures >= limit {
                changes.append(.kill(reason: "\(limit) consecutive health check failures"))
            }
        }
        return changes
    }

    /// `healthy` of a status update (a Mesos-run check: the agent applied grace and kills).
    public mutating func recordMesos(healthy: Bool, cause: String?, now: Date) -> [HealthChange] {
        guard !checks.isEmpty else { return [] }
        let wasAlive = checks[0].alive
        if healthy {
            checks[0].succeeded(at: now)
        } else {
            checks[0].failed(at: now, cause: cause ?? "Mesos health check failed")
        }
        var changes: [HealthChange] = []
        if checks[0].alive != wasAlive { changes.append(.aliveChanged(checks[0].alive)) }
        if !healthy { changes.append(.failed) }
        return changes
    }

    /// A readiness probe result; once ready, later results change nothing.
    public mutating func recordReadiness(_ outcome: ReadinessOutcome) {
        guard readiness?.ready != true else { return }
        readiness = outcome
    }

    public var isReady: Bool { readiness?.ready == true }

    /// Healthy for deployments and counts: every check alive and, when `app` has a readiness
    /// check and `needsReadiness`, ready. Without checks every running task is healthy.
    public func isHealthy(needsReadiness: Bool) -> Bool {
        checks.allSatisfy(\.alive) && (!needsReadiness || isReady)
    }

    /// `healthCheckResults` of a task: the checks that have a result.
    public func resultsJSON(instanceId: String) -> [JSONValue] {
        checks.filter(\.hasResult).map { $0.json(instanceId: instanceId) }
    }

    /// One element of a deployment's `readinessCheckResults`.
    public func readinessJSON(name: String, taskId: String) -> JSONValue {
        var object: [String: JSONValue] = [
            "name": .string(name), "taskId": .string(taskId), "ready": .bool(isReady),
        ]
        object["lastResponse"] = readiness?.lastResponse
        return .object(object)
    }
}
