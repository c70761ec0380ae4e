import KubeTypes
import Testing

@testable import KubeControllersCore

@Suite struct WorkQueueKeysTests {
    typealias F = Fixture

    @Test func podsMapToTheirControllerOrToReplicaSetsThatMightAdoptThem() {
        let deployment = F.deployment()
        let web = F.replicaSet("web-1", owner: deployment)
        let other = F.replicaSet("other", labels: ["app": "other"])
        let sets = [web, other]
        let owned = F.pod("owned", owner: web)
        #expect(WorkQueueKeys.replicaSets(forPod: owned, among: sets).map(\.name) == ["web-1"])
        #expect(WorkQueueKeys.replicaSets(forPod: F.pod("orphan"), among: sets).map(\.name) == ["web-1"])
        // A relabelled pod: the old labels' ReplicaSet and the new labels' one both look again.
        let relabelled = F.pod("moved", labels: ["app": "other"])
        let keys = WorkQueueKeys.replicaSets(forPod: relabelled, old: F.pod("moved"), among: sets)
        #expect(Set(keys.map(\.name)) == ["web-1", "other"])
        #expect(WorkQueueKeys.deployments(forReplicaSet: web, among: [deployment]).map(\.name) == ["web"])
        #expect(
            WorkQueueKeys.deployment(forDeletedPod: owned, replicaSets: sets, deployments: [deployment])?.name == "web")
        #expect(
            WorkQueueKeys.deployment(forDeletedPod: F.pod("orphan"), replicaSets: sets, deployments: [deployment])
                == nil)
    }
}
