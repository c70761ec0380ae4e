/// Serving the kinds that CustomResourceDefinitions add: the resource type the API server
/// registers for each served version, its schemas for OpenAPI and `kubectl explain`, schema
/// validation, defaulting, pruning and printer columns. Everything is derived from the CRD object.
public enum CustomResources {
    /// The version entry named `version` in the CRD's spec.
    static func versionEntry(_ crd: JSON, _ version: String) -> JSON? {
        (crd[path: ["spec", "versions"]]?.arrayValue ?? []).first { $0["name"]?.stringValue == version }
    }

    /// The version's `openAPIV3Schema`, if it has one.
    public static func openAPISchema(_ crd: JSON, version: String) -> JSON? {
        versionEntry(crd, version)?[path: ["schema", "openAPIV3Schema"]]
    }

    /// `com.example.stable.v1.CronTab` for group stable.example.com: the group reversed, as
    /// upstream names custom resource definitions in OpenAPI.
    public static func schemaName(group: String, version: String, kind: String) -> String {
        let reversed = group.split(separator: ".").reversed().joined(separator: ".")
        return reversed.isEmpty ? "\(version).\(kind)" : "\(reversed).\(version).\(kind)"
    }

    /// The resource the API server serves for one version of a CRD; nil when the version does not
    /// exist or the CRD lacks group, kind or plural.
    public static func resourceType(for crd: JSON, version: String) -> ResourceType? {
        guard let entry = versionEntry(crd, version) else { return nil }
        let spec = crd["spec"] ?? .emptyObject
        let names = spec["names"] ?? .emptyObject
        let group = ExtensionSupport.string(spec, "group")
        let kind = ExtensionSupport.string(names, "kind")
        let plural = ExtensionSupport.string(names, "plural")
        guard !group.isEmpty, !kind.isEmpty, !plural.isEmpty else { return nil }
        let singular = ExtensionSupport.string(names, "singular")
        let schema = entry[path: ["schema", "openAPIV3Schema"]]
        let strategy = ResourceStrategy(
            applyDefaults: { object in if let schema { CustomResourceDefaults.apply(schema, to: &object) } },
            validateCreate: { object in validate(object, schema: schema) },
            validateUpdate: { new, _ in validate(new, schema: schema) },
            hasStatus: entry[path: ["subresources", "status"]] != nil,
            scale: scaleAccessor(entry[path: ["subresources", "scale"]]),
            fieldLabels: selectableFields(entry),
            table: PrinterColumns.table(ExtensionSupport.array(entry, "additionalPrinterColumns")))
        return ResourceType(
            group: group, version: version, kind: kind, plural: plural, singular: singular.isEmpty ? nil : singular,
            namespaced: ExtensionSupport.string(spec, "scope") != "Cluster",
            shortNames: ExtensionSupport.strings(names, "shortNames"),
            categories: ExtensionSupport.strings(names, "categories"),
            schemaName: schemaName(group: group, version: version, kind: kind), strategy: strategy)
    }

    /// Resource types for every served version of a CRD.
    public static func resourceTypes(for crd: JSON) -> [ResourceType] {
        (crd[path: ["spec", "versions"]]?.arrayValue ?? [])
            .filter { $0["served"]?.boolValue == true }
            .compactMap { $0["name"]?.stringValue }
            .compactMap { resourceType(for: crd, version: $0) }
    }

    /// Schema validation of a custom object; metadata is left to the server's generic checks.
    static func validate(_ object: JSON, schema: JSON?) -> [FieldError] {
        guard let schema else { return [] }
        var body = object
        body["metadata"] = nil
        var trimmed = schema
        trimmed[path: ["properties", "metadata"]] = nil
        return CustomResourceSchemaValidator.validate(body, against: trimmed)
    }

    /// Scale subresource from `.spec.replicas`-style JSON paths.
    static func scaleAccessor(_ scale: JSON?) -> ScaleAccessor? {
        guard let scale,
            let spec = JSONPathExpression.simpleFieldPath(ExtensionSupport.string(scale, "specReplicasPath")),
            let status = JSONPathExpression.simpleFieldPath(ExtensionSupport.string(scale, "statusReplicasPath"))
        else { return nil }
        let selector = JSONPathExpression.simpleFieldPath(ExtensionSupport.string(scale, "labelSelectorPath"))
        return ScaleAccessor(specReplicasPath: spec, statusReplicasPath: status, selectorPath: selector)
    }

    /// Field selector labels from `selectableFields` (`.spec.color` becomes `spec.color`).
    static func selectableFields(_ entry: JSON) -> [String: @Sendable (JSON) -> String?] {
        var labels: [String: @Sendable (JSON) -> String?] = [:]
        for field in ExtensionSupport.array(entry, "selectableFields") {
            let path = ExtensionSupport.string(field, "jsonPath")
            guard let names = JSONPathExpression.simpleFieldPath(path) else { continue }
            labels[names.joined(separator: ".")] = { object in
                switch object[path: names] {
                case .string(let text): text
                case .int(let number): String(number)
                case .bool(let flag): String(flag)
                default: ""
                }
            }
        }
        return labels
    }
}

/// Tables for custom resources: NAME, then the CRD's additionalPrinterColumns (or AGE alone).
public enum PrinterColumns {
    static let ageColumn: JSON = [
        "name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp",
        "description": "Time since the object was created.",
    ]

    public static func table(_ definitions: [JSON]) -> TableDefinition {
        let columns = definitions.isEmpty ? [ageColumn] : definitions
        let parsed = columns.map { try? JSONPathExpression(parsing: ExtensionSupport.string($0, "jsonPath")) }
        let types = columns.map { ExtensionSupport.string($0, "type") }
        let headers = columns.map { column in
            TableColumn(
                ExtensionSupport.string(column, "name"), type: ExtensionSupport.string(column, "type"),
                format: ExtensionSupport.string(column, "format"),
                priority: Int(column["priority"]?.intValue ?? 0),
                description: ExtensionSupport.string(column, "description"))
        }
        return TableDefinition(
            columns: [ExtensionSupport.nameColumn] + headers,
            cells: { object, now in
                [ExtensionSupport.nameCell(object)]
                    + zip(parsed, types).map { path, type in
                        guard let value = path?.evaluate(object).first else { return .null }
                        return cell(value, type: type, now: now)
                    }
            })
    }

    /// Upstream's conversion of the first selected value to the column's type; a value of the
    /// wrong type gives an empty cell, and strings print anything (objects as JSON).
    static func cell(_ value: JSON, type: String, now: Int64) -> JSON {
        switch (type, value) {
        case (_, .null): return .null
        case ("integer", .int), ("boolean", .bool), ("number", .double): return value
        case ("integer", .double(let number)): return .int(Int64(number))
        case ("number", .int(let number)): return .double(Double(number))
        case ("date", .string(let text)):
            return Timestamp.parse(text) == nil ? "<invalid>" : .string(Age.since(text, now: now))
        case ("string", .string): return value
        case ("string", .int(let number)): return .string(String(number))
        case ("string", .bool(let flag)): return .string(String(flag))
        case ("string", _): return .string(value.serialized())
        default: return .null
        }
    }
}
