import KubeTypes
import Testing

@testable import KubeControllersCore

/// The autoscaler's decisions: upstream's replica calculation, tolerance, missing metrics,
/// stabilization windows and scaling policies.
@Suite struct HPAReconcilerTests {
    static let now: Int64 = 1_700_000_000

    static func hpa(
        min: Int64 = 1, max: Int64 = 10, utilization: Int64 = 50, behavior: JSON? = nil, metrics: JSON? = nil
    ) -> JSON {
        var spec: JSON = [
            "scaleTargetRef": ["apiVersion": "apps/v1", "kind": "Deployment", "name": "web"],
            "minReplicas": .int(min), "maxReplicas": .int(max),
            "metrics": metrics
                ?? [
                    [
                        "type": "Resource",
                        "resource": [
                            "name": "cpu", "target": ["type": "Utilization", "averageUtilization": .int(utilization)],
                        ],
                    ]
                ],
        ]
        if let behavior { spec["behavior"] = behavior }
        return ["metadata": ["name": "web", "namespace": "default", "generation": 1], "spec": spec]
    }

    /// A pod started an hour ago (past the CPU initialization period) whose Ready condition last
    /// changed 10 s after its start.
    static func pod(
        _ name: String, cpuRequest: String? = "100m", ready: Bool = true, phase: String = "Running",
        startedAgo: Int64 = 3600, readyChangedAfterStart: Int64 = 10
    ) -> JSON {
        var container: JSON = ["name": "app"]
        if let cpuRequest { container["resources"] = ["requests": ["cpu": .string(cpuRequest), "memory": "64Mi"]] }
        let started = now - startedAgo
        return [
            "metadata": ["name": .string(name), "namespace": "default"],
            "spec": ["containers": [container]],
            "status": [
                "phase": .string(phase), "startTime": .string(Timestamp.format(started)),
                "conditions": [
                    [
                        "type": "Ready", "status": .string(ready ? "True" : "False"),
                        "lastTransitionTime": .string(Timestamp.format(started + readyChangedAfterStart)),
                    ]
                ],
            ],
        ]
    }

    @Test func cpuSamplesOfStartingPodsAreHeldBackAsUpstreamDoes() {
        let calculator = ReplicaCalculator(now: Self.now)
        func unready(_ pod: JSON, sampledAt: Int64? = Self.now) -> Bool {
            calculator.cpuSampleIsUnready(
                pod, PodResourceUsage(cpuMillis: 100, memoryBytes: 0, timestamp: sampledAt, windowSeconds: 10))
        }
        // Within the 5-minute initialization period: ready for longer than one window counts.
        #expect(!unready(Self.pod("a", startedAgo: 60, readyChangedAfterStart: 10)))
        // Ready 5 s ago: the 10 s window began before that, so the sample still covers start-up.
        #expect(unready(Self.pod("b", startedAgo: 60, readyChangedAfterStart: 55)))
        #expect(unready(Self.pod("c", ready: false, startedAgo: 60)))
        // After the period: an unready pod that was ready once counts; one never ready does not.
        #expect(!unready(Self.pod("d", ready: false, startedAgo: 3600, readyChangedAfterStart: 600)))
        #expect(unready(Self.pod("e", ready: false, startedAgo: 3600, readyChangedAfterStart: 10)))
        var unstarted = Self.pod("f")
        unstarted[path: ["status", "startTime"]] = nil
        #expect(unready(unstarted), "no start time: unready")
    }

    static func usage(_ millis: [String: Int64]) -> Result<[String: PodResourceUsage], HPAMetricError> {
        .success(millis.mapValues { PodResourceUsage(cpuMillis: $0, memoryBytes: 32 << 20) })
    }

    static func decide(
        _ hpa: JSON, replicas: Int32, pods: [JSON], usage: Result<[String: PodResourceUsage], HPAMetricError>,
        history: HPAHistory = HPAHistory(), at time: Int64 = now
    ) -> HPADecision {
        let input = HPAInput(
            hpa: hpa, scale: .found(replicas: replicas, selector: "app=web"), pods: pods, metrics: usage, now: time)
        return HPAReconciler.reconcile(input, history: history)
    }

    static func condition(_ decision: HPADecision, _ type: String) -> (String, String)? {
        let found = decision.status["conditions"]?.arrayValue?.first { $0["type"]?.stringValue == type }
        return found.map { ($0["status"]?.stringValue ?? "", $0["reason"]?.stringValue ?? "") }
    }

    @Test func busyPodsScaleUpByTheUsageRatio() {
        // 180m of 100m requested against a 50% target: ratio 3.6 → ceil(3.6 × 1) = 4, capped at max 3.
        let decision = Self.decide(Self.hpa(max: 3), replicas: 1, pods: [Self.pod("a")], usage: Self.usage(["a": 180]))
        #expect(decision.newReplicas == 3)
        #expect(decision.status["desiredReplicas"] == 3)
        #expect(decision.status["currentReplicas"] == 1)
        #expect(Self.condition(decision, "ScalingLimited")! == ("True", "TooManyReplicas"))
        #expect(Self.condition(decision, "ScalingActive")! == ("True", "ValidMetricFound"))
        #expect(Self.condition(decision, "AbleToScale")! == ("True", "SucceededRescale"))
        #expect(
            decision.events.contains {
                $0.reason == "SuccessfulRescale"
                    && $0.message
                        == "New size: 3; reason: cpu resource utilization (percentage of request) above target"
            })
        let current = decision.status["currentMetrics"]?.arrayValue?.first
        #expect(current?[path: ["resource", "current", "averageUtilization"]] == 180)
        #expect(current?[path: ["resource", "current", "averageValue"]] == "180m")
        #expect(decision.status["lastScaleTime"] == .string(Timestamp.format(Self.now)))
    }

    @Test func usageWithinToleranceKeepsTheCount() {
        // 54% against 50%: ratio 1.08 is within the 0.1 tolerance.
        let pods = [Self.pod("a"), Self.pod("b")]
        let decision = Self.decide(Self.hpa(), replicas: 2, pods: pods, usage: Self.usage(["a": 54, "b": 54]))
        #expect(decision.newReplicas == nil)
        #expect(decision.status["desiredReplicas"] == 2)
        #expect(decision.events.isEmpty)
    }

    @Test func idlePodsScaleDownOnlyAfterTheStabilizationWindow() {
        let pods = [Self.pod("a"), Self.pod("b"), Self.pod("c")]
        let idle = Self.usage(["a": 1, "b": 1, "c": 1])
        var history = HPAHistory()
        history.recommendations = [HPAHistory.Recommendation(at: Self.now - 100, replicas: 3)]
        // Default behaviour: a 300 s window remembers the recommendation of 3.
        let held = Self.decide(Self.hpa(), replicas: 3, pods: pods, usage: idle, history: history)
        #expect(held.newReplicas == nil)
        #expect(Self.condition(held, "AbleToScale")! == ("True", "ScaleDownStabilized"))
        // Once the old recommendation is out of the window, down to minReplicas.
        let later = Self.decide(Self.hpa(), replicas: 3, pods: pods, usage: idle, history: history, at: Self.now + 301)
        #expect(later.newReplicas == 1)
        #expect(later.events.first?.message == "New size: 1; reason: All metrics below target")
        #expect(Self.condition(later, "ScalingLimited")! == ("False", "DesiredWithinRange"))
    }

    @Test func aZeroWindowScalesDownAtOnce() {
        let behavior: JSON = ["scaleDown": ["stabilizationWindowSeconds": 0]]
        var history = HPAHistory()
        history.recommendations = [HPAHistory.Recommendation(at: Self.now - 10, replicas: 3)]
        let pods = [Self.pod("a"), Self.pod("b"), Self.pod("c")]
        let decision = Self.decide(
            Self.hpa(behavior: behavior), replicas: 3, pods: pods, usage: Self.usage(["a": 0, "b": 0, "c": 0]),
            history: history)
        #expect(decision.newReplicas == 1)
        #expect(decision.history.scaleDowns == [HPAHistory.ScaleChange(at: Self.now, replicas: 2)])
    }

    @Test func podsPolicyLimitsTheRateOfScaleUp() {
        let behavior: JSON = [
            "scaleUp": ["policies": [["type": "Pods", "value": 1, "periodSeconds": 60]], "selectPolicy": "Max"]
        ]
        let first = Self.decide(
            Self.hpa(behavior: behavior), replicas: 1, pods: [Self.pod("a")], usage: Self.usage(["a": 200]))
        #expect(first.newReplicas == 2)
        #expect(Self.condition(first, "ScalingLimited")! == ("True", "ScaleUpLimit"))
        // 30 s later the period still holds the +1: no room for another pod.
        let pods = [Self.pod("a"), Self.pod("b")]
        let second = Self.decide(
            Self.hpa(behavior: behavior), replicas: 2, pods: pods, usage: Self.usage(["a": 200, "b": 200]),
            history: first.history, at: Self.now + 30)
        #expect(second.newReplicas == nil)
        // After the period another one.
        let third = Self.decide(
            Self.hpa(behavior: behavior), replicas: 2, pods: pods, usage: Self.usage(["a": 200, "b": 200]),
            history: second.history, at: Self.now + 61)
        #expect(third.newReplicas == 3)
    }

    @Test func percentPolicyAndDisabledSelectPolicy() {
        let percent: JSON = ["scaleUp": ["policies": [["type": "Percent", "value": 50, "periodSeconds": 60]]]]
        let pods = (0..<4).map { Self.pod("p\($0)") }
        let busy = Self.usage(Dictionary(uniqueKeysWithValues: pods.map { ($0.name, Int64(200)) }))
        #expect(Self.decide(Self.hpa(behavior: percent), replicas: 4, pods: pods, usage: busy).newReplicas == 6)
        let disabled: JSON = ["scaleUp": ["selectPolicy": "Disabled"]]
        #expect(Self.decide(Self.hpa(behavior: disabled), replicas: 4, pods: pods, usage: busy).newReplicas == nil)
    }

    @Test func missingMetricsDampAScaleDown() {
        // One pod reports 10%, the other has no metrics: on a scale-down it counts as 100% of its
        // request, so the average (55%) is within tolerance of 50% and nothing changes.
        let pods = [Self.pod("a"), Self.pod("b")]
        let behavior: JSON = ["scaleDown": ["stabilizationWindowSeconds": 0]]
        let decision = Self.decide(Self.hpa(behavior: behavior), replicas: 2, pods: pods, usage: Self.usage(["a": 10]))
        #expect(decision.newReplicas == nil)
    }

    @Test func unreadyPodsCountAsIdleOnAScaleUp() {
        // a: 100% (ratio 2), b not ready: counted as 0 → average 50% → no change.
        let pods = [Self.pod("a"), Self.pod("b", ready: false)]
        let decision = Self.decide(Self.hpa(), replicas: 2, pods: pods, usage: Self.usage(["a": 100, "b": 100]))
        #expect(decision.newReplicas == nil)
    }

    @Test func noMetricsMakesScalingInactive() {
        let decision = Self.decide(Self.hpa(), replicas: 1, pods: [Self.pod("a")], usage: Self.usage([:]))
        #expect(decision.newReplicas == nil)
        #expect(Self.condition(decision, "ScalingActive")! == ("False", "FailedGetResourceMetric"))
        #expect(decision.events.map(\.reason) == ["FailedGetResourceMetric", "FailedComputeMetricsReplicas"])
        #expect(
            decision.events[0].message
                == "failed to get cpu utilization: unable to get metrics for resource cpu: no metrics returned from resource metrics API"
        )
    }

    @Test func aPodWithoutARequestCannotBeMeasuredByUtilization() {
        let decision = Self.decide(
            Self.hpa(), replicas: 1, pods: [Self.pod("a", cpuRequest: nil)], usage: Self.usage(["a": 10]))
        #expect(Self.condition(decision, "ScalingActive")! == ("False", "FailedGetResourceMetric"))
        #expect(decision.events[0].message.contains("missing request for cpu in container app of Pod a"))
    }

    @Test func otherMetricTypesAreReportedUnsupported() {
        let metrics: JSON = [["type": "External", "external": ["metric": ["name": "queue"]]]]
        let decision = Self.decide(
            Self.hpa(metrics: metrics), replicas: 1, pods: [Self.pod("a")], usage: Self.usage(["a": 10]))
        #expect(Self.condition(decision, "ScalingActive")! == ("False", "FailedGetExternalMetric"))
    }

    @Test func averageValueTargetsOnMemory() {
        let metrics: JSON = [
            [
                "type": "Resource",
                "resource": ["name": "memory", "target": ["type": "AverageValue", "averageValue": "16Mi"]],
            ]
        ]
        // Each pod uses 32Mi against 16Mi per pod: ratio 2 → 2 replicas.
        let decision = Self.decide(
            Self.hpa(metrics: metrics), replicas: 1, pods: [Self.pod("a")], usage: Self.usage(["a": 1]))
        #expect(decision.newReplicas == 2)
        #expect(decision.events.first?.message == "New size: 2; reason: memory resource above target")
    }

    @Test func belowMinReplicasIsRaisedWithoutMetrics() {
        let decision = Self.decide(Self.hpa(min: 2), replicas: 1, pods: [], usage: Self.usage([:]))
        #expect(decision.newReplicas == 2)
        #expect(
            decision.events.first?.message == "New size: 2; reason: Current number of replicas below Spec.MinReplicas")
    }

    @Test func aTargetScaledToZeroDisablesScaling() {
        let decision = Self.decide(Self.hpa(), replicas: 0, pods: [], usage: Self.usage([:]))
        #expect(decision.newReplicas == nil)
        #expect(Self.condition(decision, "ScalingActive")! == ("False", "ScalingDisabled"))
    }

    @Test func anUnreadableScaleIsReported() {
        let input = HPAInput(
            hpa: Self.hpa(), scale: .failed("deployments.apps \"web\" not found"), pods: [], metrics: Self.usage([:]),
            now: Self.now)
        let decision = HPAReconciler.reconcile(input, history: HPAHistory())
        #expect(Self.condition(decision, "AbleToScale")! == ("False", "FailedGetScale"))
        #expect(decision.events.map(\.reason) == ["FailedGetScale"])
    }

    @Test func conditionsKeepTheirTransitionTimeWhileTheStatusHolds() {
        let pods = [Self.pod("a")]
        let first = Self.decide(Self.hpa(), replicas: 1, pods: pods, usage: Self.usage(["a": 50]))
        var hpa = Self.hpa()
        hpa["status"] = first.status
        let second = Self.decide(hpa, replicas: 1, pods: pods, usage: Self.usage(["a": 50]), at: Self.now + 15)
        let active = second.status["conditions"]?.arrayValue?.first { $0["type"] == "ScalingActive" }
        #expect(active?["lastTransitionTime"] == .string(Timestamp.format(Self.now)))
    }
}
