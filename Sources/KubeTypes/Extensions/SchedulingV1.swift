private typealias F = FieldSchema

/// `scheduling.k8s.io/v1`: PriorityClasses, the named priorities pods ask for with
/// `spec.priorityClassName`. The Priority admission in the API server turns the name into
/// `spec.priority` and `spec.preemptionPolicy`; the scheduler orders and preempts by them.
public enum SchedulingV1 {
    static let prefix = "io.k8s.api.scheduling.v1."
    static let priorityClassKind = GroupVersionKind("scheduling.k8s.io", "v1", "PriorityClass")

    /// Upstream's HighestUserDefinablePriority: values above it are for the system classes.
    public static let highestUserDefinablePriority: Int64 = 1_000_000_000
    /// The two classes every cluster has (upstream creates them at API server start).
    public static let systemClasses: [(name: String, value: Int64, description: String)] = [
        (
            "system-node-critical", 2_000_001_000,
            "Used for system critical pods that must not be moved from their current node."
        ),
        ("system-cluster-critical", 2_000_000_000, "Used for system critical pods that must run in the cluster."),
    ]
    static let preemptionPolicies = ["PreemptLowerPriority", "Never"]

    public static let schemas: [TypeSchema] = [
        priorityClass, ExtensionSupport.listSchema(prefix: prefix, priorityClassKind),
    ]

    public static let resources: [ResourceType] = [
        ResourceType(
            group: "scheduling.k8s.io", version: "v1", kind: "PriorityClass", plural: "priorityclasses",
            namespaced: false, shortNames: ["pc"], schemaName: prefix + "PriorityClass",
            strategy: ResourceStrategy(
                applyDefaults: { object in
                    if object["preemptionPolicy"] == nil { object["preemptionPolicy"] = "PreemptLowerPriority" }
                },
                validateCreate: { validate($0) },
                validateUpdate: { new, old in validate(new) + validateUpdate(new, old) },
                table: table, tracksGeneration: false))
    ]

    static let priorityClass = TypeSchema(
        prefix + "PriorityClass", "A name for a pod priority: the integer value and whether pods may preempt with it.",
        ExtensionSupport.typeMetaFields(priorityClassKind) + [
            F("value", .int32, "The priority pods of this class get; higher is more important.", required: true),
            F("globalDefault", .boolean, "Whether pods without a priorityClassName get this class."),
            F("description", .string, "When to use this class."),
            F("preemptionPolicy", .string, "PreemptLowerPriority (default) or Never."),
        ], kinds: [priorityClassKind])

    /// A PriorityClass as a pod sees it: what admission copies into the pod spec.
    public struct Resolved: Sendable, Equatable {
        public var name: String
        public var value: Int64
        public var preemptionPolicy: String
    }

    public static func resolved(_ object: JSON) -> Resolved {
        Resolved(
            name: object.name, value: object["value"]?.intValue ?? 0,
            preemptionPolicy: object["preemptionPolicy"]?.stringValue ?? "PreemptLowerPriority")
    }

    static func validate(_ object: JSON) -> [FieldError] {
        var errors: [FieldError] = []
        let value = object["value"]?.intValue ?? 0
        let isSystem = systemClasses.contains { $0.name == object.name }
        if object.name.hasPrefix("system-") && !isSystem {
            errors.append(
                .forbidden(
                    "metadata.name", "priority class names with 'system-' prefix are reserved for system use only"))
        }
        if !isSystem && value > highestUserDefinablePriority {
            errors.append(
                .forbidden(
                    "value", "maximum allowed value of a user defined priority is \(highestUserDefinablePriority)"))
        }
        if let policy = object["preemptionPolicy"]?.stringValue, !preemptionPolicies.contains(policy) {
            errors.append(
                .notSupported("preemptionPolicy", .string(policy), preemptionPolicies))
        }
        return errors
    }

    static func validateUpdate(_ new: JSON, _ old: JSON) -> [FieldError] {
        var errors: [FieldError] = []
        if new["value"] != old["value"] {
            errors.append(.forbidden("value", "may not be changed in an update."))
        }
        if new["preemptionPolicy"] != old["preemptionPolicy"] {
            errors.append(.invalid("preemptionPolicy", new["preemptionPolicy"], "field is immutable"))
        }
        return errors
    }

    static let table = TableDefinition(
        columns: [
            ExtensionSupport.nameColumn,
            TableColumn("Value", type: "integer", description: "The priority of pods of this class."),
            TableColumn("Global-Default", type: "boolean", description: "Whether pods get this class by default."),
            ExtensionSupport.ageColumn,
            TableColumn("PreemptionPolicy", description: "Whether pods of this class preempt lower ones."),
        ],
        cells: { object, now in
            [
                ExtensionSupport.nameCell(object),
                .int(object["value"]?.intValue ?? 0),
                .bool(object["globalDefault"]?.boolValue ?? false),
                .string(Age.of(object, now: now)),
                .string(object["preemptionPolicy"]?.stringValue ?? "PreemptLowerPriority"),
            ]
        })
}
