/// The `apps/v1` group: Deployments, ReplicaSets, DaemonSets, StatefulSets and the
/// ControllerRevisions the latter two keep for rollback.
public enum AppsV1 {
    public static let schemas: [TypeSchema] =
        deploymentSchemas + replicaSetSchemas + daemonSetSchemas + statefulSetSchemas

    public static let resources: [ResourceType] = [
        ResourceType(
            group: "apps", version: "v1", kind: "Deployment", plural: "deployments", namespaced: true,
            shortNames: ["deploy"], categories: ["all"], schemaName: "io.k8s.api.apps.v1.Deployment",
            strategy: ResourceStrategy(
                applyDefaults: defaultDeployment, prepareForCreate: { $0["status"] = .emptyObject },
                validateCreate: validateDeployment, validateUpdate: validateDeploymentUpdate, hasStatus: true,
                scale: ScaleAccessor(), table: deploymentTable)),
        ResourceType(
            group: "apps", version: "v1", kind: "ReplicaSet", plural: "replicasets", namespaced: true,
            shortNames: ["rs"], categories: ["all"], schemaName: "io.k8s.api.apps.v1.ReplicaSet",
            strategy: ResourceStrategy(
                applyDefaults: defaultReplicaSet, prepareForCreate: { $0["status"] = ["replicas": 0] },
                validateCreate: validateReplicaSet, validateUpdate: validateReplicaSetUpdate, hasStatus: true,
                scale: ScaleAccessor(), table: replicaSetTable)),
        ResourceType(
            group: "apps", version: "v1", kind: "DaemonSet", plural: "daemonsets", namespaced: true,
            shortNames: ["ds"], categories: ["all"], schemaName: "io.k8s.api.apps.v1.DaemonSet",
            strategy: ResourceStrategy(
                applyDefaults: defaultDaemonSet,
                prepareForCreate: {
                    $0["status"] = [
                        "currentNumberScheduled": 0, "numberMisscheduled": 0, "desiredNumberScheduled": 0,
                        "numberReady": 0,
                    ]
                    setDaemonSetTemplateGeneration(&$0, old: nil)
                },
                prepareForUpdate: { setDaemonSetTemplateGeneration(&$0, old: $1) },
                validateCreate: validateDaemonSet, validateUpdate: validateDaemonSetUpdate, hasStatus: true,
                table: daemonSetTable)),
        ResourceType(
            group: "apps", version: "v1", kind: "StatefulSet", plural: "statefulsets", namespaced: true,
            shortNames: ["sts"], categories: ["all"], schemaName: "io.k8s.api.apps.v1.StatefulSet",
            strategy: ResourceStrategy(
                applyDefaults: defaultStatefulSet,
                prepareForCreate: { $0["status"] = ["replicas": 0, "availableReplicas": 0] },
                validateCreate: validateStatefulSet, validateUpdate: validateStatefulSetUpdate, hasStatus: true,
                scale: ScaleAccessor(), table: statefulSetTable)),
        ResourceType(
            group: "apps", version: "v1", kind: "ControllerRevision", plural: "controllerrevisions",
            namespaced: true, schemaName: "io.k8s.api.apps.v1.ControllerRevision",
            strategy: ResourceStrategy(
                validateCreate: validateControllerRevision, validateUpdate: validateControllerRevisionUpdate,
                table: controllerRevisionTable, tracksGeneration: false)),
    ]
}
