import KubeTypes

/// What an autoscaler remembers between syncs (upstream keeps it in the controller, not in the
/// object): its recent unstabilized recommendations and the scale changes it made.
public struct HPAHistory: Sendable, Equatable {
    public struct Recommendation: Sendable, Equatable {
        public var at: Int64
        public var replicas: Int32
        public init(at: Int64, replicas: Int32) {
            self.at = at
            self.replicas = replicas
        }
    }

    public struct ScaleChange: Sendable, Equatable {
        public var at: Int64
        public var replicas: Int32
        public init(at: Int64, replicas: Int32) {
            self.at = at
            self.replicas = replicas
        }
    }

    public var recommendations: [Recommendation] = []
    public var scaleUps: [ScaleChange] = []
    public var scaleDowns: [ScaleChange] = []

    public init() {}
}

/// One direction's `HPAScalingRules`, defaulted as upstream does.
struct ScalingRules: Equatable {
    struct Policy: Equatable {
        var type: String
        var value: Int32
        var periodSeconds: Int64
    }

    var stabilizationWindowSeconds: Int64
    var selectPolicy: String
    var policies: [Policy]

    static let defaultScaleUp = ScalingRules(
        stabilizationWindowSeconds: 0, selectPolicy: "Max",
        policies: [
            Policy(type: "Pods", value: 4, periodSeconds: 15), Policy(type: "Percent", value: 100, periodSeconds: 15),
        ])
    /// Upstream's `--horizontal-pod-autoscaler-downscale-stabilization` default is 300 s.
    static let defaultScaleDown = ScalingRules(
        stabilizationWindowSeconds: 300, selectPolicy: "Max",
        policies: [Policy(type: "Percent", value: 100, periodSeconds: 15)])

    init(stabilizationWindowSeconds: Int64, selectPolicy: String, policies: [Policy]) {
        self.stabilizationWindowSeconds = stabilizationWindowSeconds
        self.selectPolicy = selectPolicy
        self.policies = policies
    }

    /// The rules in `json` with the defaults filled in.
    init(_ json: JSON?, defaults: ScalingRules) {
        let given = json ?? .null
        stabilizationWindowSeconds =
            given["stabilizationWindowSeconds"]?.intValue ?? defaults.stabilizationWindowSeconds
        selectPolicy = given["selectPolicy"]?.stringValue ?? defaults.selectPolicy
        let parsed = (given["policies"]?.arrayValue ?? []).compactMap { policy -> Policy? in
            guard let type = policy["type"]?.stringValue, let value = policy["value"]?.intValue,
                let period = policy["periodSeconds"]?.intValue
            else { return nil }
            return Policy(type: type, value: Int32(clamping: value), periodSeconds: period)
        }
        policies = parsed.isEmpty ? defaults.policies : parsed
    }

    var longestPeriod: Int64 { policies.map(\.periodSeconds).max() ?? 0 }
}

/// Upstream's `normalizeDesiredReplicasWithBehaviors`: stabilize the recommendation over the
/// windows, then limit the rate of change by the policies and clamp to min/max, setting the
/// AbleToScale and ScalingLimited conditions on the way.
struct BehaviorNormalizer {
    var scaleUp: ScalingRules
    var scaleDown: ScalingRules
    var minReplicas: Int32
    var maxReplicas: Int32

    struct Outcome: Equatable {
        var replicas: Int32
        var ableToScale: (reason: String, message: String)
        var limited: (status: Bool, reason: String, message: String)

        static func == (lhs: Outcome, rhs: Outcome) -> Bool {
            lhs.replicas == rhs.replicas && lhs.ableToScale == rhs.ableToScale && lhs.limited == rhs.limited
        }
    }

    func normalize(current: Int32, desired: Int32, history: inout HPAHistory, now: Int64) -> Outcome {
        let stabilized = stabilize(current: current, desired: desired, history: &history, now: now)
        let ableToScale =
            stabilized.replicas != desired
            ? (stabilized.reason, stabilized.message)
            : ("ReadyForNewScale", "recommended size matches current size")
        let limited = limitRate(current: current, desired: stabilized.replicas, history: history, now: now)
        return Outcome(
            replicas: limited.replicas, ableToScale: ableToScale,
            limited: (limited.replicas != stabilized.replicas, limited.reason, limited.message))
    }

    /// The highest recommendation within the scale-down window caps a scale-down; the lowest
    /// within the scale-up window caps a scale-up. Records `desired` in the history.
    func stabilize(
        current: Int32, desired: Int32, history: inout HPAHistory, now: Int64
    ) -> (replicas: Int32, reason: String, message: String) {
        let upCutoff = now - scaleUp.stabilizationWindowSeconds
        let downCutoff = now - scaleDown.stabilizationWindowSeconds
        var upRecommendation = desired
        var downRecommendation = desired
        var oldSample: Int?
        for (index, recommendation) in history.recommendations.enumerated() {
            if recommendation.at > upCutoff { upRecommendation = min(upRecommendation, recommendation.replicas) }
            if recommendation.at > downCutoff { downRecommendation = max(downRecommendation, recommendation.replicas) }
            if recommendation.at < upCutoff && recommendation.at < downCutoff { oldSample = index }
        }
        var replicas = max(current, upRecommendation)
        replicas = min(replicas, downRecommendation)
        let entry = HPAHistory.Recommendation(at: now, replicas: desired)
        if let oldSample { history.recommendations[oldSample] = entry } else { history.recommendations.append(entry) }
        if desired >= current {
            return (
                replicas, "ScaleUpStabilized",
                "recent recommendations were lower than current one, applying the lowest recent recommendation"
            )
        }
        return (
            replicas, "ScaleDownStabilized",
            "recent recommendations were higher than current one, applying the highest recent recommendation"
        )
    }

    func limitRate(
        current: Int32, desired: Int32, history: HPAHistory, now: Int64
    ) -> (replicas: Int32, reason: String, message: String) {
        if desired > current {
            let limit = max(current, scaleLimit(up: true, current: current, history: history, now: now))
            let allowed = min(maxReplicas, limit)
            let reason =
                maxReplicas > limit
                ? ("ScaleUpLimit", "the desired replica count is increasing faster than the maximum scale rate")
                : ("TooManyReplicas", "the desired replica count is more than the maximum replica count")
            if desired > allowed { return (allowed, reason.0, reason.1) }
        } else if desired < current {
            let limit = min(current, scaleLimit(up: false, current: current, history: history, now: now))
            let allowed = max(minReplicas, limit)
            let reason =
                minReplicas < limit
                ? ("ScaleDownLimit", "the desired replica count is decreasing faster than the maximum scale rate")
                : ("TooFewReplicas", "the desired replica count is less than the minimum replica count")
            if desired < allowed { return (allowed, reason.0, reason.1) }
        }
        return (desired, "DesiredWithinRange", "the desired count is within the acceptable range")
    }

    /// Upstream's `calculateScaleUpLimitWithScalingRules` and `calculateScaleDownLimitWithBehaviors`:
    /// each policy allows a change from the count at the start of its period; `Max` takes the
    /// policy allowing the most change, `Min` the least, `Disabled` none.
    func scaleLimit(up: Bool, current: Int32, history: HPAHistory, now: Int64) -> Int32 {
        let rules = up ? scaleUp : scaleDown
        if rules.selectPolicy == "Disabled" { return current }
        let mostChange = rules.selectPolicy != "Min"
        var result: Int32?
        for policy in rules.policies {
            let added = Self.change(in: history.scaleUps, period: policy.periodSeconds, now: now)
            let removed = Self.change(in: history.scaleDowns, period: policy.periodSeconds, now: now)
            let start = Int64(current) - added + removed
            let proposed: Int64
            switch (policy.type, up) {
            case ("Pods", true): proposed = start + Int64(policy.value)
            case ("Pods", false): proposed = start - Int64(policy.value)
            case (_, true): proposed = Int64((Double(start) * (1 + Double(policy.value) / 100)).rounded(.up))
            case (_, false): proposed = Int64(Double(start) * (1 - Double(policy.value) / 100))
            }
            let value = Int32(clamping: proposed)
            // Up: most change is the highest limit; down: most change is the lowest.
            let pickHigher = up == mostChange
            result = result.map { pickHigher ? max($0, value) : min($0, value) } ?? value
        }
        return result ?? current
    }

    static func change(in changes: [HPAHistory.ScaleChange], period: Int64, now: Int64) -> Int64 {
        changes.filter { $0.at > now - period }.reduce(0) { $0 + Int64($1.replicas) }
    }

    /// Records a scale change, dropping changes older than every policy's period.
    func record(from current: Int32, to new: Int32, history: inout HPAHistory, now: Int64) {
        let upCutoff = now - scaleUp.longestPeriod
        let downCutoff = now - scaleDown.longestPeriod
        history.scaleUps.removeAll { $0.at <= upCutoff }
        history.scaleDowns.removeAll { $0.at <= downCutoff }
        if new > current {
            history.scaleUps.append(HPAHistory.ScaleChange(at: now, replicas: new - current))
        } else if new < current {
            history.scaleDowns.append(HPAHistory.ScaleChange(at: now, replicas: current - new))
        }
    }
}
