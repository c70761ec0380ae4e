import KubeTypes

/// The claims, volumes and StorageClasses of the cluster, as the VolumeBinding plugin reads them.
public struct VolumeCatalog: Sendable {
    /// By `namespace/name`.
    var claims: [String: JSON] = [:]
    var volumes: [String: JSON] = [:]
    var classes: [String: JSON] = [:]

    public init(claims: [JSON] = [], volumes: [JSON] = [], classes: [JSON] = []) {
        for claim in claims { self.claims[claim.namespace + "/" + claim.name] = claim }
        for volume in volumes { self.volumes[volume.name] = volume }
        for storageClass in classes { self.classes[storageClass.name] = storageClass }
    }

    /// The claims of the pod's `persistentVolumeClaim` volumes that are not bound yet and whose
    /// class waits for the first consumer: the shell annotates them with the chosen node.
    public func delayedClaims(of pod: JSON) -> [JSON] {
        VolumeBinding.claimNames(of: pod).compactMap { claims[pod.namespace + "/" + $0] }.filter { claim in
            (claim[path: ["spec", "volumeName"]]?.stringValue ?? "").isEmpty && isDelayed(claim)
        }
    }

    func isDelayed(_ claim: JSON) -> Bool {
        let className = claim[path: ["spec", "storageClassName"]]?.stringValue ?? ""
        return classes[className]?["volumeBindingMode"]?.stringValue == "WaitForFirstConsumer"
    }
}

/// Upstream's VolumeBinding plugin, without the scheduler binding volumes itself: PreFilter
/// rejects pods whose claims are missing, being deleted, or unbound with Immediate binding; Filter
/// keeps pods on nodes their bound volumes' node affinity admits, and sends pods with delayed
/// claims to nodes where a volume can be had (provisioned, or an available one reachable there).
struct VolumeBinding: Sendable {
    static let plugin = "VolumeBinding"
    static let noProvisioner = "kubernetes.io/no-provisioner"

    /// Volumes the pod's bound claims use, or nil for a claim bound to a missing volume.
    var boundVolumes: [JSON?] = []
    /// Unbound delayed claims, with their class.
    var delayedClaims: [(claim: JSON, storageClass: JSON)] = []
    var rejection: NodeStatus?
    let catalog: VolumeCatalog

    static func claimNames(of pod: JSON) -> [String] {
        (pod[path: ["spec", "volumes"]]?.arrayValue ?? []).compactMap {
            $0[path: ["persistentVolumeClaim", "claimName"]]?.stringValue
        }
    }

    init(pod: PodInfo, catalog: VolumeCatalog) {
        self.catalog = catalog
        var unboundImmediate = false
        for name in Self.claimNames(of: pod.json) {
            guard let claim = catalog.claims[pod.namespace + "/" + name] else {
                rejection = .unresolvable(Self.plugin, "persistentvolumeclaim \"\(name)\" not found")
                return
            }
            if claim.isBeingDeleted {
                rejection = .unresolvable(Self.plugin, "persistentvolumeclaim \"\(name)\" is being deleted")
                return
            }
            let volumeName = claim[path: ["spec", "volumeName"]]?.stringValue ?? ""
            if !volumeName.isEmpty {
                boundVolumes.append(catalog.volumes[volumeName])
            } else if catalog.isDelayed(claim) {
                let className = claim[path: ["spec", "storageClassName"]]?.stringValue ?? ""
                delayedClaims.append((claim, catalog.classes[className] ?? .emptyObject))
            } else {
                unboundImmediate = true
            }
        }
        if unboundImmediate {
            rejection = .unresolvable(Self.plugin, "pod has unbound immediate PersistentVolumeClaims")
        }
    }

    func filter(on node: NodeInfo) -> NodeStatus? {
        if boundVolumes.isEmpty && delayedClaims.isEmpty { return nil }
        if boundVolumes.contains(where: { $0 == nil }) {
            return .unresolvable(
                Self.plugin, "node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)")
        }
        for volume in boundVolumes.compactMap({ $0 }) where !Self.reachable(volume, from: node) {
            return .unresolvable(Self.plugin, "node(s) had volume node affinity conflict")
        }
        for (claim, storageClass) in delayedClaims where !canProvide(claim, storageClass: storageClass, on: node) {
            return .unresolvable(Self.plugin, "node(s) didn't find available persistent volumes to bind")
        }
        return nil
    }

    /// A delayed claim can be served on the node by its class's provisioner (any but the
    /// no-provisioner placeholder), or by an available volume of its class reachable there.
    func canProvide(_ claim: JSON, storageClass: JSON, on node: NodeInfo) -> Bool {
        let provisioner = storageClass["provisioner"]?.stringValue ?? Self.noProvisioner
        if provisioner != Self.noProvisioner { return true }
        let className = claim[path: ["spec", "storageClassName"]]?.stringValue ?? ""
        let wanted = Set(claim[path: ["spec", "accessModes"]]?.arrayValue?.compactMap(\.stringValue) ?? [])
        let requested = claim[path: ["spec", "resources", "requests", "storage"]].flatMap { try? Quantity(json: $0) }
        return catalog.volumes.values.contains { volume in
            let reference = volume[path: ["spec", "claimRef"]]
            guard reference == nil || reference == .null, !volume.isBeingDeleted,
                volume[path: ["spec", "storageClassName"]]?.stringValue ?? "" == className,
                wanted.isSubset(
                    of: Set(volume[path: ["spec", "accessModes"]]?.arrayValue?.compactMap(\.stringValue) ?? [])),
                let size = volume[path: ["spec", "capacity", "storage"]].flatMap({ try? Quantity(json: $0) }),
                size >= (requested ?? .zero)
            else { return false }
            return Self.reachable(volume, from: node)
        }
    }

    /// The volume's `spec.nodeAffinity.required` admits the node (terms ORed).
    static func reachable(_ volume: JSON, from node: NodeInfo) -> Bool {
        guard let required = volume[path: ["spec", "nodeAffinity", "required"]], required != .null else { return true }
        let terms = (required["nodeSelectorTerms"]?.arrayValue ?? []).map(NodeSelectorTerm.init(json:))
        return terms.contains { $0.matches(name: node.name, labels: node.labels) }
    }
}

extension JSON {
    fileprivate var isBeingDeleted: Bool {
        guard let stamp = self[path: ["metadata", "deletionTimestamp"]] else { return false }
        return stamp != .null
    }
}
