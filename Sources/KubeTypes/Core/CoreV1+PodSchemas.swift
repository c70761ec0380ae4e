private typealias F = FieldSchema

private func core(_ name: String) -> SchemaType { CoreV1.ref(name) }

/// Pod, its spec and status, templates and containers.
extension CoreV1 {
    static let podSchemas: [TypeSchema] = [
        pod, podList, podSpec, podStatus, podTemplateSpec, podTemplate, podTemplateList, container, ephemeralContainer,
        containerPort, envVar, envVarSource, configMapKeySelector, secretKeySelector, objectFieldSelector,
        resourceFieldSelector, envFromSource, configMapEnvSource, secretEnvSource, resourceRequirements,
        resourceClaim, volumeMount, volumeDevice, containerResizePolicy, localObjectReference, podDNSConfig,
        podDNSConfigOption, hostAlias, podReadinessGate, podSchedulingGate, podOS, podCondition, containerStatus,
        containerState, containerStateWaiting, containerStateRunning, containerStateTerminated, podIP, hostIP,
        podResourceClaim,
    ]

    static let restartPolicies = ["Always", "OnFailure", "Never"]
    static let dnsPolicies = ["ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"]
    static let protocols = ["TCP", "UDP", "SCTP"]
    static let pullPolicies = ["Always", "Never", "IfNotPresent"]

    static let pod = TypeSchema(
        prefix + "Pod",
        "A group of containers scheduled together onto one node, sharing network and storage.",
        [
            F("apiVersion", .string, "API version of this representation: v1."),
            F("kind", .string, "Kind of this representation: Pod."),
            F("metadata", MetaV1.ref("ObjectMeta"), "Standard object metadata."),
            F("spec", core("PodSpec"), "Desired behaviour of the pod."),
            F("status", core("PodStatus"), "Most recently observed state of the pod; written by the system."),
        ], kinds: [GroupVersionKind("", "v1", "Pod")])

    static let podList = listSchema("PodList", of: "Pod", "A list of pods.")

    static let podSpec = TypeSchema(
        prefix + "PodSpec", "The desired state of a pod: its containers, volumes and scheduling constraints.",
        [
            F(
                "volumes", .array(core("Volume")), "Volumes the pod's containers may mount.",
                mergeKey: "name", strategy: "merge,retainKeys", listType: "map", mapKeys: ["name"]),
            F(
                "initContainers", .array(core("Container")),
                "Containers run to completion, in order, before the app containers start.",
                mergeKey: "name", strategy: "merge", listType: "map", mapKeys: ["name"]),
            F(
                "containers", .array(core("Container")), "The app containers of the pod; at least one.",
                required: true, mergeKey: "name", strategy: "merge", listType: "map", mapKeys: ["name"]),
            F(
                "ephemeralContainers", .array(core("EphemeralContainer")),
                "Debugging containers added to a running pod through the ephemeralcontainers subresource.",
                mergeKey: "name", strategy: "merge", listType: "map", mapKeys: ["name"]),
            F(
                "restartPolicy", .string, "When containers are restarted after they exit. Defaults to Always.",
                enumValues: restartPolicies),
            F("terminationGracePeriodSeconds", .int64, "Seconds given to the pod to stop gracefully. Defaults to 30."),
            F("activeDeadlineSeconds", .int64, "Seconds the pod may run before the system fails it."),
            F(
                "dnsPolicy", .string, "How DNS is set up for the pod. Defaults to ClusterFirst.",
                enumValues: dnsPolicies),
            F("nodeSelector", .stringMap, "Labels a node must carry for the pod to run there.", mapType: "atomic"),
            F("serviceAccountName", .string, "Service account whose identity the pod runs with."),
            F("serviceAccount", .string, "Deprecated alias of serviceAccountName."),
            F("automountServiceAccountToken", .boolean, "Whether a service account token is mounted automatically."),
            F("nodeName", .string, "Node the pod is bound to; set by the scheduler or by a direct request."),
            F("hostNetwork", .boolean, "Use the node's network namespace."),
            F("hostPID", .boolean, "Use the node's process namespace."),
            F("hostIPC", .boolean, "Use the node's IPC namespace."),
            F("shareProcessNamespace", .boolean, "Put all containers of the pod in one process namespace."),
            F("securityContext", core("PodSecurityContext"), "Security settings applying to the whole pod."),
            F(
                "imagePullSecrets", .array(core("LocalObjectReference")), "Secrets used to pull the pod's images.",
                mergeKey: "name", strategy: "merge", listType: "map", mapKeys: ["name"]),
            F("hostname", .string, "Host name of the pod; defaults to the pod's name."),
            F("subdomain", .string, "Subdomain that makes the pod's FQDN <hostname>.<subdomain>.<ns>.svc."),
            F("affinity", core("Affinity"), "Node and pod (anti-)affinity scheduling constraints."),
            F("schedulerName", .string, "Scheduler that places the pod. Defaults to default-scheduler."),
            F(
                "tolerations", .array(core("Toleration")), "Taints the pod tolerates.", listType: "atomic"),
            F(
                "hostAliases", .array(core("HostAlias")), "Extra entries for the pod's hosts file.",
                mergeKey: "ip", strategy: "merge", listType: "map", mapKeys: ["ip"]),
            F("priorityClassName", .string, "Name of the PriorityClass giving the pod its priority."),
            F("priority", .int32, "Priority value resolved from priorityClassName."),
            F("dnsConfig", core("PodDNSConfig"), "DNS settings merged with those chosen by dnsPolicy."),
            F(
                "readinessGates", .array(core("PodReadinessGate")),
                "Extra conditions that must be True for the pod to be ready.", listType: "atomic"),
            F("runtimeClassName", .string, "RuntimeClass used to run the pod."),
            F("enableServiceLinks", .boolean, "Inject service environment variables. Defaults to true."),
            F(
                "preemptionPolicy", .string, "Whether the pod may preempt lower-priority pods.",
                enumValues: ["Never", "PreemptLowerPriority"]),
            F("overhead", .map(.quantity), "Resources used by the pod sandbox on top of its containers."),
            F(
                "topologySpreadConstraints", .array(core("TopologySpreadConstraint")),
                "How the pod's replicas are spread across topology domains.", mergeKey: "topologyKey",
                strategy: "merge", listType: "map", mapKeys: ["topologyKey", "whenUnsatisfiable"]),
            F("setHostnameAsFQDN", .boolean, "Set the host name to the pod's fully qualified domain name."),
            F("os", core("PodOS"), "Operating system the pod's containers need."),
            F("hostUsers", .boolean, "Use the host's user namespace; false enables user namespaces."),
            F(
                "schedulingGates", .array(core("PodSchedulingGate")),
                "Gates that keep the pod from being scheduled while present.", mergeKey: "name",
                strategy: "merge", listType: "map", mapKeys: ["name"]),
            F("resources", core("ResourceRequirements"), "Pod-level resource requests and limits."),
            F(
                "resourceClaims", .array(core("PodResourceClaim")), "Dynamic resource claims the pod uses.",
                mergeKey: "name", strategy: "merge,retainKeys", listType: "map", mapKeys: ["name"]),
        ])

    static let podResourceClaim = TypeSchema(
        prefix + "PodResourceClaim", "Names a resource claim, or a template to create one from, for the pod.",
        [
            F("name", .string, "Name of the claim within the pod.", required: true),
            F("resourceClaimName", .string, "Existing ResourceClaim in the pod's namespace."),
            F("resourceClaimTemplateName", .string, "ResourceClaimTemplate to create a claim from."),
        ])

    static let podStatus = TypeSchema(
        prefix + "PodStatus", "The observed state of a pod, reported by the node agent and scheduler.",
        [
            F(
                "phase", .string, "High-level summary of where the pod is in its lifecycle.",
                enumValues: ["Pending", "Running", "Succeeded", "Failed", "Unknown"]),
            F(
                "conditions", .array(core("PodCondition")), "Current service state of the pod.",
                mergeKey: "type", strategy: "merge", listType: "map", mapKeys: ["type"]),
            F("message", .string, "Human-readable reason the pod is in this state."),
            F("reason", .string, "Brief CamelCase reason the pod is in this state, e.g. Evicted."),
            F("nominatedNodeName", .string, "Node where the pod is expected to run after preemption."),
            F("hostIP", .string, "Primary IP of the node the pod runs on."),
            F(
                "hostIPs", .array(core("HostIP")), "IPs of the node the pod runs on.",
                mergeKey: "ip", strategy: "merge", listType: "atomic"),
            F("podIP", .string, "Primary IP of the pod."),
            F(
                "podIPs", .array(core("PodIP")), "IPs of the pod, at most one per address family.",
                mergeKey: "ip", strategy: "merge", listType: "map", mapKeys: ["ip"]),
            F("startTime", .time, "When the node agent accepted the pod."),
            F(
                "initContainerStatuses", .array(core("ContainerStatus")), "Status of each init container.",
                listType: "atomic"),
            F(
                "containerStatuses", .array(core("ContainerStatus")), "Status of each app container.",
                listType: "atomic"),
            F(
                "qosClass", .string, "Quality-of-service class derived from the resource requirements.",
                enumValues: ["Guaranteed", "Burstable", "BestEffort"]),
            F(
                "ephemeralContainerStatuses", .array(core("ContainerStatus")),
                "Status of each ephemeral container.", listType: "atomic"),
            F("resize", .string, "Deprecated state of an in-place resize."),
            F("observedGeneration", .int64, "The metadata.generation this status was computed from."),
            F("resourceClaimStatuses", .array(.any), "Names of the claims generated for the pod."),
        ])

    static let podTemplateSpec = TypeSchema(
        prefix + "PodTemplateSpec", "Metadata and spec from which controllers create pods.",
        [
            F("metadata", MetaV1.ref("ObjectMeta"), "Metadata given to pods created from the template."),
            F("spec", core("PodSpec"), "Spec given to pods created from the template."),
        ])

    static let podTemplate = TypeSchema(
        prefix + "PodTemplate", "A stored pod template.",
        [
            F("apiVersion", .string, "API version of this representation: v1."),
            F("kind", .string, "Kind of this representation: PodTemplate."),
            F("metadata", MetaV1.ref("ObjectMeta"), "Standard object metadata."),
            F("template", core("PodTemplateSpec"), "The template itself."),
        ], kinds: [GroupVersionKind("", "v1", "PodTemplate")])

    static let podTemplateList = listSchema("PodTemplateList", of: "PodTemplate", "A list of pod templates.")

    static func containerFields(ephemeral: Bool) -> [FieldSchema] {
        var fields = [
            F("name", .string, "Name of the container, a DNS label unique within the pod.", required: true),
            F("image", .string, "Container image reference."),
            F("command", .array(.string), "Entrypoint; replaces the image's ENTRYPOINT.", listType: "atomic"),
            F("args", .array(.string), "Arguments to the entrypoint; replace the image's CMD.", listType: "atomic"),
            F("workingDir", .string, "Working directory; defaults to the image's."),
            F(
                "ports", .array(core("ContainerPort")), "Ports the container exposes (informational).",
                mergeKey: "containerPort", strategy: "merge", listType: "map", mapKeys: ["containerPort", "protocol"]
            ),
            F(
                "envFrom", .array(core("EnvFromSource")), "Sources whose keys all become environment variables.",
                listType: "atomic"),
            F(
                "env", .array(core("EnvVar")), "Environment variables to set.",
                mergeKey: "name", strategy: "merge", listType: "map", mapKeys: ["name"]),
            F("resources", core("ResourceRequirements"), "Compute resources requested and allowed."),
            F(
                "resizePolicy", .array(core("ContainerResizePolicy")), "How each resource may be resized in place.",
                listType: "atomic"),
            F(
                "restartPolicy", .string, "Per-container restart policy; Always makes an init container a sidecar.",
                enumValues: ["Always"]),
            F(
                "volumeMounts", .array(core("VolumeMount")), "Pod volumes mounted into the container.",
                mergeKey: "mountPath", strategy: "merge", listType: "map", mapKeys: ["mountPath"]),
            F(
                "volumeDevices", .array(core("VolumeDevice")), "Block devices used by the container.",
                mergeKey: "devicePath", strategy: "merge", listType: "map", mapKeys: ["devicePath"]),
            F("livenessProbe", core("Probe"), "Probe whose failure restarts the container."),
            F("readinessProbe", core("Probe"), "Probe whose failure takes the container out of service."),
            F("startupProbe", core("Probe"), "Probe that must succeed before the other probes start."),
            F("lifecycle", core("Lifecycle"), "Actions run right after start and before stop."),
            F("terminationMessagePath", .string, "File whose contents become the termination message."),
            F(
                "terminationMessagePolicy", .string, "Where the termination message is read from.",
                enumValues: ["File", "FallbackToLogsOnError"]),
            F("imagePullPolicy", .string, "When the image is pulled.", enumValues: pullPolicies),
            F("securityContext", core("SecurityContext"), "Security settings for this container."),
            F("stdin", .boolean, "Allocate a stdin buffer for the container."),
            F("stdinOnce", .boolean, "Close stdin after the first attach session ends."),
            F("tty", .boolean, "Allocate a terminal for the container."),
        ]
        if ephemeral {
            fields.append(
                F("targetContainerName", .string, "Container whose namespaces the ephemeral container joins."))
        }
        return fields
    }

    static let container = TypeSchema(
        prefix + "Container", "A single application container of a pod.", containerFields(ephemeral: false))

    static let ephemeralContainer = TypeSchema(
        prefix + "EphemeralContainer",
        "A temporary container added to a running pod for troubleshooting; never restarted.",
        containerFields(ephemeral: true))

    static let containerPort = TypeSchema(
        prefix + "ContainerPort", "A network port of a container.",
        [
            F("name", .string, "IANA_SVC_NAME naming the port, unique within the pod."),
            F("hostPort", .int32, "Port on the host to expose the container port on."),
            F("containerPort", .int32, "Port number on the pod's IP (1-65535).", required: true),
            F("protocol", .string, "Protocol of the port. Defaults to TCP.", enumValues: protocols),
            F("hostIP", .string, "Host IP to bind the host port to."),
        ])

    static let envVar = TypeSchema(
        prefix + "EnvVar", "One environment variable of a container.",
        [
            F("name", .string, "Name of the variable.", required: true),
            F("value", .string, "Literal value; $(VAR) references are expanded."),
            F("valueFrom", core("EnvVarSource"), "Where the value comes from, when not literal."),
        ])

    static let envVarSource = TypeSchema(
        prefix + "EnvVarSource", "A source for an environment variable's value; exactly one member is set.",
        [
            F("fieldRef", core("ObjectFieldSelector"), "A field of the pod, such as metadata.name."),
            F("resourceFieldRef", core("ResourceFieldSelector"), "A resource limit or request of a container."),
            F("configMapKeyRef", core("ConfigMapKeySelector"), "A key of a config map."),
            F("secretKeyRef", core("SecretKeySelector"), "A key of a secret."),
        ])

    static let configMapKeySelector = keySelector("ConfigMapKeySelector", "config map")
    static let secretKeySelector = keySelector("SecretKeySelector", "secret")

    static func keySelector(_ name: String, _ what: String) -> TypeSchema {
        TypeSchema(
            prefix + name, "Selects one key of a \(what) in the pod's namespace.",
            [
                F("name", .string, "Name of the \(what)."),
                F("key", .string, "The key to select.", required: true),
                F("optional", .boolean, "Whether the \(what) or key may be missing."),
            ])
    }

    static let objectFieldSelector = TypeSchema(
        prefix + "ObjectFieldSelector", "Selects a field of the pod by path.",
        [
            F("apiVersion", .string, "Version the fieldPath is written in. Defaults to v1."),
            F("fieldPath", .string, "Path of the field, e.g. metadata.namespace or status.podIP.", required: true),
        ])

    static let resourceFieldSelector = TypeSchema(
        prefix + "ResourceFieldSelector", "Selects a container resource value, scaled by a divisor.",
        [
            F("containerName", .string, "Container to read from; required for volumes."),
            F("resource", .string, "Resource to select, e.g. limits.cpu.", required: true),
            F("divisor", .quantity, "Unit the value is expressed in. Defaults to 1."),
        ])

    static let envFromSource = TypeSchema(
        prefix + "EnvFromSource", "A config map or secret whose keys become environment variables.",
        [
            F("prefix", .string, "Prefix added to every variable name."),
            F("configMapRef", core("ConfigMapEnvSource"), "The config map to read."),
            F("secretRef", core("SecretEnvSource"), "The secret to read."),
        ])

    static let configMapEnvSource = TypeSchema(
        prefix + "ConfigMapEnvSource", "A config map used as a source of environment variables.",
        [
            F("name", .string, "Name of the config map."),
            F("optional", .boolean, "Whether the config map may be missing."),
        ])

    static let secretEnvSource = TypeSchema(
        prefix + "SecretEnvSource", "A secret used as a source of environment variables.",
        [
            F("name", .string, "Name of the secret."),
            F("optional", .boolean, "Whether the secret may be missing."),
        ])

    static let resourceRequirements = TypeSchema(
        prefix + "ResourceRequirements", "Compute resources a container asks for and may not exceed.",
        [
            F("limits", .map(.quantity), "Maximum amount of each resource allowed."),
            F("requests", .map(.quantity), "Amount of each resource needed; defaults to the limits."),
            F(
                "claims", .array(core("ResourceClaim")), "Dynamic resource claims used by the container.",
                listType: "map", mapKeys: ["name"]),
        ])

    static let resourceClaim = TypeSchema(
        prefix + "ResourceClaim", "Names one resource claim of the pod.",
        [
            F("name", .string, "Name of an entry in pod.spec.resourceClaims.", required: true),
            F("request", .string, "One request of the claim, if only part of it is used."),
        ])

    static let volumeMount = TypeSchema(
        prefix + "VolumeMount", "Where and how a pod volume is mounted in a container.",
        [
            F("name", .string, "Name of the pod volume.", required: true),
            F("readOnly", .boolean, "Mount read-only."),
            F("recursiveReadOnly", .string, "Whether read-only applies recursively to sub-mounts."),
            F("mountPath", .string, "Path inside the container; must not contain ':'.", required: true),
            F("subPath", .string, "Sub-path of the volume to mount instead of its root."),
            F(
                "mountPropagation", .string, "How mounts propagate between host and container.",
                enumValues: ["None", "HostToContainer", "Bidirectional"]),
            F("subPathExpr", .string, "Like subPath, with $(VAR) expansion."),
        ])

    static let volumeDevice = TypeSchema(
        prefix + "VolumeDevice", "A raw block volume mapped into a container.",
        [
            F("name", .string, "Name of a persistentVolumeClaim volume of the pod.", required: true),
            F("devicePath", .string, "Path of the device inside the container.", required: true),
        ])

    static let containerResizePolicy = TypeSchema(
        prefix + "ContainerResizePolicy", "Whether changing a resource in place restarts the container.",
        [
            F("resourceName", .string, "Resource the policy applies to (cpu, memory).", required: true),
            F(
                "restartPolicy", .string, "What happens when the resource is resized.", required: true,
                enumValues: ["NotRequired", "RestartContainer"]),
        ])

    static let localObjectReference = TypeSchema(
        prefix + "LocalObjectReference", "Names an object in the same namespace.",
        [F("name", .string, "Name of the referent.")])

    static let podDNSConfig = TypeSchema(
        prefix + "PodDNSConfig", "Extra DNS settings for a pod.",
        [
            F("nameservers", .array(.string), "DNS server IPs.", listType: "atomic"),
            F("searches", .array(.string), "DNS search domains.", listType: "atomic"),
            F("options", .array(core("PodDNSConfigOption")), "Resolver options.", listType: "atomic"),
        ])

    static let podDNSConfigOption = TypeSchema(
        prefix + "PodDNSConfigOption", "One resolver option.",
        [
            F("name", .string, "Option name, e.g. ndots."),
            F("value", .string, "Option value, if any."),
        ])

    static let hostAlias = TypeSchema(
        prefix + "HostAlias", "Host names that resolve to an IP inside the pod.",
        [
            F("ip", .string, "The IP address.", required: true),
            F("hostnames", .array(.string), "Names for the IP.", listType: "atomic"),
        ])

    static let podReadinessGate = TypeSchema(
        prefix + "PodReadinessGate", "A pod condition that must be True for the pod to be ready.",
        [F("conditionType", .string, "Type of a condition in the pod's condition list.", required: true)])

    static let podSchedulingGate = TypeSchema(
        prefix + "PodSchedulingGate", "Keeps a pod from being scheduled until removed.",
        [F("name", .string, "Name of the gate; unique within the pod.", required: true)])

    static let podOS = TypeSchema(
        prefix + "PodOS", "The operating system a pod needs.",
        [F("name", .string, "linux or windows.", required: true)])

    static let podCondition = TypeSchema(
        prefix + "PodCondition", "One condition of a pod, such as Ready or PodScheduled.",
        [
            F("type", .string, "Type of the condition.", required: true),
            F("observedGeneration", .int64, "The metadata.generation the condition was computed from."),
            F("status", .string, "True, False or Unknown.", required: true, enumValues: ["True", "False", "Unknown"]),
            F("lastProbeTime", .time, "When the condition was last probed."),
            F("lastTransitionTime", .time, "When the status last changed."),
            F("reason", .string, "CamelCase reason for the last transition."),
            F("message", .string, "Human-readable details of the last transition."),
        ])

    static let containerStatus = TypeSchema(
        prefix + "ContainerStatus", "Observed state of one container of a pod.",
        [
            F("name", .string, "Name of the container.", required: true),
            F("state", core("ContainerState"), "Current state."),
            F("lastState", core("ContainerState"), "State of the previous run, used for restart information."),
            F("ready", .boolean, "Whether the container passes its readiness checks.", required: true),
            F("restartCount", .int32, "How often the container has been restarted.", required: true),
            F("image", .string, "Image the container runs.", required: true),
            F("imageID", .string, "Resolved image identifier.", required: true),
            F("containerID", .string, "Runtime identifier, <type>://<id>."),
            F("started", .boolean, "Whether the container has passed its startup probe."),
            F("allocatedResources", .map(.quantity), "Resources the node allocated to the container."),
            F("resources", core("ResourceRequirements"), "Resources actually configured for the container."),
            F(
                "volumeMounts", .array(core("VolumeMountStatus")), "Status of the container's mounts.",
                mergeKey: "mountPath", strategy: "merge", listType: "map", mapKeys: ["mountPath"]),
            F("stopSignal", .string, "Signal used to stop the container."),
            F("user", .any, "Identity the container's first process runs as."),
            F("allocatedResourcesStatus", .array(.any), "Health of the resources allocated to the container."),
        ])

    static let containerState = TypeSchema(
        prefix + "ContainerState", "State of a container; exactly one member is set.",
        [
            F("waiting", core("ContainerStateWaiting"), "The container has not started yet."),
            F("running", core("ContainerStateRunning"), "The container is running."),
            F("terminated", core("ContainerStateTerminated"), "The container has exited."),
        ])

    static let containerStateWaiting = TypeSchema(
        prefix + "ContainerStateWaiting", "A container that is not running yet.",
        [
            F("reason", .string, "Why it is waiting, e.g. ContainerCreating or CrashLoopBackOff."),
            F("message", .string, "Details of why it is waiting."),
        ])

    static let containerStateRunning = TypeSchema(
        prefix + "ContainerStateRunning", "A running container.",
        [F("startedAt", .time, "When the container last (re)started.")])

    static let containerStateTerminated = TypeSchema(
        prefix + "ContainerStateTerminated", "A container that has exited.",
        [
            F("exitCode", .int32, "Exit status of the last run.", required: true),
            F("signal", .int32, "Signal that ended the last run, if any."),
            F("reason", .string, "Brief reason, e.g. Completed, Error or OOMKilled."),
            F("message", .string, "Details of the termination."),
            F("startedAt", .time, "When the last run started."),
            F("finishedAt", .time, "When the last run ended."),
            F("containerID", .string, "Runtime identifier of the run."),
        ])

    static let podIP = TypeSchema(
        prefix + "PodIP", "One IP address of a pod.", [F("ip", .string, "The address.", required: true)])

    static let hostIP = TypeSchema(
        prefix + "HostIP", "One IP address of the pod's node.", [F("ip", .string, "The address.", required: true)])

    /// A `<Kind>List` definition: list metadata and items.
    static func listSchema(_ name: String, of item: String, _ description: String) -> TypeSchema {
        TypeSchema(
            prefix + name, description,
            [
                F("apiVersion", .string, "API version of this representation: v1."),
                F("kind", .string, "Kind of this representation: \(name)."),
                F("metadata", MetaV1.ref("ListMeta"), "Standard list metadata."),
                F("items", .array(core(item)), "The objects.", required: true),
            ], kinds: [GroupVersionKind("", "v1", name)])
    }
}
