extension AutoscalingAPI {
    static let hpaKind = GroupVersionKind("autoscaling", "v2", "HorizontalPodAutoscaler")
    static let v2 = "io.k8s.api.autoscaling.v2."
    static let quantity = SchemaType.quantity

    static func ref(_ name: String) -> SchemaType { .ref(v2 + name) }

    static let hpaSchemas: [TypeSchema] = [
        WorkloadSchema.kind(
            v2 + "HorizontalPodAutoscaler",
            "Scales a workload between a minimum and maximum replica count to keep metrics near their targets.",
            hpaKind,
            spec: (v2 + "HorizontalPodAutoscalerSpec", "What to scale, within which bounds and on which metrics."),
            status: (v2 + "HorizontalPodAutoscalerStatus", "The autoscaler's latest observations and decisions.")),
        WorkloadSchema.list(
            v2 + "HorizontalPodAutoscalerList", item: v2 + "HorizontalPodAutoscaler",
            GroupVersionKind("autoscaling", "v2", "HorizontalPodAutoscalerList")),
        TypeSchema(
            v2 + "HorizontalPodAutoscalerSpec", "The desired behaviour of a HorizontalPodAutoscaler.",
            [
                FieldSchema(
                    "scaleTargetRef", ref("CrossVersionObjectReference"),
                    "The scalable object (with a scale subresource) whose replicas are set.", required: true),
                FieldSchema("minReplicas", .int32, "The fewest replicas to scale down to; 1 when unset."),
                FieldSchema(
                    "maxReplicas", .int32, "The most replicas to scale up to; at least minReplicas.", required: true),
                FieldSchema(
                    "metrics", .array(ref("MetricSpec")),
                    "Metrics whose targets drive the replica count; the largest proposal wins. CPU at 80% when unset.",
                    listType: "atomic"),
                FieldSchema(
                    "behavior", ref("HorizontalPodAutoscalerBehavior"),
                    "Rate limits and stabilization for scaling up and down."),
            ]),
        TypeSchema(
            v2 + "CrossVersionObjectReference", "Points at an object by kind, name and API version.",
            [
                FieldSchema("kind", .string, "Kind of the referent, such as Deployment.", required: true),
                FieldSchema("name", .string, "Name of the referent.", required: true),
                FieldSchema("apiVersion", .string, "API version of the referent, such as apps/v1."),
            ]),
        TypeSchema(
            v2 + "MetricSpec", "One metric to scale on; exactly the source named by type is set.",
            [
                FieldSchema(
                    "type", .string, "Which source below is used.", required: true,
                    enumValues: ["ContainerResource", "External", "Object", "Pods", "Resource"]),
                FieldSchema("object", ref("ObjectMetricSource"), "A metric describing one Kubernetes object."),
                FieldSchema("pods", ref("PodsMetricSource"), "A custom metric averaged over the target's pods."),
                FieldSchema(
                    "resource", ref("ResourceMetricSource"), "CPU or memory usage of the target's pods."),
                FieldSchema(
                    "containerResource", ref("ContainerResourceMetricSource"),
                    "CPU or memory usage of one container in each of the target's pods."),
                FieldSchema("external", ref("ExternalMetricSource"), "A metric from outside the cluster."),
            ]),
        TypeSchema(
            v2 + "ObjectMetricSource", "A metric of a single object, such as requests per second of an Ingress.",
            [
                FieldSchema(
                    "describedObject", ref("CrossVersionObjectReference"), "The object the metric is about.",
                    required: true),
                FieldSchema("target", ref("MetricTarget"), "The value to aim for.", required: true),
                FieldSchema("metric", ref("MetricIdentifier"), "Which metric to read.", required: true),
            ]),
        TypeSchema(
            v2 + "PodsMetricSource", "A metric reported per pod and averaged before comparing with the target.",
            [
                FieldSchema("metric", ref("MetricIdentifier"), "Which metric to read.", required: true),
                FieldSchema("target", ref("MetricTarget"), "The value to aim for.", required: true),
            ]),
        TypeSchema(
            v2 + "ResourceMetricSource", "Usage of a resource such as cpu across the target's pods.",
            [
                FieldSchema("name", .string, "The resource to measure, such as cpu or memory.", required: true),
                FieldSchema("target", ref("MetricTarget"), "The value to aim for.", required: true),
            ]),
        TypeSchema(
            v2 + "ContainerResourceMetricSource", "Usage of a resource by one named container of each pod.",
            [
                FieldSchema("name", .string, "The resource to measure, such as cpu or memory.", required: true),
                FieldSchema("target", ref("MetricTarget"), "The value to aim for.", required: true),
                FieldSchema("container", .string, "The container whose usage counts.", required: true),
            ]),
        TypeSchema(
            v2 + "ExternalMetricSource", "A metric that has nothing to do with Kubernetes objects.",
            [
                FieldSchema("metric", ref("MetricIdentifier"), "Which metric to read.", required: true),
                FieldSchema("target", ref("MetricTarget"), "The value to aim for.", required: true),
            ]),
        TypeSchema(
            v2 + "MetricIdentifier", "Names a metric and optionally narrows it with labels.",
            [
                FieldSchema("name", .string, "The metric's name.", required: true),
                FieldSchema(
                    "selector", WorkloadSchema.labelSelector, "Labels that select which series of the metric count."),
            ]),
        TypeSchema(
            v2 + "MetricTarget", "The level a metric should be held at.",
            [
                FieldSchema(
                    "type", .string, "Whether value, averageValue or averageUtilization is the target.",
                    required: true, enumValues: ["AverageValue", "Utilization", "Value"]),
                FieldSchema("value", quantity, "The target value of the metric as a whole."),
                FieldSchema("averageValue", quantity, "The target value averaged over all pods."),
                FieldSchema(
                    "averageUtilization", .int32,
                    "The target average, as a percentage of the pods' resource requests."),
            ]),
        TypeSchema(
            v2 + "HorizontalPodAutoscalerBehavior", "Separate scaling rules for each direction.",
            [
                FieldSchema(
                    "scaleUp", ref("HPAScalingRules"),
                    "Rules for growing; by default the larger of 4 pods or 100% per 15 seconds, without stabilization."),
                FieldSchema(
                    "scaleDown", ref("HPAScalingRules"),
                    "Rules for shrinking; by default up to 100% per 15 seconds after a 300 second window."),
            ]),
        TypeSchema(
            v2 + "HPAScalingRules", "How fast the replica count may move in one direction.",
            [
                FieldSchema(
                    "stabilizationWindowSeconds", .int32,
                    "Seconds of past recommendations considered, to avoid flapping (0 to 3600)."),
                FieldSchema(
                    "selectPolicy", .string, "Which policy applies when several do: Max, Min, or Disabled.",
                    enumValues: ["Disabled", "Max", "Min"]),
                FieldSchema(
                    "policies", .array(ref("HPAScalingPolicy")), "Allowed changes per period.", listType: "atomic"),
                FieldSchema(
                    "tolerance", quantity,
                    "Relative gap from the target ignored before scaling, such as 0.05 for 5%."),
            ]),
        TypeSchema(
            v2 + "HPAScalingPolicy", "A change allowed within a period of time.",
            [
                FieldSchema(
                    "type", .string, "Pods for an absolute count, Percent for a share of current replicas.",
                    required: true, enumValues: ["Percent", "Pods"]),
                FieldSchema("value", .int32, "How much change is allowed; above zero.", required: true),
                FieldSchema(
                    "periodSeconds", .int32, "The window the change is measured over (1 to 1800 seconds).",
                    required: true),
            ]),
        TypeSchema(
            v2 + "HorizontalPodAutoscalerStatus", "The current state of a HorizontalPodAutoscaler.",
            [
                FieldSchema("observedGeneration", .int64, "The metadata.generation the autoscaler last saw."),
                FieldSchema("lastScaleTime", .time, "When the replica count was last changed."),
                FieldSchema("currentReplicas", .int32, "Replicas the target had when last checked."),
                FieldSchema("desiredReplicas", .int32, "Replicas the autoscaler last asked for.", required: true),
                FieldSchema(
                    "currentMetrics", .array(ref("MetricStatus")), "Latest readings of the metrics.",
                    listType: "atomic"),
                WorkloadSchema.conditions(
                    v2 + "HorizontalPodAutoscalerCondition",
                    "Observations such as AbleToScale, ScalingActive and ScalingLimited."),
            ]),
        TypeSchema(
            v2 + "MetricStatus", "The latest reading of one metric; the source named by type is set.",
            [
                FieldSchema(
                    "type", .string, "Which source below is set.", required: true,
                    enumValues: ["ContainerResource", "External", "Object", "Pods", "Resource"]),
                FieldSchema("object", ref("ObjectMetricStatus"), "Reading of an object metric."),
                FieldSchema("pods", ref("PodsMetricStatus"), "Reading of a per-pod metric."),
                FieldSchema("resource", ref("ResourceMetricStatus"), "Reading of a resource metric."),
                FieldSchema(
                    "containerResource", ref("ContainerResourceMetricStatus"),
                    "Reading of a container resource metric."),
                FieldSchema("external", ref("ExternalMetricStatus"), "Reading of an external metric."),
            ]),
        TypeSchema(
            v2 + "ObjectMetricStatus", "Reading of a metric about one object.",
            [
                FieldSchema("metric", ref("MetricIdentifier"), "The metric read.", required: true),
                FieldSchema("current", ref("MetricValueStatus"), "Its current value.", required: true),
                FieldSchema(
                    "describedObject", ref("CrossVersionObjectReference"), "The object the metric is about.",
                    required: true),
            ]),
        TypeSchema(
            v2 + "PodsMetricStatus", "Reading of a per-pod metric.",
            [
                FieldSchema("metric", ref("MetricIdentifier"), "The metric read.", required: true),
                FieldSchema("current", ref("MetricValueStatus"), "Its current value.", required: true),
            ]),
        TypeSchema(
            v2 + "ResourceMetricStatus", "Reading of a resource's usage across pods.",
            [
                FieldSchema("name", .string, "The resource measured.", required: true),
                FieldSchema("current", ref("MetricValueStatus"), "Its current value.", required: true),
            ]),
        TypeSchema(
            v2 + "ContainerResourceMetricStatus", "Reading of a resource's usage by one container of each pod.",
            [
                FieldSchema("name", .string, "The resource measured.", required: true),
                FieldSchema("current", ref("MetricValueStatus"), "Its current value.", required: true),
                FieldSchema("container", .string, "The container measured.", required: true),
            ]),
        TypeSchema(
            v2 + "ExternalMetricStatus", "Reading of a metric from outside the cluster.",
            [
                FieldSchema("metric", ref("MetricIdentifier"), "The metric read.", required: true),
                FieldSchema("current", ref("MetricValueStatus"), "Its current value.", required: true),
            ]),
        TypeSchema(
            v2 + "MetricValueStatus", "A metric reading, in the form matching its target.",
            [
                FieldSchema("value", quantity, "The value of the metric as a whole."),
                FieldSchema("averageValue", quantity, "The value averaged over the pods."),
                FieldSchema(
                    "averageUtilization", .int32, "The average as a percentage of the pods' resource requests."),
            ]),
        WorkloadSchema.condition(v2 + "HorizontalPodAutoscalerCondition", of: "HorizontalPodAutoscaler"),
    ]
}
