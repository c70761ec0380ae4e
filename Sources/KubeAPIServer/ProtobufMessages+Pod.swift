/// core/v1 pod messages: the pod template every workload carries, and its containers.
extension ProtobufMessages {
    static let pod: [String: Message] = [
        "Pod": [
            1: .message("metadata", "ObjectMeta"), 2: .message("spec", "PodSpec"), 3: .message("status", "PodStatus"),
        ],
        // What a client can send: the non-pointer scalars Go always writes. Reported state
        // (container statuses, IPs) is the node's to write and gets the unknown-field refusal.
        "PodStatus": [
            17: .int("observedGeneration"), 1: .string("phase"), 2: .messages("conditions", "PodCondition"),
            3: .string("message"), 4: .string("reason"), 11: .string("nominatedNodeName"), 5: .string("hostIP"),
            6: .string("podIP"), 7: .time("startTime"), 9: .string("qosClass"), 14: .string("resize"),
        ],
        "PodCondition": [
            1: .string("type"), 7: .int("observedGeneration"), 2: .string("status"), 3: .time("lastProbeTime"),
            4: .time("lastTransitionTime"), 5: .string("reason"), 6: .string("message"),
        ],
        "PodTemplateSpec": [1: .message("metadata", "ObjectMeta"), 2: .message("spec", "PodSpec")],
        "PodSpec": [
            1: .messages("volumes", "Volume"), 20: .messages("initContainers", "Container"),
            2: .messages("containers", "Container"), 3: .string("restartPolicy"),
            4: .int("terminationGracePeriodSeconds", pointer: true), 5: .int("activeDeadlineSeconds", pointer: true),
            6: .string("dnsPolicy"), 7: .map("nodeSelector"), 8: .string("serviceAccountName"),
            9: .string("serviceAccount"), 21: .bool("automountServiceAccountToken", pointer: true),
            10: .string("nodeName"), 11: .bool("hostNetwork"), 12: .bool("hostPID"), 13: .bool("hostIPC"),
            27: .bool("shareProcessNamespace", pointer: true), 14: .message("securityContext", "PodSecurityContext"),
            15: .messages("imagePullSecrets", "LocalObjectReference"), 16: .string("hostname"),
            17: .string("subdomain"), 18: .message("affinity", "Affinity"), 19: .string("schedulerName"),
            22: .messages("tolerations", "Toleration"), 23: .messages("hostAliases", "HostAlias"),
            24: .string("priorityClassName"), 25: .int("priority", pointer: true),
            26: .message("dnsConfig", "PodDNSConfig"), 28: .messages("readinessGates", "PodReadinessGate"),
            29: .string("runtimeClassName", pointer: true), 30: .bool("enableServiceLinks", pointer: true),
            31: .string("preemptionPolicy", pointer: true), 32: .map("overhead", .quantity),
            33: .messages("topologySpreadConstraints", "TopologySpreadConstraint"),
            35: .bool("setHostnameAsFQDN", pointer: true), 36: .message("os", "PodOS"),
            37: .bool("hostUsers", pointer: true), 38: .messages("schedulingGates", "PodSchedulingGate"),
            39: .messages("resourceClaims", "PodResourceClaim"), 40: .message("resources", "ResourceRequirements"),
            41: .string("hostnameOverride", pointer: true),
        ],
        "PodSecurityContext": [
            1: .message("seLinuxOptions", "SELinuxOptions"),
            8: .message("windowsOptions", "WindowsSecurityContextOptions"), 2: .int("runAsUser", pointer: true),
            6: .int("runAsGroup", pointer: true), 3: .bool("runAsNonRoot", pointer: true),
            4: .ints("supplementalGroups"), 12: .string("supplementalGroupsPolicy", pointer: true),
            5: .int("fsGroup", pointer: true), 7: .messages("sysctls", "Sysctl"),
            9: .string("fsGroupChangePolicy", pointer: true), 10: .message("seccompProfile", "SeccompProfile"),
            11: .message("appArmorProfile", "AppArmorProfile"), 13: .string("seLinuxChangePolicy", pointer: true),
        ],
        "Sysctl": [1: .string("name"), 2: .string("value")],
        "SELinuxOptions": [1: .string("user"), 2: .string("role"), 3: .string("type"), 4: .string("level")],
        "WindowsSecurityContextOptions": [
            1: .string("gmsaCredentialSpecName", pointer: true), 2: .string("gmsaCredentialSpec", pointer: true),
            3: .string("runAsUserName", pointer: true), 4: .bool("hostProcess", pointer: true),
        ],
        "SeccompProfile": [1: .string("type"), 2: .string("localhostProfile", pointer: true)],
        "AppArmorProfile": [1: .string("type"), 2: .string("localhostProfile", pointer: true)],
    ]

    static let container: [String: Message] = [
        "Container": [
            1: .string("name"), 2: .string("image"), 3: .strings("command"), 4: .strings("args"),
            5: .string("workingDir"), 6: .messages("ports", "ContainerPort"), 19: .messages("envFrom", "EnvFromSource"),
            7: .messages("env", "EnvVar"), 8: .message("resources", "ResourceRequirements"),
            23: .messages("resizePolicy", "ContainerResizePolicy"), 24: .string("restartPolicy", pointer: true),
            25: .messages("restartPolicyRules", "ContainerRestartRule"),
            9: .messages("volumeMounts", "VolumeMount"), 21: .messages("volumeDevices", "VolumeDevice"),
            10: .message("livenessProbe", "Probe"), 11: .message("readinessProbe", "Probe"),
            22: .message("startupProbe", "Probe"), 12: .message("lifecycle", "Lifecycle"),
            13: .string("terminationMessagePath"), 20: .string("terminationMessagePolicy"),
            14: .string("imagePullPolicy"), 15: .message("securityContext", "SecurityContext"), 16: .bool("stdin"),
            17: .bool("stdinOnce"), 18: .bool("tty"),
        ],
        "ContainerPort": [
            1: .string("name"), 2: .int("hostPort"), 3: .int("containerPort"), 4: .string("protocol"),
            5: .string("hostIP"),
        ],
        "ContainerResizePolicy": [1: .string("resourceName"), 2: .string("restartPolicy")],
        "ContainerRestartRule": [1: .string("action"), 2: .message("exitCodes", "ContainerRestartRuleOnExitCodes")],
        "ContainerRestartRuleOnExitCodes": [1: .string("operator"), 2: .ints("values")],
        "EnvVar": [1: .string("name"), 2: .string("value"), 3: .message("valueFrom", "EnvVarSource")],
        "EnvVarSource": [
            1: .message("fieldRef", "ObjectFieldSelector"), 2: .message("resourceFieldRef", "ResourceFieldSelector"),
            3: .message("configMapKeyRef", "ConfigMapKeySelector"), 4: .message("secretKeyRef", "SecretKeySelector"),
            5: .message("fileKeyRef", "FileKeySelector"),
        ],
        "ObjectFieldSelector": [1: .string("apiVersion"), 2: .string("fieldPath")],
        "ResourceFieldSelector": [1: .string("containerName"), 2: .string("resource"), 3: .quantity("divisor")],
        "ConfigMapKeySelector": [
            1: .inline("LocalObjectReference"), 2: .string("key"), 3: .bool("optional", pointer: true),
        ],
        "SecretKeySelector": [
            1: .inline("LocalObjectReference"), 2: .string("key"), 3: .bool("optional", pointer: true),
        ],
        "FileKeySelector": [
            1: .string("volumeName"), 2: .string("path"), 3: .string("key"), 4: .bool("optional", pointer: true),
        ],
        "EnvFromSource": [
            1: .string("prefix"), 2: .message("configMapRef", "ConfigMapEnvSource"),
            3: .message("secretRef", "SecretEnvSource"),
        ],
        "ConfigMapEnvSource": [1: .inline("LocalObjectReference"), 2: .bool("optional", pointer: true)],
        "SecretEnvSource": [1: .inline("LocalObjectReference"), 2: .bool("optional", pointer: true)],
        "ResourceRequirements": [
            1: .map("limits", .quantity), 2: .map("requests", .quantity), 3: .messages("claims", "ResourceClaim"),
        ],
        "ResourceClaim": [1: .string("name"), 2: .string("request")],
        "VolumeMount": [
            1: .string("name"), 2: .bool("readOnly"), 7: .string("recursiveReadOnly", pointer: true),
            3: .string("mountPath"), 4: .string("subPath"), 5: .string("mountPropagation", pointer: true),
            6: .string("subPathExpr"),
        ],
        "VolumeDevice": [1: .string("name"), 2: .string("devicePath")],
        "Probe": [
            1: .inline("ProbeHandler"), 2: .int("initialDelaySeconds"), 3: .int("timeoutSeconds"),
            4: .int("periodSeconds"), 5: .int("successThreshold"), 6: .int("failureThreshold"),
            7: .int("terminationGracePeriodSeconds", pointer: true),
        ],
        "ProbeHandler": [
            1: .message("exec", "ExecAction"), 2: .message("httpGet", "HTTPGetAction"),
            3: .message("tcpSocket", "TCPSocketAction"), 4: .message("grpc", "GRPCAction"),
        ],
        "ExecAction": [1: .strings("command")],
        "HTTPGetAction": [
            1: .string("path"), 2: .intOrString("port"), 3: .string("host"), 4: .string("scheme"),
            5: .messages("httpHeaders", "HTTPHeader"),
        ],
        "HTTPHeader": [1: .string("name"), 2: .string("value")],
        "TCPSocketAction": [1: .intOrString("port"), 2: .string("host")],
        "GRPCAction": [1: .int("port"), 2: .string("service", pointer: true)],
        "Lifecycle": [
            1: .message("postStart", "LifecycleHandler"), 2: .message("preStop", "LifecycleHandler"),
            3: .string("stopSignal", pointer: true),
        ],
        "LifecycleHandler": [
            1: .message("exec", "ExecAction"), 2: .message("httpGet", "HTTPGetAction"),
            3: .message("tcpSocket", "TCPSocketAction"), 4: .message("sleep", "SleepAction"),
        ],
        "SleepAction": [1: .int("seconds")],
        "SecurityContext": [
            1: .message("capabilities", "Capabilities"), 2: .bool("privileged", pointer: true),
            3: .message("seLinuxOptions", "SELinuxOptions"),
            10: .message("windowsOptions", "WindowsSecurityContextOptions"), 4: .int("runAsUser", pointer: true),
            8: .int("runAsGroup", pointer: true), 5: .bool("runAsNonRoot", pointer: true),
            6: .bool("readOnlyRootFilesystem", pointer: true), 7: .bool("allowPrivilegeEscalation", pointer: true),
            9: .string("procMount", pointer: true), 11: .message("seccompProfile", "SeccompProfile"),
            12: .message("appArmorProfile", "AppArmorProfile"), 13: .messages("ulimits", "Ulimit"),
        ],
        "Capabilities": [1: .strings("add"), 2: .strings("drop")],
        "Ulimit": [1: .string("name"), 2: .int("hard"), 3: .int("soft")],
    ]
}
