extension AppsV1 {
    static let statefulSetKind = GroupVersionKind("apps", "v1", "StatefulSet")
    static let controllerRevisionKind = GroupVersionKind("apps", "v1", "ControllerRevision")

    static let statefulSetSchemas: [TypeSchema] = [
        WorkloadSchema.kind(
            "io.k8s.api.apps.v1.StatefulSet",
            "Runs pods with stable, ordered identities (`name-0`, `name-1`, ...) and per-pod volumes.",
            statefulSetKind,
            spec: ("io.k8s.api.apps.v1.StatefulSetSpec", "The pods, their volumes and how to update them."),
            status: ("io.k8s.api.apps.v1.StatefulSetStatus", "What the controller last observed.")),
        WorkloadSchema.list(
            "io.k8s.api.apps.v1.StatefulSetList", item: "io.k8s.api.apps.v1.StatefulSet",
            GroupVersionKind("apps", "v1", "StatefulSetList")),
        TypeSchema(
            "io.k8s.api.apps.v1.StatefulSetSpec", "The desired state of a StatefulSet.",
            [
                FieldSchema("replicas", .int32, "How many ordinal pods to run; 1 when unset."),
                FieldSchema(
                    "selector", WorkloadSchema.labelSelector,
                    "Which pods belong to this StatefulSet; must match the template labels.", required: true),
                FieldSchema(
                    "template", WorkloadSchema.podTemplate,
                    "The pod each ordinal is made from; its restartPolicy must be Always.", required: true),
                FieldSchema(
                    "volumeClaimTemplates", .array(.ref("io.k8s.api.core.v1.PersistentVolumeClaim")),
                    "Claims created once per pod (named `<claim>-<pod>`) and mounted by matching volume names.",
                    listType: "atomic"),
                FieldSchema(
                    "serviceName", .string,
                    "The headless Service that gives each pod a stable DNS name."),
                FieldSchema(
                    "podManagementPolicy", .string,
                    "OrderedReady (the default) starts and stops pods one at a time in order; Parallel does not wait.",
                    enumValues: ["OrderedReady", "Parallel"]),
                FieldSchema(
                    "updateStrategy", .ref("io.k8s.api.apps.v1.StatefulSetUpdateStrategy"),
                    "How pods are replaced when the template changes."),
                FieldSchema(
                    "revisionHistoryLimit", .int32, "How many old revisions to keep; 10 when unset."),
                FieldSchema(
                    "minReadySeconds", .int32, "Seconds a new pod must stay ready before it counts as available."),
                FieldSchema(
                    "persistentVolumeClaimRetentionPolicy",
                    .ref("io.k8s.api.apps.v1.StatefulSetPersistentVolumeClaimRetentionPolicy"),
                    "Whether claims from the templates are kept or deleted when pods go away."),
                FieldSchema(
                    "ordinals", .ref("io.k8s.api.apps.v1.StatefulSetOrdinals"),
                    "Where pod numbering starts."),
            ]),
        TypeSchema(
            "io.k8s.api.apps.v1.StatefulSetUpdateStrategy", "How a StatefulSet replaces pods after a template change.",
            [
                FieldSchema(
                    "type", .string,
                    "RollingUpdate (the default) replaces pods from the highest ordinal down; OnDelete waits for manual deletion.",
                    enumValues: ["OnDelete", "RollingUpdate"]),
                FieldSchema(
                    "rollingUpdate", .ref("io.k8s.api.apps.v1.RollingUpdateStatefulSetStrategy"),
                    "Pacing of a rolling update; only used when type is RollingUpdate."),
            ]),
        TypeSchema(
            "io.k8s.api.apps.v1.RollingUpdateStatefulSetStrategy", "Limits of a StatefulSet rolling update.",
            [
                FieldSchema(
                    "partition", .int32,
                    "Only pods with an ordinal at or above this number are updated; 0 by default."),
                FieldSchema(
                    "maxUnavailable", .intOrString,
                    "How many pods may be down at once during the update, as a count or percentage."),
            ]),
        TypeSchema(
            "io.k8s.api.apps.v1.StatefulSetPersistentVolumeClaimRetentionPolicy",
            "What happens to the claims created from volumeClaimTemplates.",
            [
                FieldSchema(
                    "whenDeleted", .string,
                    "Retain (the default) keeps claims when the StatefulSet is deleted; Delete removes them.",
                    enumValues: ["Delete", "Retain"]),
                FieldSchema(
                    "whenScaled", .string,
                    "Retain (the default) keeps claims of pods removed by scaling down; Delete removes them.",
                    enumValues: ["Delete", "Retain"]),
            ]),
        TypeSchema(
            "io.k8s.api.apps.v1.StatefulSetOrdinals", "Numbering of StatefulSet pods.",
            [
                FieldSchema("start", .int32, "The ordinal of the first pod; 0 when unset.")
            ]),
        TypeSchema(
            "io.k8s.api.apps.v1.StatefulSetStatus", "The most recently observed state of a StatefulSet.",
            [
                FieldSchema("observedGeneration", .int64, "The metadata.generation the controller last acted on."),
                FieldSchema("replicas", .int32, "Pods created by the controller.", required: true),
                FieldSchema("readyReplicas", .int32, "Pods with a Ready condition."),
                FieldSchema("currentReplicas", .int32, "Pods at the currentRevision."),
                FieldSchema("updatedReplicas", .int32, "Pods at the updateRevision."),
                FieldSchema("currentRevision", .string, "The revision that pods below the partition run."),
                FieldSchema("updateRevision", .string, "The revision of the current template."),
                FieldSchema(
                    "collisionCount", .int32, "Bumped when a revision name collides, to make the next hash differ."),
                WorkloadSchema.conditions(
                    "io.k8s.api.apps.v1.StatefulSetCondition", "Observations about the StatefulSet's state."),
                FieldSchema("availableReplicas", .int32, "Pods ready for at least minReadySeconds."),
            ]),
        WorkloadSchema.condition("io.k8s.api.apps.v1.StatefulSetCondition", of: "StatefulSet"),
        TypeSchema(
            "io.k8s.api.apps.v1.ControllerRevision",
            "An immutable snapshot of a controller's template, used by DaemonSets and StatefulSets for rollback.",
            WorkloadSchema.header() + [
                FieldSchema("data", .any, "The serialized state this revision records."),
                FieldSchema("revision", .int64, "The sequence number of this revision.", required: true),
            ], kinds: [controllerRevisionKind]),
        WorkloadSchema.list(
            "io.k8s.api.apps.v1.ControllerRevisionList", item: "io.k8s.api.apps.v1.ControllerRevision",
            GroupVersionKind("apps", "v1", "ControllerRevisionList")),
    ]
}
