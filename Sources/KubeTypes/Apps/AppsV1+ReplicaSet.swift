extension AppsV1 {
    static let replicaSetKind = GroupVersionKind("apps", "v1", "ReplicaSet")

    static let replicaSetSchemas: [TypeSchema] = [
        WorkloadSchema.kind(
            "io.k8s.api.apps.v1.ReplicaSet", "Keeps a given number of identical pods running.", replicaSetKind,
            spec: ("io.k8s.api.apps.v1.ReplicaSetSpec", "How many pods to keep and what they look like."),
            status: ("io.k8s.api.apps.v1.ReplicaSetStatus", "What the controller last counted.")),
        WorkloadSchema.list(
            "io.k8s.api.apps.v1.ReplicaSetList", item: "io.k8s.api.apps.v1.ReplicaSet",
            GroupVersionKind("apps", "v1", "ReplicaSetList")),
        TypeSchema(
            "io.k8s.api.apps.v1.ReplicaSetSpec", "The desired state of a ReplicaSet.",
            [
                FieldSchema("replicas", .int32, "How many pods to keep; 1 when unset."),
                FieldSchema(
                    "minReadySeconds", .int32, "Seconds a new pod must stay ready before it counts as available."),
                FieldSchema(
                    "selector", WorkloadSchema.labelSelector,
                    "Which pods count towards the replicas; must match the template labels.", required: true),
                FieldSchema(
                    "template", WorkloadSchema.podTemplate, "The pod created whenever too few match the selector."),
            ]),
        TypeSchema(
            "io.k8s.api.apps.v1.ReplicaSetStatus", "The most recently observed state of a ReplicaSet.",
            [
                FieldSchema("replicas", .int32, "Pods (not terminating) matched by the selector.", required: true),
                FieldSchema("fullyLabeledReplicas", .int32, "Pods whose labels match the template labels exactly."),
                FieldSchema("readyReplicas", .int32, "Pods (not terminating) with a Ready condition."),
                FieldSchema("availableReplicas", .int32, "Pods ready for at least minReadySeconds."),
                FieldSchema("terminatingReplicas", .int32, "Pods that are being shut down."),
                FieldSchema("observedGeneration", .int64, "The metadata.generation the controller last acted on."),
                WorkloadSchema.conditions(
                    "io.k8s.api.apps.v1.ReplicaSetCondition", "Observations such as ReplicaFailure."),
            ]),
        WorkloadSchema.condition("io.k8s.api.apps.v1.ReplicaSetCondition", of: "ReplicaSet"),
    ]
}
