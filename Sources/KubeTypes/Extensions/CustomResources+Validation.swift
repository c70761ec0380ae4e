/// Validation of a custom object against its version's openAPIV3Schema, reporting failures the
/// way upstream does (`spec.replicas: Invalid value: "string": spec.replicas in body must be of
/// type integer: "string"`). Formats and CEL rules are not checked.
enum CustomResourceSchemaValidator {
    static func validate(_ value: JSON, against schema: JSON) -> [FieldError] {
        check(value, schema, FieldPath())
    }

    static func check(_ value: JSON, _ schema: JSON, _ path: FieldPath) -> [FieldError] {
        if value == .null {
            if schema["nullable"]?.boolValue == true || schema["type"] == nil { return [] }
            return [typeError(path, expected: ExtensionSupport.string(schema, "type"), actual: value)]
        }
        if let problem = typeProblem(value, schema, path) { return [problem] }
        var errors = checkEnum(value, schema, path)
        switch value {
        case .int, .double: errors += checkNumber(value.doubleValue!, value, schema, path)
        case .string(let text): errors += checkString(text, schema, path)
        case .array(let items): errors += checkArray(items, schema, path)
        case .object(let members): errors += checkObject(members, schema, path)
        default: break
        }
        errors += checkCombinators(value, schema, path)
        return errors
    }

    private static func typeError(_ path: FieldPath, expected: String, actual: JSON) -> FieldError {
        let name = path.text.isEmpty ? "body" : path.text
        return FieldError(
            .typeInvalid, path.text, .string(actual.typeName),
            "\(name) in body must be of type \(expected): \"\(actual.typeName)\"")
    }

    private static func typeProblem(_ value: JSON, _ schema: JSON, _ path: FieldPath) -> FieldError? {
        if schema["x-kubernetes-int-or-string"]?.boolValue == true {
            switch value {
            case .string, .int: return nil
            case .double where value.intValue != nil: return nil
            default: return typeError(path, expected: "integer or string", actual: value)
            }
        }
        let expected = ExtensionSupport.string(schema, "type")
        let matches: Bool
        switch expected {
        case "": matches = true
        case "integer": matches = value.intValue != nil
        case "number": matches = value.doubleValue != nil
        case "string": matches = value.stringValue != nil
        case "boolean": matches = value.boolValue != nil
        case "array": matches = value.arrayValue != nil
        case "object": matches = value.objectValue != nil
        default: matches = true
        }
        return matches ? nil : typeError(path, expected: expected, actual: value)
    }

    private static func checkEnum(_ value: JSON, _ schema: JSON, _ path: FieldPath) -> [FieldError] {
        guard let allowed = schema["enum"]?.arrayValue, !allowed.isEmpty else { return [] }
        if allowed.contains(where: { sameValue($0, value) }) { return [] }
        return [.notSupported(path.text, value, allowed.map { $0.stringValue ?? $0.serialized() })]
    }

    /// JSON equality where 1 and 1.0 are the same number.
    static func sameValue(_ left: JSON, _ right: JSON) -> Bool {
        if let lhs = left.doubleValue, let rhs = right.doubleValue { return lhs == rhs }
        return left == right
    }

    private static func number(_ value: Double) -> String {
        value.rounded() == value && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }

    private static func checkNumber(_ number: Double, _ value: JSON, _ schema: JSON, _ path: FieldPath) -> [FieldError]
    {
        var errors: [FieldError] = []
        let name = path.text
        if let minimum = schema["minimum"]?.doubleValue {
            let exclusive = schema["exclusiveMinimum"]?.boolValue == true
            if exclusive ? number <= minimum : number < minimum {
                let relation = exclusive ? "greater than" : "greater than or equal to"
                errors.append(.invalid(name, value, "\(name) in body should be \(relation) \(Self.number(minimum))"))
            }
        }
        if let maximum = schema["maximum"]?.doubleValue {
            let exclusive = schema["exclusiveMaximum"]?.boolValue == true
            if exclusive ? number >= maximum : number > maximum {
                let relation = exclusive ? "less than" : "less than or equal to"
                errors.append(.invalid(name, value, "\(name) in body should be \(relation) \(Self.number(maximum))"))
            }
        }
        if let factor = schema["multipleOf"]?.doubleValue, factor > 0 {
            let quotient = number / factor
            if quotient.rounded() != quotient {
                errors.append(.invalid(name, value, "\(name) in body should be a multiple of \(Self.number(factor))"))
            }
        }
        return errors
    }

    private static func checkString(_ text: String, _ schema: JSON, _ path: FieldPath) -> [FieldError] {
        var errors: [FieldError] = []
        let name = path.text
        let length = text.unicodeScalars.count
        if let minimum = schema["minLength"]?.intValue, length < minimum {
            errors.append(.invalid(name, .string(text), "\(name) in body should be at least \(minimum) chars long"))
        }
        if let maximum = schema["maxLength"]?.intValue, length > maximum {
            errors.append(FieldError(.tooLong, name, nil, "may not be more than \(maximum) bytes"))
        }
        if let pattern = schema["pattern"]?.stringValue, let regex = try? SimpleRegex(pattern), !regex.matches(text) {
            errors.append(.invalid(name, .string(text), "\(name) in body should match '\(pattern)'"))
        }
        return errors
    }

    private static func checkArray(_ items: [JSON], _ schema: JSON, _ path: FieldPath) -> [FieldError] {
        var errors: [FieldError] = []
        let name = path.text
        if let minimum = schema["minItems"]?.intValue, items.count < minimum {
            errors.append(
                .invalid(name, .int(Int64(items.count)), "\(name) in body should have at least \(minimum) items"))
        }
        if let maximum = schema["maxItems"]?.intValue, items.count > maximum {
            errors.append(FieldError(.tooMany, name, .int(Int64(items.count)), "must have at most \(maximum) items"))
        }
        errors += checkListIdentity(items, schema, path)
        if let itemSchema = schema["items"], itemSchema.objectValue != nil {
            for (index, item) in items.enumerated() {
                errors += check(item, itemSchema, path.index(index))
            }
        }
        return errors
    }

    /// uniqueItems, and the uniqueness implied by x-kubernetes-list-type set and map.
    private static func checkListIdentity(_ items: [JSON], _ schema: JSON, _ path: FieldPath) -> [FieldError] {
        let listType = ExtensionSupport.string(schema, "x-kubernetes-list-type")
        let mapKeys = ExtensionSupport.strings(schema, "x-kubernetes-list-map-keys")
        var seen: [JSON] = []
        var errors: [FieldError] = []
        for (index, item) in items.enumerated() {
            let identity: JSON = listType == "map" ? .array(mapKeys.map { item[$0] ?? .null }) : item
            if seen.contains(where: { sameValue($0, identity) }) {
                if listType == "set" || listType == "map" {
                    errors.append(.duplicate(path.index(index).text, identity))
                } else if schema["uniqueItems"]?.boolValue == true {
                    return [.invalid(path.text, .array(items), "\(path.text) in body shouldn't contain duplicates")]
                }
            }
            seen.append(identity)
        }
        return errors
    }

    private static func checkObject(_ members: [String: JSON], _ schema: JSON, _ path: FieldPath) -> [FieldError] {
        var errors: [FieldError] = []
        for key in ExtensionSupport.strings(schema, "required") where members[key] == nil {
            errors.append(.required(path.child(key).text, ""))
        }
        if schema["x-kubernetes-embedded-resource"]?.boolValue == true {
            for key in ["apiVersion", "kind"] where (members[key]?.stringValue ?? "").isEmpty {
                errors.append(.required(path.child(key).text, "must not be empty"))
            }
        }
        let properties = schema["properties"]?.objectValue ?? [:]
        let additional = schema["additionalProperties"].flatMap { $0.objectValue != nil ? $0 : nil }
        for key in members.keys.sorted() {
            if let propertySchema = properties[key] {
                errors += check(members[key]!, propertySchema, path.child(key))
            } else if let additional {
                errors += check(members[key]!, additional, path.child(key))
            }
        }
        if let minimum = schema["minProperties"]?.intValue, members.count < minimum {
            errors.append(
                .invalid(
                    path.text, .int(Int64(members.count)),
                    "\(path.text) in body should have at least \(minimum) properties"))
        }
        if let maximum = schema["maxProperties"]?.intValue, members.count > maximum {
            errors.append(
                FieldError(.tooMany, path.text, .int(Int64(members.count)), "must have at most \(maximum) items"))
        }
        return errors
    }

    private static func checkCombinators(_ value: JSON, _ schema: JSON, _ path: FieldPath) -> [FieldError] {
        var errors: [FieldError] = []
        let name = path.text.isEmpty ? "body" : path.text
        for branch in schema["allOf"]?.arrayValue ?? [] {
            errors += check(value, branch, path)
        }
        if let branches = schema["anyOf"]?.arrayValue, !branches.isEmpty,
            !branches.contains(where: { check(value, $0, path).isEmpty })
        {
            errors.append(.invalid(path.text, value, "\(name) in body must validate at least one schema (anyOf)"))
        }
        if let branches = schema["oneOf"]?.arrayValue, !branches.isEmpty,
            branches.filter({ check(value, $0, path).isEmpty }).count != 1
        {
            errors.append(.invalid(path.text, value, "\(name) in body must validate one and only one schema (oneOf)"))
        }
        if let negated = schema["not"], check(value, negated, path).isEmpty {
            errors.append(.invalid(path.text, value, "\(name) in body must not validate the schema (not)"))
        }
        return errors
    }
}

/// Schema defaults (`default:`), filled in for absent object members, as upstream does on every
/// write and read of a custom object.
enum CustomResourceDefaults {
    static func apply(_ schema: JSON, to value: inout JSON) {
        switch value {
        case .object(var members):
            let properties = schema["properties"]?.objectValue ?? [:]
            for (key, propertySchema) in properties {
                if members[key] == nil, let fallback = propertySchema["default"] { members[key] = fallback }
            }
            let additional = schema["additionalProperties"].flatMap { $0.objectValue != nil ? $0 : nil }
            for key in members.keys {
                guard let childSchema = properties[key] ?? additional else { continue }
                apply(childSchema, to: &members[key]!)
            }
            value = .object(members)
        case .array(var items):
            guard let itemSchema = schema["items"], itemSchema.objectValue != nil else { return }
            for index in items.indices { apply(itemSchema, to: &items[index]) }
            value = .array(items)
        default:
            return
        }
    }
}
