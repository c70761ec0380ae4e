import KubeTypes
import Testing

@testable import KubeAPIServer

@Suite struct PodEvictionTests {
    static func budget(allowed: Int64, current: Int64 = 3, desired: Int64 = 2, observed: Int64 = 1) -> JSON {
        [
            "apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
            "metadata": ["name": "web", "namespace": "default", "generation": 1],
            "spec": ["minAvailable": 2, "selector": ["matchLabels": ["app": "web"]]],
            "status": [
                "disruptionsAllowed": .int(allowed), "currentHealthy": .int(current), "desiredHealthy": .int(desired),
                "expectedPods": 3, "observedGeneration": .int(observed),
            ],
        ]
    }

    static func pod(_ name: String, ready: Bool = true) -> JSON {
        [
            "metadata": ["name": .string(name), "namespace": "default", "labels": ["app": "web"]],
            "status": [
                "phase": "Running", "conditions": [["type": "Ready", "status": .string(ready ? "True" : "False")]],
            ],
        ]
    }

    @Test func anEvictionTakesOneDisruptionAndRecordsThePod() throws {
        let taken = try #require(
            try KubeAPIServer.takeDisruption(Self.budget(allowed: 1), pod: Self.pod("a"), now: 100))
        #expect(taken[path: ["status", "disruptionsAllowed"]] == 0)
        #expect(taken[path: ["status", "disruptedPods"]] == ["a": .string(Timestamp.format(100))])
        let refused = try #require(throws: APIError.self) {
            try KubeAPIServer.takeDisruption(taken, pod: Self.pod("b"), now: 101)
        }
        #expect(refused.code == 429)
        #expect(refused.message == "Cannot evict pod as it would violate the pod's disruption budget.")
        let cause = refused.details?["causes"]?.arrayValue?.first
        #expect(cause?["reason"] == "DisruptionBudget")
        #expect(cause?["message"] == "The disruption budget web needs 2 healthy pods and has 3 currently")
    }

    @Test func aBudgetTheControllerHasNotSeenYetRefusesAndANegativeOneIsForbidden() throws {
        let pending = try #require(throws: APIError.self) {
            try KubeAPIServer.takeDisruption(Self.budget(allowed: 1, observed: 0), pod: Self.pod("a"), now: 1)
        }
        #expect(pending.code == 429)
        #expect(
            pending.details?["causes"]?.arrayValue?.first?["message"]
                == "The disruption budget web is still being processed by the server.")
        let negative = try #require(throws: APIError.self) {
            try KubeAPIServer.takeDisruption(Self.budget(allowed: -1), pod: Self.pod("a"), now: 1)
        }
        #expect(negative.code == 403)
    }

    @Test func unreadyPodsGoFreelyWhileTheBudgetHoldsOrWithAlwaysAllow() throws {
        #expect(
            try KubeAPIServer.takeDisruption(Self.budget(allowed: 0), pod: Self.pod("a", ready: false), now: 1) == nil)
        let short = Self.budget(allowed: 0, current: 1, desired: 2)
        #expect(throws: APIError.self) {
            try KubeAPIServer.takeDisruption(short, pod: Self.pod("a", ready: false), now: 1)
        }
        var always = short
        always[path: ["spec", "unhealthyPodEvictionPolicy"]] = "AlwaysAllow"
        #expect(try KubeAPIServer.takeDisruption(always, pod: Self.pod("a", ready: false), now: 1) == nil)
    }

    @Test func selectorsFollowTheControllersRule() {
        var budget = Self.budget(allowed: 1)
        #expect(KubeAPIServer.covers(budget, Self.pod("a")))
        budget[path: ["spec", "selector"]] = .emptyObject
        #expect(KubeAPIServer.covers(budget, Self.pod("a")))
        budget[path: ["spec", "selector"]] = nil
        #expect(!KubeAPIServer.covers(budget, Self.pod("a")))
    }
}
