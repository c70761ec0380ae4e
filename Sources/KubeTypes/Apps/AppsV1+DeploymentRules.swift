/// Defaulting and validation of Deployments and ReplicaSets (upstream `apps/v1/defaults.go`,
/// `apps/validation` and the registry strategies).
extension AppsV1 {
    // MARK: Deployment

    static func defaultDeployment(_ object: inout JSON) {
        var spec = object["spec"] ?? .emptyObject
        if spec["replicas"] == nil || spec["replicas"] == .null { spec["replicas"] = 1 }
        var strategy = spec["strategy"] ?? .emptyObject
        if (strategy["type"]?.stringValue ?? "").isEmpty { strategy["type"] = "RollingUpdate" }
        // Only a rolling update has limits to default; Recreate keeps rollingUpdate absent so
        // that validation can still reject one the user set.
        if strategy["type"] == "RollingUpdate" {
            var rolling = strategy["rollingUpdate"].flatMap { $0 == .null ? nil : $0 } ?? .emptyObject
            if rolling["maxUnavailable"] == nil || rolling["maxUnavailable"] == .null {
                rolling["maxUnavailable"] = "25%"
            }
            if rolling["maxSurge"] == nil || rolling["maxSurge"] == .null { rolling["maxSurge"] = "25%" }
            strategy["rollingUpdate"] = rolling
        }
        spec["strategy"] = strategy
        if spec["revisionHistoryLimit"] == nil || spec["revisionHistoryLimit"] == .null {
            spec["revisionHistoryLimit"] = 10
        }
        if spec["progressDeadlineSeconds"] == nil || spec["progressDeadlineSeconds"] == .null {
            spec["progressDeadlineSeconds"] = 600
        }
        defaultTemplateSpec(&spec)
        object["spec"] = spec
    }

    /// Applies the core/v1 pod spec defaults to `template.spec` of a workload spec.
    static func defaultTemplateSpec(_ spec: inout JSON) {
        guard var template = spec["template"], template != .null else { return }
        var podSpec = template["spec"] ?? .emptyObject
        PodRules.applyPodSpecDefaults(&podSpec)
        template["spec"] = podSpec
        spec["template"] = template
    }

    static func validateDeployment(_ object: JSON) -> [FieldError] {
        let spec = object["spec"] ?? .emptyObject
        let path = FieldPath("spec")
        var errors = WorkloadRules.nonNegative(spec["replicas"], at: path.child("replicas"))
        errors += WorkloadRules.selectorMatchesTemplate(spec, at: path, kind: "deployment")
        errors += WorkloadRules.podTemplate(spec["template"], at: path.child("template"))
        errors += WorkloadRules.longRunningTemplate(spec["template"], at: path.child("template"), kind: "ReplicaSet")
        errors += validateDeploymentStrategy(spec["strategy"] ?? .emptyObject, at: path.child("strategy"))
        errors += WorkloadRules.nonNegative(spec["minReadySeconds"], at: path.child("minReadySeconds"))
        errors += WorkloadRules.nonNegative(spec["revisionHistoryLimit"], at: path.child("revisionHistoryLimit"))
        if let deadline = spec["progressDeadlineSeconds"]?.intValue {
            let deadlinePath = path.child("progressDeadlineSeconds")
            errors += WorkloadRules.nonNegative(.int(deadline), at: deadlinePath)
            if deadline <= spec["minReadySeconds"]?.intValue ?? 0 {
                errors.append(.invalid(deadlinePath.text, .int(deadline), "must be greater than minReadySeconds"))
            }
        }
        return errors
    }

    static func validateDeploymentStrategy(_ strategy: JSON, at path: FieldPath) -> [FieldError] {
        let rolling = strategy["rollingUpdate"].flatMap { $0 == .null ? nil : $0 }
        switch strategy["type"]?.stringValue ?? "" {
        case "Recreate":
            guard rolling != nil else { return [] }
            return [
                .forbidden(
                    path.child("rollingUpdate").text, "may not be specified when strategy `type` is 'Recreate'")
            ]
        case "RollingUpdate":
            guard let rolling else {
                return [.required(path.child("rollingUpdate").text, "this should be defaulted and never be nil")]
            }
            return validateRollingUpdateDeployment(rolling, at: path.child("rollingUpdate"))
        default:
            return [.notSupported(path.child("type").text, strategy["type"] ?? "", ["Recreate", "RollingUpdate"])]
        }
    }

    static func validateRollingUpdateDeployment(_ rolling: JSON, at path: FieldPath) -> [FieldError] {
        let unavailablePath = path.child("maxUnavailable")
        var errors = WorkloadRules.intOrPercent(rolling["maxUnavailable"], at: unavailablePath)
        errors += WorkloadRules.intOrPercent(rolling["maxSurge"], at: path.child("maxSurge"))
        if WorkloadRules.intOrPercentValue(rolling["maxUnavailable"]) == 0
            && WorkloadRules.intOrPercentValue(rolling["maxSurge"]) == 0
        {
            errors.append(
                WorkloadRules.goInvalid(
                    unavailablePath, WorkloadRules.goIntOrString(rolling["maxUnavailable"]),
                    "may not be 0 when `maxSurge` is 0"))
        }
        errors += WorkloadRules.notOver100Percent(rolling["maxUnavailable"], at: unavailablePath)
        return errors
    }

    static func validateDeploymentUpdate(_ new: JSON, _ old: JSON) -> [FieldError] {
        validateDeployment(new)
            + WorkloadRules.immutableSelector(
                new["spec"] ?? .emptyObject, old["spec"] ?? .emptyObject, at: FieldPath("spec.selector"))
    }

    // MARK: ReplicaSet

    static func defaultReplicaSet(_ object: inout JSON) {
        var spec = object["spec"] ?? .emptyObject
        if spec["replicas"] == nil || spec["replicas"] == .null { spec["replicas"] = 1 }
        defaultTemplateSpec(&spec)
        object["spec"] = spec
    }

    static func validateReplicaSet(_ object: JSON) -> [FieldError] {
        let spec = object["spec"] ?? .emptyObject
        let path = FieldPath("spec")
        var errors = WorkloadRules.nonNegative(spec["replicas"], at: path.child("replicas"))
        errors += WorkloadRules.nonNegative(spec["minReadySeconds"], at: path.child("minReadySeconds"))
        // Upstream reuses the Deployment wording for an empty ReplicaSet selector.
        errors += WorkloadRules.selectorMatchesTemplate(spec, at: path, kind: "deployment")
        errors += WorkloadRules.podTemplate(spec["template"], at: path.child("template"))
        errors += WorkloadRules.longRunningTemplate(spec["template"], at: path.child("template"), kind: "ReplicaSet")
        return errors
    }

    static func validateReplicaSetUpdate(_ new: JSON, _ old: JSON) -> [FieldError] {
        validateReplicaSet(new)
            + WorkloadRules.immutableSelector(
                new["spec"] ?? .emptyObject, old["spec"] ?? .emptyObject, at: FieldPath("spec.selector"))
    }
}
