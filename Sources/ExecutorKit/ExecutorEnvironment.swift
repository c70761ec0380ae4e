import Foundation
import MesosModel

/// What the agent tells an executor it starts, through `MESOS_*` environment variables.
public struct ExecutorEnvironment: Sendable, Equatable {
    /// `host:port` of the agent's HTTP API.
    public var agentEndpoint: String
    public var frameworkID: FrameworkID
    public var executorID: ExecutorID
    public var sandbox: String?
    /// Checkpointing frameworks' executors wait out an agent restart and re-subscribe.
    public var checkpoint: Bool
    /// How long an executor waits for its agent to come back before it shuts itself down.
    public var recoveryTimeout: Duration
    /// Upper bound of the wait between re-subscription attempts.
    public var subscriptionBackoffMax: Duration
    /// How long the agent waits after SHUTDOWN before it kills the executor
    /// (`MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD`): the executor stops its tasks within it.
    public var shutdownGracePeriod: Duration = .seconds(5)

    public init(
        agentEndpoint: String, frameworkID: FrameworkID, executorID: ExecutorID, sandbox: String? = nil,
        checkpoint: Bool = false, recoveryTimeout: Duration = .seconds(900),
        subscriptionBackoffMax: Duration = .seconds(2)
    ) {
        self.agentEndpoint = agentEndpoint
        self.frameworkID = frameworkID
        self.executorID = executorID
        self.sandbox = sandbox
        self.checkpoint = checkpoint
        self.recoveryTimeout = recoveryTimeout
        self.subscriptionBackoffMax = subscriptionBackoffMax
    }

    public enum Problem: Error, Equatable, CustomStringConvertible {
        case missing(String)
        case malformed(String, String)

        public var description: String {
            switch self {
            case .missing(let name): "\(name) is not set: this program is an executor started by a Mesos agent"
            case .malformed(let name, let value): "\(name) has an unreadable value '\(value)'"
            }
        }
    }

    public static func from(_ environment: [String: String]) throws(Problem) -> ExecutorEnvironment {
        func required(_ name: String) throws(Problem) -> String {
            guard let value = environment[name], !value.isEmpty else { throw .missing(name) }
            return value
        }
        var result = ExecutorEnvironment(
            agentEndpoint: try required("MESOS_AGENT_ENDPOINT"),
            frameworkID: FrameworkID(try required("MESOS_FRAMEWORK_ID")),
            executorID: ExecutorID(try required("MESOS_EXECUTOR_ID")), sandbox: environment["MESOS_SANDBOX"])
        // Mesos writes "1"; any other non-empty value but "0"/"false" also means checkpointing.
        let checkpoint = environment["MESOS_CHECKPOINT"] ?? ""
        result.checkpoint = !checkpoint.isEmpty && checkpoint != "0" && checkpoint.lowercased() != "false"
        if let text = environment["MESOS_RECOVERY_TIMEOUT"] {
            guard let value = parseDuration(text) else { throw .malformed("MESOS_RECOVERY_TIMEOUT", text) }
            result.recoveryTimeout = value
        }
        if let text = environment["MESOS_SUBSCRIPTION_BACKOFF_MAX"] {
            guard let value = parseDuration(text) else { throw .malformed("MESOS_SUBSCRIPTION_BACKOFF_MAX", text) }
            result.subscriptionBackoffMax = value
        }
        if let text = environment["MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD"] {
            guard let value = parseDuration(text) else {
                throw .malformed("MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD", text)
            }
            result.shutdownGracePeriod = value
        }
        return result
    }

    /// Mesos' duration text: a number and a unit (`ns`, `us`, `ms`, `secs`, `mins`, `hrs`, `days`, `weeks`).
    public static func parseDuration(_ text: String) -> Duration? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard let split = trimmed.firstIndex(where: { !$0.isNumber && $0 != "." }),
            let number = Double(trimmed[..<split])
        else { return nil }
        let seconds: Double
        switch trimmed[split...] {
        case "ns": seconds = number / 1e9
        case "us": seconds = number / 1e6
        case "ms": seconds = number / 1e3
        case "secs": seconds = number
        case "mins": seconds = number * 60
        case "hrs": seconds = number * 3600
        case "days": seconds = number * 86400
        case "weeks": seconds = number * 604800
        default: return nil
        }
        return .nanoseconds(Int64(seconds * 1e9))
    }
}
