import KubeTypes
import Testing

@testable import KubeControllersCore

/// Deployments driven through simulated time in `World`, checked the way a user would with
/// kubectl: rollout status, the ReplicaSets and their annotations, and the pods.
@Suite struct DeploymentRolloutTests {
    typealias F = Fixture

    static func rolledOut(_ deployment: JSON, replicas: Int, image: String) -> World {
        var world = World()
        world.add(deployment)
        world.expectRolledOut(deployment.name)
        #expect(world.livePods(of: deployment.name).count == replicas)
        #expect(world.livePods(of: deployment.name).allSatisfy { world.image(of: $0) == image })
        return world
    }

    static func revision(_ object: JSON?) -> String? { object?.annotations[DeploymentAnnotations.revision] }

    @Test func aNewDeploymentRollsOutAndScalesUpAndDown() throws {
        var world = Self.rolledOut(F.deployment(replicas: 5), replicas: 5, image: "nginx:1.27")
        let replicaSet = try #require(world.replicaSets(of: "web").first)
        let template = try #require(world.deployments["web"]?[path: ["spec", "template"]])
        let hash = PodTemplateHash.compute(template: template, collisionCount: nil)
        #expect(replicaSet.name == "web-" + hash)
        #expect(replicaSet.labels["pod-template-hash"] == hash)
        #expect(replicaSet[path: ["spec", "selector", "matchLabels", "pod-template-hash"]] == .string(hash))
        #expect(
            replicaSet.annotations == [
                "deployment.kubernetes.io/revision": "1", "deployment.kubernetes.io/desired-replicas": "5",
                "deployment.kubernetes.io/max-replicas": "7",
            ])
        #expect(world.livePods(of: "web").allSatisfy { $0.labels["pod-template-hash"] == hash })
        let deployment = try #require(world.deployments["web"])
        #expect(Self.revision(deployment) == "1")
        #expect(
            deployment["status"] == [
                "observedGeneration": 1, "replicas": 5, "updatedReplicas": 5, "readyReplicas": 5,
                "availableReplicas": 5,
                "terminatingReplicas": 0, "conditions": deployment[path: ["status", "conditions"]]!,
            ])
        let available = try #require(world.condition("Available", of: "web"))
        #expect(available["status"] == "True" && available["reason"] == "MinimumReplicasAvailable")
        #expect(available["message"] == "Deployment has minimum availability.")
        let progressing = try #require(world.condition("Progressing", of: "web"))
        #expect(progressing["reason"] == "NewReplicaSetAvailable")
        #expect(progressing["message"] == .string("ReplicaSet \"web-\(hash)\" has successfully progressed."))
        #expect(world.events.first?.message == "Scaled up replica set web-\(hash) from 0 to 5")

        world.scale("web", to: 10)
        #expect(
            RolloutStatus.evaluate(world.deployments["web"]!)
                == .waiting("Waiting for deployment spec update to be observed..."))
        world.expectRolledOut("web")
        #expect(world.livePods(of: "web").count == 10)
        #expect(world.replicaSets(of: "web").count == 1)
        #expect(world.replicaSets(of: "web")[0].annotations["deployment.kubernetes.io/desired-replicas"] == "10")
        #expect(world.events.last?.message == "Scaled up replica set web-\(hash) from 5 to 10")

        world.scale("web", to: 5)
        world.expectEventually { $0.livePods(of: "web").count == 5 && $0.pods.count == 5 }
        world.expectRolledOut("web")
        #expect(world.events.last?.message == "Scaled down replica set web-\(hash) from 10 to 5")
        #expect(world.rejected.isEmpty)
    }

    /// Checks the rolling-update guarantees after every simulated second.
    static func rollingInvariant(replicas: Int, surge: Int, unavailable: Int) -> (World) -> Void {
        { world in
            let live = world.livePods(of: "web").count
            #expect(live <= replicas + surge, "\(live) pods exceed \(replicas) + \(surge)")
            let available = world.availablePods(of: "web")
            #expect(available >= replicas - unavailable, "only \(available) pods available")
            let reported = world.deployments["web"]?[path: ["status", "availableReplicas"]]?.intValue ?? 0
            #expect(reported >= Int64(replicas - unavailable), "status reports \(reported) available")
        }
    }

    /// Surge and unavailability limits as counts and percentages, against nodes of varying speed
    /// (seconds until ready, seconds to terminate).
    static let rollingCases: [(JSON, JSON, Int64, Int64)] = [
        (3, 2, 2, 2), ("25%", "25%", 2, 2), (0, 1, 1, 4), ("50%", 0, 3, 1), ("10%", "30%", 5, 5), (1, 0, 1, 0),
    ]

    @Test(arguments: rollingCases)
    func anImageChangeRollsOverWithinSurgeAndUnavailability(limits: (JSON, JSON, Int64, Int64)) throws {
        let (surge, unavailable, secondsToReady, secondsToTerminate) = limits
        let deployment = F.deployment(replicas: 10, maxSurge: surge, maxUnavailable: unavailable)
        var world = World()
        world.secondsToReady = secondsToReady
        world.secondsToTerminate = secondsToTerminate
        world.add(deployment)
        world.expectRolledOut("web")
        let spec = DeploymentSpecView(deployment)
        world.setImage("web", "nginx:1.28")
        var messages: [String] = []
        let invariant = Self.rollingInvariant(replicas: 10, surge: spec.maxSurge, unavailable: spec.maxUnavailable)
        let done = world.runUntilRolledOut("web") { world in
            invariant(world)
            if case .waiting(let message) = RolloutStatus.evaluate(world.deployments["web"]!) {
                messages.append(message)
            }
        }
        #expect(done)
        #expect(messages.contains { $0.contains("new replicas have been updated") })
        let sets = world.replicaSets(of: "web")
        #expect(sets.count == 2)
        #expect(sets.map(\.specReplicas) == [0, 10])
        #expect(sets.map { Self.revision($0) } == ["1", "2"])
        #expect(Self.revision(world.deployments["web"]) == "2")
        #expect(world.livePods(of: "web").allSatisfy { world.image(of: $0) == "nginx:1.28" })
        #expect(world.rejected.isEmpty)
    }

    @Test func minReadySecondsHoldsBackTheRollout() throws {
        let deployment = F.deployment(replicas: 4, maxSurge: 1, maxUnavailable: 0, minReadySeconds: 5)
        var world = Self.rolledOut(deployment, replicas: 4, image: "nginx:1.27")
        world.setImage("web", "nginx:1.28")
        let done = world.runUntilRolledOut("web") { world in
            #expect(world.availablePods(of: "web", minReadySeconds: 5) >= 4)
            #expect(world.livePods(of: "web").count <= 5)
        }
        #expect(done)
        #expect(world.replicaSets(of: "web").last?[path: ["spec", "minReadySeconds"]] == 5)
    }

    @Test func recreateRemovesEveryOldPodBeforeStartingNewOnes() throws {
        var world = Self.rolledOut(F.deployment(replicas: 3, recreate: true), replicas: 3, image: "nginx:1.27")
        world.setImage("web", "nginx:1.28")
        var sawGap = false
        let done = world.runUntilRolledOut("web") { world in
            let images = Set(world.pods.values.map { world.image(of: $0) })
            #expect(images.count <= 1, "old and new pods coexist: \(images)")
            if world.pods.isEmpty { sawGap = true }
        }
        #expect(done && sawGap)
        #expect(world.replicaSets(of: "web").map(\.specReplicas) == [0, 3])
        let available = try #require(world.condition("Available", of: "web"))
        #expect(available["reason"] == "MinimumReplicasAvailable")
        #expect(
            world.events.map(\.message).contains {
                $0.hasPrefix("Scaled down replica set web-") && $0.hasSuffix("from 3 to 0")
            })
    }

    @Test func aPausedDeploymentScalesButDoesNotRollOut() throws {
        var world = Self.rolledOut(F.deployment(replicas: 4), replicas: 4, image: "nginx:1.27")
        world.edit("web") { $0[path: ["spec", "paused"]] = true }
        world.setImage("web", "nginx:1.28")
        world.scale("web", to: 6)
        world.run(maxSteps: 10) { _ in false }
        let paused = try #require(world.condition("Progressing", of: "web"))
        #expect(paused["status"] == "Unknown" && paused["reason"] == "DeploymentPaused")
        #expect(paused["message"] == "Deployment is paused")
        #expect(world.replicaSets(of: "web").count == 1)
        #expect(world.livePods(of: "web").count == 6)
        #expect(world.livePods(of: "web").allSatisfy { world.image(of: $0) == "nginx:1.27" })
        let status = try #require(world.deployments["web"]?["status"])
        #expect(status["observedGeneration"] == world.deployments["web"]?[path: ["metadata", "generation"]])
        #expect(
            RolloutStatus.evaluate(world.deployments["web"]!) != .done("deployment \"web\" successfully rolled out"))

        world.edit("web") { $0[path: ["spec", "paused"]] = false }
        world.step()
        #expect(world.replicaSets(of: "web").count == 2)
        world.expectRolledOut("web")
        #expect(world.livePods(of: "web").count == 6)
        #expect(world.livePods(of: "web").allSatisfy { world.image(of: $0) == "nginx:1.28" })
        #expect(world.condition("Progressing", of: "web")?["reason"] == "NewReplicaSetAvailable")
    }

    @Test func resumingRecordsDeploymentResumed() throws {
        var deployment = F.deployment(replicas: 2)
        deployment[path: ["spec", "paused"]] = true
        var status = DeploymentStatusModel()
        status.setCondition(type: "Progressing", status: "Unknown", reason: "DeploymentPaused", message: "", now: 0)
        deployment["status"] = status.json
        deployment[path: ["spec", "paused"]] = false
        let plan = DeploymentReconciler.reconcile(deployment: deployment, replicaSets: [], pods: [], now: F.epoch)
        // The resumed condition is replaced in the same sync by NewReplicaSetCreated.
        let progressing = try #require(
            plan.status["conditions"]?.arrayValue?.first { $0["type"] == "Progressing" })
        #expect(progressing["reason"] == "NewReplicaSetCreated")
        var sync = DeploymentSync(deployment: deployment, replicaSets: [], pods: [], now: F.epoch)
        sync.checkPausedConditions()
        #expect(sync.status.condition("Progressing")?["reason"] == "DeploymentResumed")
        #expect(sync.status.condition("Progressing")?["message"] == "Deployment is resumed")
    }

    /// What `kubectl rollout undo` does: the old ReplicaSet's template, minus the hash label, as
    /// the Go client serialises it, replaces the Deployment's template, and its annotations
    /// (change-cause among them) replace the Deployment's, keeping the controller's own.
    static func undo(_ world: inout World, toRevision revision: String) {
        let target = world.replicaSets(of: "web").first { Self.revision($0) == revision }!
        var template = target[path: ["spec", "template"]]!
        template[path: ["metadata", "labels", "pod-template-hash"]] = nil
        template[path: ["metadata", "creationTimestamp"]] = .null
        var containers = template[path: ["spec", "containers"]]!.arrayValue!
        containers[0]["resources"] = [:]
        template[path: ["spec", "containers"]] = .array(containers)
        world.edit("web") { deployment in
            deployment[path: ["spec", "template"]] = template
            var annotations = deployment.annotations.filter { DeploymentAnnotations.notCopied.contains($0.key) }
            for (key, value) in target.annotations where !DeploymentAnnotations.notCopied.contains(key) {
                annotations[key] = value
            }
            deployment[path: ["metadata", "annotations"]] = JSON(annotations)
        }
    }

    @Test func rollbackReusesTheOldReplicaSetAndBumpsItsRevision() throws {
        let cause = [DeploymentAnnotations.changeCause: "kubectl create deployment web --image=nginx:1.27"]
        var world = Self.rolledOut(F.deployment(replicas: 4, annotations: cause), replicas: 4, image: "nginx:1.27")
        world.edit("web") { $0.setAnnotation(DeploymentAnnotations.changeCause, "kubectl set image web nginx:1.28") }
        world.setImage("web", "nginx:1.28")
        world.expectRolledOut("web")
        let (first, second) = (world.replicaSets(of: "web")[0], world.replicaSets(of: "web")[1])
        #expect(first.annotations[DeploymentAnnotations.changeCause] == cause.values.first)
        #expect(second.annotations[DeploymentAnnotations.changeCause] == "kubectl set image web nginx:1.28")

        Self.undo(&world, toRevision: "1")
        world.expectRolledOut("web")
        world.run(maxSteps: 3) { _ in false }
        let sets = world.replicaSets(of: "web")
        #expect(sets.map(\.name) == [first.name, second.name])
        #expect(sets.map(\.specReplicas) == [4, 0])
        #expect(Self.revision(sets[0]) == "3")
        #expect(sets[0].annotations[DeploymentAnnotations.revisionHistory] == "1")
        #expect(Self.revision(world.deployments["web"]) == "3")
        #expect(world.deployments["web"]?.annotations[DeploymentAnnotations.changeCause] == cause.values.first)
        #expect(world.livePods(of: "web").allSatisfy { world.image(of: $0) == "nginx:1.27" })
        #expect(world.rejected.isEmpty)
    }

    @Test func oldReplicaSetsBeyondTheHistoryLimitAreDeleted() throws {
        var world = Self.rolledOut(F.deployment(replicas: 2, revisionHistoryLimit: 2), replicas: 2, image: "nginx:1.27")
        for version in 28...31 {
            world.setImage("web", "nginx:1.\(version)")
            world.expectRolledOut("web")
        }
        world.run(maxSteps: 3) { _ in false }
        let sets = world.replicaSets(of: "web")
        #expect(sets.map { Self.revision($0) } == ["3", "4", "5"])
        #expect(sets.map(\.specReplicas) == [0, 0, 2])
    }

    @Test func scalingMidRolloutSpreadsReplicasProportionally() throws {
        var world = Self.rolledOut(
            F.deployment(replicas: 10, maxSurge: 3, maxUnavailable: 2), replicas: 10, image: "nginx:1.27")
        world.brokenImages = ["nginx:1.28"]
        world.setImage("web", "nginx:1.28")
        world.run(maxSteps: 15) { _ in false }
        #expect(world.replicaSets(of: "web").map(\.specReplicas) == [8, 5])
        world.scale("web", to: 20)
        world.step()
        let sets = world.replicaSets(of: "web")
        #expect(sets.map(\.specReplicas) == [14, 9])
        #expect(sets.allSatisfy { $0.annotations[DeploymentAnnotations.desiredReplicas] == "20" })
        #expect(sets.allSatisfy { $0.annotations[DeploymentAnnotations.maxReplicas] == "23" })
        world.brokenImages = []
        let surgeBound: (World) -> Void = { #expect($0.livePods(of: "web").count <= 23) }
        world.expectRolledOut("web", invariant: surgeBound)
        #expect(world.replicaSets(of: "web").map(\.specReplicas) == [0, 20])
    }

    @Test func aStuckRolloutExceedsItsProgressDeadline() throws {
        var world = Self.rolledOut(
            F.deployment(replicas: 4, progressDeadlineSeconds: 30), replicas: 4, image: "nginx:1.27")
        world.brokenImages = ["nginx:1.28"]
        world.setImage("web", "nginx:1.28")
        world.step()
        let hash = try #require(world.replicaSets(of: "web").last?.name)
        let created = try #require(world.condition("Progressing", of: "web"))
        #expect(created["reason"] == "NewReplicaSetCreated")
        #expect(created["message"] == .string("Created new replica set \"\(hash)\""))
        let plan = DeploymentReconciler.reconcile(
            deployment: world.deployments["web"]!, replicaSets: Array(world.replicaSets.values),
            pods: Array(world.pods.values), now: world.now)
        #expect(plan.requeueAfter.map { (1...31).contains($0) } == true)
        let failed = world.run(maxSteps: 60) { world in
            if case .failed = RolloutStatus.evaluate(world.deployments["web"]!) { return true }
            return false
        }
        #expect(failed)
        let progressing = try #require(world.condition("Progressing", of: "web"))
        #expect(progressing["status"] == "False")
        #expect(progressing["reason"] == "ProgressDeadlineExceeded")
        #expect(progressing["message"] == .string("ReplicaSet \"\(hash)\" has timed out progressing."))
        #expect(world.condition("Available", of: "web")?["status"] == "True")
        #expect(
            RolloutStatus.evaluate(world.deployments["web"]!)
                == .failed("deployment \"web\" exceeded its progress deadline"))
        // A fixed template starts a new rollout that can complete.
        world.setImage("web", "nginx:1.29")
        world.expectRolledOut("web")
    }

    @Test func failedWritesOnlyDelayTheRollout() {
        var world = World()
        world.failEveryNthWrite = 3
        world.add(F.deployment(replicas: 6, maxSurge: 2, maxUnavailable: 1))
        world.expectRolledOut("web")
        world.setImage("web", "nginx:1.28")
        world.expectRolledOut("web", invariant: Self.rollingInvariant(replicas: 6, surge: 2, unavailable: 1))
        world.scale("web", to: 3)
        world.expectRolledOut("web")
        world.expectEventually { $0.pods.count == 3 }
        #expect(world.livePods(of: "web").allSatisfy { world.image(of: $0) == "nginx:1.28" })
        #expect(world.rejected.contains("Injected"))
        #expect(world.rejected.allSatisfy { $0 == "Injected" })
    }
}
