private typealias F = FieldSchema

private func core(_ name: String) -> SchemaType { CoreV1.ref(name) }

/// Services, endpoints, nodes, namespaces, events, config and storage kinds.
extension CoreV1 {
    static let clusterSchemas: [TypeSchema] =
        [
            service, serviceSpec, servicePort, serviceStatus, loadBalancerStatus, loadBalancerIngress, portStatus,
            sessionAffinityConfig, clientIPConfig, endpoints, endpointSubset, endpointAddress, endpointPort, node,
            nodeSpec, nodeStatus, taint, nodeCondition, nodeAddress, nodeSystemInfo, nodeDaemonEndpoints,
            daemonEndpoint, containerImage, namespace, namespaceSpec, namespaceStatus, namespaceCondition, event,
            eventSource, eventSeries, objectReference, configMap, secret, serviceAccount, binding,
        ]
        + ["Service", "Endpoints", "Node", "Namespace", "Event", "ConfigMap", "Secret", "ServiceAccount"].map {
            listSchema($0 + "List", of: $0, "A list of \($0) objects.")
        }

    /// Top-level kind definition: apiVersion, kind, metadata and the given fields.
    static func kind(_ name: String, _ description: String, _ fields: [FieldSchema]) -> TypeSchema {
        TypeSchema(
            prefix + name, description,
            [
                F("apiVersion", .string, "API version of this representation: v1."),
                F("kind", .string, "Kind of this representation: \(name)."),
                F("metadata", MetaV1.ref("ObjectMeta"), "Standard object metadata."),
            ] + fields, kinds: [GroupVersionKind("", "v1", name)])
    }

    static let service = kind(
        "Service", "A stable virtual address and name in front of a set of pods chosen by label.",
        [
            F("spec", core("ServiceSpec"), "Desired behaviour of the service."),
            F("status", core("ServiceStatus"), "Observed state, such as the load balancer address."),
        ])

    static let serviceTypes = ["ClusterIP", "NodePort", "LoadBalancer", "ExternalName"]

    static let serviceSpec = TypeSchema(
        prefix + "ServiceSpec", "What a service exposes and how traffic reaches its pods.",
        [
            F(
                "ports", .array(core("ServicePort")), "Ports the service exposes.", mergeKey: "port",
                strategy: "merge", listType: "map", mapKeys: ["port", "protocol"]),
            F("selector", .stringMap, "Labels of the pods traffic is sent to.", mapType: "atomic"),
            F("clusterIP", .string, "Virtual IP of the service; None makes a headless service."),
            F("clusterIPs", .array(.string), "Virtual IPs, one per address family.", listType: "atomic"),
            F("type", .string, "How the service is exposed. Defaults to ClusterIP.", enumValues: serviceTypes),
            F("externalIPs", .array(.string), "Extra IPs the service accepts traffic on.", listType: "atomic"),
            F(
                "sessionAffinity", .string, "Whether a client sticks to one pod. Defaults to None.",
                enumValues: ["ClientIP", "None"]),
            F("loadBalancerIP", .string, "Deprecated requested load balancer IP."),
            F(
                "loadBalancerSourceRanges", .array(.string), "Client CIDRs allowed through the load balancer.",
                listType: "atomic"),
            F("externalName", .string, "DNS name returned as a CNAME, for type ExternalName."),
            F(
                "externalTrafficPolicy", .string, "Whether external traffic stays on the receiving node.",
                enumValues: ["Cluster", "Local"]),
            F("healthCheckNodePort", .int32, "Node port serving health checks for externalTrafficPolicy Local."),
            F("publishNotReadyAddresses", .boolean, "Publish endpoints of pods that are not ready."),
            F("sessionAffinityConfig", core("SessionAffinityConfig"), "Session affinity settings."),
            F("ipFamilies", .array(.string), "Address families of the service.", listType: "atomic"),
            F(
                "ipFamilyPolicy", .string, "Single or dual stack.",
                enumValues: ["SingleStack", "PreferDualStack", "RequireDualStack"]),
            F("allocateLoadBalancerNodePorts", .boolean, "Allocate node ports for a LoadBalancer service."),
            F("loadBalancerClass", .string, "Load balancer implementation that handles the service."),
            F(
                "internalTrafficPolicy", .string, "Whether in-cluster traffic stays on the sending node.",
                enumValues: ["Cluster", "Local"]),
            F("trafficDistribution", .string, "Preference for how traffic is spread among endpoints."),
        ])

    static let servicePort = TypeSchema(
        prefix + "ServicePort", "One port of a service.",
        [
            F("name", .string, "Name of the port; required when there are several."),
            F("protocol", .string, "Protocol of the port. Defaults to TCP.", enumValues: protocols),
            F("appProtocol", .string, "Application protocol hint."),
            F("port", .int32, "Port the service listens on.", required: true),
            F("targetPort", .intOrString, "Port number or name on the pods. Defaults to port."),
            F("nodePort", .int32, "Port on every node, for NodePort and LoadBalancer services."),
        ])

    static let serviceStatus = TypeSchema(
        prefix + "ServiceStatus", "Observed state of a service.",
        [
            F("loadBalancer", core("LoadBalancerStatus"), "The load balancer, if any."),
            F(
                "conditions", .array(MetaV1.ref("Condition")), "Current conditions of the service.",
                mergeKey: "type", strategy: "merge", listType: "map", mapKeys: ["type"]),
        ])

    static let loadBalancerStatus = TypeSchema(
        prefix + "LoadBalancerStatus", "The addresses of a load balancer.",
        [F("ingress", .array(core("LoadBalancerIngress")), "Ingress points.", listType: "atomic")])

    static let loadBalancerIngress = TypeSchema(
        prefix + "LoadBalancerIngress", "One ingress point of a load balancer.",
        [
            F("ip", .string, "IP of the ingress point."),
            F("hostname", .string, "DNS name of the ingress point."),
            F("ipMode", .string, "How traffic to the IP is handled.", enumValues: ["VIP", "Proxy"]),
            F("ports", .array(core("PortStatus")), "Status of each service port.", listType: "atomic"),
        ])

    static let portStatus = TypeSchema(
        prefix + "PortStatus", "Status of one service port on a load balancer.",
        [
            F("port", .int32, "The port number.", required: true),
            F("protocol", .string, "The port protocol.", required: true, enumValues: protocols),
            F("error", .string, "Problem with the port, in CamelCase."),
        ])

    static let sessionAffinityConfig = TypeSchema(
        prefix + "SessionAffinityConfig", "Settings of session affinity.",
        [F("clientIP", core("ClientIPConfig"), "ClientIP affinity settings.")])

    static let clientIPConfig = TypeSchema(
        prefix + "ClientIPConfig", "ClientIP session affinity settings.",
        [F("timeoutSeconds", .int32, "How long a client sticks. Defaults to 10800.")])

    static let endpoints = kind(
        "Endpoints", "The addresses and ports that implement a service.",
        [F("subsets", .array(core("EndpointSubset")), "Groups of addresses sharing ports.", listType: "atomic")])

    static let endpointSubset = TypeSchema(
        prefix + "EndpointSubset", "Addresses that all serve the same ports.",
        [
            F("addresses", .array(core("EndpointAddress")), "Ready addresses.", listType: "atomic"),
            F("notReadyAddresses", .array(core("EndpointAddress")), "Addresses not ready yet.", listType: "atomic"),
            F("ports", .array(core("EndpointPort")), "Ports served.", listType: "atomic"),
        ])

    static let endpointAddress = TypeSchema(
        prefix + "EndpointAddress", "One endpoint address.",
        [
            F("ip", .string, "IP of the endpoint.", required: true),
            F("hostname", .string, "Host name of the endpoint."),
            F("nodeName", .string, "Node hosting the endpoint."),
            F("targetRef", core("ObjectReference"), "Object behind the endpoint, usually a pod."),
        ], kinds: [])

    static let endpointPort = TypeSchema(
        prefix + "EndpointPort", "One endpoint port.",
        [
            F("name", .string, "Name of the matching service port."),
            F("port", .int32, "Port number.", required: true),
            F("protocol", .string, "Port protocol.", enumValues: protocols),
            F("appProtocol", .string, "Application protocol hint."),
        ])

    static let node = kind(
        "Node", "A worker machine that runs pods.",
        [
            F("spec", core("NodeSpec"), "Configuration of the node."),
            F("status", core("NodeStatus"), "Most recently observed state of the node."),
        ])

    static let nodeSpec = TypeSchema(
        prefix + "NodeSpec", "How a node is configured for scheduling.",
        [
            F("podCIDR", .string, "Pod IP range of the node."),
            F("podCIDRs", .array(.string), "Pod IP ranges, one per family.", strategy: "merge", listType: "set"),
            F("providerID", .string, "Identifier of the node at its provider."),
            F("unschedulable", .boolean, "Keeps new pods off the node (cordon)."),
            F("taints", .array(core("Taint")), "Taints of the node.", listType: "atomic"),
            F("externalID", .string, "Deprecated."),
            F("configSource", .any, "Deprecated dynamic node agent configuration."),
        ])

    static let nodeStatus = TypeSchema(
        prefix + "NodeStatus", "Observed state of a node.",
        [
            F("capacity", .map(.quantity), "Total resources of the node."),
            F("allocatable", .map(.quantity), "Resources available to pods."),
            F("phase", .string, "Deprecated lifecycle phase.", enumValues: ["Pending", "Running", "Terminated"]),
            F(
                "conditions", .array(core("NodeCondition")), "Current conditions, such as Ready.",
                mergeKey: "type", strategy: "merge", listType: "map", mapKeys: ["type"]),
            F(
                "addresses", .array(core("NodeAddress")), "Addresses of the node.",
                mergeKey: "type", strategy: "merge", listType: "map", mapKeys: ["type"]),
            F("daemonEndpoints", core("NodeDaemonEndpoints"), "Endpoints of daemons on the node."),
            F("nodeInfo", core("NodeSystemInfo"), "Versions and identifiers of the node."),
            F("images", .array(core("ContainerImage")), "Images present on the node.", listType: "atomic"),
            F("volumesInUse", .array(.string), "Volumes mounted on the node.", listType: "atomic"),
            F("volumesAttached", .array(.any), "Volumes attached to the node.", listType: "atomic"),
            F("config", .any, "Status of the node agent's configuration."),
            F("runtimeHandlers", .array(.any), "Runtime handlers the node offers.", listType: "atomic"),
            F("features", .any, "Features supported by the node."),
            F("declaredFeatures", .array(.string), "Features the node declares.", listType: "atomic"),
        ])

    static let taint = TypeSchema(
        prefix + "Taint", "Repels pods that do not tolerate it.",
        [
            F("key", .string, "Taint key.", required: true),
            F("value", .string, "Taint value."),
            F(
                "effect", .string, "What happens to pods that do not tolerate it.", required: true,
                enumValues: ["NoSchedule", "PreferNoSchedule", "NoExecute"]),
            F("timeAdded", .time, "When a NoExecute taint was added."),
        ])

    static let nodeCondition = TypeSchema(
        prefix + "NodeCondition", "One condition of a node, such as Ready or MemoryPressure.",
        [
            F("type", .string, "Type of the condition.", required: true),
            F("status", .string, "True, False or Unknown.", required: true, enumValues: ["True", "False", "Unknown"]),
            F("lastHeartbeatTime", .time, "When the condition was last reported."),
            F("lastTransitionTime", .time, "When the status last changed."),
            F("reason", .string, "CamelCase reason for the last transition."),
            F("message", .string, "Human-readable details."),
        ])

    static let nodeAddress = TypeSchema(
        prefix + "NodeAddress", "One address of a node.",
        [
            F(
                "type", .string, "Kind of address.", required: true,
                enumValues: ["Hostname", "InternalIP", "ExternalIP", "InternalDNS", "ExternalDNS"]),
            F("address", .string, "The address.", required: true),
        ])

    static let nodeSystemInfo = TypeSchema(
        prefix + "NodeSystemInfo", "Identifiers and versions reported by the node.",
        [
            F("machineID", .string, "Machine identifier.", required: true),
            F("systemUUID", .string, "System UUID.", required: true),
            F("bootID", .string, "Boot identifier.", required: true),
            F("kernelVersion", .string, "Kernel version.", required: true),
            F("osImage", .string, "Operating system image.", required: true),
            F("containerRuntimeVersion", .string, "Container runtime and version.", required: true),
            F("kubeletVersion", .string, "Node agent version.", required: true),
            F("kubeProxyVersion", .string, "Deprecated proxy version.", required: true),
            F("operatingSystem", .string, "Operating system.", required: true),
            F("architecture", .string, "CPU architecture.", required: true),
            F("swap", .any, "Swap information."),
        ])

    static let nodeDaemonEndpoints = TypeSchema(
        prefix + "NodeDaemonEndpoints", "Ports of daemons on a node.",
        [F("kubeletEndpoint", core("DaemonEndpoint"), "Port of the node agent.")])

    static let daemonEndpoint = TypeSchema(
        prefix + "DaemonEndpoint", "A daemon's port.", [F("Port", .int32, "Port number.", required: true)])

    static let containerImage = TypeSchema(
        prefix + "ContainerImage", "An image present on a node.",
        [
            F("names", .array(.string), "Names of the image.", listType: "atomic"),
            F("sizeBytes", .int64, "Size of the image."),
        ])

    static let namespace = kind(
        "Namespace", "A scope for names and policies.",
        [
            F("spec", core("NamespaceSpec"), "Finalizers of the namespace."),
            F("status", core("NamespaceStatus"), "Observed state of the namespace."),
        ])

    static let namespaceSpec = TypeSchema(
        prefix + "NamespaceSpec", "Desired state of a namespace.",
        [
            F(
                "finalizers", .array(.string), "Must be empty before the namespace is removed.",
                listType: "atomic")
        ])

    static let namespaceStatus = TypeSchema(
        prefix + "NamespaceStatus", "Observed state of a namespace.",
        [
            F("phase", .string, "Active or Terminating.", enumValues: ["Active", "Terminating"]),
            F(
                "conditions", .array(core("NamespaceCondition")), "Conditions of the namespace.",
                mergeKey: "type", strategy: "merge", listType: "map", mapKeys: ["type"]),
        ])

    static let namespaceCondition = TypeSchema(
        prefix + "NamespaceCondition", "One condition of a namespace.",
        [
            F("type", .string, "Type of the condition.", required: true),
            F("status", .string, "True, False or Unknown.", required: true),
            F("lastTransitionTime", .time, "When the status last changed."),
            F("reason", .string, "CamelCase reason."),
            F("message", .string, "Human-readable details."),
        ])

    static let event = kind(
        "Event", "A report of something that happened to an object.",
        [
            F("involvedObject", core("ObjectReference"), "The object the event is about.", required: true),
            F("reason", .string, "Short CamelCase reason."),
            F("message", .string, "Human-readable description."),
            F("source", core("EventSource"), "Component that reported the event."),
            F("firstTimestamp", .time, "When the event was first recorded."),
            F("lastTimestamp", .time, "When the event last occurred."),
            F("count", .int32, "How often the event occurred."),
            F("type", .string, "Normal or Warning."),
            F("eventTime", .microTime, "When the event first happened, with microseconds."),
            F("series", core("EventSeries"), "Data about a series of repeated events."),
            F("action", .string, "What was done, or failed."),
            F("related", core("ObjectReference"), "A secondary object involved."),
            F("reportingComponent", .string, "Controller that emitted the event."),
            F("reportingInstance", .string, "Instance of the controller."),
        ])

    static let eventSource = TypeSchema(
        prefix + "EventSource", "Component that reported an event.",
        [
            F("component", .string, "Component name."),
            F("host", .string, "Node name."),
        ])

    static let eventSeries = TypeSchema(
        prefix + "EventSeries", "A series of repeated events.",
        [
            F("count", .int32, "Occurrences so far."),
            F("lastObservedTime", .microTime, "When the last occurrence was seen."),
        ])

    static let objectReference = TypeSchema(
        prefix + "ObjectReference", "Points at an object, or a field of one.",
        [
            F("kind", .string, "Kind of the referent."),
            F("namespace", .string, "Namespace of the referent."),
            F("name", .string, "Name of the referent."),
            F("uid", .string, "UID of the referent."),
            F("apiVersion", .string, "API version of the referent."),
            F("resourceVersion", .string, "Version of the referent the reference was made to."),
            F("fieldPath", .string, "Part of the object, such as spec.containers{name}."),
        ])

    static let configMap = kind(
        "ConfigMap", "Non-secret configuration data for pods.",
        [
            F("immutable", .boolean, "When true, data can no longer change."),
            F("data", .stringMap, "UTF-8 values by key."),
            F("binaryData", .map(.bytes), "Binary values by key."),
        ])

    static let secret = kind(
        "Secret", "Sensitive data such as passwords, tokens or keys.",
        [
            F("immutable", .boolean, "When true, data can no longer change."),
            F("data", .map(.bytes), "Base64-encoded values by key."),
            F("stringData", .stringMap, "Write-only plain values merged into data."),
            F("type", .string, "How the data is used. Defaults to Opaque."),
        ])

    static let serviceAccount = kind(
        "ServiceAccount", "An identity for processes running in pods.",
        [
            F(
                "secrets", .array(core("ObjectReference")), "Secrets usable by pods of this account.",
                mergeKey: "name", strategy: "merge", listType: "map", mapKeys: ["name"]),
            F(
                "imagePullSecrets", .array(core("LocalObjectReference")), "Secrets used to pull images.",
                listType: "atomic"),
            F("automountServiceAccountToken", .boolean, "Whether pods mount a token by default."),
        ])

    static let binding = kind(
        "Binding", "Ties a pod to a node; created through pods/binding.",
        [F("target", core("ObjectReference"), "The node the pod is bound to.", required: true)])
}
