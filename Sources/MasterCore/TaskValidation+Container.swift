import MesosModel

/// `TaskInfo.container`: what the containerizer can run (MESOS containers with a Docker image or
/// none, DOCKER containers, host-path volumes, the host network) and clear refusals for the rest.
extension TaskValidation {
    static func containerError(_ container: ContainerInfo) -> String? {
        switch container.type {
        case nil:
            return "ContainerInfo.type is required (MESOS or DOCKER)"
        case .mesos?:
            if let error = mesosContainerError(container) { return error }
        case .docker?:
            if let error = dockerContainerError(container) { return error }
        case let other?:
            return "ContainerInfo.type '\(other)' is not supported: use MESOS or DOCKER"
        }
        if let error = commonFieldsError(container, prefix: "ContainerInfo") { return error }
        return volumesError(container.volumes ?? [], hasImage: container.imageName != nil)
    }

    /// MESOS containers: no image, or a Docker image by name.
    private static func mesosContainerError(_ container: ContainerInfo) -> String? {
        guard let image = container.mesos?.image else { return nil }
        guard let type = image.type else { return "Image.type is required (DOCKER)" }
        guard type == .docker else { return "Only Docker images are supported (got image type '\(type)')" }
        guard let docker = image.docker, let name = docker.name, !name.trimmingWhitespace.isEmpty else {
            return "Image.docker.name is required for a DOCKER image"
        }
        if docker.credential != nil {
            return "Image.docker.credential is not supported \(seeDocs)"
        }
        if docker.config != nil {
            return "Image.docker.config (registry secrets) is not supported \(seeDocs)"
        }
        return nil
    }

    /// DOCKER containers run their image through the same OCI runtime, in the host network and
    /// without Docker-daemon options.
    private static func dockerContainerError(_ container: ContainerInfo) -> String? {
        guard let docker = container.docker else {
            return "DockerInfo 'docker' is not set for DOCKER typed ContainerInfo"
        }
        guard let image = docker.image, !image.trimmingWhitespace.isEmpty else {
            return "DockerInfo.image is required for a DOCKER container"
        }
        if let parameters = docker.parameters, !parameters.isEmpty {
            let keys = parameters.map(\.key).joined(separator: ", ")
            return "DockerInfo.parameters (\(keys)) is not supported \(seeDocs)"
        }
        if docker.privileged == true {
            return "DockerInfo.privileged is not supported \(seeDocs)"
        }
        if docker.effectiveNetwork != .host {
            return "DockerInfo.network \(docker.effectiveNetwork) is not supported: "
                + "containers run in the host network \(seeDocs)"
        }
        if let mappings = docker.portMappings, !mappings.isEmpty {
            return "DockerInfo.port_mappings is not supported: containers run in the host network, "
                + "use the task's ports resources (PORT0...) \(seeDocs)"
        }
        if let driver = docker.volumeDriver, !driver.isEmpty {
            return "DockerInfo.volume_driver is not supported \(seeDocs)"
        }
        return nil
    }

    /// Fields that would need network, namespace or terminal support Mesokube does not have.
    static func commonFieldsError(_ container: ContainerInfo, prefix: String) -> String? {
        if container.hostname != nil {
            return "\(prefix).hostname is not supported: containers share the host's network and hostname \(seeDocs)"
        }
        if let networks = container.networkInfos, !networks.isEmpty {
            return "\(prefix).network_infos is not supported: containers run in the host network \(seeDocs)"
        }
        if let field = container.linuxInfo?.nonDefaultFields.first {
            return "\(prefix).linux_info.\(field) is not supported \(seeDocs)"
        }
        if container.rlimitInfo != nil {
            return "\(prefix).rlimit_info is not supported \(seeDocs)"
        }
        if container.ttyInfo != nil {
            return "\(prefix).tty_info is not supported \(seeDocs)"
        }
        return nil
    }

    /// Host-path volumes only. Without an image the container shares the host's filesystem, so
    /// `container_path` must be relative (it lands in the sandbox).
    static func volumesError(_ volumes: [ContainerInfo.Volume], hasImage: Bool) -> String? {
        for (index, volume) in volumes.enumerated() {
            let name = "ContainerInfo.volumes[\(index)]"
            if volume.source != nil {
                return "\(name).source is not supported: only host_path volumes are \(seeDocs)"
            }
            if volume.image != nil {
                return "\(name).image is not supported: only host_path volumes are \(seeDocs)"
            }
            guard let containerPath = volume.containerPath, !containerPath.isEmpty else {
                return "\(name).container_path is required"
            }
            guard let hostPath = volume.hostPath, !hostPath.isEmpty else {
                return "\(name) without host_path is not supported: only host_path volumes are \(seeDocs)"
            }
            if let error = volumePathsError(name, containerPath: containerPath, hostPath: hostPath, hasImage: hasImage)
            {
                return error
            }
            guard let mode = volume.mode else { return "\(name).mode is required (RW or RO)" }
            guard mode == .readWrite || mode == .readOnly else {
                return "\(name).mode '\(mode)' is unknown: use RW or RO"
            }
        }
        return nil
    }

    private static func volumePathsError(
        _ name: String, containerPath: String, hostPath: String, hasImage: Bool
    ) -> String? {
        if !hostPath.hasPrefix("/") {
            return "\(name).host_path must be an absolute path, got '\(hostPath)'"
        }
        if containerPath.split(separator: "/").contains("..") {
            return "\(name).container_path must not contain '..', got '\(containerPath)'"
        }
        if containerPath.hasPrefix("/"), !hasImage {
            return "\(name).container_path must be relative (to the sandbox) for a container without an image, "
                + "got '\(containerPath)'"
        }
        return nil
    }
}
