import KubeTypes
import Testing

@testable import KubeControllersCore

@Suite struct DeploymentRulesTests {
    typealias F = Fixture

    @Test func hashesAreSafeEncodedAndStable() {
        // Upstream's SafeEncodeString maps each decimal digit: 0→4, 1→5, ..., 6→b, 9→f.
        #expect(PodTemplateHash.safeEncode("0123456789") == "456789bcdf")
        let template = F.template()
        let hash = PodTemplateHash.compute(template: template, collisionCount: nil)
        #expect(hash == PodTemplateHash.compute(template: template, collisionCount: nil))
        #expect(!hash.isEmpty && hash.count <= 10)
        #expect(hash.allSatisfy { "bcdfghjklmnpqrstvwxz2456789".contains($0) })
        #expect(hash != PodTemplateHash.compute(template: F.template(image: "nginx:1.28"), collisionCount: nil))
        #expect(hash != PodTemplateHash.compute(template: template, collisionCount: 1))
        #expect(
            PodTemplateHash.compute(template: template, collisionCount: 1)
                != PodTemplateHash.compute(template: template, collisionCount: 2))
    }

    @Test func templatesCompareIgnoringTheHashLabelAndEmptyValues() {
        var fromReplicaSet = F.template()
        fromReplicaSet[path: ["metadata", "labels", "pod-template-hash"]] = "abc123"
        fromReplicaSet[path: ["metadata", "creationTimestamp"]] = .null
        fromReplicaSet[path: ["spec", "containers"]] = [["name": "main", "image": "nginx:1.27", "resources": [:]]]
        #expect(PodTemplateHash.equalIgnoringHash(fromReplicaSet, F.template()))
        #expect(
            PodTemplateHash.compute(template: fromReplicaSet, collisionCount: nil)
                == PodTemplateHash.compute(template: F.template(), collisionCount: nil))
        #expect(!PodTemplateHash.equalIgnoringHash(F.template(image: "other"), F.template()))
        // An empty emptyDir is a real setting, not an absent one.
        var withVolume = F.template()
        withVolume[path: ["spec", "volumes"]] = [["name": "scratch", "emptyDir": [:]]]
        var withBareVolume = F.template()
        withBareVolume[path: ["spec", "volumes"]] = [["name": "scratch"]]
        #expect(!PodTemplateHash.equalIgnoringHash(withVolume, withBareVolume))
    }

    @Test func fencepostsMatchUpstream() {
        func resolve(_ surge: JSON?, _ unavailable: JSON?, _ desired: Int) -> (Int, Int) {
            let result = DeploymentSpecView.fenceposts(maxSurge: surge, maxUnavailable: unavailable, desired: desired)
            return (result.surge, result.unavailable)
        }
        // Cases of upstream's TestResolveFenceposts.
        #expect(resolve("0%", "0%", 0) == (0, 1))
        #expect(resolve("39%", "39%", 10) == (4, 3))
        #expect(resolve(nil, "39%", 10) == (0, 3))
        #expect(resolve("39%", nil, 10) == (4, 0))
        #expect(resolve(nil, nil, 10) == (0, 1))
        #expect(resolve("oops", "39%", 10) == (0, 3))
        #expect(resolve(3, 2, 10) == (3, 2))
        // The 25% defaults: surge rounds up, unavailability down.
        let small = DeploymentSpecView(F.deployment(replicas: 1))
        #expect((small.maxSurge, small.maxUnavailable) == (1, 0))
        let ten = DeploymentSpecView(F.deployment(replicas: 10))
        #expect((ten.maxSurge, ten.maxUnavailable, ten.maxReplicas) == (3, 2, 13))
        let capped = DeploymentSpecView(F.deployment(replicas: 2, maxSurge: 1, maxUnavailable: 5))
        #expect(capped.maxUnavailable == 2)
        let recreate = DeploymentSpecView(F.deployment(replicas: 4, recreate: true))
        #expect((recreate.isRollingUpdate, recreate.maxSurge, recreate.maxUnavailable) == (false, 0, 0))
        #expect(recreate.revisionHistoryLimit == 10 && recreate.progressDeadlineSeconds == 600)
    }

    @Test func newReplicaSetAnnotationsCopyTheDeploymentsAndKeepRevisionHistory() {
        let deployment = F.deployment(
            replicas: 4,
            annotations: [
                "kubernetes.io/change-cause": "kubectl set image deployment/web main=nginx:1.28",
                "deployment.kubernetes.io/revision": "7", "kubectl.kubernetes.io/last-applied-configuration": "{}",
                "team": "blue",
            ])
        let spec = DeploymentSpecView(deployment)
        var fresh = F.replicaSet("web-1")
        #expect(
            ReplicaSetAnnotations.setNewReplicaSet(
                &fresh, deployment: deployment, spec: spec, newRevision: 3, exists: false))
        #expect(
            fresh.annotations == [
                "kubernetes.io/change-cause": "kubectl set image deployment/web main=nginx:1.28", "team": "blue",
                "deployment.kubernetes.io/revision": "3", "deployment.kubernetes.io/desired-replicas": "4",
                "deployment.kubernetes.io/max-replicas": "5",
            ])
        // Re-using an old ReplicaSet (a rollback) raises its revision and remembers the old one.
        var reused = fresh
        #expect(
            ReplicaSetAnnotations.setNewReplicaSet(
                &reused, deployment: deployment, spec: spec, newRevision: 5, exists: true))
        #expect(reused.annotations["deployment.kubernetes.io/revision"] == "5")
        #expect(reused.annotations["deployment.kubernetes.io/revision-history"] == "3")
        #expect(
            ReplicaSetAnnotations.setNewReplicaSet(
                &reused, deployment: deployment, spec: spec, newRevision: 8, exists: true))
        #expect(reused.annotations["deployment.kubernetes.io/revision-history"] == "3,5")
        // Nothing to change: no write.
        #expect(
            !ReplicaSetAnnotations.setNewReplicaSet(
                &reused, deployment: deployment, spec: spec, newRevision: 8, exists: true))
    }

    @Test func proportionsFollowTheMaxReplicasAnnotation() {
        // Mid-rollout at 10 replicas (max 13): old has 8, new has 5. Scaling to 20 (max 23) adds 10.
        let deployment = F.deployment(replicas: 20, maxSurge: 3, maxUnavailable: 2)
        let spec = DeploymentSpecView(deployment)
        var old = F.replicaSet("old", replicas: 8)
        old.setAnnotation(DeploymentAnnotations.maxReplicas, "13")
        var new = F.replicaSet("new", replicas: 5)
        new.setAnnotation(DeploymentAnnotations.maxReplicas, "13")
        let oldShare = Proportions.share(of: old, spec: spec, statusReplicas: 13, toAdd: 10, added: 0)
        let newShare = Proportions.share(of: new, spec: spec, statusReplicas: 13, toAdd: 10, added: oldShare)
        #expect((oldShare, newShare) == (6, 4))
        // Without the annotation the Deployment's status replicas stand in for the old maximum.
        let bare = F.replicaSet("bare", replicas: 4)
        #expect(Proportions.fraction(of: bare, spec: spec, statusReplicas: 8) == 8)
        #expect(Proportions.roundToInt(2.5) == 3 && Proportions.roundToInt(-2.5) == -3)
    }

    @Test func replicaSetsSortLikeUpstream() {
        let older = F.replicaSet("b", replicas: 3, created: 0)
        let newer = F.replicaSet("a", replicas: 3, created: 5)
        let bigger = F.replicaSet("c", replicas: 4, created: 9)
        #expect([newer, older].sorted(by: ReplicaSetOrder.byCreation).map(\.name) == ["b", "a"])
        #expect([newer, older, bigger].sorted(by: ReplicaSetOrder.bySizeOlder).map(\.name) == ["c", "b", "a"])
        #expect([older, newer, bigger].sorted(by: ReplicaSetOrder.bySizeNewer).map(\.name) == ["c", "a", "b"])
        var revisionTwo = older
        revisionTwo.setAnnotation(DeploymentAnnotations.revision, "2")
        var revisionOne = newer
        revisionOne.setAnnotation(DeploymentAnnotations.revision, "1")
        #expect([revisionTwo, revisionOne].sorted(by: ReplicaSetOrder.byRevision).map(\.name) == ["a", "b"])
    }
}
