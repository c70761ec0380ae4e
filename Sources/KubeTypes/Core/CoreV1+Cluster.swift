/// Strategies of namespaces, nodes, events and persistent storage.
extension CoreV1 {
    static let namespaceStrategy = ResourceStrategy(
        applyDefaults: { namespace in
            // Upstream always (re)writes this label so namespaces can be selected by name.
            let name = namespace.name
            guard !name.isEmpty else { return }
            namespace[path: ["metadata", "labels", "kubernetes.io/metadata.name"]] = .string(name)
        },
        prepareForCreate: { namespace in
            // Set on create only: the namespace controller removes the finalizer when it is done.
            namespace["spec"] = ["finalizers": ["kubernetes"]]
            namespace["status"] = ["phase": "Active"]
        },
        validateCreate: validateNamespace,
        validateUpdate: { new, _ in validateNamespace(new) },
        hasStatus: true,
        fieldLabels: ["status.phase": { CoreSupport.string($0, ["status", "phase"]) }],
        table: CoreV1Printers.namespaces,
        nameIsLabel: true,
        deletion: DeletionRules(
            specFinalizersPath: ["spec", "finalizers"],
            markTerminating: { $0[path: ["status", "phase"]] = "Terminating" })
    )

    static let standardFinalizers: Set<String> = ["kubernetes", "orphan", "foregroundDeletion"]

    @Sendable static func validateNamespace(_ namespace: JSON) -> [FieldError] {
        var errors: [FieldError] = []
        for finalizer in CoreSupport.elements(namespace["spec"], "finalizers") {
            let name = finalizer.stringValue ?? ""
            let problems = NameRules.qualifiedName(name)
            errors += problems.map { .invalid("spec.finalizers", .string(name), $0) }
            if problems.isEmpty, !name.contains("/"), !standardFinalizers.contains(name) {
                errors.append(
                    .invalid(
                        "spec.finalizers", .string(name),
                        "name is neither a standard finalizer name nor is it fully qualified"))
            }
        }
        return errors
    }

    static let nodeStrategy = ResourceStrategy(
        applyDefaults: { node in
            guard let capacity = node[path: ["status", "capacity"]], node[path: ["status", "allocatable"]] == nil
            else { return }
            node[path: ["status", "allocatable"]] = capacity
        },
        validateCreate: validateNode,
        validateUpdate: { new, old in validateNode(new) + validateNodeUpdate(new, old) },
        hasStatus: true,
        fieldLabels: [
            "spec.unschedulable": { ($0[path: ["spec", "unschedulable"]]?.boolValue ?? false) ? "true" : "false" }
        ],
        table: CoreV1Printers.nodes
    )

    @Sendable static func validateNode(_ node: JSON) -> [FieldError] {
        var errors: [FieldError] = []
        var seen = Set<JSON>()
        for (index, taint) in CoreSupport.elements(node["spec"], "taints").enumerated() {
            let path = FieldPath("spec.taints").index(index)
            let key = taint["key"]?.stringValue ?? ""
            if key.isEmpty {
                errors.append(.required(path.child("key").text))
            } else {
                errors += NameRules.qualifiedName(key).map { .invalid(path.child("key").text, .string(key), $0) }
            }
            let value = taint["value"]?.stringValue ?? ""
            errors += NameRules.labelValue(value).map { .invalid(path.child("value").text, .string(value), $0) }
            errors += PodRules.validateEnum(taint["effect"], taintEffects, at: path.child("effect"))
            let identity: JSON = ["key": .string(key), "effect": taint["effect"] ?? ""]
            if !seen.insert(identity).inserted {
                errors.append(
                    FieldError(.duplicate, path.text, identity, "taints must be unique by key and effect pair"))
            }
        }
        return errors
    }

    /// The pod CIDRs and provider ID of a node may be set once, never changed.
    static func validateNodeUpdate(_ new: JSON, _ old: JSON) -> [FieldError] {
        var errors: [FieldError] = []
        let oldCIDRs = old[path: ["spec", "podCIDRs"]] ?? .array([])
        if oldCIDRs != .array([]), (new[path: ["spec", "podCIDRs"]] ?? .array([])) != oldCIDRs {
            errors.append(
                .forbidden("spec.podCIDRs", "node updates may not change podCIDR except from \"\" to valid"))
        }
        let oldProvider = CoreSupport.string(old, ["spec", "providerID"])
        if !oldProvider.isEmpty, CoreSupport.string(new, ["spec", "providerID"]) != oldProvider {
            errors.append(
                .forbidden("spec.providerID", "node updates may not change providerID except from \"\" to valid"))
        }
        return errors
    }

    static let eventStrategy = ResourceStrategy(
        validateCreate: validateEvent,
        validateUpdate: { new, _ in validateEvent(new) },
        fieldLabels: eventFieldLabels,
        table: CoreV1Printers.events,
        tracksGeneration: false
    )

    static let eventFieldLabels: [String: @Sendable (JSON) -> String?] = [
        "involvedObject.kind": { CoreSupport.string($0, ["involvedObject", "kind"]) },
        "involvedObject.namespace": { CoreSupport.string($0, ["involvedObject", "namespace"]) },
        "involvedObject.name": { CoreSupport.string($0, ["involvedObject", "name"]) },
        "involvedObject.uid": { CoreSupport.string($0, ["involvedObject", "uid"]) },
        "involvedObject.apiVersion": { CoreSupport.string($0, ["involvedObject", "apiVersion"]) },
        "involvedObject.resourceVersion": { CoreSupport.string($0, ["involvedObject", "resourceVersion"]) },
        "involvedObject.fieldPath": { CoreSupport.string($0, ["involvedObject", "fieldPath"]) },
        "reason": { CoreSupport.string($0, ["reason"]) },
        "reportingComponent": { CoreSupport.string($0, ["reportingComponent"]) },
        "source": { CoreSupport.string($0, ["source", "component"]) },
        "type": { CoreSupport.string($0, ["type"]) },
    ]

    /// Old-style events (no eventTime) must sit in their object's namespace; new-style events also
    /// need the reporting fields.
    @Sendable static func validateEvent(_ event: JSON) -> [FieldError] {
        var errors: [FieldError] = []
        let namespace = event.namespace
        let objectNamespace = CoreSupport.string(event, ["involvedObject", "namespace"])
        let mismatch = FieldError.invalid(
            "involvedObject.namespace", .string(objectNamespace), "does not match event.namespace")
        let eventTime = event["eventTime"]
        guard let eventTime, eventTime != .null else {
            if objectNamespace.isEmpty ? !(namespace.isEmpty || namespace == "default") : namespace != objectNamespace {
                errors.append(mismatch)
            }
            return errors
        }
        if objectNamespace.isEmpty ? !["default", "kube-system"].contains(namespace) : namespace != objectNamespace {
            errors.append(mismatch)
        }
        for key in ["reportingComponent", "reportingInstance", "action", "reason"]
        where (event[key]?.stringValue ?? "").isEmpty {
            errors.append(.required(key))
        }
        if let type = event["type"]?.stringValue, !["Normal", "Warning"].contains(type) {
            errors.append(.notSupported("type", .string(type), ["Normal", "Warning"]))
        }
        return errors
    }

    static let persistentVolumeClaimStrategy = ResourceStrategy(
        applyDefaults: { claim in
            CoreSupport.withMember(&claim, "spec") { CoreSupport.setDefault(&$0, "volumeMode", "Filesystem") }
        },
        prepareForCreate: { claim in claim["status"] = ["phase": "Pending"] },
        validateCreate: validatePersistentVolumeClaim,
        validateUpdate: { new, old in validatePersistentVolumeClaim(new) + validateClaimUpdate(new, old) },
        hasStatus: true,
        table: CoreV1Printers.persistentVolumeClaims
    )

    static let persistentVolumeStrategy = ResourceStrategy(
        applyDefaults: { volume in
            CoreSupport.withMember(&volume, "spec") { spec in
                CoreSupport.setDefault(&spec, "persistentVolumeReclaimPolicy", "Retain")
                CoreSupport.setDefault(&spec, "volumeMode", "Filesystem")
            }
        },
        prepareForCreate: { volume in volume["status"] = ["phase": "Pending"] },
        validateCreate: validatePersistentVolume,
        validateUpdate: { new, _ in validatePersistentVolume(new) },
        hasStatus: true,
        table: CoreV1Printers.persistentVolumes
    )

    static func validateAccessModes(_ spec: JSON, at path: FieldPath, detail: String) -> [FieldError] {
        let modes = CoreSupport.elements(spec, "accessModes")
        if modes.isEmpty { return [.required(path.text, detail)] }
        return modes.compactMap { mode in
            let text = mode.stringValue ?? ""
            return accessModes.contains(text) ? nil : .notSupported(path.text, mode, accessModes.sorted())
        }
    }

    @Sendable static func validatePersistentVolumeClaim(_ claim: JSON) -> [FieldError] {
        let spec = claim["spec"] ?? .emptyObject
        var errors = validateAccessModes(
            spec, at: FieldPath("spec.accessModes"), detail: "at least 1 access mode is required")
        if let storage = spec[path: ["resources", "requests", "storage"]] {
            if (CoreQuantity.parse(storage)?.sign ?? 0) <= 0 {
                errors.append(
                    .invalid(
                        "spec.resources[storage]", .string(PodRules.quantityText(storage)),
                        "must be greater than zero"))
            }
        } else {
            errors.append(.required("spec.resources[storage]"))
        }
        if let mode = spec["volumeMode"]?.stringValue, !["Block", "Filesystem"].contains(mode) {
            errors.append(.notSupported("spec.volumeMode", .string(mode), ["Block", "Filesystem"]))
        }
        return errors
    }

    /// A claim's spec is fixed after creation, except its storage request (expansion), its
    /// volume attributes class, and binding a volume to an unbound claim.
    static func validateClaimUpdate(_ new: JSON, _ old: JSON) -> [FieldError] {
        var munged = new["spec"] ?? .emptyObject
        let oldSpec = old["spec"] ?? .emptyObject
        munged[path: ["resources", "requests"]] = oldSpec[path: ["resources", "requests"]]
        if munged["resources"] == .emptyObject, oldSpec["resources"] == nil { munged["resources"] = nil }
        munged["volumeAttributesClassName"] = oldSpec["volumeAttributesClassName"]
        if CoreSupport.string(oldSpec, ["volumeName"]).isEmpty { munged["volumeName"] = oldSpec["volumeName"] }
        guard munged == oldSpec else {
            return [
                .forbidden(
                    "spec",
                    "spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims"
                )
            ]
        }
        // A claim never shrinks below what it already has (upstream, with RecoverVolumeExpansionFailure).
        let path = ["spec", "resources", "requests", "storage"]
        guard let requested = new[path: path].flatMap(CoreQuantity.parse),
            let floor = (old[path: ["status", "capacity", "storage"]] ?? old[path: path]).flatMap(CoreQuantity.parse),
            requested < floor
        else { return [] }
        return [.forbidden("spec.resources.requests.storage", "field can not be less than status.capacity")]
    }

    static let volumeSources = ["hostPath", "nfs", "local", "csi"] + otherPersistentVolumeSources

    @Sendable static func validatePersistentVolume(_ volume: JSON) -> [FieldError] {
        let spec = volume["spec"] ?? .emptyObject
        var errors = validateAccessModes(spec, at: FieldPath("spec.accessModes"), detail: "")
        let capacity = spec["capacity"]?.objectValue ?? [:]
        if capacity.isEmpty {
            errors.append(.required("spec.capacity"))
        } else if capacity["storage"] == nil || capacity.count > 1 {
            errors.append(.notSupported("spec.capacity", spec["capacity"], ["storage"]))
        } else if (CoreQuantity.parse(capacity["storage"]!)?.sign ?? 0) <= 0 {
            errors.append(
                .invalid(
                    "spec.capacity[storage]", .string(PodRules.quantityText(capacity["storage"]!)),
                    "must be greater than zero"))
        }
        if let policy = spec["persistentVolumeReclaimPolicy"]?.stringValue,
            !["Delete", "Recycle", "Retain"].contains(policy)
        {
            errors.append(
                .notSupported("spec.persistentVolumeReclaimPolicy", .string(policy), ["Delete", "Recycle", "Retain"]))
        }
        let sources = volumeSources.filter { spec[$0] != nil && spec[$0] != .null }
        if sources.isEmpty {
            errors.append(.required("spec", "must specify a volume type"))
        } else if sources.count > 1 {
            errors.append(.forbidden("spec.\(sources[1])", "may not specify more than 1 volume type"))
        } else if sources[0] == "local", spec["nodeAffinity"] == nil {
            errors.append(.required("spec.nodeAffinity", "Local volume requires node affinity"))
        }
        for source in sources
        where ["hostPath", "nfs", "local"].contains(source)
            && CoreSupport.string(spec, [source, "path"]).isEmpty
        {
            errors.append(.required("spec.\(source).path"))
        }
        return errors
    }
}
