private typealias F = FieldSchema

private func core(_ name: String) -> SchemaType { CoreV1.ref(name) }

/// Persistent volumes and the claims that bind them.
extension CoreV1 {
    static let storageSchemas: [TypeSchema] = [
        persistentVolumeClaim, persistentVolumeClaimSpec, persistentVolumeClaimStatus,
        persistentVolumeClaimCondition, volumeResourceRequirements, typedLocalObjectReference,
        typedObjectReference, persistentVolume, persistentVolumeSpec, persistentVolumeStatus, volumeNodeAffinity,
        localVolumeSource, csiPersistentVolumeSource,
        listSchema("PersistentVolumeClaimList", of: "PersistentVolumeClaim", "A list of persistent volume claims."),
        listSchema("PersistentVolumeList", of: "PersistentVolume", "A list of persistent volumes."),
    ]

    static let accessModes = ["ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany", "ReadWriteOncePod"]

    static let persistentVolumeClaim = kind(
        "PersistentVolumeClaim", "A request for storage by a user, bound to a persistent volume.",
        [
            F("spec", core("PersistentVolumeClaimSpec"), "The storage requested."),
            F("status", core("PersistentVolumeClaimStatus"), "Observed state of the claim."),
        ])

    static let persistentVolumeClaimSpec = TypeSchema(
        prefix + "PersistentVolumeClaimSpec", "What storage a claim asks for.",
        [
            F("accessModes", .array(.string), "Access modes the volume must support.", listType: "atomic"),
            F("selector", MetaV1.ref("LabelSelector"), "Labels of the volumes that may be bound."),
            F("resources", core("VolumeResourceRequirements"), "Minimum (and maximum) size of the volume."),
            F("volumeName", .string, "Name of the volume to bind to."),
            F("storageClassName", .string, "Storage class the volume must belong to."),
            F(
                "volumeMode", .string, "Filesystem or Block. Defaults to Filesystem.",
                enumValues: ["Block", "Filesystem"]),
            F("dataSource", core("TypedLocalObjectReference"), "Existing data to populate the volume from."),
            F("dataSourceRef", core("TypedObjectReference"), "Populator object to fill the volume from."),
            F("volumeAttributesClassName", .string, "VolumeAttributesClass of the volume."),
        ])

    static let persistentVolumeClaimStatus = TypeSchema(
        prefix + "PersistentVolumeClaimStatus", "Observed state of a claim.",
        [
            F("phase", .string, "Pending, Bound or Lost.", enumValues: ["Pending", "Bound", "Lost"]),
            F("accessModes", .array(.string), "Access modes of the bound volume.", listType: "atomic"),
            F("capacity", .map(.quantity), "Actual resources of the bound volume."),
            F(
                "conditions", .array(core("PersistentVolumeClaimCondition")), "Current conditions.",
                mergeKey: "type", strategy: "merge", listType: "map", mapKeys: ["type"]),
            F("allocatedResources", .map(.quantity), "Resources allocated to the claim."),
            F("allocatedResourceStatuses", .stringMap, "Progress of resize operations.", mapType: "granular"),
            F("currentVolumeAttributesClassName", .string, "VolumeAttributesClass currently applied."),
            F("modifyVolumeStatus", .any, "Progress of a volume modification."),
        ])

    static let persistentVolumeClaimCondition = TypeSchema(
        prefix + "PersistentVolumeClaimCondition", "One condition of a claim.",
        [
            F("type", .string, "Type of the condition.", required: true),
            F("status", .string, "True, False or Unknown.", required: true),
            F("lastProbeTime", .time, "When the condition was last probed."),
            F("lastTransitionTime", .time, "When the status last changed."),
            F("reason", .string, "CamelCase reason."),
            F("message", .string, "Human-readable details."),
        ])

    static let volumeResourceRequirements = TypeSchema(
        prefix + "VolumeResourceRequirements", "Storage size requested and allowed.",
        [
            F("limits", .map(.quantity), "Maximum amount of each resource."),
            F("requests", .map(.quantity), "Minimum amount of each resource, e.g. storage."),
        ])

    static let typedLocalObjectReference = TypeSchema(
        prefix + "TypedLocalObjectReference", "Names an object of some kind in the same namespace.",
        [
            F("apiGroup", .string, "Group of the referent; empty for the core group."),
            F("kind", .string, "Kind of the referent.", required: true),
            F("name", .string, "Name of the referent.", required: true),
        ])

    static let typedObjectReference = TypeSchema(
        prefix + "TypedObjectReference", "Names an object of some kind, possibly in another namespace.",
        [
            F("apiGroup", .string, "Group of the referent; empty for the core group."),
            F("kind", .string, "Kind of the referent.", required: true),
            F("name", .string, "Name of the referent.", required: true),
            F("namespace", .string, "Namespace of the referent."),
        ])

    static let persistentVolume = kind(
        "PersistentVolume", "A piece of storage provisioned by an administrator or a storage class.",
        [
            F("spec", core("PersistentVolumeSpec"), "The storage and how it is accessed."),
            F("status", core("PersistentVolumeStatus"), "Observed state of the volume."),
        ])

    static let persistentVolumeSpec = TypeSchema(
        prefix + "PersistentVolumeSpec", "What a persistent volume is and who may claim it.",
        [
            F("capacity", .map(.quantity), "Size of the volume."),
            F("accessModes", .array(.string), "How the volume may be mounted.", listType: "atomic"),
            F("claimRef", core("ObjectReference"), "The claim bound to the volume.", mapType: "granular"),
            F(
                "persistentVolumeReclaimPolicy", .string,
                "What happens when the claim is released. Defaults to Retain.",
                enumValues: ["Retain", "Delete", "Recycle"]),
            F("storageClassName", .string, "Storage class of the volume."),
            F("mountOptions", .array(.string), "Mount options.", listType: "atomic"),
            F(
                "volumeMode", .string, "Filesystem or Block. Defaults to Filesystem.",
                enumValues: ["Block", "Filesystem"]),
            F("nodeAffinity", core("VolumeNodeAffinity"), "Nodes the volume can be reached from."),
            F("volumeAttributesClassName", .string, "VolumeAttributesClass of the volume."),
            F("hostPath", core("HostPathVolumeSource"), "A directory on one node."),
            F("nfs", core("NFSVolumeSource"), "An NFS export."),
            F("local", core("LocalVolumeSource"), "A local disk of one node."),
            F("csi", core("CSIPersistentVolumeSource"), "A volume managed by a CSI driver."),
        ] + otherPersistentVolumeSources.map { F($0, .any, "A \($0) volume; its contents are not checked here.") })

    /// Persistent volume sources the project does not model in detail.
    static let otherPersistentVolumeSources = [
        "awsElasticBlockStore", "azureDisk", "azureFile", "cephfs", "cinder", "fc", "flexVolume", "flocker",
        "gcePersistentDisk", "glusterfs", "iscsi", "photonPersistentDisk", "portworxVolume", "quobyte", "rbd",
        "scaleIO", "storageos", "vsphereVolume",
    ]

    static let persistentVolumeStatus = TypeSchema(
        prefix + "PersistentVolumeStatus", "Observed state of a persistent volume.",
        [
            F(
                "phase", .string, "Lifecycle phase of the volume.",
                enumValues: ["Pending", "Available", "Bound", "Released", "Failed"]),
            F("message", .string, "Human-readable reason for the phase."),
            F("reason", .string, "CamelCase reason for a failure."),
            F("lastPhaseTransitionTime", .time, "When the phase last changed."),
        ])

    static let volumeNodeAffinity = TypeSchema(
        prefix + "VolumeNodeAffinity", "Nodes from which a volume is reachable.",
        [F("required", core("NodeSelector"), "Nodes must match this selector.")])

    static let localVolumeSource = TypeSchema(
        prefix + "LocalVolumeSource", "A disk, partition or directory of one node.",
        [
            F("path", .string, "Path on the node.", required: true),
            F("fsType", .string, "Filesystem type, for block devices."),
        ])

    static let csiPersistentVolumeSource = TypeSchema(
        prefix + "CSIPersistentVolumeSource", "A volume provided by an external CSI driver.",
        [
            F("driver", .string, "Name of the driver.", required: true),
            F("volumeHandle", .string, "Identifier of the volume at the driver.", required: true),
            F("readOnly", .boolean, "Mount read-only."),
            F("fsType", .string, "Filesystem type."),
            F("volumeAttributes", .stringMap, "Driver-specific attributes."),
        ])
}
