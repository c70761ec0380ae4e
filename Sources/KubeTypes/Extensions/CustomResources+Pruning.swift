/// Fields a custom object carries that its schema does not declare. Upstream drops them on every
/// write (pruning); with fieldValidation Strict it rejects the write instead, and with Warn it
/// names them in warnings (`unknown field "spec.foo"`).
extension CustomResources {
    /// Paths (`spec.foo`, `spec.items[0].bar`) of undeclared fields, in document order.
    public static func unknownFields(in object: JSON, crd: JSON, version: String) -> [String] {
        guard let schema = openAPISchema(crd, version: version) else { return [] }
        var copy = object
        var found: [String] = []
        CustomResourcePruner.walkRoot(&copy, schema: schema, unknown: &found)
        return found
    }

    /// Removes every undeclared field, keeping apiVersion, kind and metadata at the root.
    public static func prune(_ object: inout JSON, crd: JSON, version: String) {
        guard let schema = openAPISchema(crd, version: version) else { return }
        var found: [String] = []
        CustomResourcePruner.walkRoot(&object, schema: schema, unknown: &found)
    }
}

/// One walk serves both reporting and removing: it removes as it goes and records what it removed.
enum CustomResourcePruner {
    static let rootKeep: Set<String> = ["apiVersion", "kind", "metadata"]

    static func walkRoot(_ object: inout JSON, schema: JSON, unknown: inout [String]) {
        walk(&object, schema: schema, path: FieldPath(), keep: rootKeep, unknown: &unknown)
    }

    static func walk(_ value: inout JSON, schema: JSON, path: FieldPath, keep: Set<String>, unknown: inout [String]) {
        if schema["x-kubernetes-int-or-string"]?.boolValue == true { return }
        switch value {
        case .object(var members):
            let preserves = schema["x-kubernetes-preserve-unknown-fields"]?.boolValue == true
            let properties = schema["properties"]?.objectValue ?? [:]
            let additional = schema["additionalProperties"]
            var kept = keep
            if schema["x-kubernetes-embedded-resource"]?.boolValue == true { kept.formUnion(rootKeep) }
            for key in members.keys.sorted() where !kept.contains(key) {
                let childPath = path.child(key)
                if let childSchema = properties[key] ?? additional.flatMap({ $0.objectValue != nil ? $0 : nil }) {
                    walk(&members[key]!, schema: childSchema, path: childPath, keep: [], unknown: &unknown)
                } else if !preserves && additional != .bool(true) {
                    unknown.append(childPath.text)
                    members[key] = nil
                }
            }
            value = .object(members)
        case .array(var items):
            guard let itemSchema = schema["items"], itemSchema.objectValue != nil else { return }
            for index in items.indices {
                walk(&items[index], schema: itemSchema, path: path.index(index), keep: [], unknown: &unknown)
            }
            value = .array(items)
        default:
            return
        }
    }
}
