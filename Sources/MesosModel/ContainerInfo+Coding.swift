// Hand-written coding for the ContainerInfo family: known fields are typed, the rest is kept in
// `unknownFields` and written back, so a task reaches executors exactly as the framework sent it.

extension ContainerInfo: Codable {
    static let knownKeys: Set<String> = [
        "type", "volumes", "hostname", "mesos", "docker", "network_infos", "linux_info", "rlimit_info", "tty_info",
    ]

    public init(from decoder: any Decoder) throws {
        let fields = try decoder.container(keyedBy: WireKey.self)
        type = try fields.field("type")
        volumes = try fields.field("volumes")
        hostname = try fields.field("hostname")
        mesos = try fields.field("mesos")
        docker = try fields.field("docker")
        networkInfos = try fields.field("network_infos")
        linuxInfo = try fields.field("linux_info")
        rlimitInfo = try fields.field("rlimit_info")
        ttyInfo = try fields.field("tty_info")
        unknownFields = try fields.unknownFields(known: Self.knownKeys)
    }

    public func encode(to encoder: any Encoder) throws {
        var fields = encoder.container(keyedBy: WireKey.self)
        try fields.field(type, "type")
        try fields.field(volumes, "volumes")
        try fields.field(hostname, "hostname")
        try fields.field(mesos, "mesos")
        try fields.field(docker, "docker")
        try fields.field(networkInfos, "network_infos")
        try fields.field(linuxInfo, "linux_info")
        try fields.field(rlimitInfo, "rlimit_info")
        try fields.field(ttyInfo, "tty_info")
        try fields.unknownFields(unknownFields)
    }
}

extension ContainerInfo.Volume: Codable {
    static let knownKeys: Set<String> = ["container_path", "host_path", "mode", "image", "source"]

    public init(from decoder: any Decoder) throws {
        let fields = try decoder.container(keyedBy: WireKey.self)
        containerPath = try fields.field("container_path")
        hostPath = try fields.field("host_path")
        mode = try fields.field("mode")
        image = try fields.field("image")
        source = try fields.field("source")
        unknownFields = try fields.unknownFields(known: Self.knownKeys)
    }

    public func encode(to encoder: any Encoder) throws {
        var fields = encoder.container(keyedBy: WireKey.self)
        try fields.field(containerPath, "container_path")
        try fields.field(hostPath, "host_path")
        try fields.field(mode, "mode")
        try fields.field(image, "image")
        try fields.field(source, "source")
        try fields.unknownFields(unknownFields)
    }
}

extension ContainerInfo.MesosInfo: Codable {
    public init(from decoder: any Decoder) throws {
        let fields = try decoder.container(keyedBy: WireKey.self)
        image = try fields.field("image")
        unknownFields = try fields.unknownFields(known: ["image"])
    }

    public func encode(to encoder: any Encoder) throws {
        var fields = encoder.container(keyedBy: WireKey.self)
        try fields.field(image, "image")
        try fields.unknownFields(unknownFields)
    }
}

extension ContainerInfo.Image: Codable {
    static let knownKeys: Set<String> = ["type", "docker", "appc", "cached"]

    public init(from decoder: any Decoder) throws {
        let fields = try decoder.container(keyedBy: WireKey.self)
        type = try fields.field("type")
        docker = try fields.field("docker")
        appc = try fields.field("appc")
        cached = try fields.field("cached")
        unknownFields = try fields.unknownFields(known: Self.knownKeys)
    }

    public func encode(to encoder: any Encoder) throws {
        var fields = encoder.container(keyedBy: WireKey.self)
        try fields.field(type, "type")
        try fields.field(docker, "docker")
        try fields.field(appc, "appc")
        try fields.field(cached, "cached")
        try fields.unknownFields(unknownFields)
    }
}

extension ContainerInfo.Image.Docker: Codable {
    public init(from decoder: any Decoder) throws {
        let fields = try decoder.container(keyedBy: WireKey.self)
        name = try fields.field("name")
        credential = try fields.field("credential")
        config = try fields.field("config")
        unknownFields = try fields.unknownFields(known: ["name", "credential", "config"])
    }

    public func encode(to encoder: any Encoder) throws {
        var fields = encoder.container(keyedBy: WireKey.self)
        try fields.field(name, "name")
        try fields.field(credential, "credential")
        try fields.field(config, "config")
        try fields.unknownFields(unknownFields)
    }
}

extension ContainerInfo.DockerInfo: Codable {
    static let knownKeys: Set<String> = [
        "image", "network", "port_mappings", "privileged", "parameters", "force_pull_image", "volume_driver",
    ]

    public init(from decoder: any Decoder) throws {
        let fields = try decoder.container(keyedBy: WireKey.self)
        image = try fields.field("image")
        network = try fields.field("network")
        portMappings = try fields.field("port_mappings")
        privileged = try fields.field("privileged")
        parameters = try fields.field("parameters")
        forcePullImage = try fields.field("force_pull_image")
        volumeDriver = try fields.field("volume_driver")
        unknownFields = try fields.unknownFields(known: Self.knownKeys)
    }

    public func encode(to encoder: any Encoder) throws {
        var fields = encoder.container(keyedBy: WireKey.self)
        try fields.field(image, "image")
        try fields.field(network, "network")
        try fields.field(portMappings, "port_mappings")
        try fields.field(privileged, "privileged")
        try fields.field(parameters, "parameters")
        try fields.field(forcePullImage, "force_pull_image")
        try fields.field(volumeDriver, "volume_driver")
        try fields.unknownFields(unknownFields)
    }
}

extension ContainerInfo.LinuxInfo: Codable {
    static let knownKeys: Set<String> = [
        "share_pid_namespace", "capability_info", "bounding_capabilities", "effective_capabilities", "seccomp",
        "ipc_mode", "shm_size",
    ]

    public init(from decoder: any Decoder) throws {
        let fields = try decoder.container(keyedBy: WireKey.self)
        sharePIDNamespace = try fields.field("share_pid_namespace")
        capabilityInfo = try fields.field("capability_info")
        boundingCapabilities = try fields.field("bounding_capabilities")
        effectiveCapabilities = try fields.field("effective_capabilities")
        seccomp = try fields.field("seccomp")
        ipcMode = try fields.field("ipc_mode")
        shmSize = try fields.field("shm_size")
        unknownFields = try fields.unknownFields(known: Self.knownKeys)
    }

    public func encode(to encoder: any Encoder) throws {
        var fields = encoder.container(keyedBy: WireKey.self)
        try fields.field(sharePIDNamespace, "share_pid_namespace")
        try fields.field(capabilityInfo, "capability_info")
        try fields.field(boundingCapabilities, "bounding_capabilities")
        try fields.field(effectiveCapabilities, "effective_capabilities")
        try fields.field(seccomp, "seccomp")
        try fields.field(ipcMode, "ipc_mode")
        try fields.field(shmSize, "shm_size")
        try fields.unknownFields(unknownFields)
    }
}
