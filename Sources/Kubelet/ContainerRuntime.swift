import Containerizer
import Foundation
import KubeletCore

/// One running instance of a pod's container.
struct RunningContainer: Sendable {
    var runtimeID: String
    var name: String
    var record: SupervisorRecord
    var oci: Bool
    var logPath: String
    /// runc writes the container's init pid here (OCI only).
    var pidFile: String?
    var environment: [String: String]
    var workingDirectory: String
}

/// What one container start needs from the pod worker.
struct ContainerLaunch: Sendable {
    var runtimeID: String
    var config: ContainerConfig
    /// The image as stored, for OCI containers; nil runs a host process (RuntimeClass `process`).
    var image: ImageReference?
    var podDirectory: String
    var logPath: String
    var networkNamespace: String?
    var mounts: [OCIVolume]
    var resources: OCIResources?
    /// The pod's hostname, for OCI containers.
    var hostname: String?
}

/// Runs containers for the kubelet with the agent's own machinery: images from the registry
/// into a local store, rootfs provisioning, runc under `mesokube-supervisor` (so a container
/// outlives a kubelet restart), and host processes for RuntimeClass `process`.
final class ContainerRuntime: Sendable {
    let supervisor: ContainerSupervisor
    let store: ImageStore
    let rootfs: ImageRootfs
    let puller: ImagePuller
    let runc: OCIRuntime?
    let root: String
    /// The cgroup (under each hierarchy's root) that holds every OCI container's own cgroup.
    static let podCgroupParent = "mesokube-pods"

    init(root: String, registry: RegistryOptions) throws {
        self.root = root
        supervisor = try ContainerSupervisor()
        store = try ImageStore(root: root + "/images")
        rootfs = try ImageRootfs(root: root + "/provisioner", store: store)
        puller = ImagePuller(store: store, options: registry)
        runc = try? OCIRuntime(stateRoot: root + "/runc", bundleRoot: root + "/bundles")
    }

    /// The image for `name`: the local copy unless the policy says `Always`, else a pull.
    /// Returns the image and, when it went to a registry, how long that took.
    func ensureImage(_ name: String, pullPolicy: String) async throws(ImageError) -> (ImageReference, pulled: Bool) {
        if pullPolicy != "Always", let local = try? store.image(named: name) { return (local, false) }
        if pullPolicy == "Never" { throw .notFound(name) }
        return (try await puller.pull(name), true)
    }

    func locallyPresent(_ name: String) -> Bool { (try? store.image(named: name)) != nil }

    /// Starts the container under its supervisor.
    func start(_ launch: ContainerLaunch) async throws -> RunningContainer {
        let run = root + "/run/" + launch.runtimeID
        let environment = launch.config.environmentDictionary
        if let image = launch.image {
            guard let runc else { throw ImageError.runtimeMissing }
            let provisioned = try rootfs.provision(image: image, containerID: launch.runtimeID)
            var imageConfig = image.config
            if let directory = launch.config.workingDir { imageConfig.workingDir = directory }
            var spec = OCIContainerSpec(
                containerID: launch.runtimeID, rootfs: provisioned.path, image: imageConfig,
                command: Self.ociCommand(launch.config), environment: environment, sandbox: launch.podDirectory,
                volumes: launch.mounts, networkNamespace: launch.networkNamespace)
            spec.cgroupsPath = Self.cgroupPath(launch.runtimeID)
            spec.resources = launch.resources
            spec.hostname = launch.hostname
            var process = try runc.prepare(spec, keepAfterExit: true)
            process.stdoutPath = launch.logPath
            process.stderrPath = launch.logPath
            let record = try await supervisor.launch(SupervisedLaunch(spec: process, runDirectory: run))
            return RunningContainer(
                runtimeID: launch.runtimeID, name: launch.config.name, record: record, oci: true,
                logPath: launch.logPath, pidFile: runc.bundleRoot + "/" + launch.runtimeID + "/pid",
                environment: Self.dictionary(OCIBundle.environment(image: imageConfig, extra: environment)),
                workingDirectory: imageConfig.workingDir.isEmpty ? "/" : imageConfig.workingDir)
        }
        let argv = (launch.config.command ?? []) + (launch.config.args ?? [])
        guard let executable = argv.first else {
            throw ContainerConfigError(
                "a container of RuntimeClass process needs a command: it has no image entrypoint to fall back on")
        }
        var hostEnvironment = environment
        if hostEnvironment["PATH"] == nil { hostEnvironment["PATH"] = ProcessLauncher.defaultSearchPath }
        let directory = launch.config.workingDir ?? launch.podDirectory
        let spec = LaunchSpec(
            command: .argv(executable: executable, arguments: argv), environment: hostEnvironment,
            workingDirectory: directory, stdoutPath: launch.logPath, stderrPath: launch.logPath)
        let record = try await supervisor.launch(
            SupervisedLaunch(spec: spec, runDirectory: run, networkNamespace: launch.networkNamespace))
        return RunningContainer(
            runtimeID: launch.runtimeID, name: launch.config.name, record: record, oci: false, logPath: launch.logPath,
            pidFile: nil, environment: hostEnvironment, workingDirectory: directory)
    }

    /// `NAME=value` entries as a dictionary.
    static func dictionary(_ entries: [String]) -> [String: String] {
        var result: [String: String] = [:]
        for entry in entries {
            let parts = entry.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            result[String(parts[0])] = parts.count > 1 ? String(parts[1]) : ""
        }
        return result
    }

    /// Kubernetes' rule: `command` replaces the entrypoint (and drops the image's cmd), `args`
    /// replaces the cmd.
    static func ociCommand(_ config: ContainerConfig) -> OCIProcessCommand {
        switch (config.command, config.args) {
        case (let command?, let args): .argv(command + (args ?? []))
        case (nil, let args?): .imageEntrypoint(arguments: args)
        case (nil, nil): .image
        }
    }

    /// How the container ended, in the kubelet core's terms.
    func waitForExit(_ container: RunningContainer) async -> ContainerExit {
        switch await supervisor.waitForExit(container.record) {
        case .exited(.exited(let code)):
            // runc reports its container killed by a signal as 128 + the signal: 137 for SIGKILL,
            // which is what the OOM killer sends.
            return ContainerExit(exitCode: Int64(code), oomKilled: code == 137 && oomKilled(container))
        case .exited(.signaled(let signal)):
            return ContainerExit(
                exitCode: 128 + Int64(signal), oomKilled: signal == 9 && oomKilled(container), signal: Int64(signal))
        case .setupFailed(let message):
            return ContainerExit(exitCode: 128, message: message)
        case .lost:
            return ContainerExit(exitCode: 137, message: "the container's supervisor vanished")
        }
    }

    static func cgroupPath(_ runtimeID: String) -> String { "/\(podCgroupParent)/" + runtimeID }

    /// Host-process containers have no cgroup of their own, so only OCI containers can tell.
    private func oomKilled(_ container: RunningContainer) -> Bool {
        container.oci && OOMKills.happened(inCgroup: Self.cgroupPath(container.runtimeID))
    }

    /// SIGTERM to the container's processes, SIGKILL after the grace period.
    func stop(_ container: RunningContainer, gracePeriod: Duration) async {
        guard container.oci, let runc else {
            _ = await supervisor.terminate(container.record, gracePeriod: gracePeriod)
            return
        }
        let graceful = await runc.stop(
            container.runtimeID, record: container.record, supervisor: supervisor, gracePeriod: gracePeriod)
        if !graceful { _ = await supervisor.terminate(container.record, gracePeriod: .seconds(1)) }
    }

    /// runc's state, the bundle and the rootfs of an ended container.
    func release(_ container: RunningContainer) {
        try? FileManager.default.removeItem(atPath: root + "/run/" + container.runtimeID)
        guard container.oci, let runc else { return }
        try? runc.delete(container.runtimeID)
        try? rootfs.release(containerID: container.runtimeID)
    }

    /// Containers an earlier kubelet of this node left behind (it was killed, or the host
    /// rebooted): the kubelet does not adopt them, so each is killed (host processes through
    /// their supervisor, OCI containers through runc) and its runc state, bundle, cgroup and rootfs
    /// removed. Returns their ids.
    func removeLeftovers() -> [String] {
        let fileManager = FileManager.default
        var ids = Set((try? fileManager.contentsOfDirectory(atPath: root + "/run")) ?? [])
        if let runc { ids.formUnion((try? fileManager.contentsOfDirectory(atPath: runc.stateRoot)) ?? []) }
        for id in ids where !id.hasPrefix(".") {
            // Host processes (and runc's foreground process) outlive a kubelet by design.
            supervisor.killUnrecorded(runDirectory: root + "/run/" + id)
            if let runc {
                try? runc.delete(id)
                try? rootfs.release(containerID: id)
            }
            try? fileManager.removeItem(atPath: root + "/run/" + id)
        }
        return ids.sorted()
    }

    /// A pid inside the container, for exec and exec probes: runc's init of an OCI container,
    /// the process itself otherwise.
    func targetPID(_ container: RunningContainer) -> Int32? {
        if let pidFile = container.pidFile {
            guard let text = try? String(contentsOfFile: pidFile, encoding: .utf8) else { return nil }
            return Int32(text.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        return container.record.taskPID
    }

    /// argv that runs `command` inside the container's namespaces (and, for an image container,
    /// its root filesystem, which its mount namespace already is).
    func enterCommand(_ container: RunningContainer, _ command: [String]) -> [String]? {
        guard let pid = targetPID(container) else { return nil }
        var argv = ["nsenter", "--target", String(pid), "--mount", "--uts", "--ipc", "--net", "--pid"]
        if container.oci { argv.append("--root") }
        argv.append("--wd=" + container.workingDirectory)
        return argv + ["--"] + command
    }
}
