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
public final class PersistentVolumeController: ContextualController {
    public static let component = "persistentvolume-controller"

    let context: ControllerContext
    let claims: Informer
    let volumes: Informer
    let classes: Informer
    let nodes: Informer
    let provisioner: LocalPathProvisioner
    /// Events already recorded per object uid and reason, so a claim waiting for its first
    /// consumer does not get the same event on every resync.
    private let recorded = Mutex<Set<String>>([])

    private init(_ context: ControllerContext, provisioner: LocalPathProvisioner) async {
        self.context = context
        self.provisioner = provisioner
        claims = await context.informer(.persistentVolumeClaims)
        volumes = await context.informer(.persistentVolumes)
        classes = await context.informer(.storageClasses)
        nodes = await context.informer(.nodes)
        await registerHandlers()
    }

    /// A controller on the factory's shared informers, its handlers registered.
    public static func make(
        factory: InformerFactory, provisioner: LocalPathProvisioner, queue: WorkQueue<String> = WorkQueue(),
        workers: Int = 1, logger: Logger
    ) async -> PersistentVolumeController {
        await PersistentVolumeController(
            ControllerContext(
                name: "persistentvolume-binder", component: component, factory: factory, queue: queue,
                workers: workers, logger: logger),
            provisioner: provisioner)
    }

    public var queue: WorkQueue<String> { context.queue }
    public var loop: ControllerLoop { context.loop { [self] key in try await sync(key) } }

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

    /// A claim queues itself and its volume; a volume queues itself and its claim. A deleted
    /// claim queues the volumes still bound to it, and a new or freed volume (or a new class)
    /// may fit a claim that is waiting.
    private func registerHandlers() async {
        await context.enqueue(from: claims) { event in
            let volumeName = event.object[path: ["spec", "volumeName"]]?.stringValue ?? ""
            return [Informer.key(event.object)] + (volumeName.isEmpty ? [] : [volumeName])
        }
        let (claims, volumes) = (self.claims, self.volumes)
        await context.enqueueLater(from: claims, when: { $0.isDeletion }) { event in
            await volumes.list().filter { $0[path: ["spec", "claimRef", "uid"]]?.stringValue == event.object.uid }
                .map(\.name)
        }
        await context.enqueue(from: volumes) { event in
            guard let reference = event.object[path: ["spec", "claimRef"]], reference != .null else {
                return [event.object.name]
            }
            let claim = Informer.key(
                namespace: reference["namespace"]?.stringValue ?? "", name: reference["name"]?.stringValue ?? "")
            return [event.object.name, claim]
        }
        let unboundClaims: @Sendable (InformerEvent) async -> [String] = { _ in
            await claims.list().filter { ($0[path: ["spec", "volumeName"]]?.stringValue ?? "").isEmpty }
                .map { Informer.key($0) }
        }
        await context.enqueueLater(from: volumes, unboundClaims)
        await context.enqueueLater(from: classes, unboundClaims)
    }

    // MARK: Sync

    public func sync(_ key: String) async throws {
        let world = VolumeWorld(
            claims: await claims.list(), volumes: await volumes.list(), classes: await classes.list(),
            nodes: await nodes.list())
        let (namespace, name) = Informer.split(key: key)
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
                .persistentVolumes, name: name, options: .deleteOptions(uid: uid))
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
