/// The `policy/v1` group: PodDisruptionBudgets, and the Eviction kind posted to `pods/eviction`.
public enum PolicyV1 {
    public static let pdbKind = GroupVersionKind("policy", "v1", "PodDisruptionBudget")

    public static let schemas: [TypeSchema] = [
        WorkloadSchema.kind(
            "io.k8s.api.policy.v1.PodDisruptionBudget",
            "Limits how many pods of a set voluntary disruptions such as drains may take down at once.", pdbKind,
            spec: ("io.k8s.api.policy.v1.PodDisruptionBudgetSpec", "Which pods are covered and how many must stay up."),
            status: ("io.k8s.api.policy.v1.PodDisruptionBudgetStatus", "How many disruptions are allowed right now.")),
        WorkloadSchema.list(
            "io.k8s.api.policy.v1.PodDisruptionBudgetList", item: "io.k8s.api.policy.v1.PodDisruptionBudget",
            GroupVersionKind("policy", "v1", "PodDisruptionBudgetList")),
        TypeSchema(
            "io.k8s.api.policy.v1.PodDisruptionBudgetSpec", "The desired protection of a PodDisruptionBudget.",
            [
                FieldSchema(
                    "minAvailable", .intOrString,
                    "Pods that must stay available after an eviction, as a count or percentage; excludes maxUnavailable."
                ),
                FieldSchema(
                    "selector", WorkloadSchema.labelSelector,
                    "The pods covered; an empty selector covers every pod in the namespace.", strategy: "replace"),
                FieldSchema(
                    "maxUnavailable", .intOrString,
                    "Pods that may be unavailable after an eviction, as a count or percentage; excludes minAvailable."),
                FieldSchema(
                    "unhealthyPodEvictionPolicy", .string,
                    "When running but not ready pods may be evicted: IfHealthyBudget (only while the budget holds) or AlwaysAllow.",
                    enumValues: ["AlwaysAllow", "IfHealthyBudget"]),
            ]),
        TypeSchema(
            "io.k8s.api.policy.v1.PodDisruptionBudgetStatus", "What the disruption controller last computed.",
            [
                FieldSchema("observedGeneration", .int64, "The metadata.generation the controller last acted on."),
                FieldSchema(
                    "disruptedPods", .map(.time),
                    "Pods evicted but not yet seen deleted, with the eviction time; cleared after a timeout."),
                FieldSchema("disruptionsAllowed", .int32, "How many pods may be disrupted now.", required: true),
                FieldSchema("currentHealthy", .int32, "Covered pods that are healthy now.", required: true),
                FieldSchema("desiredHealthy", .int32, "The fewest healthy pods the budget allows.", required: true),
                FieldSchema(
                    "expectedPods", .int32, "Pods the budget counts, from their controllers' scale.", required: true),
                WorkloadSchema.conditions(
                    "io.k8s.apimachinery.pkg.apis.meta.v1.Condition",
                    "Observations such as DisruptionAllowed."),
            ]),
        TypeSchema(
            "io.k8s.api.policy.v1.Eviction",
            "A request, posted to a pod's eviction subresource, to delete the pod if its budgets allow.",
            WorkloadSchema.header(metadata: "Names the pod to evict.") + [
                FieldSchema(
                    "deleteOptions", .ref("io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions"),
                    "Options for the deletion, such as a grace period.")
            ], kinds: [GroupVersionKind("policy", "v1", "Eviction")]),
    ]

    public static let resources: [ResourceType] = [
        ResourceType(
            group: "policy", version: "v1", kind: "PodDisruptionBudget", plural: "poddisruptionbudgets",
            namespaced: true, shortNames: ["pdb"], schemaName: "io.k8s.api.policy.v1.PodDisruptionBudget",
            strategy: ResourceStrategy(
                prepareForCreate: {
                    $0["status"] = [
                        "disruptionsAllowed": 0, "currentHealthy": 0, "desiredHealthy": 0, "expectedPods": 0,
                    ]
                },
                validateCreate: validatePDB, validateUpdate: { new, _ in validatePDB(new) }, hasStatus: true,
                table: pdbTable))
    ]

    /// The pods a PodDisruptionBudget covers in its namespace: an empty selector covers them all,
    /// a missing or unreadable one none (the disruption controller and the eviction subresource
    /// share this rule).
    public static func budgetSelector(_ budget: JSON) -> LabelSelector? {
        guard let object = budget[path: ["spec", "selector"]], object != .null else { return nil }
        return try? LabelSelector(object: object)
    }

    static func validatePDB(_ object: JSON) -> [FieldError] {
        let spec = object["spec"] ?? .emptyObject
        let path = FieldPath("spec")
        var errors: [FieldError] = []
        let minAvailable = spec["minAvailable"].flatMap { $0 == .null ? nil : $0 }
        let maxUnavailable = spec["maxUnavailable"].flatMap { $0 == .null ? nil : $0 }
        if minAvailable != nil && maxUnavailable != nil {
            errors.append(.invalid(path.text, spec, "minAvailable and maxUnavailable cannot be both set"))
        }
        for (key, value) in [("minAvailable", minAvailable), ("maxUnavailable", maxUnavailable)] {
            errors += WorkloadRules.intOrPercent(value, at: path.child(key))
            errors += WorkloadRules.notOver100Percent(value, at: path.child(key))
        }
        if let selector = spec["selector"], selector != .null {
            errors += LabelSelector.validate(selector, at: path.child("selector"))
        }
        if let policy = spec["unhealthyPodEvictionPolicy"]?.stringValue, policy != "AlwaysAllow",
            policy != "IfHealthyBudget"
        {
            errors.append(
                .notSupported(
                    path.child("unhealthyPodEvictionPolicy").text, .string(policy), ["AlwaysAllow", "IfHealthyBudget"]))
        }
        return errors
    }

    static let pdbTable = TableDefinition(
        columns: [
            WorkloadPrinting.nameColumn,
            TableColumn("Min Available", description: "The minimum number of pods that must be available."),
            TableColumn("Max Unavailable", description: "The maximum number of pods that may be unavailable."),
            TableColumn(
                "Allowed Disruptions", type: "integer",
                description: "Calculated number of pods that may be disrupted at this time."),
            WorkloadPrinting.ageColumn,
        ],
        cells: { object, now in
            func text(_ value: JSON?) -> String {
                switch value {
                case .string(let text)?: return text
                case .int(let number)?: return String(number)
                default: return "N/A"
                }
            }
            return [
                WorkloadPrinting.name(object), .string(text(object[path: ["spec", "minAvailable"]])),
                .string(text(object[path: ["spec", "maxUnavailable"]])),
                WorkloadPrinting.int(object[path: ["status", "disruptionsAllowed"]]), .string(Age.of(object, now: now)),
            ]
        })
}
