/// Service (core/v1), Deployment (apps/v1) and HorizontalPodAutoscaler (autoscaling/v2): what
/// `kubectl create service|deployment` and `kubectl autoscale` send.
extension ProtobufMessages {
    static let service: [String: Message] = [
        "Service": [
            1: .message("metadata", "ObjectMeta"), 2: .message("spec", "ServiceSpec"),
            3: .message("status", "ServiceStatus"),
        ],
        "ServiceSpec": [
            1: .messages("ports", "ServicePort"), 2: .map("selector"), 3: .string("clusterIP"),
            18: .strings("clusterIPs"), 4: .string("type"), 5: .strings("externalIPs"),
            7: .string("sessionAffinity"), 8: .string("loadBalancerIP"), 9: .strings("loadBalancerSourceRanges"),
            10: .string("externalName"), 11: .string("externalTrafficPolicy"), 12: .int("healthCheckNodePort"),
            13: .bool("publishNotReadyAddresses"), 14: .message("sessionAffinityConfig", "SessionAffinityConfig"),
            19: .strings("ipFamilies"), 17: .string("ipFamilyPolicy", pointer: true),
            20: .bool("allocateLoadBalancerNodePorts", pointer: true), 21: .string("loadBalancerClass", pointer: true),
            22: .string("internalTrafficPolicy", pointer: true), 23: .string("trafficDistribution", pointer: true),
        ],
        "ServicePort": [
            1: .string("name"), 2: .string("protocol"), 6: .string("appProtocol", pointer: true), 3: .int("port"),
            4: .intOrString("targetPort"), 5: .int("nodePort"),
        ],
        "SessionAffinityConfig": [1: .message("clientIP", "ClientIPConfig")],
        "ClientIPConfig": [1: .int("timeoutSeconds", pointer: true)],
        "ServiceStatus": [
            1: .message("loadBalancer", "LoadBalancerStatus"), 2: .messages("conditions", "Condition"),
        ],
        "LoadBalancerStatus": [1: .messages("ingress", "LoadBalancerIngress")],
        "LoadBalancerIngress": [
            1: .string("ip"), 2: .string("hostname"), 3: .string("ipMode", pointer: true),
            4: .messages("ports", "PortStatus"),
        ],
        "PortStatus": [1: .int("port"), 2: .string("protocol"), 3: .string("error", pointer: true)],
    ]

    static let deployment: [String: Message] = [
        "Deployment": [
            1: .message("metadata", "ObjectMeta"), 2: .message("spec", "DeploymentSpec"),
            3: .message("status", "DeploymentStatus"),
        ],
        "DeploymentSpec": [
            1: .int("replicas", pointer: true), 2: .message("selector", "LabelSelector"),
            3: .message("template", "PodTemplateSpec"), 4: .message("strategy", "DeploymentStrategy"),
            5: .int("minReadySeconds"), 6: .int("revisionHistoryLimit", pointer: true), 7: .bool("paused"),
            9: .int("progressDeadlineSeconds", pointer: true), 10: .string("podReplacementPolicy", pointer: true),
        ],
        "DeploymentStrategy": [1: .string("type"), 2: .message("rollingUpdate", "RollingUpdateDeployment")],
        "RollingUpdateDeployment": [
            1: .intOrString("maxUnavailable", pointer: true), 2: .intOrString("maxSurge", pointer: true),
        ],
        "DeploymentStatus": [
            1: .int("observedGeneration"), 2: .int("replicas"), 3: .int("updatedReplicas"), 7: .int("readyReplicas"),
            4: .int("availableReplicas"), 5: .int("unavailableReplicas"),
            9: .int("terminatingReplicas", pointer: true), 6: .messages("conditions", "DeploymentCondition"),
            8: .int("collisionCount", pointer: true),
        ],
        "DeploymentCondition": [
            1: .string("type"), 2: .string("status"), 6: .time("lastUpdateTime"), 7: .time("lastTransitionTime"),
            4: .string("reason"), 5: .string("message"),
        ],
    ]

    static let autoscaling: [String: Message] = [
        "HorizontalPodAutoscaler": [
            1: .message("metadata", "ObjectMeta"), 2: .message("spec", "HorizontalPodAutoscalerSpec"),
            3: .message("status", "HorizontalPodAutoscalerStatus"),
        ],
        "HorizontalPodAutoscalerSpec": [
            1: .message("scaleTargetRef", "CrossVersionObjectReference"), 2: .int("minReplicas", pointer: true),
            3: .int("maxReplicas"), 4: .messages("metrics", "MetricSpec"),
            5: .message("behavior", "HorizontalPodAutoscalerBehavior"),
        ],
        "CrossVersionObjectReference": [1: .string("kind"), 2: .string("name"), 3: .string("apiVersion")],
        "MetricSpec": [
            1: .string("type"), 2: .message("object", "ObjectMetricSource"), 3: .message("pods", "PodsMetricSource"),
            4: .message("resource", "ResourceMetricSource"),
            7: .message("containerResource", "ContainerResourceMetricSource"),
            5: .message("external", "ExternalMetricSource"),
        ],
        "ObjectMetricSource": [
            1: .message("describedObject", "CrossVersionObjectReference"), 2: .message("target", "MetricTarget"),
            3: .message("metric", "MetricIdentifier"),
        ],
        "PodsMetricSource": [1: .message("metric", "MetricIdentifier"), 2: .message("target", "MetricTarget")],
        "ExternalMetricSource": [1: .message("metric", "MetricIdentifier"), 2: .message("target", "MetricTarget")],
        "ResourceMetricSource": [1: .string("name"), 2: .message("target", "MetricTarget")],
        "ContainerResourceMetricSource": [
            1: .string("name"), 2: .message("target", "MetricTarget"), 3: .string("container"),
        ],
        "MetricIdentifier": [1: .string("name"), 2: .message("selector", "LabelSelector")],
        "MetricTarget": [
            1: .string("type"), 2: .quantity("value", pointer: true), 3: .quantity("averageValue", pointer: true),
            4: .int("averageUtilization", pointer: true),
        ],
        "HorizontalPodAutoscalerBehavior": [
            1: .message("scaleUp", "HPAScalingRules"), 2: .message("scaleDown", "HPAScalingRules"),
        ],
        "HPAScalingRules": [
            3: .int("stabilizationWindowSeconds", pointer: true), 1: .string("selectPolicy", pointer: true),
            2: .messages("policies", "HPAScalingPolicy"), 4: .quantity("tolerance", pointer: true),
        ],
        "HPAScalingPolicy": [1: .string("type"), 2: .int("value"), 3: .int("periodSeconds")],
        "HorizontalPodAutoscalerStatus": [
            1: .int("observedGeneration", pointer: true), 2: .time("lastScaleTime"), 3: .int("currentReplicas"),
            4: .int("desiredReplicas"), 5: .messages("currentMetrics", "MetricStatus"),
            6: .messages("conditions", "HorizontalPodAutoscalerCondition"),
        ],
        "MetricStatus": [
            1: .string("type"), 2: .message("object", "ObjectMetricStatus"), 3: .message("pods", "PodsMetricStatus"),
            4: .message("resource", "ResourceMetricStatus"),
            7: .message("containerResource", "ContainerResourceMetricStatus"),
            5: .message("external", "ExternalMetricStatus"),
        ],
        "ObjectMetricStatus": [
            1: .message("metric", "MetricIdentifier"), 2: .message("current", "MetricValueStatus"),
            3: .message("describedObject", "CrossVersionObjectReference"),
        ],
        "PodsMetricStatus": [
            1: .message("metric", "MetricIdentifier"), 2: .message("current", "MetricValueStatus"),
        ],
        "ExternalMetricStatus": [
            1: .message("metric", "MetricIdentifier"), 2: .message("current", "MetricValueStatus"),
        ],
        "ResourceMetricStatus": [1: .string("name"), 2: .message("current", "MetricValueStatus")],
        "ContainerResourceMetricStatus": [
            1: .string("name"), 2: .message("current", "MetricValueStatus"), 3: .string("container"),
        ],
        "MetricValueStatus": [
            1: .quantity("value", pointer: true), 2: .quantity("averageValue", pointer: true),
            3: .int("averageUtilization", pointer: true),
        ],
        "HorizontalPodAutoscalerCondition": [
            1: .string("type"), 2: .string("status"), 3: .time("lastTransitionTime"), 4: .string("reason"),
            5: .string("message"),
        ],
    ]

    static let batch: [String: Message] = [
        "Job": [
            1: .message("metadata", "ObjectMeta"), 2: .message("spec", "JobSpec"), 3: .message("status", "JobStatus"),
        ],
        "JobSpec": [
            1: .int("parallelism", pointer: true), 2: .int("completions", pointer: true),
            3: .int("activeDeadlineSeconds", pointer: true), 11: .message("podFailurePolicy", "PodFailurePolicy"),
            16: .message("successPolicy", "SuccessPolicy"), 7: .int("backoffLimit", pointer: true),
            12: .int("backoffLimitPerIndex", pointer: true), 13: .int("maxFailedIndexes", pointer: true),
            4: .message("selector", "LabelSelector"), 5: .bool("manualSelector", pointer: true),
            6: .message("template", "PodTemplateSpec"), 8: .int("ttlSecondsAfterFinished", pointer: true),
            9: .string("completionMode", pointer: true), 10: .bool("suspend", pointer: true),
            14: .string("podReplacementPolicy", pointer: true), 15: .string("managedBy", pointer: true),
        ],
        "PodFailurePolicy": [1: .messages("rules", "PodFailurePolicyRule")],
        "PodFailurePolicyRule": [
            1: .string("action"), 2: .message("onExitCodes", "PodFailurePolicyOnExitCodesRequirement"),
            3: .messages("onPodConditions", "PodFailurePolicyOnPodConditionsPattern"),
        ],
        "PodFailurePolicyOnExitCodesRequirement": [
            1: .string("containerName", pointer: true), 2: .string("operator"), 3: .ints("values"),
        ],
        "PodFailurePolicyOnPodConditionsPattern": [1: .string("type"), 2: .string("status")],
        "SuccessPolicy": [1: .messages("rules", "SuccessPolicyRule")],
        "SuccessPolicyRule": [
            1: .string("succeededIndexes", pointer: true), 2: .int("succeededCount", pointer: true),
        ],
        "JobStatus": [
            1: .messages("conditions", "JobCondition"), 2: .time("startTime"), 3: .time("completionTime"),
            4: .int("active"), 5: .int("succeeded"), 6: .int("failed"), 11: .int("terminating", pointer: true),
            7: .string("completedIndexes"), 10: .string("failedIndexes", pointer: true),
            8: .message("uncountedTerminatedPods", "UncountedTerminatedPods"), 9: .int("ready", pointer: true),
        ],
        "JobCondition": [
            1: .string("type"), 2: .string("status"), 3: .time("lastProbeTime"), 4: .time("lastTransitionTime"),
            5: .string("reason"), 6: .string("message"),
        ],
        "UncountedTerminatedPods": [1: .strings("succeeded"), 2: .strings("failed")],
        "CronJob": [
            1: .message("metadata", "ObjectMeta"), 2: .message("spec", "CronJobSpec"),
            3: .message("status", "CronJobStatus"),
        ],
        "CronJobSpec": [
            1: .string("schedule"), 8: .string("timeZone", pointer: true),
            2: .int("startingDeadlineSeconds", pointer: true), 3: .string("concurrencyPolicy"),
            4: .bool("suspend", pointer: true), 5: .message("jobTemplate", "JobTemplateSpec"),
            6: .int("successfulJobsHistoryLimit", pointer: true), 7: .int("failedJobsHistoryLimit", pointer: true),
        ],
        "JobTemplateSpec": [1: .message("metadata", "ObjectMeta"), 2: .message("spec", "JobSpec")],
        "CronJobStatus": [
            1: .messages("active", "ObjectReference"), 4: .time("lastScheduleTime"), 5: .time("lastSuccessfulTime"),
        ],
    ]
}
