import KubeTypes

/// One write of the persistent volume controller, in the order the shell makes them; the shell
/// stops at the first failure and retries the key, as upstream's binder does between its steps.
public enum VolumeAction: Sendable, Hashable {
    /// PUT the volume (spec and metadata), carrying its cached resourceVersion.
    case updateVolume(JSON)
    /// PUT the volume to `/status`.
    case updateVolumeStatus(JSON)
    /// PUT the claim (spec.volumeName and the binding annotations).
    case updateClaim(JSON)
    /// PUT the claim to `/status`.
    case updateClaimStatus(JSON)
    /// POST a volume made by the built-in provisioner.
    case createVolume(JSON)
    /// DELETE a released volume whose reclaim policy is Delete (only if still this uid).
    case deleteVolume(name: String, uid: String)
    /// An event about a claim.
    case claimEvent(ControllerEvent)
    /// An event about a volume.
    case volumeEvent(ControllerEvent)
}

/// What the binder reads besides the object it syncs: every claim, volume, class and node.
public struct VolumeWorld: Sendable {
    public var claims: [JSON]
    public var volumes: [JSON]
    public var classes: [JSON]
    public var nodes: [JSON]

    public init(claims: [JSON] = [], volumes: [JSON] = [], classes: [JSON] = [], nodes: [JSON] = []) {
        self.claims = claims
        self.volumes = volumes
        self.classes = classes
        self.nodes = nodes
    }

    func storageClass(named name: String) -> JSON? { classes.first { $0.name == name } }
    func volume(named name: String) -> JSON? { volumes.first { $0.name == name } }
    func claim(namespace: String, name: String) -> JSON? {
        claims.first { $0.namespace == namespace && $0.name == name }
    }
}

/// The persistent volume controller's decisions (upstream `pkg/controller/volume/persistentvolume`):
/// binds pending claims to the smallest volume that fits, finishes half-done bindings, marks
/// volumes Available, Bound or Released, reclaims released ones, and asks the built-in local-path
/// provisioner for a volume when no existing one fits.
public enum VolumeBinder {
    public static let bindCompleted = "pv.kubernetes.io/bind-completed"
    public static let boundByController = "pv.kubernetes.io/bound-by-controller"
    public static let selectedNode = "volume.kubernetes.io/selected-node"
    public static let storageProvisioner = "volume.kubernetes.io/storage-provisioner"
    public static let betaStorageProvisioner = "volume.beta.kubernetes.io/storage-provisioner"
    public static let provisionedBy = "pv.kubernetes.io/provisioned-by"

    // MARK: Claims

    /// One sync of a claim (upstream `syncClaim`).
    public static func syncClaim(_ claim: JSON, world: VolumeWorld, provisioner: LocalPathProvisioner) -> [VolumeAction]
    {
        if claim.isBeingDeleted { return [] }
        let volumeName = CoreJSON.string(claim, ["spec", "volumeName"])
        if volumeName.isEmpty { return syncUnboundClaim(claim, world: world, provisioner: provisioner) }
        guard let volume = world.volume(named: volumeName) else {
            // Upstream: a claim that was bound and lost its volume is Lost; one never bound waits.
            guard claim.annotation(bindCompleted) != nil, CoreJSON.string(claim, ["status", "phase"]) != "Lost" else {
                return []
            }
            var lost = claim
            lost[path: ["status", "phase"]] = "Lost"
            return [
                .updateClaimStatus(lost),
                .claimEvent(
                    ControllerEvent(
                        .warning, reason: "ClaimLost",
                        message: "Bound claim has lost reference to PersistentVolume. Data on the volume is lost!")),
            ]
        }
        let reference = volume[path: ["spec", "claimRef"]]
        if reference == nil || reference == .null || refersTo(reference, claim) {
            return bind(volume: volume, claim: claim)
        }
        // The volume belongs to another claim: this one stays Pending.
        return []
    }

    static func syncUnboundClaim(
        _ claim: JSON, world: VolumeWorld, provisioner: LocalPathProvisioner
    )
        -> [VolumeAction]
    {
        let className = CoreJSON.string(claim, ["spec", "storageClassName"])
        let storageClass = className.isEmpty ? nil : world.storageClass(named: className)
        let delayed = storageClass?["volumeBindingMode"]?.stringValue == "WaitForFirstConsumer"
        let node = claim.annotation(selectedNode)
        if delayed && node == nil {
            return [
                .claimEvent(
                    ControllerEvent(
                        .normal, reason: "WaitForFirstConsumer",
                        message: "waiting for first consumer to be created before binding"))
            ]
        }
        let nodeLabels = node.map { name in world.nodes.first { $0.name == name }?.labels ?? [:] }
        if let volume = bestMatch(
            for: claim, among: world.volumes, node: node.map { (name: $0, labels: nodeLabels ?? [:]) })
        {
            return bind(volume: volume, claim: claim)
        }
        guard let storageClass else {
            if className.isEmpty {
                return [
                    .claimEvent(
                        ControllerEvent(
                            .normal, reason: "FailedBinding",
                            message: "no persistent volumes available for this claim and no storage class is set"))
                ]
            }
            return [
                .claimEvent(
                    ControllerEvent(
                        .warning, reason: "ProvisioningFailed",
                        message: "storageclass.storage.k8s.io \"\(className)\" not found"))
            ]
        }
        return provision(claim, storageClass: storageClass, node: node, world: world, provisioner: provisioner)
    }

    /// A volume for the claim from its class's provisioner: ours makes it here, any other is
    /// someone else's job (upstream waits for the external provisioner).
    static func provision(
        _ claim: JSON, storageClass: JSON, node: String?, world: VolumeWorld, provisioner: LocalPathProvisioner
    ) -> [VolumeAction] {
        let name = CoreJSON.string(storageClass, ["provisioner"])
        var actions: [VolumeAction] = []
        if claim.annotation(storageProvisioner) != name {
            var annotated = claim
            annotated.setAnnotation(storageProvisioner, name)
            annotated.setAnnotation(betaStorageProvisioner, name)
            actions.append(.updateClaim(annotated))
        }
        guard name == provisioner.name else {
            actions.append(
                .claimEvent(
                    ControllerEvent(
                        .normal, reason: "ExternalProvisioning",
                        message:
                            "Waiting for a volume to be created either by the external provisioner '\(name)' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered."
                    )))
            return actions
        }
        // The volume may exist already (created by an earlier sync the cache has not shown the
        // claim bound for): binding it is the next step, not a second volume.
        let volumeName = LocalPathProvisioner.volumeName(for: claim)
        if let existing = world.volume(named: volumeName) { return actions + bind(volume: existing, claim: claim) }
        switch provisioner.volume(for: claim, storageClass: storageClass, node: node) {
        case .success(let volume):
            actions.append(
                .claimEvent(
                    ControllerEvent(
                        .normal, reason: "ProvisioningSucceeded",
                        message: "Successfully provisioned volume \(volume.name)")))
            actions.append(.createVolume(volume))
        case .failure(let problem):
            actions.append(
                .claimEvent(
                    ControllerEvent(
                        .warning, reason: "ProvisioningFailed",
                        message:
                            "failed to provision volume with StorageClass \"\(storageClass.name)\": \(problem.message)"
                    )))
        }
        return actions
    }

    /// Upstream `findBestMatchForClaim`: a volume already reserved for this claim first, else the
    /// smallest available one of the same class, volume mode and access modes with enough room,
    /// whose labels the claim's selector accepts (and, for a delayed claim, reachable from the
    /// selected node).
    static func bestMatch(
        for claim: JSON, among volumes: [JSON], node: (name: String, labels: [String: String])?
    ) -> JSON? {
        let candidates = volumes.filter {
            !$0.isBeingDeleted && CoreJSON.string($0, ["status", "phase"]) != "Released"
        }
        if let reserved = candidates.first(where: { refersTo($0[path: ["spec", "claimRef"]], claim) }) {
            return reserved
        }
        let requested = CoreJSON.quantity(claim[path: ["spec", "resources", "requests", "storage"]]) ?? .zero
        let wantedModes = Set(CoreJSON.strings(claim, ["spec", "accessModes"]))
        let className = CoreJSON.string(claim, ["spec", "storageClassName"])
        let mode = claim[path: ["spec", "volumeMode"]]?.stringValue ?? "Filesystem"
        let selector = (claim[path: ["spec", "selector"]]).flatMap { try? LabelSelector(object: $0) }
        var best: (volume: JSON, size: Quantity)?
        for volume in candidates {
            let reference = volume[path: ["spec", "claimRef"]]
            guard reference == nil || reference == .null else { continue }
            guard CoreJSON.string(volume, ["spec", "storageClassName"]) == className,
                (volume[path: ["spec", "volumeMode"]]?.stringValue ?? "Filesystem") == mode,
                wantedModes.isSubset(of: Set(CoreJSON.strings(volume, ["spec", "accessModes"]))),
                let size = CoreJSON.quantity(volume[path: ["spec", "capacity", "storage"]]), size >= requested
            else { continue }
            if let selector, !selector.matches(volume.labels) { continue }
            if let node, !VolumeNodeAffinity.allows(volume, nodeName: node.name, labels: node.labels) { continue }
            if best == nil || size < best!.size { best = (volume, size) }
        }
        return best?.volume
    }

    /// The writes that make `volume` and `claim` point at each other, each only if still needed
    /// (upstream `bind`: volume first, so a crash in between leaves a volume that names its claim
    /// and the next sync finishes the claim).
    static func bind(volume: JSON, claim: JSON) -> [VolumeAction] {
        var actions: [VolumeAction] = []
        var boundVolume = volume
        if !refersTo(volume[path: ["spec", "claimRef"]], claim, requireUID: true) {
            boundVolume[path: ["spec", "claimRef"]] = claimReference(claim)
            boundVolume.setAnnotation(boundByController, "yes")
            actions.append(.updateVolume(boundVolume))
        }
        if CoreJSON.string(volume, ["status", "phase"]) != "Bound" {
            var status = boundVolume
            status[path: ["status", "phase"]] = "Bound"
            actions.append(.updateVolumeStatus(status))
        }
        var boundClaim = claim
        if CoreJSON.string(claim, ["spec", "volumeName"]) != volume.name || claim.annotation(bindCompleted) == nil {
            if CoreJSON.string(claim, ["spec", "volumeName"]) != volume.name {
                boundClaim[path: ["spec", "volumeName"]] = .string(volume.name)
                boundClaim.setAnnotation(boundByController, "yes")
            }
            boundClaim.setAnnotation(bindCompleted, "yes")
            actions.append(.updateClaim(boundClaim))
        }
        var claimStatus = boundClaim
        claimStatus[path: ["status", "phase"]] = "Bound"
        claimStatus[path: ["status", "accessModes"]] = volume[path: ["spec", "accessModes"]] ?? .array([])
        claimStatus[path: ["status", "capacity"]] = volume[path: ["spec", "capacity"]] ?? .emptyObject
        if claimStatus["status"] != claim["status"] { actions.append(.updateClaimStatus(claimStatus)) }
        return actions
    }

    static func claimReference(_ claim: JSON) -> JSON {
        var reference: JSON = [
            "kind": "PersistentVolumeClaim", "apiVersion": "v1", "namespace": .string(claim.namespace),
            "name": .string(claim.name), "uid": .string(claim.uid),
        ]
        if let version = claim[path: ["metadata", "resourceVersion"]] { reference["resourceVersion"] = version }
        return reference
    }

    /// True when `reference` (a volume's claimRef) names the claim; a reference without a uid
    /// (written by hand to reserve a volume) matches by name.
    static func refersTo(_ reference: JSON?, _ claim: JSON, requireUID: Bool = false) -> Bool {
        guard let reference, reference != .null,
            CoreJSON.string(reference, ["namespace"]) == claim.namespace,
            CoreJSON.string(reference, ["name"]) == claim.name
        else { return false }
        let uid = CoreJSON.string(reference, ["uid"])
        return uid.isEmpty ? !requireUID : uid == claim.uid
    }

    // MARK: Volumes

    /// One sync of a volume (upstream `syncVolume`): its phase from its claim, and reclaiming it
    /// once the claim is gone.
    public static func syncVolume(_ volume: JSON, world: VolumeWorld) -> [VolumeAction] {
        if volume.isBeingDeleted { return [] }
        let phase = CoreJSON.string(volume, ["status", "phase"])
        guard let reference = volume[path: ["spec", "claimRef"]], reference != .null else {
            return phase == "Available" ? [] : [.updateVolumeStatus(withPhase(volume, "Available"))]
        }
        let uid = CoreJSON.string(reference, ["uid"])
        let claim = world.claim(
            namespace: CoreJSON.string(reference, ["namespace"]), name: CoreJSON.string(reference, ["name"]))
        if uid.isEmpty {
            // Reserved by hand for a claim that has not been bound yet: the claim's sync binds it.
            return phase == "Available" ? [] : [.updateVolumeStatus(withPhase(volume, "Available"))]
        }
        guard let claim, claim.uid == uid else { return release(volume, phase: phase) }
        let claimVolume = CoreJSON.string(claim, ["spec", "volumeName"])
        if claimVolume.isEmpty || claimVolume == volume.name {
            // Bound, or half-way there (the claim's sync finishes it).
            return phase == "Bound" || claimVolume.isEmpty ? [] : [.updateVolumeStatus(withPhase(volume, "Bound"))]
        }
        // The claim went to another volume: a reservation the controller made is undone.
        guard volume.annotation(boundByController) != nil else { return [] }
        var unbound = volume
        unbound[path: ["spec", "claimRef"]] = nil
        unbound[path: ["metadata", "annotations", boundByController]] = nil
        return [.updateVolume(unbound), .updateVolumeStatus(withPhase(unbound, "Available"))]
    }

    /// The claim is gone: Released, then reclaimed by policy (Retain keeps it Released for the
    /// administrator; Delete removes it; Recycle is not supported, as upstream deprecated it).
    static func release(_ volume: JSON, phase: String) -> [VolumeAction] {
        var actions: [VolumeAction] = []
        if phase != "Released" && phase != "Failed" {
            actions.append(.updateVolumeStatus(withPhase(volume, "Released")))
        }
        switch CoreJSON.string(volume, ["spec", "persistentVolumeReclaimPolicy"]) {
        case "Delete":
            actions.append(.deleteVolume(name: volume.name, uid: volume.uid))
        case "Recycle" where phase != "Failed":
            var failed = withPhase(volume, "Failed")
            failed[path: ["status", "message"]] = "Recycle is not supported"
            actions.append(.updateVolumeStatus(failed))
            actions.append(
                .volumeEvent(
                    ControllerEvent(
                        .warning, reason: "VolumeFailedRecycle", message: "Recycle is not supported by this cluster")))
        default:
            break
        }
        return actions
    }

    static func withPhase(_ volume: JSON, _ phase: String) -> JSON {
        var result = volume
        result[path: ["status", "phase"]] = .string(phase)
        result[path: ["status", "message"]] = nil
        return result
    }
}

/// Whether a volume's `spec.nodeAffinity.required` admits a node (terms ORed, expressions ANDed;
/// an absent affinity admits every node).
public enum VolumeNodeAffinity {
    public static func allows(_ volume: JSON, nodeName: String, labels: [String: String]) -> Bool {
        guard let required = volume[path: ["spec", "nodeAffinity", "required"]], required != .null else { return true }
        let terms = required["nodeSelectorTerms"]?.arrayValue ?? []
        return terms.contains { term in
            let expressions = term["matchExpressions"]?.arrayValue ?? []
            let fields = term["matchFields"]?.arrayValue ?? []
            if expressions.isEmpty && fields.isEmpty { return false }
            return expressions.allSatisfy { matches($0, value: labels[CoreJSON.string($0, ["key"])]) }
                && fields.allSatisfy { field in
                    CoreJSON.string(field, ["key"]) == "metadata.name" && matches(field, value: nodeName)
                }
        }
    }

    static func matches(_ requirement: JSON, value: String?) -> Bool {
        let values = CoreJSON.strings(requirement, ["values"])
        switch CoreJSON.string(requirement, ["operator"]) {
        case "In": return value.map(values.contains) ?? false
        case "NotIn": return value.map { !values.contains($0) } ?? true
        case "Exists": return value != nil
        case "DoesNotExist": return value == nil
        case "Gt", "Lt":
            guard values.count == 1, let bound = Int64(values[0]), let value, let actual = Int64(value) else {
                return false
            }
            return CoreJSON.string(requirement, ["operator"]) == "Gt" ? actual > bound : actual < bound
        default: return false
        }
    }
}

/// JSON accessors the volume code reads often.
enum CoreJSON {
    static func string(_ object: JSON?, _ path: [String]) -> String { object?[path: path]?.stringValue ?? "" }
    static func strings(_ object: JSON?, _ path: [String]) -> [String] {
        object?[path: path]?.arrayValue?.compactMap(\.stringValue) ?? []
    }
    static func quantity(_ value: JSON?) -> Quantity? { value.flatMap { try? Quantity(json: $0) } }
}

extension JSON {
    func annotation(_ key: String) -> String? { self[path: ["metadata", "annotations", key]]?.stringValue }
}
