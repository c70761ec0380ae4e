/// The `autoscaling` group: the v1 Scale kind served by every `/scale` subresource, and the v2
/// HorizontalPodAutoscaler resource.
public enum AutoscalingAPI {
    public static let scaleKind = GroupVersionKind("autoscaling", "v1", "Scale")

    public static let schemas: [TypeSchema] = scaleSchemas + hpaSchemas

    /// Only the v2 autoscaler is a resource; Scale lives under other resources' `/scale`.
    public static let resources: [ResourceType] = [
        ResourceType(
            group: "autoscaling", version: "v2", kind: "HorizontalPodAutoscaler",
            plural: "horizontalpodautoscalers", namespaced: true, shortNames: ["hpa"], categories: ["all"],
            schemaName: "io.k8s.api.autoscaling.v2.HorizontalPodAutoscaler",
            strategy: ResourceStrategy(
                applyDefaults: defaultHPA, prepareForCreate: { $0["status"] = ["desiredReplicas": 0] },
                validateCreate: validateHPA, validateUpdate: { new, _ in validateHPA(new) }, hasStatus: true,
                table: hpaTable))
    ]

    static let scaleSchemas: [TypeSchema] = [
        WorkloadSchema.kind(
            "io.k8s.api.autoscaling.v1.Scale",
            "The replica count of a scalable resource, read and written through its scale subresource.",
            scaleKind,
            spec: ("io.k8s.api.autoscaling.v1.ScaleSpec", "The replica count wanted."),
            status: ("io.k8s.api.autoscaling.v1.ScaleStatus", "The replica count observed.")),
        TypeSchema(
            "io.k8s.api.autoscaling.v1.ScaleSpec", "The desired size of a scalable resource.",
            [FieldSchema("replicas", .int32, "The number of replicas wanted.")]),
        TypeSchema(
            "io.k8s.api.autoscaling.v1.ScaleStatus", "The observed size of a scalable resource.",
            [
                FieldSchema("replicas", .int32, "The number of replicas actually running.", required: true),
                FieldSchema(
                    "selector", .string,
                    "The label selector of the pods, in text form such as `app=web`, for autoscalers to count them."),
            ]),
    ]
}
