/// Defaulting, validation and printing of roles and bindings, following upstream's rules.
extension RBACV1 {
    static let subjectKinds = ["ServiceAccount", "User", "Group"]

    /// roleRef.apiGroup and the subjects' apiGroup are filled from the kind when left empty.
    static func applyBindingDefaults(_ object: inout JSON) {
        if object["roleRef"] != nil, (object[path: ["roleRef", "apiGroup"]]?.stringValue ?? "").isEmpty {
            object[path: ["roleRef", "apiGroup"]] = .string(group)
        }
        guard var subjects = object["subjects"]?.arrayValue else { return }
        for index in subjects.indices where (subjects[index]["apiGroup"]?.stringValue ?? "").isEmpty {
            switch subjects[index]["kind"]?.stringValue {
            case "ServiceAccount": subjects[index]["apiGroup"] = ""
            case "User", "Group": subjects[index]["apiGroup"] = .string(group)
            default: break
            }
        }
        object["subjects"] = .array(subjects)
    }

    static func validateRules(_ object: JSON, namespaced: Bool) -> [FieldError] {
        let rules = object["rules"]?.arrayValue ?? []
        return rules.enumerated().flatMap { index, rule in
            validatePolicyRule(rule, namespaced: namespaced, at: FieldPath("rules").index(index))
        }
    }

    static func validatePolicyRule(_ rule: JSON, namespaced: Bool, at path: FieldPath) -> [FieldError] {
        var errors: [FieldError] = []
        let nonEmpty = { (key: String) in !(rule[key]?.arrayValue ?? []).isEmpty }
        if !nonEmpty("verbs") {
            errors.append(.required(path.child("verbs").text, "verbs must contain at least one value"))
        }
        if nonEmpty("nonResourceURLs") {
            let urlsPath = path.child("nonResourceURLs").text
            if namespaced {
                errors.append(
                    .invalid(urlsPath, rule["nonResourceURLs"], "namespaced rules cannot apply to non-resource URLs"))
            }
            if nonEmpty("apiGroups") || nonEmpty("resources") || nonEmpty("resourceNames") {
                errors.append(
                    .invalid(
                        urlsPath, rule["nonResourceURLs"],
                        "rules cannot apply to both regular resources and non-resource URLs"))
            }
            return errors
        }
        if !nonEmpty("apiGroups") {
            errors.append(.required(path.child("apiGroups").text, "resource rules must supply at least one api group"))
        }
        if !nonEmpty("resources") {
            errors.append(.required(path.child("resources").text, "resource rules must supply at least one resource"))
        }
        return errors
    }

    static func validateClusterRole(_ object: JSON) -> [FieldError] {
        var errors = validateRules(object, namespaced: false)
        if let aggregation = object["aggregationRule"] {
            let selectors = aggregation["clusterRoleSelectors"]?.arrayValue ?? []
            let path = FieldPath("aggregationRule").child("clusterRoleSelectors")
            if selectors.isEmpty {
                errors.append(
                    .required(path.text, "at least one clusterRoleSelector required if aggregationRule is non-nil"))
            }
            for (index, selector) in selectors.enumerated() {
                errors += LabelSelector.validate(selector, at: path.index(index))
            }
        }
        return errors
    }

    /// Role and cluster role bindings; a cluster role binding may only name a ClusterRole and its
    /// service account subjects must say which namespace they live in.
    static func validateBinding(_ object: JSON, namespaced: Bool) -> [FieldError] {
        var errors: [FieldError] = []
        let roleRef = object["roleRef"]
        let apiGroup = roleRef?["apiGroup"]?.stringValue ?? ""
        if apiGroup != group {
            errors.append(.notSupported("roleRef.apiGroup", .string(apiGroup), [group]))
        }
        let kind = roleRef?["kind"]?.stringValue ?? ""
        let allowedKinds = namespaced ? ["Role", "ClusterRole"] : ["ClusterRole"]
        if !allowedKinds.contains(kind) {
            errors.append(.notSupported("roleRef.kind", .string(kind), allowedKinds))
        }
        let name = roleRef?["name"]?.stringValue ?? ""
        if name.isEmpty {
            errors.append(.required("roleRef.name", ""))
        } else {
            errors += pathSegmentName(name).map { .invalid("roleRef.name", .string(name), $0) }
        }
        for (index, subject) in (object["subjects"]?.arrayValue ?? []).enumerated() {
            errors += validateSubject(subject, namespaced: namespaced, at: FieldPath("subjects").index(index))
        }
        return errors
    }

    static func validateSubject(_ subject: JSON, namespaced: Bool, at path: FieldPath) -> [FieldError] {
        var errors: [FieldError] = []
        let name = subject["name"]?.stringValue ?? ""
        if name.isEmpty { errors.append(.required(path.child("name").text, "")) }
        let apiGroup = subject["apiGroup"]?.stringValue ?? ""
        switch subject["kind"]?.stringValue ?? "" {
        case "ServiceAccount":
            if !name.isEmpty {
                errors += NameRules.dns1123Subdomain(name).map { .invalid(path.child("name").text, .string(name), $0) }
            }
            if !apiGroup.isEmpty { errors.append(.notSupported(path.child("apiGroup").text, .string(apiGroup), [""])) }
            if !namespaced && (subject["namespace"]?.stringValue ?? "").isEmpty {
                errors.append(.required(path.child("namespace").text, ""))
            }
        case "User", "Group":
            if apiGroup != group {
                errors.append(.notSupported(path.child("apiGroup").text, .string(apiGroup), [group]))
            }
        case let kind:
            errors.append(.notSupported(path.child("kind").text, .string(kind), subjectKinds))
        }
        return errors
    }

    /// A binding's role can never change: permissions granted under one role must not silently
    /// become another's, so users delete and recreate the binding instead.
    static func validateRoleRefUnchanged(_ new: JSON, _ old: JSON) -> [FieldError] {
        new["roleRef"] == old["roleRef"] ? [] : [.invalid("roleRef", new["roleRef"] ?? .null, "cannot change roleRef")]
    }

    /// RBAC object names only have to be usable as a URL path segment (they may contain `:`).
    static func pathSegmentName(_ name: String) -> [String] {
        if name == "." || name == ".." { return ["may not be '\(name)'"] }
        if name.contains("/") { return ["may not contain '/'"] }
        if name.contains("%") { return ["may not contain '%'"] }
        return []
    }

    static let roleTable = TableDefinition(
        columns: [
            ExtensionSupport.nameColumn,
            TableColumn("Created At", type: "date", description: "When the object was created."),
        ],
        cells: { object, _ in
            [ExtensionSupport.nameCell(object), object[path: ["metadata", "creationTimestamp"]] ?? .string("")]
        })

    static let bindingTable = TableDefinition(
        columns: [
            ExtensionSupport.nameColumn,
            TableColumn("Role", description: "The role granted, as Kind/name."),
            ExtensionSupport.ageColumn,
            TableColumn("Users", priority: 1, description: "Users the binding grants the role to."),
            TableColumn("Groups", priority: 1, description: "Groups the binding grants the role to."),
            TableColumn(
                "ServiceAccounts", priority: 1, description: "Service accounts the binding grants the role to."),
        ],
        cells: { object, now in
            let subjects = object["subjects"]?.arrayValue ?? []
            func names(_ kind: String) -> JSON {
                .string(
                    subjects.filter { $0["kind"]?.stringValue == kind }.map { subject in
                        let name = subject["name"]?.stringValue ?? ""
                        let namespace = subject["namespace"]?.stringValue ?? ""
                        return kind == "ServiceAccount" && !namespace.isEmpty ? "\(namespace)/\(name)" : name
                    }.joined(separator: ", "))
            }
            let roleRef = object["roleRef"]
            let role = "\(roleRef?["kind"]?.stringValue ?? "")/\(roleRef?["name"]?.stringValue ?? "")"
            return [
                ExtensionSupport.nameCell(object), .string(role), .string(Age.of(object, now: now)),
                names("User"), names("Group"), names("ServiceAccount"),
            ]
        })
}
