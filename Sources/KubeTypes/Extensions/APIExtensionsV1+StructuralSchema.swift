/// The "structural schema" rules upstream imposes on custom resource schemas: every field has a
/// type (so pruning and defaulting know what is declared), no `$ref`, arrays say what they hold.
/// CEL rules and the finer points of value validations are not checked here.
enum StructuralSchema {
    static let types = ["array", "boolean", "integer", "number", "object", "string"]

    static func validate(_ schema: JSON, at path: FieldPath) -> [FieldError] {
        var errors: [FieldError] = []
        let type = ExtensionSupport.string(schema, "type")
        if type.isEmpty {
            errors.append(.required(path.child("type").text, "must not be empty at the root"))
        } else if type != "object" {
            errors.append(.invalid(path.child("type").text, .string(type), "must be object at the root"))
        }
        if schema["x-kubernetes-int-or-string"]?.boolValue == true {
            errors.append(.forbidden(path.child("x-kubernetes-int-or-string").text, "must be false at the root"))
        }
        errors += validateNode(schema, at: path, typeNeeded: false)
        return errors
    }

    private static func validateNode(_ schema: JSON, at path: FieldPath, typeNeeded: Bool) -> [FieldError] {
        guard schema.objectValue != nil else {
            return [.invalid(path.text, schema, "must be a schema object")]
        }
        var errors: [FieldError] = []
        let type = ExtensionSupport.string(schema, "type")
        let intOrString = schema["x-kubernetes-int-or-string"]?.boolValue == true
        let preserves = schema["x-kubernetes-preserve-unknown-fields"]?.boolValue == true
        if type.isEmpty {
            if typeNeeded && !intOrString && !preserves {
                errors.append(.required(path.child("type").text, "must not be empty for specified object fields"))
            }
        } else if !types.contains(type) {
            errors.append(.notSupported(path.child("type").text, .string(type), types))
        }
        if schema["$ref"] != nil {
            errors.append(.forbidden(path.child("$ref").text, "$ref is not supported"))
        }
        if schema["properties"] != nil && schema["additionalProperties"] != nil {
            errors.append(
                .forbidden(
                    path.child("additionalProperties").text, "additionalProperties and properties are mutual exclusive")
            )
        }
        if schema["additionalProperties"] == false {
            errors.append(.forbidden(path.child("additionalProperties").text, "must not be false"))
        }
        if type == "array" && schema["items"] == nil {
            errors.append(.required(path.child("items").text, "must be specified"))
        }
        for name in (schema["properties"]?.objectValue ?? [:]).keys.sorted() {
            errors += validateNode(
                schema[path: ["properties", name]]!, at: path.child("properties").key(name), typeNeeded: true)
        }
        if let items = schema["items"] {
            if items.arrayValue != nil {
                errors.append(.forbidden(path.child("items").text, "items must be a schema object and not an array"))
            } else {
                errors += validateNode(items, at: path.child("items"), typeNeeded: true)
            }
        }
        if let additional = schema["additionalProperties"], additional.objectValue != nil {
            errors += validateNode(additional, at: path.child("additionalProperties"), typeNeeded: true)
        }
        for combinator in ["allOf", "anyOf", "oneOf"] {
            for (index, branch) in (schema[combinator]?.arrayValue ?? []).enumerated() {
                errors += validateNode(branch, at: path.child(combinator).index(index), typeNeeded: false)
            }
        }
        return errors
    }
}
