import KubeTypes
import Testing

@testable import KubeControllersCore

@Suite struct DisruptionBudgetsTests {
    typealias F = Fixture
    static let now = Fixture.epoch + 1000

    static func budget(_ spec: [String: JSON], status: JSON? = nil, generation: Int64 = 1) -> JSON {
        var object: JSON = [
            "apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
            "metadata": ["name": "web-pdb", "namespace": "default", "generation": .int(generation)],
            "spec": .object(spec.merging(["selector": ["matchLabels": ["app": "web"]]]) { mine, _ in mine }),
        ]
        if let status { object["status"] = status }
        return object
    }

    /// Three ready pods of one ReplicaSet that wants 3, one unready, one of another app.
    static let pods: [JSON] = [
        F.pod("a", readySince: 0), F.pod("b", readySince: 0), F.pod("c", readySince: 0), F.pod("d"),
        F.pod("x", labels: ["app": "other"], readySince: 0),
    ]

    static func scale(_ pod: JSON) -> DisruptionBudgets.ControllerScale? {
        pod.labels["app"] == "web" ? .init(uid: "rs-1", replicas: 4) : nil
    }

    static func status(_ budget: JSON, pods: [JSON] = pods, now: Int64 = now) -> JSON? {
        DisruptionBudgets.status(budget: budget, pods: pods, now: now, scale: scale)
    }

    static func counts(_ status: JSON?) -> [Int64?] {
        ["disruptionsAllowed", "currentHealthy", "desiredHealthy", "expectedPods"].map { status?[$0]?.intValue }
    }

    @Test func minAvailableAsACountUsesTheCoveredPods() throws {
        let status = try #require(Self.status(Self.budget(["minAvailable": 2])))
        #expect(Self.counts(status) == [1, 3, 2, 4])
        let condition = try #require(status["conditions"]?.arrayValue?.first)
        #expect(condition["type"] == "DisruptionAllowed")
        #expect(condition["status"] == "True")
        #expect(condition["reason"] == "SufficientPods")
        #expect(status["observedGeneration"] == 1)
    }

    @Test func maxUnavailableAndPercentagesUseTheControllersScale() {
        #expect(Self.counts(Self.status(Self.budget(["maxUnavailable": 1]))) == [0, 3, 3, 4])
        #expect(Self.counts(Self.status(Self.budget(["maxUnavailable": "50%"]))) == [1, 3, 2, 4])
        #expect(Self.counts(Self.status(Self.budget(["minAvailable": "50%"]))) == [1, 3, 2, 4])
        let blocked = Self.status(Self.budget(["minAvailable": "100%"]))
        #expect(Self.counts(blocked) == [0, 3, 4, 4])
        #expect(blocked?["conditions"]?.arrayValue?.first?["reason"] == "InsufficientPods")
    }

    @Test func evictedPodsStayOutOfTheHealthyCountUntilGoneOrTimedOut() {
        let evictedAt = Self.now - 10
        let recorded: JSON = ["disruptedPods": ["a": .string(Timestamp.format(evictedAt)), "gone": .string(F.time(0))]]
        let budget = Self.budget(["minAvailable": 1], status: recorded)
        let status = Self.status(budget)
        #expect(Self.counts(status) == [1, 2, 1, 4])
        #expect(status?["disruptedPods"]?.objectValue?.keys.sorted() == ["a"], "entries of vanished pods are dropped")
        let later = Self.status(budget, now: evictedAt + DisruptionBudgets.deletionTimeout)
        #expect(Self.counts(later) == [2, 3, 1, 4], "after the deletion timeout the pod counts again")
        var deleting = Self.pods
        deleting[0][path: ["metadata", "deletionTimestamp"]] = .string(F.time(990))
        #expect(Self.counts(Self.status(budget, pods: deleting)) == [1, 2, 1, 4])
    }

    @Test func anUnchangedStatusIsNotWrittenAgainAndKeepsItsTransitionTime() throws {
        let first = try #require(Self.status(Self.budget(["minAvailable": 2])))
        #expect(Self.status(Self.budget(["minAvailable": 2], status: first), now: Self.now + 60) == nil)
        let fewer = Array(Self.pods.dropFirst())
        let second = try #require(Self.status(Self.budget(["minAvailable": 2], status: first), pods: fewer))
        let condition = second["conditions"]?.arrayValue?.first
        #expect(condition?["status"] == "False")
        #expect(condition?["lastTransitionTime"] == .string(Timestamp.format(Self.now)))
    }

    @Test func selectorsCoverTheirNamespaceOnlyAndAMissingSelectorCoversNothing() {
        var everything = Self.budget(["minAvailable": 1])
        everything[path: ["spec", "selector"]] = .emptyObject
        #expect(DisruptionBudgets.coveredPods(everything, pods: Self.pods).count == 5)
        var elsewhere = Self.pods[0]
        elsewhere[path: ["metadata", "namespace"]] = "other"
        #expect(DisruptionBudgets.coveredPods(everything, pods: [elsewhere]).isEmpty)
        var none = Self.budget(["minAvailable": 1])
        none[path: ["spec", "selector"]] = nil
        #expect(DisruptionBudgets.coveredPods(none, pods: Self.pods).isEmpty)
        #expect(Self.counts(Self.status(none)) == [0, 0, 1, 0])
    }
}
