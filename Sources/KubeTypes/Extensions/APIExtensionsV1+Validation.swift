/// Validation of CustomResourceDefinitions, following upstream's rules and wording.
extension APIExtensionsV1 {
    static let scopes = ["Cluster", "Namespaced"]
    static let columnTypes = ["boolean", "date", "integer", "number", "string"]
    static let columnFormats = ["byte", "date", "date-time", "double", "float", "int32", "int64", "password"]

    static func validate(_ crd: JSON) -> [FieldError] {
        let spec = crd["spec"] ?? .emptyObject
        let group = ExtensionSupport.string(spec, "group")
        let plural = spec[path: ["names", "plural"]]?.stringValue ?? ""
        var errors: [FieldError] = []
        if crd.name != "\(plural).\(group)" {
            errors.append(.invalid("metadata.name", .string(crd.name), "must be spec.names.plural+\".\"+spec.group"))
        }
        let path = FieldPath("spec")
        if group.isEmpty {
            errors.append(.required("spec.group", ""))
        } else if let problem = NameRules.dns1123Subdomain(group).first {
            errors.append(.invalid("spec.group", .string(group), problem))
        } else if !group.contains(".") {
            errors.append(.invalid("spec.group", .string(group), "should be a domain with at least one dot"))
        }
        let scope = ExtensionSupport.string(spec, "scope")
        if scope.isEmpty {
            errors.append(.required("spec.scope", ""))
        } else if !scopes.contains(scope) {
            errors.append(.notSupported("spec.scope", .string(scope), scopes))
        }
        errors += validateNames(spec["names"] ?? .emptyObject, at: path.child("names"))
        errors += validateVersions(spec, at: path.child("versions"))
        errors += validateConversion(spec["conversion"], at: path.child("conversion"))
        if spec["preserveUnknownFields"]?.boolValue == true {
            errors.append(
                .invalid(
                    "spec.preserveUnknownFields", true,
                    "cannot set to true, set x-kubernetes-preserve-unknown-fields to true in "
                        + "spec.versions[*].schema instead"))
        }
        return errors
    }

    static func validateNames(_ names: JSON, at path: FieldPath) -> [FieldError] {
        var errors: [FieldError] = []
        for key in ["plural", "singular", "kind", "listKind"] {
            let value = ExtensionSupport.string(names, key)
            let field = path.child(key).text
            if value.isEmpty {
                errors.append(.required(field, ""))
                continue
            }
            let mixedCase = key == "kind" || key == "listKind"
            let problems = ExtensionSupport.dns1035Label(mixedCase ? value.lowercased() : value)
            if !problems.isEmpty {
                let detail = problems.joined(separator: ",")
                errors.append(
                    .invalid(
                        field, .string(value),
                        mixedCase ? "may have mixed case, but should otherwise match: " + detail : detail))
            }
        }
        for key in ["shortNames", "categories"] {
            for (index, value) in ExtensionSupport.strings(names, key).enumerated() {
                let problems = ExtensionSupport.dns1035Label(value)
                if !problems.isEmpty {
                    errors.append(
                        .invalid(path.child(key).index(index).text, .string(value), problems.joined(separator: ",")))
                }
            }
        }
        let kind = ExtensionSupport.string(names, "kind")
        if !kind.isEmpty && kind == ExtensionSupport.string(names, "listKind") {
            errors.append(.invalid(path.child("listKind").text, .string(kind), "kind and listKind may not be the same"))
        }
        return errors
    }

    static func validateVersions(_ spec: JSON, at path: FieldPath) -> [FieldError] {
        let versions = ExtensionSupport.array(spec, "versions")
        if versions.isEmpty {
            return [.required(path.text, "must have exactly one version marked as storage version")]
        }
        var errors: [FieldError] = []
        var seen: Set<String> = []
        var unique = true
        for (index, version) in versions.enumerated() {
            let versionPath = path.index(index)
            let name = ExtensionSupport.string(version, "name")
            if !seen.insert(name).inserted { unique = false }
            let problems = ExtensionSupport.dns1035Label(name)
            if !problems.isEmpty {
                errors.append(.invalid(versionPath.child("name").text, .string(name), problems.joined(separator: ",")))
            }
            if let schema = version[path: ["schema", "openAPIV3Schema"]] {
                errors += StructuralSchema.validate(schema, at: versionPath.child("schema").child("openAPIV3Schema"))
            } else {
                errors.append(
                    .required(versionPath.child("schema").child("openAPIV3Schema").text, "schemas are required"))
            }
            errors += validateScale(version[path: ["subresources", "scale"]], at: versionPath.child("subresources"))
            for (columnIndex, column) in ExtensionSupport.array(version, "additionalPrinterColumns").enumerated() {
                errors += validateColumn(column, at: versionPath.child("additionalPrinterColumns").index(columnIndex))
            }
        }
        if !unique {
            errors.append(.invalid(path.text, .array(versions), "must contain unique version names"))
        }
        if versions.filter({ $0["storage"]?.boolValue == true }).count != 1 {
            errors.append(
                .invalid(path.text, .array(versions), "must have exactly one version marked as storage version"))
        }
        return errors
    }

    static func validateScale(_ scale: JSON?, at path: FieldPath) -> [FieldError] {
        guard let scale else { return [] }
        let scalePath = path.child("scale")
        var errors: [FieldError] = []
        let rules: [(String, [String], String, Bool)] = [
            ("specReplicasPath", [".spec."], "should be a json path under .spec", true),
            ("statusReplicasPath", [".status."], "should be a json path under .status", true),
            (
                "labelSelectorPath", [".spec.", ".status."], "should be a json path under either .spec or .status",
                false
            ),
        ]
        for (key, prefixes, message, required) in rules {
            let field = scalePath.child(key).text
            guard let value = scale[key]?.stringValue, !value.isEmpty else {
                if required { errors.append(.required(field, "")) }
                continue
            }
            if JSONPathExpression.simpleFieldPath(value) == nil {
                errors.append(.invalid(field, .string(value), "must be a simple json path"))
            } else if !prefixes.contains(where: value.hasPrefix) {
                errors.append(.invalid(field, .string(value), message))
            }
        }
        return errors
    }

    static func validateColumn(_ column: JSON, at path: FieldPath) -> [FieldError] {
        var errors: [FieldError] = []
        if ExtensionSupport.string(column, "name").isEmpty { errors.append(.required(path.child("name").text, "")) }
        let type = ExtensionSupport.string(column, "type")
        if type.isEmpty {
            errors.append(.required(path.child("type").text, ""))
        } else if !columnTypes.contains(type) {
            errors.append(.notSupported(path.child("type").text, .string(type), columnTypes))
        }
        let format = ExtensionSupport.string(column, "format")
        if !format.isEmpty && !columnFormats.contains(format) {
            errors.append(.notSupported(path.child("format").text, .string(format), columnFormats))
        }
        let jsonPath = ExtensionSupport.string(column, "jsonPath")
        if jsonPath.isEmpty {
            errors.append(.required(path.child("jsonPath").text, ""))
        } else if !jsonPath.hasPrefix(".") {
            errors.append(
                .invalid(path.child("jsonPath").text, .string(jsonPath), "must be a simple json path starting with ."))
        } else if let problem = JSONPathExpression.problem(jsonPath) {
            errors.append(
                .invalid(path.child("jsonPath").text, .string(jsonPath), "must be a valid JSON path: \(problem)"))
        }
        if let priority = column["priority"], (priority.intValue ?? 0) < 0 {
            errors.append(.invalid(path.child("priority").text, priority, "must be greater than or equal to 0"))
        }
        return errors
    }

    static func validateConversion(_ conversion: JSON?, at path: FieldPath) -> [FieldError] {
        guard let conversion else { return [] }
        let strategy = ExtensionSupport.string(conversion, "strategy")
        let webhook = conversion["webhook"]
        switch strategy {
        case "None":
            return webhook == nil
                ? [] : [.forbidden(path.child("webhook").text, "should not be set when strategy is not set to Webhook")]
        case "Webhook":
            guard let webhook else {
                return [.required(path.child("webhook").text, "required when strategy is set to Webhook")]
            }
            var errors: [FieldError] = []
            let reviewVersions = ExtensionSupport.strings(webhook, "conversionReviewVersions")
            if !reviewVersions.contains(where: { $0 == "v1" || $0 == "v1beta1" }) {
                errors.append(
                    .invalid(
                        path.child("webhook").child("conversionReviewVersions").text,
                        webhook["conversionReviewVersions"],
                        "must include at least one of v1, v1beta1"))
            }
            let config = webhook["clientConfig"]
            if config?["url"] == nil && config?["service"] == nil {
                errors.append(
                    .required(
                        path.child("webhook").child("clientConfig").text, "exactly one of url or service is required"))
            }
            return errors
        case "":
            return [.required(path.child("strategy").text, "")]
        default:
            return [.notSupported(path.child("strategy").text, .string(strategy), ["None", "Webhook"])]
        }
    }

    /// Group and plural name the stored objects, so they never change; scope and kind may change
    /// only until the definition is established.
    static func validateUpdate(_ new: JSON, _ old: JSON) -> [FieldError] {
        var errors = ExtensionSupport.immutable(
            new[path: ["spec", "group"]], old[path: ["spec", "group"]], at: "spec.group")
        errors += ExtensionSupport.immutable(
            new[path: ["spec", "names", "plural"]], old[path: ["spec", "names", "plural"]], at: "spec.names.plural")
        let established = (old[path: ["status", "conditions"]]?.arrayValue ?? []).contains {
            $0["type"]?.stringValue == "Established" && $0["status"]?.stringValue == "True"
        }
        if established {
            errors += ExtensionSupport.immutable(
                new[path: ["spec", "scope"]], old[path: ["spec", "scope"]], at: "spec.scope")
            errors += ExtensionSupport.immutable(
                new[path: ["spec", "names", "kind"]], old[path: ["spec", "names", "kind"]], at: "spec.names.kind")
        }
        let versionNames = Set(
            (new[path: ["spec", "versions"]]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue })
        let stored = new[path: ["status", "storedVersions"]]?.arrayValue ?? []
        for (index, version) in stored.enumerated() where !versionNames.contains(version.stringValue ?? "") {
            errors.append(.invalid("status.storedVersions[\(index)]", version, "must appear in spec.versions"))
        }
        return errors
    }
}
