import Testing

@testable import KubeTypes

/// DaemonSets, StatefulSets, ControllerRevisions, HorizontalPodAutoscalers and PodDisruptionBudgets.
@Suite struct AppsSetsAndPolicyTests {
    func workload(_ kind: String, spec: JSON = .emptyObject) -> JSON {
        var object: JSON = [
            "apiVersion": "apps/v1", "kind": .string(kind),
            "metadata": ["name": "db", "namespace": "default", "creationTimestamp": "2026-11-21T09:00:00Z"],
            "spec": [
                "selector": ["matchLabels": ["app": "db"]],
                "template": [
                    "metadata": ["labels": ["app": "db"]],
                    "spec": ["restartPolicy": "Always", "containers": [["name": "pg", "image": "postgres:17"]]],
                ],
            ],
        ]
        for (key, value) in spec.objectValue ?? [:] { object[path: ["spec", key]] = value }
        return object
    }

    func defaulted(_ object: JSON, _ type: ResourceType) -> JSON {
        var object = object
        type.strategy.applyDefaults(&object)
        return object
    }

    @Test func daemonSetDefaultsAndSurgeRules() {
        let type = workloadResource("DaemonSet", in: AppsV1.resources)
        let object = defaulted(workload("DaemonSet"), type)
        #expect(
            object[path: ["spec", "updateStrategy"]] == [
                "type": "RollingUpdate", "rollingUpdate": ["maxUnavailable": 1, "maxSurge": 0],
            ])
        #expect(object[path: ["spec", "revisionHistoryLimit"]] == 10)
        #expect(type.strategy.validateCreate(object).isEmpty)

        var both = object
        both[path: ["spec", "updateStrategy", "rollingUpdate", "maxSurge"]] = 1
        #expect(
            workloadErrorFields(type.strategy.validateCreate(both)) == ["spec.updateStrategy.rollingUpdate.maxSurge"])
        var neither = object
        neither[path: ["spec", "updateStrategy", "rollingUpdate", "maxUnavailable"]] = 0
        #expect(
            type.strategy.validateCreate(neither).map(\.description) == [
                "spec.updateStrategy.rollingUpdate.maxUnavailable: Required value: cannot be 0 when maxSurge is 0"
            ])
    }

    @Test func daemonSetTableShowsNodeSelector() {
        let type = workloadResource("DaemonSet", in: AppsV1.resources)
        var object = workload("DaemonSet")
        object[path: ["spec", "template", "spec", "nodeSelector"]] = ["disk": "ssd", "arch": "amd64"]
        object["status"] = ["desiredNumberScheduled": 3, "currentNumberScheduled": 3, "numberReady": 2]
        let cells = type.strategy.table.cells(object, Timestamp.parse("2026-11-21T09:00:30Z")!)
        #expect(Array(cells.prefix(8)) == ["db", 3, 3, 2, 0, 0, "arch=amd64,disk=ssd", "30s"])
    }

    @Test func statefulSetDefaultsAndUpdateRules() {
        let type = workloadResource("StatefulSet", in: AppsV1.resources)
        let object = defaulted(
            workload("StatefulSet", spec: ["volumeClaimTemplates": [["metadata": ["name": "data"], "spec": [:]]]]), type
        )
        let spec = object["spec"]!
        #expect(spec["replicas"] == 1)
        #expect(spec["podManagementPolicy"] == "OrderedReady")
        #expect(spec["updateStrategy"] == ["type": "RollingUpdate", "rollingUpdate": ["partition": 0]])
        #expect(spec["persistentVolumeClaimRetentionPolicy"] == ["whenDeleted": "Retain", "whenScaled": "Retain"])
        #expect(spec[path: ["volumeClaimTemplates"]]?.arrayValue?.first?[path: ["status", "phase"]] == "Pending")
        #expect(type.strategy.validateCreate(object).isEmpty)

        var scaled = object
        scaled[path: ["spec", "replicas"]] = 5
        #expect(type.strategy.validateUpdate(scaled, object).isEmpty)
        var renamed = object
        renamed[path: ["spec", "serviceName"]] = "other"
        #expect(workloadErrorFields(type.strategy.validateUpdate(renamed, object)) == ["spec"])

        var badPolicy = object
        badPolicy[path: ["spec", "podManagementPolicy"]] = "Random"
        #expect(
            type.strategy.validateCreate(badPolicy).map(\.description) == [
                "spec.podManagementPolicy: Invalid value: \"Random\": must be 'OrderedReady' or 'Parallel'"
            ])
    }

    @Test func statefulSetTable() {
        let type = workloadResource("StatefulSet", in: AppsV1.resources)
        var object = defaulted(workload("StatefulSet", spec: ["replicas": 3]), type)
        object["status"] = ["readyReplicas": 1]
        let cells = type.strategy.table.cells(object, Timestamp.parse("2026-11-21T09:00:05Z")!)
        #expect(cells == ["db", "1/3", "5s", "pg", "postgres:17"])
    }

    @Test func controllerRevisionNamesItsController() {
        let type = workloadResource("ControllerRevision", in: AppsV1.resources)
        let revision: JSON = [
            "metadata": [
                "name": "db-7c9", "namespace": "default",
                "ownerReferences": [
                    ["apiVersion": "apps/v1", "kind": "StatefulSet", "name": "db", "uid": "u", "controller": true]
                ],
            ],
            "data": ["spec": [:]], "revision": 2,
        ]
        #expect(type.strategy.table.cells(revision, 0).prefix(3) == ["db-7c9", "statefulset.apps/db", 2])
        #expect(type.strategy.validateCreate(revision).isEmpty)
        var changed = revision
        changed["data"] = ["spec": ["x": 1]]
        #expect(workloadErrorFields(type.strategy.validateUpdate(changed, revision)) == ["data"])
    }

    func hpa(_ spec: JSON) -> JSON {
        ["apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": ["name": "web"], "spec": spec]
    }

    @Test func hpaDefaultsAndValidation() {
        let type = AutoscalingAPI.resources[0]
        var object = hpa([
            "scaleTargetRef": ["apiVersion": "apps/v1", "kind": "Deployment", "name": "web"], "maxReplicas": 5,
        ])
        type.strategy.applyDefaults(&object)
        #expect(object[path: ["spec", "minReplicas"]] == 1)
        #expect(
            object[path: ["spec", "metrics"]] == [
                [
                    "type": "Resource",
                    "resource": ["name": "cpu", "target": ["type": "Utilization", "averageUtilization": 80]],
                ]
            ])
        #expect(type.strategy.validateCreate(object).isEmpty)
        let cells = type.strategy.table.cells(object, 0)
        #expect(Array(cells.prefix(6)) == ["web", "Deployment/web", "cpu: <unknown>/80%", "1", 5, 0])

        let bad = hpa(["minReplicas": 0, "maxReplicas": 0, "scaleTargetRef": ["kind": "Deployment"]])
        #expect(
            workloadErrorFields(type.strategy.validateCreate(bad)) == [
                "spec.minReplicas", "spec.maxReplicas", "spec.scaleTargetRef.name",
            ])
    }

    @Test func hpaBehaviorDefaultsOnlyWhenGiven() {
        let type = AutoscalingAPI.resources[0]
        var object = hpa(["scaleTargetRef": ["kind": "Deployment", "name": "web"], "maxReplicas": 3, "behavior": [:]])
        type.strategy.applyDefaults(&object)
        #expect(object[path: ["spec", "behavior", "scaleUp", "stabilizationWindowSeconds"]] == 0)
        #expect(object[path: ["spec", "behavior", "scaleDown", "stabilizationWindowSeconds"]] == nil)
        #expect(object[path: ["spec", "behavior", "scaleDown", "selectPolicy"]] == "Max")
        #expect(type.strategy.validateCreate(object).isEmpty)
    }

    @Test func pdbFieldsAreExclusiveAndPrinted() {
        let type = PolicyV1.resources[0]
        let both: JSON = ["metadata": ["name": "p"], "spec": ["minAvailable": 1, "maxUnavailable": "10%"]]
        #expect(workloadErrorFields(type.strategy.validateCreate(both)) == ["spec"])
        var one: JSON = ["metadata": ["name": "p"], "spec": ["minAvailable": "50%"]]
        type.strategy.prepareForCreate(&one)
        #expect(type.strategy.validateCreate(one).isEmpty)
        #expect(type.strategy.table.cells(one, 0).prefix(4) == ["p", "50%", "N/A", 0])
    }
}
