/// Validation pieces shared by the workload kinds, following upstream `apps/validation` so that
/// field paths and messages read the same as a real cluster's.
enum WorkloadRules {
    static let immutable = "field is immutable"
    static let percentMessage =
        "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')"

    /// `must be greater than or equal to 0` when `value` is a negative integer.
    static func nonNegative(_ value: JSON?, at path: FieldPath) -> [FieldError] {
        guard let number = value?.intValue, number < 0 else { return [] }
        return [.invalid(path.text, .int(number), "must be greater than or equal to 0")]
    }

    /// Upstream's `ValidatePositiveIntOrPercent`: a non-negative count or an `N%` string.
    static func intOrPercent(_ value: JSON?, at path: FieldPath) -> [FieldError] {
        switch value {
        case .string(let text)?:
            return percentNumber(text) == nil ? [goInvalid(path, goIntOrString(value), percentMessage)] : []
        case .some(let other):
            return nonNegative(other, at: path)
        case nil:
            return []
        }
    }

    /// Upstream's `IsNotMoreThan100Percent`.
    static func notOver100Percent(_ value: JSON?, at path: FieldPath) -> [FieldError] {
        guard let text = value?.stringValue, let percent = percentNumber(text), percent > 100 else { return [] }
        return [goInvalid(path, goIntOrString(value), "must not be greater than 100%")]
    }

    /// The number of an int-or-percent value (`25%` → 25, `3` → 3); 0 for anything unusable, as
    /// upstream's `getIntOrPercentValue` does.
    static func intOrPercentValue(_ value: JSON?) -> Int64 {
        if let text = value?.stringValue { return percentNumber(text) ?? 0 }
        return value?.intValue ?? 0
    }

    /// `"25%"` → 25; nil unless the text is digits followed by `%`.
    static func percentNumber(_ text: String) -> Int64? {
        guard text.hasSuffix("%") else { return nil }
        let digits = text.dropLast()
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int64(digits) ?? Int64.max
    }

    /// An Invalid error whose value is already rendered the way Go's `%#v` prints the typed value.
    static func goInvalid(_ path: FieldPath, _ rendered: String, _ detail: String) -> FieldError {
        FieldError(.invalid, path.text, nil, rendered + ": " + detail)
    }

    // MARK: Go-style value rendering

    static func goQuoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// `map[string]string{"app":"web"}`, or `map[string]string(nil)` when absent.
    static func goStringMap(_ value: JSON?) -> String {
        guard let members = value?.objectValue else { return "map[string]string(nil)" }
        let pairs = members.keys.sorted().map { key in
            goQuoted(key) + ":" + goQuoted(members[key]?.stringValue ?? "")
        }
        return "map[string]string{" + pairs.joined(separator: ", ") + "}"
    }

    /// `intstr.IntOrString{Type:1, IntVal:0, StrVal:"25%"}`.
    static func goIntOrString(_ value: JSON?) -> String {
        if let text = value?.stringValue { return "intstr.IntOrString{Type:1, IntVal:0, StrVal:\(goQuoted(text))}" }
        return "intstr.IntOrString{Type:0, IntVal:\(value?.intValue ?? 0), StrVal:\"\"}"
    }

    /// `v1.LabelSelector{MatchLabels:map[string]string{...}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}`.
    static func goLabelSelector(_ value: JSON?) -> String {
        guard let selector = value, selector.objectValue != nil else { return "null" }
        var expressions = "[]v1.LabelSelectorRequirement(nil)"
        if let list = selector["matchExpressions"]?.arrayValue {
            let items = list.map { requirement -> String in
                var values = "[]string(nil)"
                if let given = requirement["values"]?.arrayValue {
                    values = "[]string{" + given.map { goQuoted($0.stringValue ?? "") }.joined(separator: ", ") + "}"
                }
                return "v1.LabelSelectorRequirement{Key:\(goQuoted(requirement["key"]?.stringValue ?? "")), "
                    + "Operator:\(goQuoted(requirement["operator"]?.stringValue ?? "")), Values:\(values)}"
            }
            expressions = "[]v1.LabelSelectorRequirement{" + items.joined(separator: ", ") + "}"
        }
        return "v1.LabelSelector{MatchLabels:\(goStringMap(selector["matchLabels"])), MatchExpressions:\(expressions)}"
    }

    // MARK: Selectors and templates

    /// True when a selector object has neither matchLabels nor matchExpressions.
    static func selectorIsEmpty(_ selector: JSON) -> Bool {
        (selector["matchLabels"]?.objectValue ?? [:]).isEmpty
            && (selector["matchExpressions"]?.arrayValue ?? []).isEmpty
    }

    /// The `spec.selector` checks of apps kinds: present, well formed, not empty, and matching the
    /// template labels. `kind` names the kind in upstream's "empty selector" message.
    static func selectorMatchesTemplate(_ spec: JSON, at path: FieldPath, kind: String) -> [FieldError] {
        guard let selector = spec["selector"], selector != .null else {
            return [.required(path.child("selector").text)]
        }
        var errors = LabelSelector.validate(selector, at: path.child("selector"))
        if selectorIsEmpty(selector) {
            errors.append(
                goInvalid(path.child("selector"), goLabelSelector(selector), "empty selector is invalid for \(kind)"))
            return errors
        }
        guard errors.isEmpty else { return errors }
        errors += templateLabelsMatch(selector, template: spec["template"], at: path.child("template"))
        return errors
    }

    /// "`selector` does not match template `labels`" when the template would not be selected.
    static func templateLabelsMatch(_ selector: JSON, template: JSON?, at path: FieldPath) -> [FieldError] {
        guard let parsed = try? LabelSelector(object: selector) else {
            return [goInvalid(path, goLabelSelector(selector), "invalid label selector")]
        }
        let labels = template?[path: ["metadata", "labels"]]
        guard !parsed.matches(labels?.stringMap ?? [:]) else { return [] }
        return [
            goInvalid(
                path.child("metadata").child("labels"), goStringMap(labels),
                "`selector` does not match template `labels`")
        ]
    }

    /// The template rules of controllers whose pods must run forever: restartPolicy Always and no
    /// activeDeadlineSeconds. `kind` names the kind in upstream's message.
    static func longRunningTemplate(_ template: JSON?, at path: FieldPath, kind: String) -> [FieldError] {
        let spec = template?["spec"]
        var errors: [FieldError] = []
        let policy = spec?["restartPolicy"]?.stringValue ?? ""
        if policy != "Always" {
            errors.append(.notSupported(path.child("spec").child("restartPolicy").text, .string(policy), ["Always"]))
        }
        if let deadline = spec?["activeDeadlineSeconds"], deadline != .null {
            errors.append(
                .forbidden(
                    path.child("spec").child("activeDeadlineSeconds").text,
                    "activeDeadlineSeconds in \(kind) is not Supported"))
        }
        return errors
    }

    /// The pod template itself, delegated to the core/v1 rules.
    static func podTemplate(_ template: JSON?, at path: FieldPath) -> [FieldError] {
        guard let template, template != .null else { return [.required(path.text)] }
        return PodRules.validatePodTemplate(template, at: path)
    }

    /// `spec.selector: Invalid value: v1.LabelSelector{...}: field is immutable` when it changed.
    static func immutableSelector(_ new: JSON, _ old: JSON, at path: FieldPath) -> [FieldError] {
        let newSelector = new["selector"] ?? .null
        guard newSelector != (old["selector"] ?? .null) else { return [] }
        return [goInvalid(path, goLabelSelector(newSelector), immutable)]
    }

    /// A plain "field is immutable" check, rendering the new value as JSON.
    static func immutableField(_ new: JSON?, _ old: JSON?, at path: FieldPath) -> [FieldError] {
        let newValue = new ?? .null
        guard newValue != (old ?? .null) else { return [] }
        return [.invalid(path.text, newValue, immutable)]
    }
}
