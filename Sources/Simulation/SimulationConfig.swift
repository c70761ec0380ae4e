import MesosModel

/// What one simulated run looks like. Everything else is drawn from `seed`.
/// The defaults describe a short run (about a thousand steps) so that hundreds of seeds fit
/// in a debug-build test run; raise the durations for soak runs.
public struct SimulationConfig: Sendable {
    public var seed: UInt64
    public var agentCount = 3
    /// Frameworks running at once during the active phase (removed ones are replaced).
    public var frameworkCount = 2
    /// Simulated seconds with faults and a busy workload.
    public var activeDuration: Double = 30
    /// Simulated seconds after the active phase: no faults, no new tasks, then the liveness checks.
    public var quiesceDuration: Double = 80
    public var faults = FaultPlan()
    /// Agent status-update retry: first interval and cap (production: 10 s and 600 s).
    public var statusRetryMin: Double = 2
    public var statusRetryMax: Double = 16
    /// Short, so that long partitions in the active phase get agents removed.
    public var agentReregisterTimeout: Double = 10
    /// How long a command task runs when nobody kills it (some never end on their own).
    public var taskDuration: ClosedRange<Double> = 0.5...15
    /// Keep every trace line in the report (for replay debugging); otherwise only the tail.
    public var keepFullTrace = false
    public var traceTailLength = 80
    /// Deliberately broken behaviour, to show that the invariant checks can fail.
    public var sabotage: Sabotage?
    /// True for `soak(seed:)` runs; failure reports then say how to replay them.
    public var isSoak = false

    public init(seed: UInt64) { self.seed = seed }

    /// A longer, busier run for soak testing (minutes of simulated time, more peers).
    public static func soak(seed: UInt64) -> SimulationConfig {
        var config = SimulationConfig(seed: seed)
        config.agentCount = 4
        config.frameworkCount = 3
        config.activeDuration = 120
        config.quiesceDuration = 200
        config.agentReregisterTimeout = 30
        config.isSoak = true
        return config
    }
}

/// Ways to break the simulated world on purpose (tests of the checkers themselves).
public enum Sabotage: Sendable, Hashable {
    /// Frameworks never send ACKNOWLEDGE: updates must stay pending on the agents.
    case frameworksNeverAcknowledge
    /// The simulated containerizer starts every command task twice.
    case containersStartTwice
}

/// Fault rates during the active phase. Mean intervals are in simulated seconds (nil disables).
public struct FaultPlan: Sendable {
    /// An agent's master stream breaks; the agent re-registers after a short backoff.
    public var agentDisconnectMeanInterval: Double? = 25
    /// Chance that an agent disconnect is a partition outlasting the re-register timeout.
    public var agentLongPartitionProbability = 0.15
    /// Chance that one agent → master one-shot call (status update, executor exit) is lost.
    public var agentCallDropProbability = 0.1
    /// A framework's subscription stream breaks; it re-subscribes with its id.
    public var frameworkDisconnectMeanInterval: Double? = 25
    /// Chance that a disconnected framework stays away past its failover timeout.
    public var frameworkOverstayProbability = 0.15
    /// Chance per framework step that a second scheduler instance subscribes with the same id.
    public var frameworkFailoverProbability = 0.02
    /// Chance per framework step that the framework tears itself down.
    public var frameworkTeardownProbability = 0.01
    /// The master process dies and restarts from its last persisted registry.
    public var masterCrashMeanInterval: Double? = 30
    /// Chance that a crash strikes in the middle of carrying out one input's actions.
    public var masterMidActionCrashProbability = 0.5

    public init() {}

    /// No faults at all (the workload still runs).
    public static var none: FaultPlan {
        var plan = FaultPlan()
        plan.agentDisconnectMeanInterval = nil
        plan.agentCallDropProbability = 0
        plan.frameworkDisconnectMeanInterval = nil
        plan.frameworkFailoverProbability = 0
        plan.frameworkTeardownProbability = 0
        plan.masterCrashMeanInterval = nil
        return plan
    }
}

/// A broken invariant, with the simulated time it was noticed.
public struct Violation: Sendable, Hashable, CustomStringConvertible {
    public var time: Double
    public var invariant: String
    public var detail: String
    /// The kind of step during which it was found (`agent-register`, `call TEARDOWN`, `end`, ...).
    public var step: String
    public var description: String { "t=\(formatTime(time)) [\(invariant)] during \(step): \(detail)" }
}

public struct SimulationStats: Sendable, Hashable {
    public var events = 0
    public var tasksLaunched = 0
    public var tasksFinishedTerminal = 0
    public var statusUpdatesAcked = 0
    public var duplicateUpdatesSeen = 0
    public var masterCrashes = 0
    public var agentDisconnects = 0
    public var frameworkDisconnects = 0
    public var frameworkFailovers = 0
    public var frameworksRemoved = 0
    public var agentsRemovedByMaster = 0
    public var droppedAgentCalls = 0
    public var offersReceived = 0

    public init() {}
}

/// The outcome of one run: the trace hash (same seed ⇒ same hash) and any violations.
public struct SimulationReport: Sendable {
    public var seed: UInt64
    public var isSoak: Bool
    public var traceHash: UInt64
    public var violations: [Violation]
    /// The last trace lines, oldest first.
    public var traceTail: [String]
    /// Every trace line, when `SimulationConfig.keepFullTrace` is set.
    public var fullTrace: [String]?
    public var stats: SimulationStats

    public var passed: Bool { violations.isEmpty }

    /// What to print when a seed fails: how to replay it, the violations and the trace tail.
    public var failureDescription: String {
        let replay = "MESOKUBE_SIM_SEED=\(seed)" + (isSoak ? " MESOKUBE_SIM_SOAK=1" : "")
        var lines = ["simulation seed \(seed) failed (replay with \(replay))"]
        lines += violations.prefix(10).map { "  violation: \($0)" }
        lines.append("  stats: \(stats)")
        lines.append("  trace tail (\(traceTail.count) lines):")
        lines += traceTail.map { "    \($0)" }
        return lines.joined(separator: "\n")
    }
}

func formatTime(_ time: Double) -> String {
    let millis = Int((time * 1000).rounded())
    let fraction = String(millis % 1000)
    return "\(millis / 1000).\(String(repeating: "0", count: 3 - fraction.count))\(fraction)"
}
