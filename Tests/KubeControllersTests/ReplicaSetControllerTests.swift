import KubeClient
import KubeTypes
import Synchronization
import Testing

/// The ReplicaSet controller against a live API server: the pods it makes, keeps and counts.
@Suite struct ReplicaSetControllerTests {
    @Test func createsTheReplicasWithOwnerReferencesAndEvents() async throws {
        try await ControllerCluster.with { cluster in
            let created = try await cluster.client.create(
                .replicaSets, namespace: "default", Objects.replicaSet("web", replicas: 3, labels: ["app": "web"]))
            let pods = try await eventually { [cluster] in
                let pods = try await cluster.pods(ownedBy: created.uid)
                return pods.count == 3 ? pods : nil
            }
            for pod in pods {
                #expect(pod.name.hasPrefix("web-"))
                #expect(pod.labels == ["app": "web"])
                let reference = try #require(pod[path: ["metadata", "ownerReferences"]]?.arrayValue?.first)
                #expect(reference["kind"] == "ReplicaSet")
                #expect(reference["name"] == "web")
                #expect(reference["apiVersion"] == "apps/v1")
                #expect(reference["blockOwnerDeletion"] == true)
            }
            try await expectEventually { [cluster] in
                let replicaSet = try await cluster.get(.replicaSets, "web")
                return replicaSet.status("replicas") == 3 && replicaSet.status("observedGeneration") == 1
            }
            let events = try await eventually { [cluster] in
                let events = try await cluster.events(about: "web").filter { $0["reason"] == "SuccessfulCreate" }
                return events.count == 3 ? events : nil
            }
            let messages = Set(events.compactMap { $0["message"]?.stringValue })
            #expect(messages == Set(pods.map { "Created pod: \($0.name)" }))
            #expect(events.allSatisfy { $0[path: ["source", "component"]] == "replicaset-controller" })
            // Three pods, never more: the informer's view of its own creates held back a second round.
            #expect(try await cluster.list(.pods).count == 3)
        }
    }

    @Test func aLaggingPodCacheDoesNotMakeItCreateTwice() async throws {
        try await ControllerCluster.with { cluster in
            // Every pod event reaches the controllers half a second late, so the syncs that
            // follow the first (its own status write queues one) still see no pods.
            cluster.faults.watchDelays.withLock { $0["pods"] = .milliseconds(500) }
            let log = PodLog()
            let watching = try await log.follow(cluster.client)
            _ = try await cluster.client.create(
                .replicaSets, namespace: "default", Objects.replicaSet("lag", replicas: 3, labels: ["app": "lag"]))
            try await expectEventually { [cluster] in
                try await cluster.get(.replicaSets, "lag").status("replicas") == 3
            }
            // Once the cache has caught up the expectations are met; nothing more may follow.
            try await Task.sleep(for: .seconds(1))
            watching.cancel()
            #expect(log.entries.filter { $0.kind == .added }.count == 3)
            #expect(log.entries.allSatisfy { $0.kind != .deleted })
        }
    }

    @Test func scalesUpAndDown() async throws {
        try await ControllerCluster.with { cluster in
            let created = try await cluster.client.create(
                .replicaSets, namespace: "default", Objects.replicaSet("scale", replicas: 2, labels: ["app": "s"]))
            try await expectEventually { [cluster] in try await cluster.pods(ownedBy: created.uid).count == 2 }
            _ = try await cluster.client.patch(
                .replicaSets, namespace: "default", name: "scale", ["spec": ["replicas": 5]])
            try await expectEventually { [cluster] in try await cluster.pods(ownedBy: created.uid).count == 5 }
            _ = try await cluster.client.patch(
                .replicaSets, namespace: "default", name: "scale", ["spec": ["replicas": 1]])
            try await expectEventually { [cluster] in try await cluster.list(.pods).count == 1 }
            try await expectEventually { [cluster] in
                try await cluster.get(.replicaSets, "scale").status("replicas") == 1
            }
            _ = try await cluster.events(about: "scale") { events in
                events.filter { $0["reason"] == "SuccessfulDelete" }.count >= 4
            }
            // The count holds: no further pods come or go.
            try await Task.sleep(for: .milliseconds(300))
            #expect(try await cluster.list(.pods).count == 1)
            let deletions = try await cluster.events(about: "scale").filter { $0["reason"] == "SuccessfulDelete" }
            #expect(deletions.count == 4)
        }
    }

    @Test func replacesADeletedPod() async throws {
        try await ControllerCluster.with { cluster in
            let created = try await cluster.client.create(
                .replicaSets, namespace: "default", Objects.replicaSet("heal", replicas: 3, labels: ["app": "heal"]))
            let first = try await eventually { [cluster] in
                let pods = try await cluster.pods(ownedBy: created.uid)
                return pods.count == 3 ? pods : nil
            }
            let victim = first[0]
            try await cluster.client.delete(.pods, namespace: "default", name: victim.name)
            let healed = try await eventually { [cluster] in
                let pods = try await cluster.pods(ownedBy: created.uid)
                return pods.count == 3 && !pods.contains { $0.name == victim.name } ? pods : nil
            }
            #expect(Set(healed.map(\.name)).intersection(first.map(\.name)).count == 2)
        }
    }

    @Test func countsReadyAndAvailablePods() async throws {
        try await ControllerCluster.with { cluster in
            let created = try await cluster.client.create(
                .replicaSets, namespace: "default", Objects.replicaSet("ready", replicas: 3, labels: ["app": "r"]))
            let pods = try await eventually { [cluster] in
                let pods = try await cluster.pods(ownedBy: created.uid)
                return pods.count == 3 ? pods : nil
            }
            try await cluster.markReady(pods[0])
            try await cluster.markReady(pods[1])
            let status = try await eventually { [cluster] in
                let replicaSet = try await cluster.get(.replicaSets, "ready")
                return replicaSet.status("readyReplicas") == 2 ? Optional(replicaSet) : nil
            }
            #expect(status.status("availableReplicas") == 2)
            #expect(status.status("replicas") == 3)
            #expect(status.status("fullyLabeledReplicas") == 3)
        }
    }

    @Test func availabilityWaitsForMinReadySeconds() async throws {
        try await ControllerCluster.with { cluster in
            var object = Objects.replicaSet("slow", replicas: 1, labels: ["app": "slow"])
            object[path: ["spec", "minReadySeconds"]] = 8
            let created = try await cluster.client.create(.replicaSets, namespace: "default", object)
            let pod = try await eventually { [cluster] in try await cluster.pods(ownedBy: created.uid).first }
            let markedReady = ContinuousClock.now
            try await cluster.markReady(pod)
            try await expectEventually { [cluster] in
                try await cluster.get(.replicaSets, "slow").status("readyReplicas") == 1
            }
            let available = try await cluster.get(.replicaSets, "slow").status("availableReplicas")
            // Only meaningful while the minReadySeconds window is still open (a loaded machine may
            // take longer than that to get here).
            if ContinuousClock.now - markedReady < .seconds(6) { #expect(available == 0) }
            // No informer event comes when the pod turns available; the delayed resync must.
            try await expectEventually { [cluster] in
                try await cluster.get(.replicaSets, "slow").status("availableReplicas") == 1
            }
        }
    }

    @Test func adoptsAMatchingOrphanAndReleasesAPodThatStopsMatching() async throws {
        try await ControllerCluster.with { cluster in
            let orphan = try await cluster.client.create(
                .pods, namespace: "default", Objects.pod("orphan", labels: ["app": "adopt"]))
            let created = try await cluster.client.create(
                .replicaSets, namespace: "default", Objects.replicaSet("adopt", replicas: 2, labels: ["app": "adopt"]))
            let pods = try await eventually { [cluster] in
                let pods = try await cluster.pods(ownedBy: created.uid)
                return pods.count == 2 ? pods : nil
            }
            #expect(pods.contains { $0.uid == orphan.uid })
            #expect(try await cluster.list(.pods).count == 2)

            // Relabelled out of the selector: released, and replaced.
            _ = try await cluster.client.patch(
                .pods, namespace: "default", name: "orphan", ["metadata": ["labels": ["app": "other"]]])
            let released = try await eventually { [cluster] in
                let pod = try await cluster.get(.pods, "orphan")
                return pod.controllerUID == nil ? Optional(pod) : nil
            }
            #expect(released.labels == ["app": "other"])
            try await expectEventually { [cluster] in
                let owned = try await cluster.pods(ownedBy: created.uid)
                return owned.count == 2 && !owned.contains { $0.name == "orphan" }
            }
        }
    }

    @Test func recordsAFailedCreateInTheStatus() async throws {
        try await ControllerCluster.with { cluster in
            // As under a quota of one pod: the second create fails.
            cluster.faults.podCreatesAllowed.withLock { $0 = 1 }
            _ = try await cluster.client.create(
                .replicaSets, namespace: "default", Objects.replicaSet("quota", replicas: 3, labels: ["app": "q"]))
            let condition = try await eventually { [cluster] in
                let replicaSet = try await cluster.get(.replicaSets, "quota")
                return replicaSet[path: ["status", "conditions"]]?.arrayValue?.first {
                    $0["type"] == "ReplicaFailure"
                }
            }
            #expect(condition["reason"] == "FailedCreate")
            #expect(condition["status"] == "True")
            #expect(condition["message"]?.stringValue?.contains("exceeded quota") == true)
            let failed = try await cluster.events(about: "quota") { events in
                events.contains { $0["reason"] == "FailedCreate" }
            }.filter { $0["reason"] == "FailedCreate" }
            #expect(failed.first?["type"] == "Warning")
            // Slow start: after the first batch of one, the batch of two failed and nothing more was sent.
            #expect(try await cluster.list(.pods).count == 1)

            // Once creates succeed again, the retry fills up the ReplicaSet and clears the condition.
            cluster.faults.podCreatesAllowed.withLock { $0 = nil }
            try await expectEventually { [cluster] in
                let replicaSet = try await cluster.get(.replicaSets, "quota")
                return replicaSet.status("replicas") == 3 && replicaSet[path: ["status", "conditions"]] == nil
            }
        }
    }
}
