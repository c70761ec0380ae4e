import KubeTypes
import Testing

@testable import KubeControllersCore

/// Single syncs of the Deployment core, for the decisions a simulation rarely reaches.
@Suite struct DeploymentReconcilerTests {
    typealias F = Fixture

    static func reconcile(_ deployment: JSON, _ replicaSets: [JSON], pods: [JSON] = []) -> DeploymentReconciliation {
        DeploymentReconciler.reconcile(deployment: deployment, replicaSets: replicaSets, pods: pods, now: F.epoch + 100)
    }

    static func created(_ plan: DeploymentReconciliation) -> JSON? {
        for case .createReplicaSet(let replicaSet) in plan.actions { return replicaSet }
        return nil
    }

    @Test func theFirstSyncCreatesTheNewReplicaSet() throws {
        let deployment = F.deployment(replicas: 3)
        let plan = Self.reconcile(deployment, [])
        let replicaSet = try #require(Self.created(plan))
        let hash = PodTemplateHash.compute(template: deployment[path: ["spec", "template"]]!, collisionCount: nil)
        #expect(replicaSet.name == "web-\(hash)")
        #expect(replicaSet[path: ["spec", "replicas"]] == 3)
        #expect(
            replicaSet[path: ["spec", "selector"]] == [
                "matchLabels": ["app": "web", "pod-template-hash": .string(hash)]
            ])
        #expect(
            replicaSet[path: ["spec", "template", "metadata", "labels"]] == [
                "app": "web", "pod-template-hash": .string(hash),
            ])
        #expect(replicaSet.labels == ["app": "web", "pod-template-hash": hash])
        #expect(replicaSet.controllerUID == deployment.uid)
        #expect(replicaSet[path: ["metadata", "creationTimestamp"]] == nil && replicaSet["status"] == nil)
        let reference = ObjectReference(deployment)
        #expect(
            plan.actions.contains(
                .recordEvent(
                    reference,
                    ControllerEvent(
                        .normal, reason: "ScalingReplicaSet", message: "Scaled up replica set web-\(hash) from 0 to 3"))
            ))
        #expect(
            plan.actions.contains(
                .patchDeployment(
                    reference, patch: ["metadata": ["annotations": ["deployment.kubernetes.io/revision": "1"]]])))
        guard case .patchDeployment = plan.actions.last else {
            Issue.record("the annotation patch goes last, after the status PUT")
            return
        }
        let conditions = plan.status["conditions"]?.arrayValue ?? []
        // Upstream writes Progressing when it creates the ReplicaSet, then adds Available.
        #expect(conditions.map { $0["type"] } == ["Progressing", "Available"])
        #expect(conditions[0]["reason"] == "NewReplicaSetCreated")
        #expect(conditions[0]["message"] == .string("Created new replica set \"web-\(hash)\""))
        #expect(conditions[1]["reason"] == "MinimumReplicasUnavailable")
        #expect(conditions[1]["message"] == "Deployment does not have minimum availability.")
        #expect(plan.status["observedGeneration"] == 1)
        #expect(plan.status["unavailableReplicas"] == 3)
    }

    @Test func aTakenNameBumpsTheCollisionCount() throws {
        let deployment = F.deployment(replicas: 3)
        let hash = PodTemplateHash.compute(template: deployment[path: ["spec", "template"]]!, collisionCount: nil)
        // Someone else's ReplicaSet (labels outside the selector, so not adopted) holds the name.
        let squatter = F.replicaSet("web-\(hash)", labels: ["app": "other"])
        let plan = Self.reconcile(deployment, [squatter])
        #expect(Self.created(plan) == nil)
        #expect(plan.status["collisionCount"] == 1)
        #expect(plan.actions.count == 1)
        var bumped = deployment
        bumped["status"] = plan.status
        let retry = try #require(Self.created(Self.reconcile(bumped, [squatter])))
        let second = PodTemplateHash.compute(template: deployment[path: ["spec", "template"]]!, collisionCount: 1)
        #expect(retry.name == "web-\(second)" && second != hash)
    }

    @Test func orphanReplicaSetsAreAdoptedAndStrayOnesReleased() throws {
        let deployment = F.deployment(replicas: 2)
        let orphan = F.replicaSet("orphan", replicas: 2)
        let stray = F.replicaSet("stray", replicas: 0, labels: ["app": "elsewhere"], owner: deployment)
        let foreign = F.replicaSet("foreign", replicas: 1, owner: F.deployment("other"))
        let plan = Self.reconcile(deployment, [orphan, stray, foreign])
        let adoption = try #require(plan.actions.first)
        guard case .adoptReplicaSet(let reference, let patch) = adoption else {
            Issue.record("expected an adoption first, got \(adoption)")
            return
        }
        #expect(reference.name == "orphan")
        let adopted = try StrategicMergePatch.apply(
            patch, to: orphan, type: "io.k8s.api.apps.v1.ReplicaSet", catalog: Builtin.catalog)
        #expect(
            adopted.controllerReference == [
                "apiVersion": "apps/v1", "kind": "Deployment", "name": "web", "uid": "uid-deploy-web",
                "controller": true,
                "blockOwnerDeletion": true,
            ])
        #expect(
            plan.actions.contains { if case .releaseReplicaSet(let r, _) = $0 { r.name == "stray" } else { false } })
        #expect(
            !plan.actions.contains { action in
                switch action {
                case .adoptReplicaSet(let r, _), .releaseReplicaSet(let r, _): r.name == "foreign"
                default: false
                }
            })
    }

    @Test func anEmptySelectorOnlyRecordsAWarning() {
        var deployment = F.deployment()
        deployment[path: ["spec", "selector"]] = [:]
        deployment[path: ["metadata", "generation"]] = 3
        let plan = Self.reconcile(deployment, [F.replicaSet()])
        #expect(plan.status == ["observedGeneration": 3])
        #expect(
            plan.actions.contains(
                .recordEvent(
                    ObjectReference(deployment),
                    ControllerEvent(
                        .warning, reason: "SelectingAll",
                        message: "This deployment is selecting all pods. A non-empty selector is required."))))
        #expect(!plan.actions.contains { if case .createReplicaSet = $0 { true } else { false } })
    }

    @Test func aDeploymentBeingDeletedOnlyReportsStatus() {
        var deployment = F.deployment(replicas: 5)
        deployment[path: ["metadata", "deletionTimestamp"]] = .string(F.time(50))
        let plan = Self.reconcile(deployment, [])
        #expect(plan.actions.allSatisfy { if case .updateStatus = $0 { true } else { false } })
    }

    @Test func withoutAProgressDeadlineThereIsNoProgressingCondition() {
        var deployment = F.deployment(replicas: 1)
        deployment[path: ["spec", "progressDeadlineSeconds"]] = .int(Int64(Int32.max))
        let plan = Self.reconcile(deployment, [])
        #expect(plan.status["conditions"]?.arrayValue?.map { $0["type"] } == ["Available"])
        #expect(plan.requeueAfter == nil)
    }

    @Test func aFailedCreateIsReportedOnTheDeployment() throws {
        let deployment = F.deployment()
        let actions = DeploymentReconciler.replicaSetCreateFailed(
            deployment: deployment, replicaSetName: "web-abc", message: "quota exceeded", now: F.epoch)
        guard case .updateStatus(let updated) = try #require(actions.first) else {
            Issue.record("expected a status update")
            return
        }
        let condition = try #require(updated[path: ["status", "conditions"]]?.arrayValue?.first)
        #expect(condition["reason"] == "ReplicaSetCreateError" && condition["status"] == "False")
        #expect(condition["message"] == "Failed to create new replica set \"web-abc\": quota exceeded")
        #expect(actions.count == 2)
    }

    @Test func aReplicaFailureOfTheNewReplicaSetSurfacesOnTheDeployment() throws {
        let deployment = F.deployment(replicas: 2)
        let first = try #require(Self.created(Self.reconcile(deployment, [])))
        var replicaSet = first
        replicaSet[path: ["metadata", "uid"]] = "uid-new"
        replicaSet[path: ["metadata", "creationTimestamp"]] = .string(F.time(1))
        replicaSet["status"] = [
            "replicas": 0,
            "conditions": [
                [
                    "type": "ReplicaFailure", "status": "True", "reason": "FailedCreate", "message": "forbidden",
                    "lastTransitionTime": .string(F.time(2)),
                ]
            ],
        ]
        let plan = Self.reconcile(deployment, [replicaSet])
        let failure = try #require(plan.status["conditions"]?.arrayValue?.first { $0["type"] == "ReplicaFailure" })
        #expect(failure["reason"] == "FailedCreate" && failure["message"] == "forbidden")
        #expect(failure["lastUpdateTime"] == .string(F.time(2)))
    }
}
