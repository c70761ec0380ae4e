import AgentCore
import Containerizer
import Foundation
import MesosModel

extension LaunchPlan {
    /// The container the task (command task) or the executor (custom executor) asks for.
    var containerInfo: ContainerInfo? { task?.container ?? executor?.container }
}

extension AgentServer {
    /// Resolves the image (the local store first unless `force_pull_image`, else a pull),
    /// provisions its rootfs, writes the runc bundle and returns how to run it.
    func prepareImageContainer(
        containerID: ContainerID, info: ContainerInfo, plan: LaunchPlan, environment: [String: String],
        sandbox: String
    ) async throws -> LaunchSpec {
        guard let images else {
            throw ImageError.runtimeFailed(imagesUnavailableReason ?? "image containers are not available")
        }
        guard let name = info.imageName else { throw ImageError.malformed("the container names no image") }
        let image: ImageReference
        if !info.forcePullImage, let local = try? images.store.image(named: name) {
            image = local
        } else {
            image = try await images.puller.pull(name)
        }
        let rootfs = try images.rootfs.provision(image: image, containerID: containerID.value)
        var cgroupsPath: String?
        if let cgroups {
            let limits = IsolationConfig.limits(resources: plan.resources, limits: plan.task?.limits)
            try cgroups.prepare(containerID: containerID.value, limits: isolation.effective(limits))
            cgroupsPath = "/" + cgroups.baseName + "/" + containerID.value
        }
        var spec = OCIContainerSpec(
            containerID: containerID.value, rootfs: rootfs.path, image: image.config,
            command: Self.imageCommand(plan.command, type: info.type),
            environment: Self.containerEnvironment(environment), sandbox: sandbox,
            volumes: info.hostPathVolumes.map {
                OCIVolume(hostPath: $0.hostPath, containerPath: $0.containerPath, readOnly: $0.readOnly)
            })
        spec.cgroupsPath = cgroupsPath
        return try images.runtime.prepare(spec)
    }

    /// Mesos' rules for a command in an image container: a shell command runs under the
    /// image's /bin/sh; a plain command replaces the entrypoint; bare arguments replace the
    /// image's cmd; no command runs the image's entrypoint and cmd.
    static func imageCommand(_ command: CommandInfo, type: ContainerInfo.ContainerType?) -> OCIProcessCommand {
        let value = command.value ?? ""
        if command.isShell {
            return value.isEmpty ? .image : .shell(value)
        }
        let arguments = command.arguments ?? []
        if value.isEmpty {
            return arguments.isEmpty ? .image : .imageEntrypoint(arguments: arguments)
        }
        // DOCKER type: `docker run image value args` puts the value after the entrypoint.
        if type == .docker { return .imageEntrypoint(arguments: [value] + arguments.dropFirst()) }
        return .argv([value] + arguments.dropFirst())
    }

    /// Inside an image container only the MESOS_* variables, ports and the task's own
    /// environment apply — not the agent's — and the sandbox is at its mount point.
    static func containerEnvironment(_ environment: [String: String]) -> [String: String] {
        let hostOnly = Set(ProcessInfo.processInfo.environment.keys)
        var env = environment.filter { !hostOnly.contains($0.key) || $0.key.hasPrefix("MESOS_") }
        env["MESOS_SANDBOX"] = OCIBundle.sandboxMountPoint
        env["MESOS_DIRECTORY"] = OCIBundle.sandboxMountPoint
        return env
    }

    /// SIGTERM through runc, then SIGKILL to everything once the grace period is over.
    func terminateImageContainer(_ container: Container, gracePeriod: Duration) async {
        guard let runtime = images?.runtime else { return }
        let graceful = await runtime.stop(
            container.containerID.value, record: container.record, supervisor: supervisor, gracePeriod: gracePeriod)
        if graceful { return }
        if let cgroups { try? await cgroups.destroy(containerID: container.containerID.value) }
        _ = await supervisor.terminate(container.record, gracePeriod: .zero)
    }

    /// runc's state, the bundle and the rootfs mount of an ended image container.
    func releaseImageContainer(_ containerID: ContainerID) {
        guard let images else { return }
        do {
            try images.runtime.delete(containerID.value)
        } catch {
            logger.warning("runc state of \(containerID) not removed: \(error)")
        }
        do {
            try images.rootfs.release(containerID: containerID.value)
        } catch {
            logger.warning("rootfs of \(containerID) not removed: \(error)")
        }
    }
}

/// The image store, rootfs provisioner, registry client and runc of an agent.
struct ImageServices: Sendable {
    var store: ImageStore
    var rootfs: ImageRootfs
    var puller: ImagePuller
    var runtime: OCIRuntime

    init(workDir: String, registry: RegistryOptions) throws {
        store = try ImageStore(root: workDir + "/images")
        rootfs = try ImageRootfs(root: workDir + "/provisioner", store: store)
        puller = ImagePuller(store: store, options: registry)
        runtime = try OCIRuntime(stateRoot: workDir + "/runc", bundleRoot: workDir + "/bundles")
    }
}
