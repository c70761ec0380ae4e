import KubeTypes

/// A provisioning attempt that could not make a volume, with upstream-style text for the event.
public struct ProvisioningProblem: Error, Sendable, Hashable {
    public var message: String
}

/// The built-in dynamic provisioner of the `local-path` StorageClass (as k3s ships one): a
/// volume is a directory on the node the claim's first pod was scheduled to, under `basePath`,
/// named after the volume and its claim. The volume is a `hostPath` of type DirectoryOrCreate
/// (the kubelet makes the directory on first mount) pinned to that node by node affinity, so the
/// scheduler sends every later pod of the claim back there.
///
/// The controller manager cannot see the nodes' file systems, so `basePath` must be a path that
/// is valid on every node (`mesokube dev` puts it under its work directory, shared by all agents).
public struct LocalPathProvisioner: Sendable, Hashable {
    public static let defaultName = "mesokube.io/local-path"
    public static let className = "local-path"
    public static let hostnameLabel = "kubernetes.io/hostname"

    public var name: String
    public var basePath: String

    public init(name: String = defaultName, basePath: String) {
        self.name = name
        self.basePath = basePath
    }

    /// The StorageClass the control plane creates when absent: the cluster default, binding on
    /// first consumer (a local volume is only useful on the pod's node), deleted with its claim.
    public var storageClass: JSON {
        [
            "apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
            "metadata": [
                "name": .string(Self.className),
                "annotations": [StorageV1.defaultClassAnnotation: "true"],
            ],
            "provisioner": .string(name), "reclaimPolicy": "Delete", "volumeBindingMode": "WaitForFirstConsumer",
            "allowVolumeExpansion": false,
        ]
    }

    /// Upstream's name for a provisioned volume: `pvc-<claim uid>`.
    public static func volumeName(for claim: JSON) -> String { "pvc-" + claim.uid }

    /// The directory of a provisioned volume: `<base>/<volume>_<namespace>_<claim>` as the
    /// local-path provisioner names it, so an administrator can tell whose data it is.
    public func directory(for claim: JSON) -> String {
        let base = basePath.hasSuffix("/") ? String(basePath.dropLast()) : basePath
        return base + "/" + Self.volumeName(for: claim) + "_" + claim.namespace + "_" + claim.name
    }

    /// The volume for `claim` on `node`, already reserved for the claim (claimRef), or why not.
    public func volume(for claim: JSON, storageClass: JSON, node: String?) -> Result<JSON, ProvisioningProblem> {
        guard let node, !node.isEmpty else {
            return .failure(
                ProvisioningProblem(
                    message:
                        "configuration error, no node was specified (local-path volumes need volumeBindingMode WaitForFirstConsumer)"
                ))
        }
        if claim[path: ["spec", "volumeMode"]]?.stringValue == "Block" {
            return .failure(ProvisioningProblem(message: "block volumes are not supported by \(name)"))
        }
        if claim[path: ["spec", "selector"]] != nil && claim[path: ["spec", "selector"]] != .null {
            return .failure(ProvisioningProblem(message: "claim.Spec.Selector is not supported"))
        }
        guard let request = claim[path: ["spec", "resources", "requests", "storage"]] else {
            return .failure(ProvisioningProblem(message: "claim has no storage request"))
        }
        let volume: JSON = [
            "apiVersion": "v1", "kind": "PersistentVolume",
            "metadata": [
                "name": .string(Self.volumeName(for: claim)),
                "annotations": [VolumeBinder.provisionedBy: .string(name)],
            ],
            "spec": [
                "capacity": ["storage": request],
                "accessModes": claim[path: ["spec", "accessModes"]] ?? ["ReadWriteOnce"],
                "persistentVolumeReclaimPolicy": storageClass["reclaimPolicy"] ?? "Delete",
                "storageClassName": .string(storageClass.name),
                "volumeMode": "Filesystem",
                "claimRef": VolumeBinder.claimReference(claim),
                "hostPath": ["path": .string(directory(for: claim)), "type": "DirectoryOrCreate"],
                "nodeAffinity": [
                    "required": [
                        "nodeSelectorTerms": [
                            [
                                "matchExpressions": [
                                    [
                                        "key": .string(Self.hostnameLabel), "operator": "In",
                                        "values": [.string(node)],
                                    ]
                                ]
                            ]
                        ]
                    ]
                ],
            ],
        ]
        return .success(volume)
    }

    /// True when this provisioner made the volume (so deleting it may remove its directory).
    public func provisioned(_ volume: JSON) -> Bool { volume.annotation(VolumeBinder.provisionedBy) == name }
}
