/// `metrics.k8s.io/v1beta1`: the resource metrics API metrics-server serves (`kubectl top`, the
/// HorizontalPodAutoscaler). Read-only: the API server fills NodeMetrics and PodMetrics from the
/// kubelets' `/stats/summary`; nothing is stored.
public enum MetricsV1beta1 {
    public static let group = "metrics.k8s.io"
    public static let version = "v1beta1"
    static let prefix = "io.k8s.metrics.pkg.apis.metrics.v1beta1."

    public static let resources: [ResourceType] = [
        ResourceType(
            group: group, version: version, kind: "NodeMetrics", plural: "nodes", singular: "",
            namespaced: false, verbs: ["get", "list"], schemaName: prefix + "NodeMetrics",
            strategy: ResourceStrategy(tracksGeneration: false)),
        ResourceType(
            group: group, version: version, kind: "PodMetrics", plural: "pods", singular: "",
            namespaced: true, verbs: ["get", "list"], schemaName: prefix + "PodMetrics",
            strategy: ResourceStrategy(tracksGeneration: false)),
    ]

    public static let schemas: [TypeSchema] = [
        TypeSchema(
            prefix + "NodeMetrics", "Resource usage of a node, sampled over `window` ending at `timestamp`.",
            WorkloadSchema.header() + [
                FieldSchema("timestamp", .time, "When the usage was measured (the end of the window).", required: true),
                FieldSchema(
                    "window", .string, "The interval the usage was averaged over, such as `10s`.", required: true),
                FieldSchema(
                    "usage", .map(.quantity), "CPU (cores) and memory (working set bytes) in use.", required: true),
            ], kinds: [GroupVersionKind(group, version, "NodeMetrics")]),
        TypeSchema(
            prefix + "PodMetrics", "Resource usage of a pod's containers, sampled over `window` ending at `timestamp`.",
            WorkloadSchema.header() + [
                FieldSchema("timestamp", .time, "When the usage was measured (the end of the window).", required: true),
                FieldSchema(
                    "window", .string, "The interval the usage was averaged over, such as `10s`.", required: true),
                FieldSchema(
                    "containers", .array(.ref(prefix + "ContainerMetrics")), "Usage of each running container.",
                    required: true),
            ], kinds: [GroupVersionKind(group, version, "PodMetrics")]),
        TypeSchema(
            prefix + "ContainerMetrics", "Resource usage of one container.",
            [
                FieldSchema("name", .string, "The container's name in the pod spec.", required: true),
                FieldSchema(
                    "usage", .map(.quantity), "CPU (cores) and memory (working set bytes) in use.", required: true),
            ]),
        WorkloadSchema.list(
            prefix + "NodeMetricsList", item: prefix + "NodeMetrics",
            GroupVersionKind(group, version, "NodeMetricsList")),
        WorkloadSchema.list(
            prefix + "PodMetricsList", item: prefix + "PodMetrics", GroupVersionKind(group, version, "PodMetricsList")),
    ]
}
