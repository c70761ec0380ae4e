import KubeClient
import KubeControllersCore
import KubeTypes
import Synchronization
import Testing

/// The Deployment and ReplicaSet controllers together against a live API server, the test
/// reporting pods Ready as a kubelet would.
@Suite struct DeploymentControllerTests {
    static let rollingNoUnavailable: JSON = [
        "type": "RollingUpdate", "rollingUpdate": ["maxSurge": 1, "maxUnavailable": 0],
    ]

    @Test func createsAReplicaSetNamedByThePodTemplateHash() async throws {
        try await ControllerCluster.with { cluster in
            let deployment = try await cluster.client.create(
                .deployments, namespace: "default", Objects.deployment("hello", replicas: 2))
            let replicaSet = try await eventually { [cluster] in try await cluster.replicaSets(of: deployment).first }
            let hash = try #require(replicaSet.labels[PodTemplateHash.labelKey])
            #expect(replicaSet.name == "hello-\(hash)")
            #expect(replicaSet[path: ["spec", "selector", "matchLabels", PodTemplateHash.labelKey]] == .string(hash))
            #expect(
                replicaSet[path: ["spec", "template", "metadata", "labels", PodTemplateHash.labelKey]] == .string(hash))
            #expect(replicaSet.specReplicas == 2)
            #expect(replicaSet.revision == 1)
            let pods = try await eventually { [cluster] in
                let pods = try await cluster.pods(ownedBy: replicaSet.uid)
                return pods.count == 2 ? pods : nil
            }
            #expect(pods.allSatisfy { $0.labels[PodTemplateHash.labelKey] == hash })
            try await cluster.markAllReady(ownedBy: replicaSet.uid)
            let done = try await eventually { [cluster] in
                let current = try await cluster.get(.deployments, "hello")
                return current.status("availableReplicas") == 2 ? Optional(current) : nil
            }
            #expect(done.status("replicas") == 2)
            #expect(done.status("updatedReplicas") == 2)
            #expect(done.status("readyReplicas") == 2)
            #expect(done.revision == 1)
            let progressing = done[path: ["status", "conditions"]]?.arrayValue?.first { $0["type"] == "Progressing" }
            #expect(progressing?["reason"] == "NewReplicaSetAvailable")
            let scaled = try await cluster.events(about: "hello") { events in
                events.contains { $0["reason"] == "ScalingReplicaSet" }
            }.filter { $0["reason"] == "ScalingReplicaSet" }
            #expect(scaled.first?["message"] == .string("Scaled up replica set \(replicaSet.name) from 0 to 2"))
        }
    }

    @Test func rollingUpdateWaitsForReadyPodsBeforeScalingDown() async throws {
        try await ControllerCluster.with { cluster in
            let deployment = try await cluster.client.create(
                .deployments, namespace: "default",
                Objects.deployment("roll", replicas: 3, strategy: Self.rollingNoUnavailable))
            let first = try await Self.rolledOut(cluster, deployment, revision: 1)

            _ = try await cluster.client.patch(
                .deployments, namespace: "default", name: "roll",
                ["spec": ["template": ["spec": ["containers": [["name": "main", "image": "nginx:1.26"]]]]]],
                type: .strategic)
            let second = try await eventually { [cluster] in
                let sets = try await cluster.replicaSets(of: deployment)
                return sets.count == 2 && sets[1].specReplicas == 1 ? Optional(sets[1]) : nil
            }
            #expect(second.image == "nginx:1.26")
            #expect(second.revision == 2)
            #expect(try await cluster.pods(ownedBy: second.uid).count <= 1)
            // maxUnavailable 0: with no new pod ready, the old ReplicaSet keeps all three.
            try await Task.sleep(for: .milliseconds(300))
            #expect(try await cluster.get(.replicaSets, first.name).specReplicas == 3)

            let finished = try await Self.rolledOut(cluster, deployment, revision: 2)
            #expect(finished.name == second.name)
            #expect(try await cluster.get(.replicaSets, first.name).specReplicas == 0)
            #expect(try await cluster.pods(ownedBy: first.uid).isEmpty)
            #expect(try await cluster.get(.deployments, "roll").revision == 2)
        }
    }

    @Test func rollbackScalesTheOldReplicaSetBackUpUnderTheNextRevision() async throws {
        try await ControllerCluster.with { cluster in
            let deployment = try await cluster.client.create(
                .deployments, namespace: "default",
                Objects.deployment("undo", replicas: 2, strategy: Self.rollingNoUnavailable))
            let first = try await Self.rolledOut(cluster, deployment, revision: 1)
            _ = try await cluster.client.patch(
                .deployments, namespace: "default", name: "undo",
                ["spec": ["template": ["spec": ["containers": [["name": "main", "image": "nginx:1.26"]]]]]],
                type: .strategic)
            let second = try await Self.rolledOut(cluster, deployment, revision: 2)
            #expect(second.name != first.name)

            // `kubectl rollout undo`: the old ReplicaSet's template, without its hash label, goes
            // back into the Deployment by a JSON patch.
            let old = try await cluster.get(.replicaSets, first.name)
            var template = try #require(old[path: ["spec", "template"]])
            template[path: ["metadata", "labels", PodTemplateHash.labelKey]] = nil
            let patch: JSON = [["op": "replace", "path": "/spec/template", "value": template]]
            _ = try await cluster.client.patch(.deployments, namespace: "default", name: "undo", patch, type: .json)

            let restored = try await Self.rolledOut(cluster, deployment, revision: 3)
            #expect(restored.name == first.name)
            #expect(restored.specReplicas == 2)
            #expect(restored.image == "nginx:1.25")
            #expect(restored.annotations[DeploymentAnnotations.revisionHistory] == "1")
            #expect(try await cluster.get(.replicaSets, second.name).specReplicas == 0)
            #expect(try await cluster.replicaSets(of: deployment).count == 2)
        }
    }

    @Test func recreateRemovesEveryOldPodBeforeCreatingNewOnes() async throws {
        try await ControllerCluster.with { cluster in
            let deployment = try await cluster.client.create(
                .deployments, namespace: "default",
                Objects.deployment("recreate", replicas: 2, strategy: ["type": "Recreate"]))
            let first = try await Self.rolledOut(cluster, deployment, revision: 1)

            // Every pod change in order, as the watch delivers them.
            let log = PodLog()
            let watching = try await log.follow(cluster.client)
            _ = try await cluster.client.patch(
                .deployments, namespace: "default", name: "recreate",
                ["spec": ["template": ["spec": ["containers": [["name": "main", "image": "nginx:1.26"]]]]]],
                type: .strategic)
            let second = try await Self.rolledOut(cluster, deployment, revision: 2)
            watching.cancel()

            #expect(try await cluster.get(.replicaSets, first.name).specReplicas == 0)
            let entries = log.entries
            let lastOldGone = try #require(entries.lastIndex { $0.kind == .deleted && $0.owner == first.uid })
            let firstNewSeen = try #require(entries.firstIndex { $0.kind == .added && $0.owner == second.uid })
            #expect(lastOldGone < firstNewSeen)
            #expect(entries.filter { $0.kind == .deleted && $0.owner == first.uid }.count == 2)
        }
    }

    @Test func scalingTheDeploymentScalesItsReplicaSet() async throws {
        try await ControllerCluster.with { cluster in
            let deployment = try await cluster.client.create(
                .deployments, namespace: "default", Objects.deployment("grow", replicas: 1))
            let replicaSet = try await Self.rolledOut(cluster, deployment, revision: 1)
            _ = try await cluster.client.patch(
                .deployments, namespace: "default", name: "grow", ["spec": ["replicas": 4]])
            let grown = try await Self.rolledOut(cluster, deployment, revision: 1, replicas: 4)
            #expect(grown.name == replicaSet.name)
            #expect(try await cluster.replicaSets(of: deployment).count == 1)
        }
    }

    // MARK: Helpers

    /// Plays the kubelet (every pod of the Deployment is reported Ready) until the Deployment's
    /// newest ReplicaSet has `revision`, every replica is updated and available and no old pod
    /// is left; returns that ReplicaSet. Fails the test when that never happens.
    static func rolledOut(
        _ cluster: ControllerCluster, _ deployment: JSON, revision: Int, replicas: Int64? = nil,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> JSON {
        try await eventually(sourceLocation: sourceLocation) { [cluster] () -> JSON? in
            let sets = try await cluster.replicaSets(of: deployment)
            for set in sets { try await cluster.markAllReady(ownedBy: set.uid) }
            let current = try await cluster.get(.deployments, deployment.name)
            let wanted = replicas ?? current.specReplicas
            guard let newest = sets.last, newest.revision == revision, current.revision == revision,
                current.status("observedGeneration") == current[path: ["metadata", "generation"]]?.intValue,
                current.status("updatedReplicas") == wanted, current.status("availableReplicas") == wanted,
                current.status("replicas") == wanted
            else { return nil }
            return try await cluster.get(.replicaSets, newest.name)
        }
    }
}

/// Pod watch events with the uid of each pod's controller, in the order the server sent them.
final class PodLog: Sendable {
    struct Entry: Sendable {
        var kind: WatchEvent.Kind
        var owner: String?
    }

    private let seen = Mutex<[Entry]>([])

    var entries: [Entry] { seen.withLock { $0 } }

    func follow(_ client: KubeClient) async throws -> Task<Void, Never> {
        let start = try await client.list(.pods, namespace: "default")
        let version = start[path: ["metadata", "resourceVersion"]]?.stringValue ?? "0"
        let events = try await client.watch(.pods, namespace: "default", resourceVersion: version)
        return Task {
            do {
                for try await event in events {
                    seen.withLock { $0.append(Entry(kind: event.kind, owner: event.object.controllerUID)) }
                }
            } catch {}
        }
    }
}
