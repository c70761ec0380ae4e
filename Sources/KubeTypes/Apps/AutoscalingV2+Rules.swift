/// Defaulting, validation and printing of autoscaling/v2 HorizontalPodAutoscalers (upstream
/// `autoscaling/v2/defaults.go`, `autoscaling/validation` and `printers.go`).
extension AutoscalingAPI {
    static let metricSourceTypes = ["ContainerResource", "External", "Object", "Pods", "Resource"]
    static let sourceFields = [
        "Object": "object", "Pods": "pods", "Resource": "resource", "ContainerResource": "containerResource",
        "External": "external",
    ]

    static func isUnset(_ value: JSON?) -> Bool { value == nil || value == .null }

    static func defaultHPA(_ object: inout JSON) {
        var spec = object["spec"] ?? .emptyObject
        if isUnset(spec["minReplicas"]) { spec["minReplicas"] = 1 }
        if (spec["metrics"]?.arrayValue ?? []).isEmpty {
            spec["metrics"] = [
                [
                    "type": "Resource",
                    "resource": ["name": "cpu", "target": ["type": "Utilization", "averageUtilization": 80]],
                ]
            ]
        }
        if var behavior = spec["behavior"], behavior != .null {
            behavior["scaleUp"] = scalingRules(
                behavior["scaleUp"], window: 0,
                policies: [
                    ["type": "Pods", "value": 4, "periodSeconds": 15],
                    ["type": "Percent", "value": 100, "periodSeconds": 15],
                ])
            // Scale-down stabilization stays unset so the controller's own window (300s) applies.
            behavior["scaleDown"] = scalingRules(
                behavior["scaleDown"], window: nil, policies: [["type": "Percent", "value": 100, "periodSeconds": 15]])
            spec["behavior"] = behavior
        }
        object["spec"] = spec
    }

    static func scalingRules(_ given: JSON?, window: Int64?, policies: JSON) -> JSON {
        var rules = isUnset(given) ? JSON.emptyObject : given!
        if isUnset(rules["selectPolicy"]) { rules["selectPolicy"] = "Max" }
        if isUnset(rules["stabilizationWindowSeconds"]), let window {
            rules["stabilizationWindowSeconds"] = .int(window)
        }
        if isUnset(rules["policies"]) { rules["policies"] = policies }
        return rules
    }

    static func validateHPA(_ object: JSON) -> [FieldError] {
        let spec = object["spec"] ?? .emptyObject
        let path = FieldPath("spec")
        var errors: [FieldError] = []
        let minimum = spec["minReplicas"]?.intValue
        let maximum = spec["maxReplicas"]?.intValue ?? 0
        if let minimum, minimum < 1 {
            errors.append(.invalid(path.child("minReplicas").text, .int(minimum), "must be greater than or equal to 1"))
        }
        if maximum < 1 {
            errors.append(.invalid(path.child("maxReplicas").text, .int(maximum), "must be greater than 0"))
        }
        if let minimum, maximum < minimum {
            errors.append(
                .invalid(
                    path.child("maxReplicas").text, .int(maximum), "must be greater than or equal to `minReplicas`"))
        }
        errors += validateReference(spec["scaleTargetRef"] ?? .emptyObject, at: path.child("scaleTargetRef"))
        for (index, metric) in (spec["metrics"]?.arrayValue ?? []).enumerated() {
            errors += validateMetric(metric, at: path.child("metrics").index(index))
        }
        if let behavior = spec["behavior"], behavior != .null {
            for direction in ["scaleUp", "scaleDown"] {
                guard let rules = behavior[direction], rules != .null else { continue }
                errors += validateScalingRules(rules, at: path.child("behavior").child(direction))
            }
        }
        return errors
    }

    static func validateReference(_ reference: JSON, at path: FieldPath) -> [FieldError] {
        var errors: [FieldError] = []
        for key in ["kind", "name"] {
            let value = reference[key]?.stringValue ?? ""
            if value.isEmpty {
                errors.append(.required(path.child(key).text))
            } else if value == "." || value == ".." {
                errors.append(.invalid(path.child(key).text, .string(value), "may not be '\(value)'"))
            } else {
                for bad in ["/", "%"] where value.contains(bad) {
                    errors.append(.invalid(path.child(key).text, .string(value), "may not contain '\(bad)'"))
                }
            }
        }
        return errors
    }

    static func validateMetric(_ metric: JSON, at path: FieldPath) -> [FieldError] {
        var errors: [FieldError] = []
        let type = metric["type"]?.stringValue ?? ""
        if type.isEmpty {
            errors.append(.required(path.child("type").text, "must specify a metric source type"))
        }
        guard let expected = sourceFields[type] else {
            errors.append(.notSupported(path.child("type").text, .string(type), metricSourceTypes))
            return errors
        }
        guard let source = metric[expected], source != .null else {
            errors.append(.required(path.child(expected).text, "must populate information for the given metric source"))
            return errors
        }
        for other in sourceFields.values.sorted() where other != expected && !isUnset(metric[other]) {
            errors.append(.forbidden(path.child(other).text, "must populate the given metric source only"))
        }
        let sourcePath = path.child(expected)
        if expected == "resource" || expected == "containerResource", (source["name"]?.stringValue ?? "").isEmpty {
            errors.append(.required(sourcePath.child("name").text, "must specify a resource name"))
        }
        if expected == "containerResource", (source["container"]?.stringValue ?? "").isEmpty {
            errors.append(.required(sourcePath.child("container").text, "must specify a container"))
        }
        if ["object", "pods", "external"].contains(expected),
            (source[path: ["metric", "name"]]?.stringValue ?? "").isEmpty
        {
            errors.append(.required(sourcePath.child("metric").child("name").text, "must specify a metric name"))
        }
        let target = source["target"] ?? .emptyObject
        errors += validateTarget(target, at: sourcePath.child("target"))
        if expected == "resource" || expected == "containerResource" {
            let utilization = !isUnset(target["averageUtilization"])
            let average = !isUnset(target["averageValue"])
            if !utilization && !average {
                errors.append(
                    .required(
                        sourcePath.child("target").child("averageUtilization").text,
                        "must set either a target raw value or a target utilization"))
            } else if utilization && average {
                errors.append(
                    .forbidden(
                        sourcePath.child("target").child("averageValue").text,
                        "may not set both a target raw value and a target utilization"))
            }
        }
        return errors
    }

    static func validateTarget(_ target: JSON, at path: FieldPath) -> [FieldError] {
        let type = target["type"]?.stringValue ?? ""
        if type.isEmpty { return [.required(path.child("type").text, "must specify a metric target type")] }
        var errors: [FieldError] = []
        if !["Utilization", "Value", "AverageValue"].contains(type) {
            errors.append(
                .invalid(path.child("type").text, .string(type), "must be either Utilization, Value, or AverageValue"))
        }
        for key in ["value", "averageValue"] {
            if let quantity = target[key], quantity != .null, !isPositiveQuantity(quantity) {
                errors.append(.invalid(path.child(key).text, quantity, "must be positive"))
            }
        }
        if let utilization = target["averageUtilization"]?.intValue, utilization < 1 {
            errors.append(.invalid(path.child("averageUtilization").text, .int(utilization), "must be greater than 0"))
        }
        return errors
    }

    /// True for a quantity above zero: a positive number, or text that is not negative and has a
    /// non-zero digit before any exponent or suffix.
    static func isPositiveQuantity(_ value: JSON) -> Bool {
        if let number = value.doubleValue { return number > 0 }
        guard let text = value.stringValue, !text.hasPrefix("-") else { return false }
        let mantissa = text.prefix(while: { $0.isNumber || $0 == "." || $0 == "+" })
        return mantissa.contains(where: { $0.isNumber && $0 != "0" })
    }

    static func validateScalingRules(_ rules: JSON, at path: FieldPath) -> [FieldError] {
        var errors: [FieldError] = []
        if let window = rules["stabilizationWindowSeconds"]?.intValue {
            let windowPath = path.child("stabilizationWindowSeconds").text
            if window < 0 { errors.append(.invalid(windowPath, .int(window), "must be greater than or equal to zero")) }
            if window > 3600 { errors.append(.invalid(windowPath, .int(window), "must be less than or equal to 3600")) }
        }
        if let select = rules["selectPolicy"]?.stringValue, !["Max", "Min", "Disabled"].contains(select) {
            errors.append(.notSupported(path.child("selectPolicy").text, .string(select), ["Disabled", "Max", "Min"]))
        }
        let policies = rules["policies"]?.arrayValue ?? []
        if policies.isEmpty {
            errors.append(.required(path.child("policies").text, "must specify at least one Policy"))
        }
        for (index, policy) in policies.enumerated() {
            let policyPath = path.child("policies").index(index)
            let type = policy["type"]?.stringValue ?? ""
            if type != "Pods" && type != "Percent" {
                errors.append(.invalid(policyPath.child("type").text, .string(type), "must be either Pods or Percent"))
            }
            let value = policy["value"]?.intValue ?? 0
            if value <= 0 {
                errors.append(.invalid(policyPath.child("value").text, .int(value), "must be greater than zero"))
            }
            let period = policy["periodSeconds"]?.intValue ?? 0
            if period <= 0 {
                errors.append(
                    .invalid(policyPath.child("periodSeconds").text, .int(period), "must be greater than zero"))
            } else if period > 1800 {
                errors.append(
                    .invalid(policyPath.child("periodSeconds").text, .int(period), "must be less than or equal to 1800")
                )
            }
        }
        return errors
    }
}
