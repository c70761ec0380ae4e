import MesosModel

/// One task's probe, built from a validated definition.
public struct CheckProbe: Sendable {
    public enum Target: Sendable, Equatable {
        case command(LaunchSpec.Command)
        case http(scheme: String, port: Int, path: String)
        case tcp(port: Int)
    }

    public var target: Target
    public var timeout: Duration
    public var context: ProbeContext

    public init(target: Target, timeout: Duration, context: ProbeContext) {
        self.target = target
        self.timeout = timeout
        self.context = context
    }

    /// The probe of a Mesos health check; nil only if the definition lacks its nested part
    /// (which `HealthCheck(json:)` refuses).
    public init?(_ check: HealthCheck, context: ProbeContext) {
        guard
            let target = Self.target(
                type: check.type, command: check.command, http: check.http, tcp: check.tcp)
        else { return nil }
        self.init(target: target, timeout: .seconds(check.timeoutSeconds), context: context)
    }

    /// The probe of a Mesos general check.
    public init?(_ check: CheckInfo, context: ProbeContext) {
        guard
            let target = Self.target(
                type: check.type, command: check.command, http: check.http, tcp: check.tcp)
        else { return nil }
        self.init(target: target, timeout: .seconds(check.timeoutSeconds), context: context)
    }

    static func target(
        type: CheckProbeType, command: CommandInfo?, http: HTTPCheckDefinition?, tcp: TCPCheckDefinition?
    ) -> Target? {
        switch type {
        case .command: command.map { .command(HealthCheckProbes.launchCommand($0)) }
        case .http: http.map { .http(scheme: $0.scheme ?? "http", port: $0.port, path: $0.effectivePath) }
        case .tcp: tcp.map { .tcp(port: $0.port) }
        }
    }

    /// Runs the probe once, bounded by `timeout`.
    public func run(launcher: ProcessLauncher) async -> ProbeResult {
        switch target {
        case .command(let command):
            await HealthCheckProbes.command(command, context: context, timeout: timeout, launcher: launcher)
        case .http(let scheme, let port, let path):
            await HealthCheckProbes.http(
                host: context.host, port: port, path: path, scheme: scheme, timeout: timeout)
        case .tcp(let port):
            await HealthCheckProbes.tcp(host: context.host, port: port, timeout: timeout)
        }
    }
}

/// Runs one task's health check on the real clock: waits `delay`, probes every `interval`,
/// and feeds each result into `HealthCheckPolicy`, calling `onStatus` when the health flips
/// (and for the first result) and `onKill` once when the task must be killed, after which
/// it stops. The runner never kills anything itself; the caller owns the task.
public actor HealthCheckRunner {
    public typealias StatusHandler = @Sendable (_ healthy: Bool) async -> Void
    public typealias KillHandler = @Sendable (_ message: String) async -> Void

    private var policy: HealthCheckPolicy
    private let probe: CheckProbe
    private let launcher: ProcessLauncher
    private let onStatus: StatusHandler
    private let onKill: KillHandler
    private var loop: Task<Void, Never>?

    public init(
        policy: HealthCheckPolicy, probe: CheckProbe, launcher: ProcessLauncher = ProcessLauncher(),
        onStatus: @escaping StatusHandler, onKill: @escaping KillHandler
    ) {
        self.policy = policy
        self.probe = probe
        self.launcher = launcher
        self.onStatus = onStatus
        self.onKill = onKill
    }

    /// Starts checking; the grace period counts from now. Calling it twice has no effect.
    public func start() {
        guard loop == nil else { return }
        loop = Task { await self.run() }
    }

    /// Stops checking; a probe in flight is cancelled (a command probe's group is killed).
    /// Returns once the loop has ended, so no callback fires afterwards. Do not await it
    /// from inside a callback: it waits for that callback to return.
    public func stop() async {
        guard let loop else { return }
        loop.cancel()
        await loop.value
    }

    private func run() async {
        let first = policy.started(now: .zero).nextCheckAt
        await runProbeLoop(probe: probe, launcher: launcher, firstCheckAt: first) { result, now in
            let outcome = policy.result(success: result.isHealthy, now: now)
            for decision in outcome.decisions {
                switch decision {
                case .reportHealthy(let healthy): await onStatus(healthy)
                case .kill(let message): await onKill(message)
                }
            }
            return outcome.nextCheckAt
        }
    }
}

/// Runs one task's general check (`TaskInfo.check`) on the real clock, calling `onStatus`
/// with each `check_status` that differs from the last one. Never kills.
public actor CheckRunner {
    public typealias StatusHandler = @Sendable (CheckStatusInfo) async -> Void

    private var policy: CheckPolicy
    private let type: CheckProbeType
    private let probe: CheckProbe
    private let launcher: ProcessLauncher
    private let onStatus: StatusHandler
    private var loop: Task<Void, Never>?

    public init(
        check: CheckInfo, probe: CheckProbe, launcher: ProcessLauncher = ProcessLauncher(),
        onStatus: @escaping StatusHandler
    ) {
        self.policy = CheckPolicy(check)
        self.type = check.type
        self.probe = probe
        self.launcher = launcher
        self.onStatus = onStatus
    }

    /// Starts checking. Calling it twice has no effect.
    public func start() {
        guard loop == nil else { return }
        loop = Task { await self.run() }
    }

    /// Stops checking and returns once no callback can fire any more. Do not await it from
    /// inside a callback: it waits for that callback to return.
    public func stop() async {
        guard let loop else { return }
        loop.cancel()
        await loop.value
    }

    private func run() async {
        let first = policy.started(now: .zero)
        await runProbeLoop(probe: probe, launcher: launcher, firstCheckAt: first) { result, now in
            let outcome = policy.result(result.checkStatus(type), now: now)
            if let report = outcome.report { await onStatus(report) }
            return outcome.nextCheckAt
        }
    }
}

/// The loop both runners share, on the calling actor: sleep until the next check is due,
/// probe, and hand the result (with the time since the start) to `handle`, which answers when
/// to probe next; nil, or cancellation, ends the loop.
private func runProbeLoop(
    isolation: isolated (any Actor)? = #isolation, probe: CheckProbe, launcher: ProcessLauncher,
    firstCheckAt: Duration?, handle: (ProbeResult, Duration) async -> Duration?
) async {
    let clock = ContinuousClock()
    let origin = clock.now
    var next = firstCheckAt
    while let due = next, !Task.isCancelled {
        do {
            try await clock.sleep(until: origin.advanced(by: due))
        } catch {
            return
        }
        let result = await probe.run(launcher: launcher)
        guard !Task.isCancelled else { return }
        next = await handle(result, origin.duration(to: clock.now))
    }
}
