import Containerizer
import Foundation
import KubeClient
import KubeTypes
import KubeletCore

/// The runtime side of the pod worker: sandbox, images and containers.
extension PodWorker {
    /// The pod's network namespace (or the host's) and its volumes.
    func createSandbox() async {
        let now = Self.now()
        do {
            try FileManager.default.createDirectory(atPath: podDirectory + "/logs", withIntermediateDirectories: true)
            var ips: [String] = []
            startStep("sandbox begun")
            if pod[path: ["spec", "hostNetwork"]]?.boolValue != true, let network = context.network {
                let podID = uid
                let attachment = try await Blocking.run { try network.setUp(podID: podID) }
                self.attachment = attachment
                ips = [attachment.address.description]
                startStep("pod network")
            }
            let (configMaps, secrets) = try await fetchReferences()
            let claims = try await resolveClaimVolumes()
            try volumes.prepare(
                pod: pod, facts: facts(podIPs: ips), configMaps: configMaps, secrets: secrets, claims: claims)
            startStep("volumes")
            try await writeNetworkFiles(podIPs: ips)
            if let podIP = ips.first { try await openHostPorts(podIP: podIP) }
            startStep("sandbox ready")
            feed(.podSandboxReady(podIPs: ips, at: Self.now()))
        } catch {
            context.logger.warning("pod sandbox failed", metadata: ["pod": "\(pod.name)", "error": "\(error)"])
            for proxy in hostPorts { await proxy.stop() }
            hostPorts = []
            feed(.podSandboxFailed(message: "\(error)", at: now))
        }
    }

    /// TCP `hostPort`s of a pod with its own network: relayed from the node's address to the pod.
    func openHostPorts(podIP: String) async throws {
        for container in pod[path: ["spec", "containers"]]?.arrayValue ?? [] {
            for port in container["ports"]?.arrayValue ?? [] {
                guard let hostPort = port["hostPort"]?.intValue, hostPort > 0,
                    let containerPort = port["containerPort"]?.intValue
                else { continue }
                guard (port["protocol"]?.stringValue ?? "TCP") == "TCP" else {
                    throw KubeletError("hostPort \(hostPort): only TCP host ports are supported")
                }
                let host = port["hostIP"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 } ?? context.settings.hostIP
                do {
                    hostPorts.append(
                        try await HostPortProxy.start(
                            host: host, port: Int(hostPort), targetHost: podIP, targetPort: Int(containerPort)))
                } catch {
                    throw KubeletError("failed to open hostPort \(host):\(hostPort): \(error)")
                }
            }
        }
    }

    func releaseSandbox() async {
        for proxy in hostPorts { await proxy.stop() }
        hostPorts = []
        if attachment != nil, let network = context.network {
            let podID = uid
            do {
                try await Blocking.run { try network.tearDown(podID: podID) }
            } catch {
                context.logger.warning(
                    "pod network not torn down", metadata: ["pod": "\(pod.name)", "error": "\(error)"])
            }
            attachment = nil
        }
        try? FileManager.default.removeItem(atPath: podDirectory + "/volumes")
    }

    func facts(podIPs: [String]) -> PodRuntimeFacts {
        PodRuntimeFacts(
            nodeName: context.settings.nodeName, hostIP: context.settings.hostIP,
            podIPs: podIPs.isEmpty ? [context.settings.hostIP] : podIPs)
    }

    var podIPs: [String] { attachment.map { [$0.address.description] } ?? [] }

    /// The ConfigMaps and Secrets the pod names, as data maps (Secrets decoded). Missing ones
    /// are left out: whether that is an error depends on `optional`, which the core's config decides.
    func fetchReferences() async throws -> ([String: [String: String]], [String: [String: String]]) {
        let references = PodReferences(pod: pod)
        var configMaps: [String: [String: String]] = [:]
        var secrets: [String: [String: String]] = [:]
        for name in references.configMaps {
            if let object = try await fetchOptional(.configMaps, name: name) {
                configMaps[name] = object["data"]?.stringMap ?? [:]
            }
        }
        for name in references.secrets {
            if let object = try await fetchOptional(.secrets, name: name) {
                var data: [String: String] = [:]
                for (key, value) in object["data"]?.stringMap ?? [:] {
                    let bytes = Data(base64Encoded: value) ?? Data(value.utf8)
                    data[key] = String(decoding: bytes, as: UTF8.self)
                }
                secrets[name] = data
            }
        }
        return (configMaps, secrets)
    }

    func fetchOptional(_ resource: KubeResource, name: String) async throws -> JSON? {
        do {
            return try await context.client.get(resource, namespace: pod.namespace, name: name)
        } catch let error as KubeAPIError where error.isNotFound {
            return nil
        }
    }

    // MARK: - Images

    func pullImage(container: String, image: String, policy: String) async {
        if usesHostProcesses {
            feed(.imageReady(container: container, imageID: "", imageName: nil, pull: nil, at: Self.now()))
            return
        }
        let present = context.runtime.locallyPresent(image)
        if policy == "Always" || !present, policy != "Never" {
            feed(.imagePulling(container: container, at: Self.now()))
        }
        let began = ContinuousClock.now
        do {
            let (reference, pulled) = try await context.runtime.ensureImage(image, pullPolicy: policy)
            var stats: ImagePullStats?
            if pulled {
                stats = ImagePullStats(
                    durationMilliseconds: (ContinuousClock.now - began).wholeMilliseconds, sizeBytes: 0)
            }
            feed(
                .imageReady(
                    container: container, imageID: reference.name + "@" + reference.manifestDigest,
                    imageName: reference.name, pull: stats, at: Self.now()))
        } catch {
            let failure: ImagePullFailure =
                switch error {
                case .notFound where policy == "Never": .notPresentWithNeverPolicy
                case .malformed: .invalidImageName
                default: .pullFailed
                }
            feed(.imagePullFailed(container: container, failure: failure, message: "\(error)", at: Self.now()))
        }
    }

    // MARK: - Containers

    func containerSpec(_ name: String) -> JSON? {
        let spec = pod["spec"] ?? .emptyObject
        return ((spec["initContainers"]?.arrayValue ?? []) + (spec["containers"]?.arrayValue ?? []))
            .first { $0["name"]?.stringValue == name }
    }

    func startContainer(_ name: String, restartCount: Int) async {
        guard let spec = containerSpec(name) else {
            feed(
                .containerStartFailed(
                    container: name, reason: "CreateContainerConfigError", message: "no such container", at: Self.now())
            )
            return
        }
        let config: ContainerConfig
        let mounts: [OCIVolume]
        do {
            let (configMaps, secrets) = try await fetchReferences()
            config = try ContainerConfig.make(
                container: spec, pod: pod, facts: facts(podIPs: podIPs), configMaps: configMaps, secrets: secrets,
                serviceEnvironment: try await serviceEnvironment())
            mounts = networkFileMounts(for: spec) + (try volumes.mounts(for: spec))
        } catch {
            feed(
                .containerStartFailed(
                    container: name, reason: "CreateContainerConfigError", message: "\(error)", at: Self.now()))
            return
        }
        starts += 1
        let runtimeID = "\(uid.prefix(13))-\(name)-\(restartCount)-\(starts)"
        let logPath = podDirectory + "/logs/\(name)-\(restartCount)-\(starts).log"
        var image: ImageReference?
        if !usesHostProcesses {
            image = try? context.runtime.store.image(named: config.image)
        }
        let launch = ContainerLaunch(
            runtimeID: runtimeID, config: config, image: image, podDirectory: podDirectory, logPath: logPath,
            networkNamespace: attachment?.namespacePath, mounts: mounts, resources: Self.resources(spec),
            hostname: usesHostProcesses ? nil : hostname)
        do {
            if !usesHostProcesses, image == nil {
                throw ImageError.notFound(config.image)
            }
            startStep("container \(name) configured")
            let running = try await context.runtime.start(launch)
            startStep("container \(name) started")
            containers[runtimeID] = running
            logHistory[name, default: []].append(logPath)
            watch(running)
            feed(.containerStarted(container: name, runtimeID: runtimeID, at: Self.now()))
        } catch {
            feed(
                .containerStartFailed(container: name, reason: "RunContainerError", message: "\(error)", at: Self.now())
            )
        }
    }

    static func resources(_ container: JSON) -> OCIResources {
        let limits = ContainerConfig.cgroupLimits(container)
        return OCIResources(
            cpuShares: limits.cpuShares, cpuQuota: limits.cpuQuota, cpuPeriod: limits.cpuPeriod,
            memoryLimitBytes: limits.memoryLimit)
    }

    func watch(_ running: RunningContainer) {
        let runtime = context.runtime
        Task {
            let exit = await runtime.waitForExit(running)
            self.containerExited(running, exit: exit)
        }
    }

    func containerExited(_ running: RunningContainer, exit: ContainerExit) {
        containers.removeValue(forKey: running.runtimeID)
        context.runtime.release(running)
        feed(.containerExited(container: running.name, runtimeID: running.runtimeID, exit: exit, at: Self.now()))
    }

    /// The instance of `name` that runs now, if any.
    func current(_ name: String) -> RunningContainer? {
        containers.values.first { $0.name == name }
    }
}

/// Runs blocking work (iproute2 commands) off the cooperative pool.
enum Blocking {
    static func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Result { try work() })
            }
        }
    }
}
