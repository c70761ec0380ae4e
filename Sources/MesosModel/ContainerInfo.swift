/// Mesos' `ContainerInfo` (`TaskInfo.container`, `ExecutorInfo.container`), with the v1 JSON
/// field names. Every field is optional here even where the proto says `required`: the master
/// reports what is missing as a TASK_ERROR instead of failing the whole call. Fields Mesokube does
/// not model are kept in `unknownFields` and written back unchanged.
public struct ContainerInfo: Hashable, Sendable {
    /// `ContainerInfo.Type`: MESOS or DOCKER (anything else is kept and refused by the master).
    public struct ContainerType: WireEnum {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public static let mesos: ContainerType = "MESOS"
        public static let docker: ContainerType = "DOCKER"
    }

    public var type: ContainerType?
    public var volumes: [Volume]?
    public var hostname: String?
    public var mesos: MesosInfo?
    public var docker: DockerInfo?
    /// `NetworkInfo` messages, carried verbatim (Mesokube runs tasks in the host network).
    public var networkInfos: [JSONValue]?
    public var linuxInfo: LinuxInfo?
    /// `RLimitInfo`, carried verbatim.
    public var rlimitInfo: JSONValue?
    /// `TTYInfo`, carried verbatim.
    public var ttyInfo: JSONValue?
    public var unknownFields: [String: JSONValue] = [:]

    public init(type: ContainerType?, mesos: MesosInfo? = nil, docker: DockerInfo? = nil, volumes: [Volume]? = nil) {
        self.type = type
        self.mesos = mesos
        self.docker = docker
        self.volumes = volumes
    }

    /// A MESOS container running the Docker image `name`.
    public static func mesosImage(_ name: String) -> ContainerInfo {
        ContainerInfo(type: .mesos, mesos: MesosInfo(image: Image(type: .docker, docker: Image.Docker(name: name))))
    }

    /// A DOCKER container running `image`.
    public static func dockerImage(_ image: String) -> ContainerInfo {
        ContainerInfo(type: .docker, docker: DockerInfo(image: image))
    }

    /// The image to run: `mesos.image.docker.name` for MESOS containers with a Docker image,
    /// `docker.image` for DOCKER containers, nil when the container has no image.
    public var imageName: String? {
        switch type {
        case .mesos?:
            guard let image = mesos?.image, image.type == .docker else { return nil }
            return image.docker?.name
        case .docker?:
            return docker?.image
        default:
            return nil
        }
    }

    /// Whether the image must be pulled even when a copy is cached: `docker.force_pull_image`
    /// for DOCKER containers, `mesos.image.cached: false` for MESOS ones.
    public var forcePullImage: Bool {
        switch type {
        case .mesos?: return mesos?.image?.cached == false
        case .docker?: return docker?.forcePullImage ?? false
        default: return false
        }
    }

    /// The volumes that bind a host path into the container, in order.
    public var hostPathVolumes: [HostPathVolume] {
        (volumes ?? []).compactMap { volume in
            guard let hostPath = volume.hostPath, let containerPath = volume.containerPath,
                volume.source == nil, volume.image == nil
            else { return nil }
            return HostPathVolume(hostPath: hostPath, containerPath: containerPath, readOnly: volume.mode == .readOnly)
        }
    }
}

/// A host path bound into a container (`Volume` with `host_path`).
public struct HostPathVolume: Hashable, Sendable {
    public var hostPath: String
    /// Absolute inside the container's root, or relative to the sandbox.
    public var containerPath: String
    public var readOnly: Bool

    public init(hostPath: String, containerPath: String, readOnly: Bool) {
        self.hostPath = hostPath
        self.containerPath = containerPath
        self.readOnly = readOnly
    }
}

extension ContainerInfo {
    /// Mesos' `Volume`.
    public struct Volume: Hashable, Sendable {
        public struct Mode: WireEnum {
            public var rawValue: String
            public init(rawValue: String) { self.rawValue = rawValue }
            public static let readWrite: Mode = "RW"
            public static let readOnly: Mode = "RO"
        }

        public var containerPath: String?
        public var hostPath: String?
        public var mode: Mode?
        /// `Image` to mount as a volume, carried verbatim.
        public var image: JSONValue?
        /// `Volume.Source` (docker volumes, host paths, secrets…), carried verbatim.
        public var source: JSONValue?
        public var unknownFields: [String: JSONValue] = [:]

        public init(containerPath: String?, hostPath: String?, mode: Mode?) {
            self.containerPath = containerPath
            self.hostPath = hostPath
            self.mode = mode
        }
    }

    /// Mesos' `ContainerInfo.MesosInfo`.
    public struct MesosInfo: Hashable, Sendable {
        public var image: Image?
        public var unknownFields: [String: JSONValue] = [:]
        public init(image: Image?) { self.image = image }
    }

    /// Mesos' `Image`.
    public struct Image: Hashable, Sendable {
        public struct ImageType: WireEnum {
            public var rawValue: String
            public init(rawValue: String) { self.rawValue = rawValue }
            public static let docker: ImageType = "DOCKER"
            public static let appc: ImageType = "APPC"
        }

        /// Mesos' `Image.Docker`.
        public struct Docker: Hashable, Sendable {
            public var name: String?
            /// Deprecated `Credential`, carried verbatim.
            public var credential: JSONValue?
            /// `Secret` with registry credentials, carried verbatim.
            public var config: JSONValue?
            public var unknownFields: [String: JSONValue] = [:]
            public init(name: String?) { self.name = name }
        }

        public var type: ImageType?
        public var docker: Docker?
        /// `Image.Appc`, carried verbatim.
        public var appc: JSONValue?
        /// Default true: a cached copy may be used; false forces a pull.
        public var cached: Bool?
        public var unknownFields: [String: JSONValue] = [:]

        public init(type: ImageType?, docker: Docker? = nil, cached: Bool? = nil) {
            self.type = type
            self.docker = docker
            self.cached = cached
        }
    }

    /// Mesos' `ContainerInfo.DockerInfo`.
    public struct DockerInfo: Hashable, Sendable {
        public struct Network: WireEnum {
            public var rawValue: String
            public init(rawValue: String) { self.rawValue = rawValue }
            public static let host: Network = "HOST"
            public static let bridge: Network = "BRIDGE"
            public static let noNetwork: Network = "NONE"
            public static let user: Network = "USER"
        }

        /// `DockerInfo.PortMapping`.
        public struct PortMapping: Codable, Hashable, Sendable {
            public var hostPort: Int?
            public var containerPort: Int?
            public var networkProtocol: String?
            enum CodingKeys: String, CodingKey {
                case hostPort = "host_port"
                case containerPort = "container_port"
                case networkProtocol = "protocol"
            }
            public init(hostPort: Int?, containerPort: Int?) {
                self.hostPort = hostPort
                self.containerPort = containerPort
            }
        }

        /// Mesos' `Parameter` (an extra `docker run` flag).
        public struct Parameter: Codable, Hashable, Sendable {
            public var key: String
            public var value: String
            public init(key: String, value: String) {
                self.key = key
                self.value = value
            }
        }

        public var image: String?
        /// Default HOST.
        public var network: Network?
        public var portMappings: [PortMapping]?
        public var privileged: Bool?
        public var parameters: [Parameter]?
        public var forcePullImage: Bool?
        public var volumeDriver: String?
        public var unknownFields: [String: JSONValue] = [:]

        public init(image: String?, network: Network? = nil, forcePullImage: Bool? = nil) {
            self.image = image
            self.network = network
            self.forcePullImage = forcePullImage
        }

        /// The network the container asks for; Mesos' default is HOST.
        public var effectiveNetwork: Network { network ?? .host }
    }

    /// Mesos' `LinuxInfo`. Capabilities, seccomp and the rest are carried verbatim.
    public struct LinuxInfo: Hashable, Sendable {
        public var sharePIDNamespace: Bool?
        public var capabilityInfo: JSONValue?
        public var boundingCapabilities: JSONValue?
        public var effectiveCapabilities: JSONValue?
        public var seccomp: JSONValue?
        public var ipcMode: String?
        public var shmSize: Int?
        public var unknownFields: [String: JSONValue] = [:]
        public init() {}

        /// Names of the fields that ask for something beyond Mesos' defaults, in wire form.
        public var nonDefaultFields: [String] {
            var names: [String] = []
            if sharePIDNamespace == true { names.append("share_pid_namespace") }
            if capabilityInfo != nil { names.append("capability_info") }
            if boundingCapabilities != nil { names.append("bounding_capabilities") }
            if effectiveCapabilities != nil { names.append("effective_capabilities") }
            if seccomp != nil { names.append("seccomp") }
            if ipcMode != nil { names.append("ipc_mode") }
            if shmSize != nil { names.append("shm_size") }
            return names + unknownFields.keys.sorted()
        }
    }
}
