private typealias F = FieldSchema

/// `storage.k8s.io/v1`: StorageClasses, which say how volumes for claims naming them are made
/// (which provisioner, when to bind, what happens on release).
public enum StorageV1 {
    static let prefix = "io.k8s.api.storage.v1."
    static let storageClassKind = GroupVersionKind("storage.k8s.io", "v1", "StorageClass")

    /// Upstream's annotation marking the class that claims without `storageClassName` get.
    public static let defaultClassAnnotation = "storageclass.kubernetes.io/is-default-class"
    /// The older spelling upstream still honours.
    public static let betaDefaultClassAnnotation = "storageclass.beta.kubernetes.io/is-default-class"

    public static let bindingModes = ["Immediate", "WaitForFirstConsumer"]
    public static let reclaimPolicies = ["Delete", "Retain"]

    public static let schemas: [TypeSchema] = [
        storageClass, topologySelectorTerm, topologySelectorRequirement,
        ExtensionSupport.listSchema(prefix: prefix, storageClassKind),
    ]

    public static let resources: [ResourceType] = [
        ResourceType(
            group: "storage.k8s.io", version: "v1", kind: "StorageClass", plural: "storageclasses",
            namespaced: false, shortNames: ["sc"], schemaName: prefix + "StorageClass",
            strategy: ResourceStrategy(
                applyDefaults: defaultStorageClass, validateCreate: validateStorageClass,
                validateUpdate: { new, old in validateStorageClass(new) + validateStorageClassUpdate(new, old) },
                table: storageClassTable, tracksGeneration: false))
    ]

    static let storageClass = TypeSchema(
        prefix + "StorageClass", "A class of storage: the provisioner that makes its volumes and how they bind.",
        ExtensionSupport.typeMetaFields(storageClassKind) + [
            F("provisioner", .string, "Name of the provisioner that creates volumes of this class.", required: true),
            F("parameters", .stringMap, "Provisioner-specific parameters."),
            F(
                "reclaimPolicy", .string, "Reclaim policy of provisioned volumes; Delete by default.",
                enumValues: ["Delete", "Recycle", "Retain"]),
            F("mountOptions", .array(.string), "Mount options of provisioned volumes.", listType: "atomic"),
            F("allowVolumeExpansion", .boolean, "Whether claims of this class may grow."),
            F(
                "volumeBindingMode", .string,
                "Immediate binds claims at once; WaitForFirstConsumer waits until a pod using them is scheduled.",
                enumValues: bindingModes),
            F(
                "allowedTopologies", .array(.ref("io.k8s.api.core.v1.TopologySelectorTerm")),
                "Where volumes may be provisioned.", listType: "atomic"),
        ], kinds: [storageClassKind])

    static let topologySelectorTerm = TypeSchema(
        "io.k8s.api.core.v1.TopologySelectorTerm", "Topology labels that must all match.",
        [
            F(
                "matchLabelExpressions", .array(.ref("io.k8s.api.core.v1.TopologySelectorLabelRequirement")),
                "Label requirements, ANDed.", listType: "atomic")
        ])

    static let topologySelectorRequirement = TypeSchema(
        "io.k8s.api.core.v1.TopologySelectorLabelRequirement", "A topology label and its allowed values.",
        [
            F("key", .string, "The label key.", required: true),
            F("values", .array(.string), "Allowed values.", required: true, listType: "atomic"),
        ])

    /// Upstream `SetDefaults_StorageClass`.
    @Sendable static func defaultStorageClass(_ object: inout JSON) {
        if object["reclaimPolicy"] == nil || object["reclaimPolicy"] == .null { object["reclaimPolicy"] = "Delete" }
        if object["volumeBindingMode"] == nil || object["volumeBindingMode"] == .null {
            object["volumeBindingMode"] = "Immediate"
        }
    }

    @Sendable static func validateStorageClass(_ object: JSON) -> [FieldError] {
        var errors: [FieldError] = []
        let provisioner = ExtensionSupport.string(object, "provisioner")
        if provisioner.isEmpty {
            errors.append(.required("provisioner"))
        } else {
            errors += NameRules.qualifiedName(provisioner).map { .invalid("provisioner", .string(provisioner), $0) }
        }
        if let policy = object["reclaimPolicy"]?.stringValue, !reclaimPolicies.contains(policy) {
            errors.append(.notSupported("reclaimPolicy", .string(policy), reclaimPolicies))
        }
        if let mode = object["volumeBindingMode"]?.stringValue, !bindingModes.contains(mode) {
            errors.append(.notSupported("volumeBindingMode", .string(mode), bindingModes))
        }
        return errors
    }

    /// Upstream `ValidateStorageClassUpdate`: everything but the metadata, mount options and
    /// expansion flag is fixed once created.
    static func validateStorageClassUpdate(_ new: JSON, _ old: JSON) -> [FieldError] {
        var errors: [FieldError] = []
        if new["parameters"] != old["parameters"] {
            errors.append(.forbidden("parameters", "updates to parameters are forbidden."))
        }
        if new["provisioner"] != old["provisioner"] {
            errors.append(.forbidden("provisioner", "updates to provisioner are forbidden."))
        }
        if new["reclaimPolicy"] != old["reclaimPolicy"] {
            errors.append(.forbidden("reclaimPolicy", "updates to reclaimPolicy are forbidden."))
        }
        errors += ExtensionSupport.immutable(
            new["volumeBindingMode"], old["volumeBindingMode"], at: "volumeBindingMode")
        return errors
    }

    /// True when the class carries the default-class annotation set to "true".
    public static func isDefault(_ storageClass: JSON) -> Bool {
        let annotations = storageClass[path: ["metadata", "annotations"]]?.stringMap ?? [:]
        return annotations[defaultClassAnnotation] == "true" || annotations[betaDefaultClassAnnotation] == "true"
    }

    /// Upstream `GetDefaultClass`: among default classes the newest wins (then the name, for a
    /// stable answer); nil when none is marked default.
    public static func defaultClass(among classes: [JSON]) -> JSON? {
        classes.filter(isDefault).max { lhs, rhs in
            let left = lhs[path: ["metadata", "creationTimestamp"]]?.stringValue ?? ""
            let right = rhs[path: ["metadata", "creationTimestamp"]]?.stringValue ?? ""
            return left != right ? left < right : lhs.name > rhs.name
        }
    }

    static let storageClassTable = TableDefinition(
        columns: [
            ExtensionSupport.nameColumn,
            TableColumn("Provisioner", description: "Indicates the type of the provisioner."),
            TableColumn("ReclaimPolicy", description: "Dynamically provisioned volumes' reclaim policy."),
            TableColumn("VolumeBindingMode", description: "When volume binding and provisioning happen."),
            TableColumn("AllowVolumeExpansion", description: "Whether the class allows volume expansion."),
            ExtensionSupport.ageColumn,
        ],
        cells: { object, now in
            [
                .string(object.name + (isDefault(object) ? " (default)" : "")),
                .string(ExtensionSupport.string(object, "provisioner")),
                .string(object["reclaimPolicy"]?.stringValue ?? "Delete"),
                .string(object["volumeBindingMode"]?.stringValue ?? "Immediate"),
                .string((object["allowVolumeExpansion"]?.boolValue ?? false) ? "true" : "false"),
                .string(Age.of(object, now: now)),
            ]
        })
}
