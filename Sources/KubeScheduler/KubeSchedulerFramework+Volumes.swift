import KubeClient
import KubeSchedulerCore
import KubeTypes
import Logging

/// The informers the VolumeBinding plugin reads: claims, volumes and StorageClasses.
public struct VolumeInformers: Sendable {
    public let claims: Informer
    public let volumes: Informer
    public let classes: Informer

    public init(client: KubeClient, logger: Logger) {
        claims = Informer(client: client, resource: .persistentVolumeClaims, logger: logger)
        volumes = Informer(client: client, resource: .persistentVolumes, logger: logger)
        classes = Informer(client: client, resource: .storageClasses, logger: logger)
    }

    var all: [Informer] { [claims, volumes, classes] }

    public func start() async {
        for informer in all { await informer.start() }
        for informer in all { await informer.waitForSync() }
    }

    public func stop() async {
        for informer in all { await informer.stop() }
    }
}

/// Pods with persistent volume claims: the scheduler reads claims and volumes to place them, and
/// once it has chosen a node for a pod whose claim waits for its first consumer, it names that
/// node on the claim (`volume.kubernetes.io/selected-node`) so the provisioner makes the volume
/// there. Upstream's scheduler also binds static volumes itself; here the binder does that.
extension KubeSchedulerFramework {
    /// Uses these informers from now on; claim and volume changes wake a cycle (a pod may be
    /// waiting for its claim to appear or bind).
    public func useVolumes(_ informers: VolumeInformers) async {
        volumeInformers = informers
        for informer in [informers.claims, informers.volumes] {
            await informer.addHandler { [weak self] _ in
                Task { await self?.volumesChanged() }
            }
        }
    }

    func volumesChanged() {
        backoff.removeAll()
        scheduleSoon()
    }

    func volumeCatalog() async -> VolumeCatalog {
        guard let informers = volumeInformers else { return VolumeCatalog() }
        return VolumeCatalog(
            claims: await informers.claims.list(), volumes: await informers.volumes.list(),
            classes: await informers.classes.list())
    }

    /// Annotates the delayed claims of a placed pod with its node, unless they already name it.
    func selectNode(_ nodeName: String, for pod: JSON, catalog: VolumeCatalog) async {
        for claim in catalog.delayedClaims(of: pod)
        where claim[path: ["metadata", "annotations", Self.selectedNodeAnnotation]]?.stringValue != nodeName {
            let patch: JSON = ["metadata": ["annotations": [Self.selectedNodeAnnotation: .string(nodeName)]]]
            do {
                _ = try await client.patch(
                    .persistentVolumeClaims, namespace: claim.namespace, name: claim.name, patch)
            } catch {
                logger.warning(
                    "annotating a claim with the selected node failed",
                    metadata: ["claim": "\(claim.namespace)/\(claim.name)", "error": "\(error)"])
            }
        }
    }

    static let selectedNodeAnnotation = "volume.kubernetes.io/selected-node"
}
