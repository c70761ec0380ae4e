/// Why a `health_check` or `check` definition was refused; `description` is meant for the
/// TASK_ERROR message the master sends back.
public struct HealthCheckDefinitionError: Error, Hashable, Sendable, CustomStringConvertible {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }
}

/// The probe kinds Mesokube runs. Mesos' DOCKER (legacy) and GRPC types are refused at
/// validation time because nothing here could run them.
public enum CheckProbeType: String, Codable, Sendable, Hashable {
    case command = "COMMAND"
    case http = "HTTP"
    case tcp = "TCP"
}

/// Mesos' `HealthCheck.HTTPCheckInfo` / `CheckInfo.Http`.
public struct HTTPCheckDefinition: Codable, Sendable, Hashable {
    /// Mesos' `NetworkInfo.Protocol` (IPv4/IPv6); kept for round-tripping, the probe always
    /// targets the configured host.
    public var networkProtocol: String?
    /// "http" (default) or "https"; health checks only, `CheckInfo.Http` has no scheme.
    public var scheme: String?
    public var port: Int
    /// Defaults to "/" when absent.
    public var path: String?
    /// Mesos declares `statuses` but never implemented it: [200, 400) is always healthy.
    public var statuses: [Int]?

    enum CodingKeys: String, CodingKey {
        case networkProtocol = "protocol"
        case scheme, port, path, statuses
    }

    public init(port: Int, path: String? = nil, scheme: String? = nil) {
        self.port = port
        self.path = path
        self.scheme = scheme
    }

    /// The request path, "/" when none was given.
    public var effectivePath: String { path ?? "/" }
}

/// Mesos' `HealthCheck.TCPCheckInfo` / `CheckInfo.Tcp`.
public struct TCPCheckDefinition: Codable, Sendable, Hashable {
    public var networkProtocol: String?
    public var port: Int

    enum CodingKeys: String, CodingKey {
        case networkProtocol = "protocol"
        case port
    }

    public init(port: Int) {
        self.port = port
    }
}

/// Mesos' `HealthCheck` (`TaskInfo.health_check`). Durations are seconds, as on the wire.
public struct HealthCheck: Codable, Sendable, Hashable {
    public var type: CheckProbeType
    public var delaySeconds: Double
    public var intervalSeconds: Double
    public var timeoutSeconds: Double
    public var consecutiveFailures: Int
    public var gracePeriodSeconds: Double
    public var command: CommandInfo?
    public var http: HTTPCheckDefinition?
    public var tcp: TCPCheckDefinition?

    enum CodingKeys: String, CodingKey {
        case type, command, http, tcp
        case delaySeconds = "delay_seconds"
        case intervalSeconds = "interval_seconds"
        case timeoutSeconds = "timeout_seconds"
        case consecutiveFailures = "consecutive_failures"
        case gracePeriodSeconds = "grace_period_seconds"
    }

    /// Mesos' defaults: delay 15 s, interval 10 s, timeout 20 s, 3 failures, grace 10 s.
    public init(
        type: CheckProbeType, delaySeconds: Double = 15, intervalSeconds: Double = 10,
        timeoutSeconds: Double = 20, consecutiveFailures: Int = 3, gracePeriodSeconds: Double = 10,
        command: CommandInfo? = nil, http: HTTPCheckDefinition? = nil, tcp: TCPCheckDefinition? = nil
    ) {
        self.type = type
        self.delaySeconds = delaySeconds
        self.intervalSeconds = intervalSeconds
        self.timeoutSeconds = timeoutSeconds
        self.consecutiveFailures = consecutiveFailures
        self.gracePeriodSeconds = gracePeriodSeconds
        self.command = command
        self.http = http
        self.tcp = tcp
    }

    /// Parses and validates `TaskInfo.health_check` as received (JSON, snake_case keys).
    public init(json: JSONValue) throws(HealthCheckDefinitionError) {
        let fields = try CheckJSONReader(json, what: "HealthCheck")
        let type = try fields.probeType()
        self.init(
            type: type,
            delaySeconds: try fields.seconds("delay_seconds", default: 15),
            intervalSeconds: try fields.seconds("interval_seconds", default: 10),
            timeoutSeconds: try fields.seconds("timeout_seconds", default: 20),
            consecutiveFailures: try fields.count("consecutive_failures", default: 3),
            gracePeriodSeconds: try fields.seconds("grace_period_seconds", default: 10))
        (command, http, tcp) = try fields.probeDefinition(for: type, allowsScheme: true)
    }

    public init(from decoder: any Decoder) throws {
        try self.init(json: JSONValue(from: decoder))
    }
}

/// Mesos' `CheckInfo` (`TaskInfo.check`): a general check whose result is reported, never
/// acted on.
public struct CheckInfo: Codable, Sendable, Hashable {
    public var type: CheckProbeType
    public var delaySeconds: Double
    public var intervalSeconds: Double
    public var timeoutSeconds: Double
    public var command: CommandInfo?
    public var http: HTTPCheckDefinition?
    public var tcp: TCPCheckDefinition?

    /// Mesos' defaults: delay 15 s, interval 10 s, timeout 20 s.
    public init(
        type: CheckProbeType, delaySeconds: Double = 15, intervalSeconds: Double = 10,
        timeoutSeconds: Double = 20, command: CommandInfo? = nil, http: HTTPCheckDefinition? = nil,
        tcp: TCPCheckDefinition? = nil
    ) {
        self.type = type
        self.delaySeconds = delaySeconds
        self.intervalSeconds = intervalSeconds
        self.timeoutSeconds = timeoutSeconds
        self.command = command
        self.http = http
        self.tcp = tcp
    }

    /// Parses and validates `TaskInfo.check`. On the wire the command lives in
    /// `command.command` (a `CommandInfo` inside `CheckInfo.Command`).
    public init(json: JSONValue) throws(HealthCheckDefinitionError) {
        let fields = try CheckJSONReader(json, what: "CheckInfo")
        let type = try fields.probeType()
        self.init(
            type: type,
            delaySeconds: try fields.seconds("delay_seconds", default: 15),
            intervalSeconds: try fields.seconds("interval_seconds", default: 10),
            timeoutSeconds: try fields.seconds("timeout_seconds", default: 20))
        (command, http, tcp) = try fields.probeDefinition(for: type, allowsScheme: false)
    }

    public init(from decoder: any Decoder) throws {
        try self.init(json: JSONValue(from: decoder))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: WireKeys.self)
        try container.encode(type, forKey: .type)
        try container.encode(delaySeconds, forKey: .delaySeconds)
        try container.encode(intervalSeconds, forKey: .intervalSeconds)
        try container.encode(timeoutSeconds, forKey: .timeoutSeconds)
        if let command {
            var nested = container.nestedContainer(keyedBy: WireKeys.self, forKey: .command)
            try nested.encode(command, forKey: .command)
        }
        try container.encodeIfPresent(http, forKey: .http)
        try container.encodeIfPresent(tcp, forKey: .tcp)
    }

    private enum WireKeys: String, CodingKey {
        case type, command, http, tcp
        case delaySeconds = "delay_seconds"
        case intervalSeconds = "interval_seconds"
        case timeoutSeconds = "timeout_seconds"
    }
}

/// Mesos' `CheckStatusInfo` (`TaskStatus.check_status`). A nested result without its
/// value (e.g. `command: {}`) means the check could not produce one (timeout, probe error).
public struct CheckStatusInfo: Codable, Sendable, Hashable {
    public struct Command: Codable, Sendable, Hashable {
        public var exitCode: Int?
        enum CodingKeys: String, CodingKey { case exitCode = "exit_code" }
        public init(exitCode: Int?) { self.exitCode = exitCode }
    }

    public struct HTTP: Codable, Sendable, Hashable {
        public var statusCode: Int?
        enum CodingKeys: String, CodingKey { case statusCode = "status_code" }
        public init(statusCode: Int?) { self.statusCode = statusCode }
    }

    public struct TCP: Codable, Sendable, Hashable {
        public var succeeded: Bool?
        public init(succeeded: Bool?) { self.succeeded = succeeded }
    }

    public var type: CheckProbeType
    public var command: Command?
    public var http: HTTP?
    public var tcp: TCP?

    public init(type: CheckProbeType, command: Command? = nil, http: HTTP? = nil, tcp: TCP? = nil) {
        self.type = type
        self.command = command
        self.http = http
        self.tcp = tcp
    }

    /// The status sent before any result exists: the type with an empty nested result.
    public static func empty(_ type: CheckProbeType) -> CheckStatusInfo {
        switch type {
        case .command: CheckStatusInfo(type: type, command: Command(exitCode: nil))
        case .http: CheckStatusInfo(type: type, http: HTTP(statusCode: nil))
        case .tcp: CheckStatusInfo(type: type, tcp: TCP(succeeded: nil))
        }
    }
}
