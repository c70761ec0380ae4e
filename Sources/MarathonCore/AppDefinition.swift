/// A Marathon 1.10 app definition in canonical form (after defaults and normalization).
///
/// Public API for the HTTP shell:
/// - `AppDefinition.create(from: json, base:, defaultRole:)` (in `AppDefinition+Decoding.swift`) turns a
///   POST body into a validated definition or throws `ValidationFailure` (422 body in `.json`).
/// - `app.json()` / `app.infoJSON(_:)` (in `AppDefinition+Rendering.swift`) render the app and AppInfo.
/// - `AppUpdate` (in `AppUpdate.swift`) merges PUT/PATCH bodies onto a stored definition.
/// - `isOnlyScaleChange(from:)` / `isConfigChange(from:)` tell a deployment plan Scale from Restart.
/// The nested types below carry Marathon's field names and defaults (reference §2).
import Foundation

public struct AppDefinition: Hashable, Sendable {
    public var id: PathId
    public var cmd: String?
    public var args: [String]?
    public var user: String?
    public var env: [String: String] = [:]
    public var instances: Int = 1
    public var cpus: Double = 1
    public var mem: Double = 128
    public var disk: Double = 0
    public var gpus: Int = 0
    /// `""` (Marathon's default, the command executor) or `"//cmd"`.
    public var executor: String = ""
    public var constraints: [PlacementConstraint] = []
    public var fetch: [FetchURI] = []
    public var backoffSeconds: Double = 1
    public var backoffFactor: Double = 1.15
    public var maxLaunchDelaySeconds: Double = 300
    public var container: Container?
    public var healthChecks: [HealthCheck] = []
    public var readinessChecks: [ReadinessCheck] = []
    public var dependencies: [PathId] = []
    public var upgradeStrategy = UpgradeStrategy()
    public var labels: [String: String] = [:]
    public var acceptedResourceRoles: [String]?
    public var killSelection: KillSelection = .youngestFirst
    public var unreachableStrategy: UnreachableStrategy = .enabled(inactiveAfterSeconds: 0, expungeAfterSeconds: 0)
    public var networks: [Network] = [Network(mode: .host)]
    /// Empty with container networking (ports live in `container.portMappings` then).
    public var portDefinitions: [PortDefinition] = [PortDefinition(port: 0, name: "default")]
    public var requirePorts = false
    public var taskKillGracePeriodSeconds: Double?
    public var role: String?
    /// When this definition was stored (set by the shell, from its `now`).
    public var version: Date?
    public var versionInfo: VersionInfo?

    public init(id: PathId) { self.id = id }

    public var usesHostNetworking: Bool { networks.contains { $0.mode == .host } }

    /// The app's ports in order: container port mappings with container networking, else the port
    /// definitions. `$PORT0…`, health-check `portIndex` and readiness `portName` index into this list.
    public var portNames: [String?] {
        if let mappings = container?.portMappings, !mappings.isEmpty, !usesHostNetworking {
            return mappings.map(\.name)
        }
        return portDefinitions.map(\.name)
    }

    public var portCount: Int { portNames.count }
}

/// `versionInfo`: when the app was last scaled and when its configuration last changed.
public struct VersionInfo: Hashable, Sendable {
    public var lastScalingAt: Date
    public var lastConfigChangeAt: Date

    public init(lastScalingAt: Date, lastConfigChangeAt: Date) {
        self.lastScalingAt = lastScalingAt
        self.lastConfigChangeAt = lastConfigChangeAt
    }
}

public enum KillSelection: String, Hashable, Sendable, CaseIterable {
    case youngestFirst = "YOUNGEST_FIRST"
    case oldestFirst = "OLDEST_FIRST"
}

public enum UnreachableStrategy: Hashable, Sendable {
    case disabled
    case enabled(inactiveAfterSeconds: Double, expungeAfterSeconds: Double)
}

public struct UpgradeStrategy: Hashable, Sendable {
    public var minimumHealthCapacity: Double
    public var maximumOverCapacity: Double

    public init(minimumHealthCapacity: Double = 1, maximumOverCapacity: Double = 1) {
        self.minimumHealthCapacity = minimumHealthCapacity
        self.maximumOverCapacity = maximumOverCapacity
    }
}

public struct FetchURI: Hashable, Sendable {
    public var uri: String
    public var extract: Bool
    public var executable: Bool
    public var cache: Bool
    public var destPath: String?

    public init(
        uri: String, extract: Bool = true, executable: Bool = false, cache: Bool = false, destPath: String? = nil
    ) {
        self.uri = uri
        self.extract = extract
        self.executable = executable
        self.cache = cache
        self.destPath = destPath
    }

    /// The deprecated `uris` list becomes `fetch`: archives are extracted, other files are not.
    public static func fromLegacy(_ uri: String) -> FetchURI {
        let archives = [".tgz", ".tar.gz", ".tbz2", ".tar.bz2", ".txz", ".tar.xz", ".zip"]
        return FetchURI(uri: uri, extract: archives.contains { uri.lowercased().hasSuffix($0) })
    }
}

public struct Network: Hashable, Sendable {
    public enum Mode: String, Hashable, Sendable {
        case host
        case containerBridge = "container/bridge"
        case container
    }
    public var mode: Mode
    public var name: String?
    public var labels: [String: String]

    public init(mode: Mode, name: String? = nil, labels: [String: String] = [:]) {
        self.mode = mode
        self.name = name
        self.labels = labels
    }
}

public struct PortDefinition: Hashable, Sendable {
    /// 0 = a service port is assigned (and, with `requirePorts` false, any host port is used).
    public var port: Int
    public var `protocol`: String
    public var name: String?
    public var labels: [String: String]

    public init(port: Int, protocol: String = "tcp", name: String? = nil, labels: [String: String] = [:]) {
        self.port = port
        self.protocol = `protocol`
        self.name = name
        self.labels = labels
    }
}

public struct PortMapping: Hashable, Sendable {
    public var containerPort: Int
    /// nil = no host port (container networks only); 0 = any offered port.
    public var hostPort: Int?
    public var servicePort: Int
    public var `protocol`: String
    public var name: String?
    public var labels: [String: String]

    public init(
        containerPort: Int = 0, hostPort: Int? = nil, servicePort: Int = 0, protocol: String = "tcp",
        name: String? = nil, labels: [String: String] = [:]
    ) {
        self.containerPort = containerPort
        self.hostPort = hostPort
        self.servicePort = servicePort
        self.protocol = `protocol`
        self.name = name
        self.labels = labels
    }
}

public struct Container: Hashable, Sendable {
    public enum Kind: String, Hashable, Sendable {
        case docker = "DOCKER"
        case mesos = "MESOS"
    }
    public struct Docker: Hashable, Sendable {
        public var image: String
        public var forcePullImage: Bool
        public init(image: String, forcePullImage: Bool = false) {
            self.image = image
            self.forcePullImage = forcePullImage
        }
    }
    /// A host path bind-mounted into the container (the only volume kind the core accepts).
    public struct Volume: Hashable, Sendable {
        public var containerPath: String
        public var hostPath: String
        public var mode: String
        public init(containerPath: String, hostPath: String, mode: String = "RW") {
            self.containerPath = containerPath
            self.hostPath = hostPath
            self.mode = mode
        }
    }

    public var type: Kind
    public var docker: Docker?
    public var portMappings: [PortMapping]
    public var volumes: [Volume]

    public init(type: Kind = .docker, docker: Docker? = nil, portMappings: [PortMapping] = [], volumes: [Volume] = []) {
        self.type = type
        self.docker = docker
        self.portMappings = portMappings
        self.volumes = volumes
    }
}

public struct HealthCheck: Hashable, Sendable {
    public enum HealthProtocol: String, Hashable, Sendable, CaseIterable {
        case http = "HTTP", https = "HTTPS", tcp = "TCP", command = "COMMAND"
        case mesosHTTP = "MESOS_HTTP", mesosHTTPS = "MESOS_HTTPS", mesosTCP = "MESOS_TCP"

        /// Checks Marathon runs itself (from the leader) rather than next to the task.
        public var isMarathonLevel: Bool { self == .http || self == .https || self == .tcp }
        public var isHTTP: Bool { self == .http || self == .https || self == .mesosHTTP || self == .mesosHTTPS }
    }

    public var `protocol`: HealthProtocol = .http
    public var path: String?
    public var portIndex: Int?
    public var port: Int?
    public var command: String?
    public var gracePeriodSeconds: Double = 300
    public var intervalSeconds: Double = 60
    public var timeoutSeconds: Double = 20
    public var maxConsecutiveFailures: Int = 3
    public var delaySeconds: Double = 15
    public var ignoreHttp1xx = false
    public var ipProtocol = "IPv4"

    public init(protocol: HealthProtocol = .http) { self.protocol = `protocol` }
}

public struct ReadinessCheck: Hashable, Sendable {
    public var name = "readinessCheck"
    public var `protocol` = "HTTP"
    public var path = "/"
    public var portName = "http-api"
    public var intervalSeconds: Double = 30
    public var timeoutSeconds: Double = 10
    public var httpStatusCodesForReady: [Int] = [200]
    public var preserveLastResponse = false

    public init() {}
}

extension AppDefinition {
    /// Everything but `instances` and the version stamps: when these differ an update restarts tasks.
    var configurationKey: AppDefinition {
        var copy = self
        copy.instances = 0
        copy.version = nil
        copy.versionInfo = nil
        return copy
    }

    /// True when `self` differs from `previous` only in `instances` (a ScaleApplication, no restart).
    public func isOnlyScaleChange(from previous: AppDefinition) -> Bool {
        configurationKey == previous.configurationKey && instances != previous.instances
    }

    /// True when tasks of `previous` must be replaced to run `self` (a RestartApplication).
    public func isConfigChange(from previous: AppDefinition) -> Bool {
        configurationKey != previous.configurationKey
    }

    /// Stamps a new version: a pure scale bumps `lastScalingAt`; anything else bumps both (as Marathon).
    public func stamped(at now: Date, previous: AppDefinition?) -> AppDefinition {
        let now = Timestamp.normalize(now)
        var copy = self
        copy.version = now
        if let previous, let info = previous.versionInfo, !isConfigChange(from: previous) {
            copy.versionInfo = VersionInfo(lastScalingAt: now, lastConfigChangeAt: info.lastConfigChangeAt)
        } else {
            copy.versionInfo = VersionInfo(lastScalingAt: now, lastConfigChangeAt: now)
        }
        return copy
    }
}
