/// Defaulting and validation of DaemonSets, StatefulSets and ControllerRevisions.
extension AppsV1 {
    static func isUnset(_ value: JSON?) -> Bool { value == nil || value == .null }

    // MARK: DaemonSet

    static func defaultDaemonSet(_ object: inout JSON) {
        var spec = object["spec"] ?? .emptyObject
        var strategy = spec["updateStrategy"] ?? .emptyObject
        if (strategy["type"]?.stringValue ?? "").isEmpty { strategy["type"] = "RollingUpdate" }
        if strategy["type"] == "RollingUpdate" {
            var rolling = isUnset(strategy["rollingUpdate"]) ? .emptyObject : strategy["rollingUpdate"]!
            if isUnset(rolling["maxUnavailable"]) { rolling["maxUnavailable"] = 1 }
            if isUnset(rolling["maxSurge"]) { rolling["maxSurge"] = 0 }
            strategy["rollingUpdate"] = rolling
        }
        spec["updateStrategy"] = strategy
        if isUnset(spec["revisionHistoryLimit"]) { spec["revisionHistoryLimit"] = 10 }
        defaultTemplateSpec(&spec)
        object["spec"] = spec
    }

    static let templateGenerationAnnotation = "deprecated.daemonset.template.generation"

    /// Upstream's `spec.templateGeneration`, which apps/v1 carries in an annotation: 1 at create
    /// (or the value given), the old value on update, plus one when the template changed. The
    /// DaemonSet controller labels pods with it (`pod-template-generation`).
    static func setDaemonSetTemplateGeneration(_ object: inout JSON, old: JSON?) {
        func generation(_ object: JSON) -> Int64 {
            object[path: ["metadata", "annotations", templateGenerationAnnotation]]?.stringValue.flatMap {
                Int64($0)
            } ?? 0
        }
        var value: Int64
        if let old {
            value = generation(old)
            if old[path: ["spec", "template"]] != object[path: ["spec", "template"]] { value += 1 }
        } else {
            value = generation(object)
        }
        object[path: ["metadata", "annotations", templateGenerationAnnotation]] = .string(String(max(value, 1)))
    }

    static func validateDaemonSet(_ object: JSON) -> [FieldError] {
        let spec = object["spec"] ?? .emptyObject
        let path = FieldPath("spec")
        var errors = WorkloadRules.selectorMatchesTemplate(spec, at: path, kind: "daemonset")
        errors += WorkloadRules.podTemplate(spec["template"], at: path.child("template"))
        errors += WorkloadRules.longRunningTemplate(spec["template"], at: path.child("template"), kind: "DaemonSet")
        errors += WorkloadRules.nonNegative(spec["minReadySeconds"], at: path.child("minReadySeconds"))
        errors += validateDaemonSetStrategy(spec["updateStrategy"] ?? .emptyObject, at: path.child("updateStrategy"))
        errors += WorkloadRules.nonNegative(spec["revisionHistoryLimit"], at: path.child("revisionHistoryLimit"))
        return errors
    }

    static func validateDaemonSetStrategy(_ strategy: JSON, at path: FieldPath) -> [FieldError] {
        switch strategy["type"]?.stringValue ?? "" {
        case "OnDelete":
            return []
        case "RollingUpdate":
            guard let rolling = strategy["rollingUpdate"], rolling != .null else {
                return [.required(path.child("rollingUpdate").text)]
            }
            return validateRollingUpdateDaemonSet(rolling, at: path.child("rollingUpdate"))
        default:
            return [.notSupported(path.text, strategy, ["RollingUpdate", "OnDelete"])]
        }
    }

    static func validateRollingUpdateDaemonSet(_ rolling: JSON, at path: FieldPath) -> [FieldError] {
        let unavailable = rolling["maxUnavailable"]
        let surge = rolling["maxSurge"]
        var errors = WorkloadRules.intOrPercent(unavailable, at: path.child("maxUnavailable"))
        errors += WorkloadRules.intOrPercent(surge, at: path.child("maxSurge"))
        errors += WorkloadRules.notOver100Percent(unavailable, at: path.child("maxUnavailable"))
        errors += WorkloadRules.notOver100Percent(surge, at: path.child("maxSurge"))
        let hasUnavailable = WorkloadRules.intOrPercentValue(unavailable) != 0
        let hasSurge = WorkloadRules.intOrPercentValue(surge) != 0
        if hasUnavailable && hasSurge {
            errors.append(
                WorkloadRules.goInvalid(
                    path.child("maxSurge"), WorkloadRules.goIntOrString(surge),
                    "may not be set when maxUnavailable is non-zero"))
        } else if !hasUnavailable && !hasSurge {
            errors.append(.required(path.child("maxUnavailable").text, "cannot be 0 when maxSurge is 0"))
        }
        return errors
    }

    static func validateDaemonSetUpdate(_ new: JSON, _ old: JSON) -> [FieldError] {
        validateDaemonSet(new)
            + WorkloadRules.immutableSelector(
                new["spec"] ?? .emptyObject, old["spec"] ?? .emptyObject, at: FieldPath("spec.selector"))
    }

    // MARK: StatefulSet

    static func defaultStatefulSet(_ object: inout JSON) {
        var spec = object["spec"] ?? .emptyObject
        if (spec["podManagementPolicy"]?.stringValue ?? "").isEmpty { spec["podManagementPolicy"] = "OrderedReady" }
        var strategy = spec["updateStrategy"] ?? .emptyObject
        if (strategy["type"]?.stringValue ?? "").isEmpty {
            strategy["type"] = "RollingUpdate"
            if isUnset(strategy["rollingUpdate"]) { strategy["rollingUpdate"] = .emptyObject }
        }
        if strategy["type"] == "RollingUpdate", var rolling = strategy["rollingUpdate"], rolling != .null {
            if isUnset(rolling["partition"]) { rolling["partition"] = 0 }
            strategy["rollingUpdate"] = rolling
        }
        spec["updateStrategy"] = strategy
        var retention =
            isUnset(spec["persistentVolumeClaimRetentionPolicy"])
            ? .emptyObject : spec["persistentVolumeClaimRetentionPolicy"]!
        for key in ["whenDeleted", "whenScaled"] where (retention[key]?.stringValue ?? "").isEmpty {
            retention[key] = "Retain"
        }
        spec["persistentVolumeClaimRetentionPolicy"] = retention
        if isUnset(spec["replicas"]) { spec["replicas"] = 1 }
        if isUnset(spec["revisionHistoryLimit"]) { spec["revisionHistoryLimit"] = 10 }
        // Claim templates get the claim defaults a stored PersistentVolumeClaim would get.
        if let claims = spec["volumeClaimTemplates"]?.arrayValue {
            spec["volumeClaimTemplates"] = .array(
                claims.map { claim in
                    var claim = claim
                    if isUnset(claim[path: ["spec", "volumeMode"]]) {
                        claim[path: ["spec", "volumeMode"]] = "Filesystem"
                    }
                    if isUnset(claim[path: ["status", "phase"]]) { claim[path: ["status", "phase"]] = "Pending" }
                    return claim
                })
        }
        defaultTemplateSpec(&spec)
        object["spec"] = spec
    }

    static func validateStatefulSet(_ object: JSON) -> [FieldError] {
        let spec = object["spec"] ?? .emptyObject
        let path = FieldPath("spec")
        var errors: [FieldError] = []
        switch spec["podManagementPolicy"]?.stringValue ?? "" {
        case "": errors.append(.required(path.child("podManagementPolicy").text))
        case "OrderedReady", "Parallel": break
        default:
            errors.append(
                .invalid(
                    path.child("podManagementPolicy").text, spec["podManagementPolicy"],
                    "must be 'OrderedReady' or 'Parallel'"))
        }
        errors += validateStatefulSetStrategy(spec["updateStrategy"] ?? .emptyObject, at: path.child("updateStrategy"))
        errors += WorkloadRules.nonNegative(spec["revisionHistoryLimit"], at: path.child("revisionHistoryLimit"))
        errors += WorkloadRules.nonNegative(spec["replicas"], at: path.child("replicas"))
        errors += WorkloadRules.nonNegative(spec[path: ["ordinals", "start"]], at: path.child("ordinals.start"))
        errors += WorkloadRules.nonNegative(spec["minReadySeconds"], at: path.child("minReadySeconds"))
        errors += WorkloadRules.selectorMatchesTemplate(spec, at: path, kind: "statefulset")
        let template = templateWithClaimVolumes(spec)
        errors += WorkloadRules.podTemplate(template, at: path.child("template"))
        errors += WorkloadRules.longRunningTemplate(template, at: path.child("template"), kind: "StatefulSet")
        let retentionPath = path.child("persistentVolumeClaimRetentionPolicy")
        for key in ["whenDeleted", "whenScaled"] {
            let value = spec[path: ["persistentVolumeClaimRetentionPolicy", key]]?.stringValue ?? "Retain"
            if value != "Retain" && value != "Delete" {
                errors.append(.notSupported(retentionPath.child(key).text, .string(value), ["Retain", "Delete"]))
            }
        }
        return errors
    }

    /// The pod template as the controller will make pods from it: each volumeClaimTemplate is a
    /// `persistentVolumeClaim` volume of that name, so container mounts of it are valid (upstream
    /// skips pod spec validation for StatefulSets for this reason).
    static func templateWithClaimVolumes(_ spec: JSON) -> JSON? {
        guard var template = spec["template"], let claims = spec["volumeClaimTemplates"]?.arrayValue else {
            return spec["template"]
        }
        var volumes = template[path: ["spec", "volumes"]]?.arrayValue ?? []
        for claim in claims {
            let name = claim[path: ["metadata", "name"]]?.stringValue ?? ""
            volumes.removeAll { $0["name"]?.stringValue == name }
            volumes.append(["name": .string(name), "persistentVolumeClaim": ["claimName": .string(name)]])
        }
        if !volumes.isEmpty, template["spec"] != nil { template[path: ["spec", "volumes"]] = .array(volumes) }
        return template
    }

    static func validateStatefulSetStrategy(_ strategy: JSON, at path: FieldPath) -> [FieldError] {
        let rolling = strategy["rollingUpdate"].flatMap { $0 == .null ? nil : $0 }
        switch strategy["type"]?.stringValue ?? "" {
        case "":
            return [.required(path.text)]
        case "OnDelete":
            guard let rolling else { return [] }
            return [
                .invalid(path.child("rollingUpdate").text, rolling, "only allowed for updateStrategy 'RollingUpdate'")
            ]
        case "RollingUpdate":
            guard let rolling else { return [] }
            var errors = WorkloadRules.nonNegative(rolling["partition"], at: path.child("rollingUpdate.partition"))
            if let unavailable = rolling["maxUnavailable"], unavailable != .null {
                let unavailablePath = path.child("rollingUpdate.maxUnavailable")
                errors += WorkloadRules.intOrPercent(unavailable, at: unavailablePath)
                if WorkloadRules.intOrPercentValue(unavailable) == 0 {
                    errors.append(.invalid(unavailablePath.text, unavailable, "must be greater than 0"))
                }
                errors += WorkloadRules.notOver100Percent(unavailable, at: unavailablePath)
            }
            return errors
        default:
            return [.invalid(path.text, strategy, "must be 'RollingUpdate' or 'OnDelete'")]
        }
    }

    /// Fields of a StatefulSet spec that may change after creation; upstream forbids the rest.
    static let mutableStatefulSetFields = [
        "replicas", "ordinals", "template", "updateStrategy", "revisionHistoryLimit",
        "persistentVolumeClaimRetentionPolicy", "minReadySeconds",
    ]

    static func validateStatefulSetUpdate(_ new: JSON, _ old: JSON) -> [FieldError] {
        var errors = validateStatefulSet(new)
        var newRest = new["spec"] ?? .emptyObject
        var oldRest = old["spec"] ?? .emptyObject
        for key in mutableStatefulSetFields {
            newRest[key] = nil
            oldRest[key] = nil
        }
        if newRest != oldRest {
            errors.append(
                .forbidden(
                    "spec",
                    "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', "
                        + "'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' "
                        + "and 'minReadySeconds' are forbidden"))
        }
        return errors
    }

    // MARK: ControllerRevision

    static func validateControllerRevision(_ object: JSON) -> [FieldError] {
        var errors: [FieldError] = []
        if isUnset(object["data"]) { errors.append(.required("data", "data is mandatory")) }
        errors += WorkloadRules.nonNegative(object["revision"], at: FieldPath("revision"))
        return errors
    }

    static func validateControllerRevisionUpdate(_ new: JSON, _ old: JSON) -> [FieldError] {
        validateControllerRevision(new) + WorkloadRules.immutableField(new["data"], old["data"], at: FieldPath("data"))
    }
}
