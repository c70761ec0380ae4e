import Foundation

/// A host path made visible inside the container.
public struct OCIVolume: Sendable, Equatable {
    public var hostPath: String
    public var containerPath: String
    public var readOnly: Bool

    public init(hostPath: String, containerPath: String, readOnly: Bool = false) {
        self.hostPath = hostPath
        self.containerPath = containerPath
        self.readOnly = readOnly
    }
}

/// What the container runs, following Mesos' rules for image containers.
public enum OCIProcessCommand: Sendable, Equatable {
    /// The image's entrypoint followed by its cmd.
    case image
    /// The image's entrypoint followed by these arguments (they replace the image's cmd).
    case imageEntrypoint(arguments: [String])
    /// `CommandInfo.shell`: `/bin/sh -c <value>` in the container.
    case shell(String)
    /// An explicit argv, replacing entrypoint and cmd.
    case argv([String])
}

/// cgroup limits runc applies to the container (`linux.resources`); nil fields are left alone.
public struct OCIResources: Sendable, Equatable {
    public var cpuShares: UInt64?
    /// CFS quota per `cpuPeriod` microseconds.
    public var cpuQuota: Int64?
    public var cpuPeriod: UInt64?
    public var memoryLimitBytes: Int64?

    public init(
        cpuShares: UInt64? = nil, cpuQuota: Int64? = nil, cpuPeriod: UInt64? = nil, memoryLimitBytes: Int64? = nil
    ) {
        self.cpuShares = cpuShares
        self.cpuQuota = cpuQuota
        self.cpuPeriod = cpuPeriod
        self.memoryLimitBytes = memoryLimitBytes
    }

    var json: [String: Any] {
        var cpu: [String: Any] = [:]
        if let cpuShares { cpu["shares"] = cpuShares }
        if let cpuQuota { cpu["quota"] = cpuQuota }
        if let cpuPeriod { cpu["period"] = cpuPeriod }
        var result: [String: Any] = [:]
        if !cpu.isEmpty { result["cpu"] = cpu }
        if let memoryLimitBytes { result["memory"] = ["limit": memoryLimitBytes] }
        return result
    }
}

/// Everything needed to write an OCI runtime bundle for one container.
public struct OCIContainerSpec: Sendable {
    public var containerID: String
    /// The provisioned root filesystem (see `ImageRootfs`).
    public var rootfs: String
    public var image: ImageConfig
    public var command: OCIProcessCommand
    /// Added to (and overriding) the image's environment.
    public var environment: [String: String]
    /// The host sandbox, bind-mounted at `OCIBundle.sandboxMountPoint`.
    public var sandbox: String
    public var volumes: [OCIVolume]
    /// `linux.cgroupsPath`: a cgroup the agent prepared (with its limits) for runc to join.
    public var cgroupsPath: String?
    /// The pod's network namespace (`PodNetworkAttachment.namespacePath`), which runc joins;
    /// every container of a pod names the same one. Nil: the host's network, as before pods
    /// had networks of their own.
    public var networkNamespace: String?
    /// Limits for runc to set on the container's cgroup (a pod container's requests and limits).
    public var resources: OCIResources?
    /// The UTS hostname (a pod's name, for pod containers); nil: the container's id.
    public var hostname: String?

    public init(
        containerID: String, rootfs: String, image: ImageConfig, command: OCIProcessCommand = .image,
        environment: [String: String] = [:], sandbox: String, volumes: [OCIVolume] = [],
        networkNamespace: String? = nil
    ) {
        self.containerID = containerID
        self.rootfs = rootfs
        self.image = image
        self.command = command
        self.environment = environment
        self.sandbox = sandbox
        self.volumes = volumes
        self.networkNamespace = networkNamespace
    }
}

/// Builds the `config.json` of an OCI runtime bundle (runtime spec 1.0).
public enum OCIBundle {
    /// Where the sandbox appears inside the container (Mesos' path; MESOS_SANDBOX points at it).
    public static let sandboxMountPoint = "/mnt/mesos/sandbox"
    static let defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
    /// Docker's default capability set: enough for ordinary services, no administration.
    static let capabilities = [
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID",
        "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL",
        "CAP_AUDIT_WRITE",
    ]

    /// The process argv for `command` against the image config.
    public static func arguments(_ command: OCIProcessCommand, image: ImageConfig) throws(ImageError) -> [String] {
        let argv: [String]
        switch command {
        case .image: argv = image.entrypoint + image.cmd
        case .imageEntrypoint(let arguments): argv = image.entrypoint + arguments
        case .shell(let value): argv = ["/bin/sh", "-c", value]
        case .argv(let explicit): argv = explicit
        }
        guard !argv.isEmpty else { throw .malformed("the image has no entrypoint or cmd and no command was given") }
        return argv
    }

    /// Image env, then the given env (which wins), plus PATH if missing and MESOS_SANDBOX.
    public static func environment(image: ImageConfig, extra: [String: String]) -> [String] {
        var order: [String] = []
        var values: [String: String] = [:]
        func set(_ key: String, _ value: String) {
            if values[key] == nil { order.append(key) }
            values[key] = value
        }
        for entry in image.env {
            let parts = entry.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            set(String(parts[0]), parts.count > 1 ? String(parts[1]) : "")
        }
        for key in extra.keys.sorted() { set(key, extra[key] ?? "") }
        if values["PATH"] == nil { set("PATH", defaultPath) }
        set("MESOS_SANDBOX", sandboxMountPoint)
        return order.map { "\($0)=\(values[$0] ?? "")" }
    }

    /// Numeric `uid[:gid]` (names need the image's passwd file, which is not read yet).
    public static func user(_ user: String) throws(ImageError) -> (uid: UInt32, gid: UInt32) {
        if user.isEmpty { return (0, 0) }
        let parts = user.split(separator: ":", maxSplits: 1)
        guard let uid = UInt32(parts[0]), parts.count == 1 || UInt32(parts[1]) != nil else {
            throw .malformed("user '\(user)' is not numeric uid[:gid]; user names are not supported yet")
        }
        return (uid, parts.count > 1 ? UInt32(parts[1]) ?? 0 : 0)
    }

    /// The bundle's config.json.
    public static func configJSON(_ spec: OCIContainerSpec) throws -> Data {
        let (uid, gid) = try user(spec.image.user)
        let cwd = spec.image.workingDir.hasPrefix("/") ? spec.image.workingDir : "/"
        let process: [String: Any] = [
            "terminal": false, "user": ["uid": uid, "gid": gid], "args": try arguments(spec.command, image: spec.image),
            "env": environment(image: spec.image, extra: spec.environment), "cwd": cwd,
            "capabilities": ["bounding": capabilities, "effective": capabilities, "permitted": capabilities],
            "rlimits": [["type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024]], "noNewPrivileges": true,
        ]
        var linux: [String: Any] = [
            "namespaces": namespaces(spec),
            "cgroupsPath": spec.cgroupsPath ?? "/mesokube-oci/" + spec.containerID,
            "maskedPaths": ["/proc/kcore", "/proc/keys", "/proc/timer_list", "/sys/firmware"],
            "readonlyPaths": ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"],
        ]
        if let resources = spec.resources?.json, !resources.isEmpty { linux["resources"] = resources }
        let config: [String: Any] = [
            "ociVersion": "1.0.2", "process": process, "root": ["path": spec.rootfs, "readonly": false],
            "hostname": spec.hostname ?? String(spec.containerID.prefix(63)), "mounts": mounts(spec), "linux": linux,
        ]
        return try JSONSerialization.data(withJSONObject: config, options: [.sortedKeys, .prettyPrinted])
    }

    /// New pid, mount, ipc and uts namespaces; the network namespace is joined by path (a
    /// namespace with a path is entered, not created), or left out to share the host's.
    static func namespaces(_ spec: OCIContainerSpec) -> [[String: String]] {
        var namespaces = ["pid", "mount", "ipc", "uts"].map { ["type": $0] }
        if let path = spec.networkNamespace { namespaces.append(["type": "network", "path": path]) }
        return namespaces
    }

    private static func mounts(_ spec: OCIContainerSpec) -> [[String: Any]] {
        var mounts: [[String: Any]] = [
            ["destination": "/proc", "type": "proc", "source": "proc"],
            [
                "destination": "/dev", "type": "tmpfs", "source": "tmpfs",
                "options": ["nosuid", "strictatime", "mode=755", "size=65536k"],
            ],
            [
                "destination": "/dev/pts", "type": "devpts", "source": "devpts",
                "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"],
            ],
            [
                "destination": "/dev/shm", "type": "tmpfs", "source": "shm",
                "options": ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"],
            ],
            [
                "destination": "/sys", "type": "sysfs", "source": "sysfs",
                "options": ["nosuid", "noexec", "nodev", "ro"],
            ],
            ["destination": sandboxMountPoint, "type": "bind", "source": spec.sandbox, "options": ["rbind", "rw"]],
        ]
        for volume in spec.volumes {
            mounts.append([
                "destination": volume.containerPath, "type": "bind", "source": volume.hostPath,
                "options": ["rbind", volume.readOnly ? "ro" : "rw"],
            ])
        }
        return mounts
    }
}
