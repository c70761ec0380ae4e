/// The core API group (`/api/v1`): type definitions and the resources served, with their strategies.
public enum CoreV1 {
    static let prefix = "io.k8s.api.core.v1."

    /// A reference to a core/v1 definition, e.g. `CoreV1.ref("PodSpec")`.
    static func ref(_ name: String) -> SchemaType { .ref(prefix + name) }

    public static let schemas: [TypeSchema] =
        podSchemas + volumeSchemas + probeSchemas + schedulingSchemas + clusterSchemas + storageSchemas

    public static let resources: [ResourceType] = [
        ResourceType(
            group: "", version: "v1", kind: "Namespace", plural: "namespaces", namespaced: false,
            shortNames: ["ns"], verbs: ["create", "delete", "get", "list", "patch", "update", "watch"],
            schemaName: prefix + "Namespace",
            subresources: [
                Subresource(name: "finalize", kind: GroupVersionKind("", "v1", "Namespace"), verbs: ["update"])
            ],
            strategy: namespaceStrategy),
        ResourceType(
            group: "", version: "v1", kind: "Pod", plural: "pods", namespaced: true, shortNames: ["po"],
            categories: ["all"], schemaName: prefix + "Pod", subresources: podSubresources, strategy: podStrategy),
        ResourceType(
            group: "", version: "v1", kind: "Service", plural: "services", namespaced: true, shortNames: ["svc"],
            categories: ["all"],
            verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"],
            schemaName: prefix + "Service",
            subresources: [proxy("ServiceProxyOptions")], strategy: serviceStrategy),
        ResourceType(
            group: "", version: "v1", kind: "Endpoints", plural: "endpoints", namespaced: true, shortNames: ["ep"],
            schemaName: prefix + "Endpoints", strategy: endpointsStrategy),
        ResourceType(
            group: "", version: "v1", kind: "Node", plural: "nodes", namespaced: false, shortNames: ["no"],
            schemaName: prefix + "Node", subresources: [proxy("NodeProxyOptions")], strategy: nodeStrategy),
        ResourceType(
            group: "", version: "v1", kind: "Event", plural: "events", namespaced: true, shortNames: ["ev"],
            schemaName: prefix + "Event", strategy: eventStrategy),
        ResourceType(
            group: "", version: "v1", kind: "ConfigMap", plural: "configmaps", namespaced: true, shortNames: ["cm"],
            schemaName: prefix + "ConfigMap", strategy: configMapStrategy),
        ResourceType(
            group: "", version: "v1", kind: "Secret", plural: "secrets", namespaced: true,
            schemaName: prefix + "Secret", strategy: secretStrategy),
        ResourceType(
            group: "", version: "v1", kind: "ServiceAccount", plural: "serviceaccounts", namespaced: true,
            shortNames: ["sa"], schemaName: prefix + "ServiceAccount",
            subresources: [
                Subresource(
                    name: "token", kind: GroupVersionKind("authentication.k8s.io", "v1", "TokenRequest"),
                    verbs: ["create"])
            ],
            strategy: serviceAccountStrategy),
        ResourceType(
            group: "", version: "v1", kind: "PersistentVolumeClaim", plural: "persistentvolumeclaims",
            namespaced: true, shortNames: ["pvc"], schemaName: prefix + "PersistentVolumeClaim",
            strategy: persistentVolumeClaimStrategy),
        ResourceType(
            group: "", version: "v1", kind: "PersistentVolume", plural: "persistentvolumes", namespaced: false,
            shortNames: ["pv"], schemaName: prefix + "PersistentVolume", strategy: persistentVolumeStrategy),
        ResourceType(
            group: "", version: "v1", kind: "PodTemplate", plural: "podtemplates", namespaced: true,
            schemaName: prefix + "PodTemplate", strategy: podTemplateStrategy),
    ]

    static let podSubresources: [Subresource] = [
        Subresource(name: "log", kind: GroupVersionKind("", "v1", "Pod"), verbs: ["get"]),
        Subresource(name: "exec", kind: GroupVersionKind("", "v1", "PodExecOptions"), verbs: ["create", "get"]),
        Subresource(name: "attach", kind: GroupVersionKind("", "v1", "PodAttachOptions"), verbs: ["create", "get"]),
        Subresource(
            name: "portforward", kind: GroupVersionKind("", "v1", "PodPortForwardOptions"), verbs: ["create", "get"]),
        Subresource(name: "binding", kind: GroupVersionKind("", "v1", "Binding"), verbs: ["create"]),
        Subresource(name: "eviction", kind: GroupVersionKind("policy", "v1", "Eviction"), verbs: ["create"]),
        Subresource(
            name: "ephemeralcontainers", kind: GroupVersionKind("", "v1", "Pod"), verbs: ["get", "patch", "update"]),
        proxy("PodProxyOptions"),
    ]

    /// The `proxy` subresource upstream offers on pods, services and nodes.
    static func proxy(_ kind: String) -> Subresource {
        Subresource(
            name: "proxy", kind: GroupVersionKind("", "v1", kind),
            verbs: ["create", "delete", "get", "patch", "update"])
    }
}
