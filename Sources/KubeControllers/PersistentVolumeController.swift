import Foundation
import KubeClient
import KubeControllersCore
import KubeTypes
import Logging
import Synchronization

/// Binds claims to volumes and provisions local-path volumes (upstream's
/// `persistentvolume-binder-controller` plus k3s's local-path provisioner): reads claims,
/// volumes, StorageClasses and nodes from informers, lets `VolumeBinder` decide, makes its writes.
/// Claim keys are `namespace/name`, volume keys a bare name.
public final class PersistentVolumeController: Sendable {
    public static let component = "persistentvolume-controller"

    public let queue: WorkQueue<String>
    let claims: Informer
    let volumes: Informer
    let classes: Informer
    let nodes: Informer
    let client: KubeClient
    let events: EventRecorder
    let logger: Logger
    let workers: Int
    let provisioner: LocalPathProvisioner
    /// Events already recorded per object uid and reason, so a claim waiting for its first
    /// consumer does not get the same event on every resync.
    private let recorded = Mutex<Set<String>>([])

    public init(
        client: KubeClient, claims: Informer, volumes: Informer, classes: Informer, nodes: Informer,
        provisioner: LocalPathProvisioner, queue: WorkQueue<String> = WorkQueue(), workers: Int = 1, logger: Logger
    ) {
        self.client = client.managed(by: Self.component)
        self.claims = claims
        self.volumes = volumes
        self.classes = classes
        self.nodes = nodes
        self.provisioner = provisioner
        self.queue = queue
        self.workers = workers
        self.logger = logger
        self.events = EventRecorder(client: self.client, component: Self.component, logger: logger)
    }

    public static func make(
        factory: InformerFactory, provisioner: LocalPathProvisioner, queue: WorkQueue<String> = WorkQueue(),
        workers: Int = 1, logger: Logger
    ) async -> PersistentVolumeController {
        let controller = PersistentVolumeController(
            client: factory.client, claims: await factory.informer(for: .persistentVolumeClaims),
            volumes: await factory.informer(for: .persistentVolumes),
            classes: await factory.informer(for: .storageClasses), nodes: await factory.informer(for: .nodes),
            provisioner: provisioner, queue: queue, workers: workers, logger: logger)
        await controller.registerHandlers()
        return controller
    }

    public var loop: ControllerLoop {
        ControllerLoop(name: "persistentvolume-binder", queue: queue, workers: workers, logger: logger) { [self] key in
            try await sync(key)
        }
    }

    /// Creates the `local-path` StorageClass when absent, as k3s does at start; false when the
    /// write failed and should be tried again.
    public func ensureDefaultClass() async -> Bool {
        guard await classes.get(name: LocalPathProvisioner.className) == nil else { return true }
        do {
            _ = try await client.create(.storageClasses, provisioner.storageClass)
        } catch let error as KubeAPIError where error.code == 409 {
            // Created meanwhile: fine.
        } catch {
            logger.warning("creating the local-path StorageClass failed", metadata: ["error": "\(error)"])
            return false
        }
        return true
    }

    // MARK: Informer events

    func registerHandlers() async {
        await claims.addHandler { [self] event in
            let claim = event.object
            queue.add(Informer.key(claim))
            let volumeName = claim[path: ["spec", "volumeName"]]?.stringValue ?? ""
            if !volumeName.isEmpty { queue.add(volumeName) }
            if case .deleted = event { queueVolumes(referring: claim) }
        }
        await volumes.addHandler { [self] event in
            queue.add(event.object.name)
            if let reference = event.object[path: ["spec", "claimRef"]], reference != .null {
                queue.add(
                    Informer.key(
                        namespace: reference["namespace"]?.stringValue ?? "", name: reference["name"]?.stringValue ?? ""
                    ))
            }
            // A new or freed volume may fit a claim that is waiting.
            queueUnboundClaims()
        }
        await classes.addHandler { [self] _ in queueUnboundClaims() }
    }

    private func queueVolumes(referring claim: JSON) {
        let (volumes, queue) = (self.volumes, self.queue)
        Task {
            for volume in await volumes.list()
            where volume[path: ["spec", "claimRef", "uid"]]?.stringValue == claim.uid {
                queue.add(volume.name)
            }
        }
    }

    private func queueUnboundClaims() {
        let (claims, queue) = (self.claims, self.queue)
        Task {
            for claim in await claims.list() where (claim[path: ["spec", "volumeName"]]?.stringValue ?? "").isEmpty {
                queue.add(Informer.key(claim))
            }
        }
    }

    // MARK: Sync

    public func sync(_ key: String) async throws {
        let world = VolumeWorld(
            claims: await claims.list(), volumes: await volumes.list(), classes: await classes.list(),
            nodes: await nodes.list())
        let (namespace, name) = ControllerShell.split(key)
        let subject: EventRecorder.Subject
        let actions: [VolumeAction]
        if namespace.isEmpty {
            guard let volume = await volumes.get(name: name) else { return }
            subject = EventRecorder.Subject(kind: .persistentVolume, namespace: "", name: name, uid: volume.uid)
            actions = VolumeBinder.syncVolume(volume, world: world)
        } else {
            guard let claim = await claims.get(namespace: namespace, name: name) else { return }
            subject = EventRecorder.Subject(
                kind: .persistentVolumeClaim, namespace: namespace, name: name, uid: claim.uid)
            actions = VolumeBinder.syncClaim(claim, world: world, provisioner: provisioner)
        }
        var latest: [String: JSON] = [:]
        for action in actions {
            try await execute(action, subject: subject, latest: &latest)
        }
    }

    /// Makes one write. A later write of the same object carries the resourceVersion the previous
    /// one returned, so a spec update followed by a status update does not conflict with itself.
    private func execute(
        _ action: VolumeAction, subject: EventRecorder.Subject, latest: inout [String: JSON]
    ) async throws {
        func current(_ object: JSON, _ tag: String) -> JSON {
            var result = object
            if let version = latest[tag + Informer.key(object)]?[path: ["metadata", "resourceVersion"]] {
                result[path: ["metadata", "resourceVersion"]] = version
            }
            return result
        }
        switch action {
        case .updateVolume(let volume):
            latest["pv:" + volume.name] = try await client.update(.persistentVolumes, current(volume, "pv:"))
        case .updateVolumeStatus(let volume):
            latest["pv:" + volume.name] = try await client.updateStatus(.persistentVolumes, current(volume, "pv:"))
        case .updateClaim(let claim):
            latest["pvc:" + Informer.key(claim)] = try await client.update(
                .persistentVolumeClaims, current(claim, "pvc:"))
        case .updateClaimStatus(let claim):
            latest["pvc:" + Informer.key(claim)] = try await client.updateStatus(
                .persistentVolumeClaims, current(claim, "pvc:"))
        case .createVolume(let volume):
            do {
                _ = try await client.create(.persistentVolumes, volume)
            } catch let error as KubeAPIError where error.code == 409 {
                // Made by an earlier sync whose result the cache has not shown yet.
            }
        case .deleteVolume(let name, let uid):
            try await deleteVolume(name: name, uid: uid)
        case .claimEvent(let event), .volumeEvent(let event):
            let marker = subject.uid + "/" + event.reason
            let fresh = recorded.withLock { $0.insert(marker).inserted }
            if fresh { await events.record(event.type, reason: event.reason, message: event.message, about: subject) }
        }
    }

    /// Deletes a released volume; for one this provisioner made, its directory too when the
    /// directory is on this machine (all agents of `mesokube dev` share it). On other setups the
    /// directory stays on the node (see docs/kubernetes-compat.md).
    private func deleteVolume(name: String, uid: String) async throws {
        let volume = await volumes.get(name: name)
        do {
            try await client.delete(
                .persistentVolumes, name: name, options: ControllerShell.deleteOptions(uid: uid))
        } catch let error where ControllerShell.isNotFound(error) {
            return
        }
        guard let volume, provisioner.provisioned(volume),
            let path = volume[path: ["spec", "hostPath", "path"]]?.stringValue,
            path.hasPrefix(provisioner.basePath + "/")
        else { return }
        try? FileManager.default.removeItem(atPath: path)
    }
}

extension EventRecorder.Kind {
    public static let persistentVolume = EventRecorder.Kind(apiVersion: "v1", kind: "PersistentVolume")
    public static let persistentVolumeClaim = EventRecorder.Kind(apiVersion: "v1", kind: "PersistentVolumeClaim")
}
