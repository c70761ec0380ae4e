/// Defaulting, selector generation and validation of Jobs (upstream `batch/v1/defaults.go`,
/// `batch/validation` and the job registry strategy).
extension BatchV1 {
    static let controllerUIDLabel = "batch.kubernetes.io/controller-uid"
    static let jobNameLabel = "batch.kubernetes.io/job-name"
    static let legacyControllerUIDLabel = "controller-uid"
    static let legacyJobNameLabel = "job-name"

    static func isUnset(_ value: JSON?) -> Bool { value == nil || value == .null }

    static func defaultJob(_ object: inout JSON) {
        var spec = object["spec"] ?? .emptyObject
        defaultJobSpec(&spec)
        // A Job without labels of its own takes its pod template's labels.
        if let templateLabels = spec[path: ["template", "metadata", "labels"]], templateLabels != .null,
            (object[path: ["metadata", "labels"]]?.objectValue ?? [:]).isEmpty
        {
            object[path: ["metadata", "labels"]] = templateLabels
        }
        object["spec"] = spec
    }

    static func defaultJobSpec(_ spec: inout JSON) {
        // Leaving both unset means one pod that must succeed once; a parallelism on its own
        // leaves completions unset (a work queue finishing at the first success).
        if isUnset(spec["completions"]) && isUnset(spec["parallelism"]) {
            spec["completions"] = 1
            spec["parallelism"] = 1
        }
        if isUnset(spec["parallelism"]) { spec["parallelism"] = 1 }
        if isUnset(spec["backoffLimit"]) {
            spec["backoffLimit"] = isUnset(spec["backoffLimitPerIndex"]) ? 6 : .int(Int64(Int32.max))
        }
        if isUnset(spec["completionMode"]) { spec["completionMode"] = "NonIndexed" }
        if isUnset(spec["suspend"]) { spec["suspend"] = false }
        if var policy = spec["podFailurePolicy"], let rules = policy["rules"]?.arrayValue {
            policy["rules"] = .array(rules.map(defaultPodFailureRule))
            spec["podFailurePolicy"] = policy
        }
        if isUnset(spec["podReplacementPolicy"]) {
            spec["podReplacementPolicy"] = isUnset(spec["podFailurePolicy"]) ? "TerminatingOrFailed" : "Failed"
        }
        AppsV1.defaultTemplateSpec(&spec)
    }

    static func defaultPodFailureRule(_ rule: JSON) -> JSON {
        guard let patterns = rule["onPodConditions"]?.arrayValue else { return rule }
        var rule = rule
        rule["onPodConditions"] = .array(
            patterns.map { pattern in
                var pattern = pattern
                if (pattern["status"]?.stringValue ?? "").isEmpty { pattern["status"] = "True" }
                return pattern
            })
        return rule
    }

    /// Clears status and, unless the user manages the selector, labels the template with the
    /// Job's uid and name and selects on the uid. The server has set `metadata.uid` already.
    static func prepareJob(_ object: inout JSON) {
        object["status"] = .emptyObject
        guard object[path: ["spec", "manualSelector"]]?.boolValue != true else { return }
        let uid = JSON.string(object.uid)
        let name = JSON.string(object.name)
        var labels = object[path: ["spec", "template", "metadata", "labels"]]?.objectValue ?? [:]
        // Labels the user set are kept; a conflict is then reported by validation.
        for key in [legacyJobNameLabel, jobNameLabel] where labels[key] == nil { labels[key] = name }
        for key in [legacyControllerUIDLabel, controllerUIDLabel] where labels[key] == nil { labels[key] = uid }
        object[path: ["spec", "template", "metadata", "labels"]] = .object(labels)
        var selector = object[path: ["spec", "selector"]] ?? .emptyObject
        if selector == .null { selector = .emptyObject }
        var matchLabels = selector["matchLabels"]?.objectValue ?? [:]
        if matchLabels[controllerUIDLabel] == nil { matchLabels[controllerUIDLabel] = uid }
        selector["matchLabels"] = .object(matchLabels)
        object[path: ["spec", "selector"]] = selector
    }

    static func validateJob(_ object: JSON) -> [FieldError] {
        let spec = object["spec"] ?? .emptyObject
        var errors = validateGeneratedSelector(object)
        let path = FieldPath("spec")
        if let selector = spec["selector"], selector != .null {
            errors += LabelSelector.validate(selector, at: path.child("selector"))
            errors += WorkloadRules.templateLabelsMatch(
                selector, template: spec["template"], at: path.child("template"))
        } else {
            errors.append(.required(path.child("selector").text))
        }
        errors += validateJobSpec(spec, at: path)
        return errors
    }

    /// With a generated selector the template must carry the uid and name labels and the
    /// selector must pick exactly those.
    static func validateGeneratedSelector(_ object: JSON) -> [FieldError] {
        guard object[path: ["spec", "manualSelector"]]?.boolValue != true,
            let selector = object[path: ["spec", "selector"]], selector != .null
        else { return [] }
        var errors: [FieldError] = []
        if object.uid.isEmpty { errors.append(.required("metadata.uid")) }
        let labelsPath = FieldPath("spec.template.metadata.labels")
        let labels = object[path: ["spec", "template", "metadata", "labels"]]
        let expected = [controllerUIDLabel: object.uid, jobNameLabel: object.name]
        for key in [controllerUIDLabel, jobNameLabel] {
            let want = expected[key]!
            switch labels?[key]?.stringValue {
            case nil: errors.append(.required(labelsPath.key(key).text, "must be '\(want)'"))
            case want?: break
            default:
                errors.append(
                    WorkloadRules.goInvalid(labelsPath.key(key), WorkloadRules.goStringMap(labels), "must be '\(want)'")
                )
            }
        }
        if let parsed = try? LabelSelector(object: selector), !parsed.matches(expected) {
            errors.append(
                WorkloadRules.goInvalid(
                    FieldPath("spec.selector"), WorkloadRules.goLabelSelector(selector), "`selector` not auto-generated"
                ))
        }
        return errors
    }

    /// Checks shared by Jobs and the job templates of CronJobs.
    static func validateJobSpec(_ spec: JSON, at path: FieldPath) -> [FieldError] {
        var errors: [FieldError] = []
        for key in ["parallelism", "completions", "activeDeadlineSeconds", "backoffLimit", "ttlSecondsAfterFinished"] {
            errors += WorkloadRules.nonNegative(spec[key], at: path.child(key))
        }
        let mode = spec["completionMode"]?.stringValue
        if let perIndex = spec["backoffLimitPerIndex"], perIndex != .null {
            errors += WorkloadRules.nonNegative(perIndex, at: path.child("backoffLimitPerIndex"))
            if mode != "Indexed" {
                errors.append(.forbidden(path.child("backoffLimitPerIndex").text, "requires indexed completion mode"))
            }
        }
        if let mode {
            if mode != "NonIndexed" && mode != "Indexed" {
                errors.append(
                    .notSupported(path.child("completionMode").text, .string(mode), ["NonIndexed", "Indexed"]))
            }
            if mode == "Indexed" && isUnset(spec["completions"]) {
                errors.append(.required(path.child("completions").text, "when completion mode is Indexed"))
            }
        }
        if let replacement = spec["podReplacementPolicy"]?.stringValue,
            replacement != "TerminatingOrFailed" && replacement != "Failed"
        {
            errors.append(
                .notSupported(
                    path.child("podReplacementPolicy").text, .string(replacement), ["TerminatingOrFailed", "Failed"]))
        }
        errors += validatePodFailurePolicy(spec["podFailurePolicy"], at: path.child("podFailurePolicy"))
        let templatePath = path.child("template")
        errors += WorkloadRules.podTemplate(spec["template"], at: templatePath)
        let restart = spec[path: ["template", "spec", "restartPolicy"]]?.stringValue ?? ""
        if restart != "OnFailure" && restart != "Never" {
            errors.append(
                .notSupported(
                    templatePath.child("spec").child("restartPolicy").text, .string(restart), ["OnFailure", "Never"]))
        }
        return errors
    }

    static func validatePodFailurePolicy(_ policy: JSON?, at path: FieldPath) -> [FieldError] {
        guard let policy, policy != .null else { return [] }
        var errors: [FieldError] = []
        let actions = ["Count", "FailIndex", "FailJob", "Ignore"]
        for (index, rule) in (policy["rules"]?.arrayValue ?? []).enumerated() {
            let rulePath = path.child("rules").index(index)
            let action = rule["action"]?.stringValue ?? ""
            if action.isEmpty {
                errors.append(.required(rulePath.child("action").text))
            } else if !actions.contains(action) {
                errors.append(.notSupported(rulePath.child("action").text, .string(action), actions))
            }
            let hasExitCodes = !isUnset(rule["onExitCodes"])
            let hasConditions = !(rule["onPodConditions"]?.arrayValue ?? []).isEmpty
            if hasExitCodes && hasConditions {
                errors.append(
                    .invalid(rulePath.text, nil, "specifying both OnExitCodes and OnPodConditions is not supported"))
            } else if !hasExitCodes && !hasConditions {
                errors.append(
                    .invalid(rulePath.text, nil, "specifying one of OnExitCodes and OnPodConditions is required"))
            }
            if let operation = rule[path: ["onExitCodes", "operator"]]?.stringValue, operation != "In",
                operation != "NotIn"
            {
                errors.append(
                    .notSupported(
                        rulePath.child("onExitCodes").child("operator").text, .string(operation), ["In", "NotIn"]))
            }
        }
        return errors
    }

    static func validateJobUpdate(_ new: JSON, _ old: JSON) -> [FieldError] {
        let spec = new["spec"] ?? .emptyObject
        let oldSpec = old["spec"] ?? .emptyObject
        let path = FieldPath("spec")
        var errors = validateJob(new)
        // Elastic Indexed Jobs may change completions together with parallelism.
        let elastic = spec["completionMode"] == "Indexed" && spec["completions"] == spec["parallelism"]
        if !elastic {
            errors += WorkloadRules.immutableField(
                spec["completions"], oldSpec["completions"], at: path.child("completions"))
        }
        errors += WorkloadRules.immutableSelector(spec, oldSpec, at: path.child("selector"))
        for key in ["completionMode", "podFailurePolicy", "backoffLimitPerIndex", "managedBy"] {
            errors += WorkloadRules.immutableField(spec[key], oldSpec[key], at: path.child(key))
        }
        errors += WorkloadRules.immutableField(spec["template"], oldSpec["template"], at: path.child("template"))
        return errors
    }
}
