/// What checking an object against its schema found.
public struct SchemaCheck: Sendable, Hashable {
    /// Fields no schema declares, as dotted paths with list indices, in a stable order:
    /// `spec.template.spec.containers[0].imagePullPolicyy`.
    public var unknownFields: [String]
    /// Values of the wrong JSON type (or unparsable quantities, times, base64).
    public var errors: [FieldError]

    public init(unknownFields: [String] = [], errors: [FieldError] = []) {
        self.unknownFields = unknownFields
        self.errors = errors
    }

    public var isClean: Bool { unknownFields.isEmpty && errors.isEmpty }

    /// Upstream's strict-decoding wording for the unknown fields: `unknown field "spec.foo"`.
    public var unknownFieldMessages: [String] { unknownFields.map { "unknown field \"\($0)\"" } }
}

/// Structural checks of an object against the schema catalog, done before kind validation: unknown
/// fields (for fieldValidation Strict/Warn) and JSON type mismatches. Required fields and value rules
/// are the kind strategy's business. A null anywhere counts as absent.
public enum SchemaValidator {
    /// How type mismatches are worded.
    public enum Style: Sendable {
        /// Built-in kinds: upstream's JSON decoder message, e.g. `json: cannot unmarshal string into Go
        /// struct field DeploymentSpec.spec.replicas of type int32`.
        case decoder
        /// Custom resources: upstream's schema validation message, e.g. `spec.replicas in body must be
        /// of type integer: "string"`.
        case openAPI
    }

    public static func check(
        _ object: JSON, type: String, catalog: SchemaCatalog, style: Style = .decoder
    ) -> SchemaCheck {
        guard let root = catalog[type] else { return SchemaCheck() }
        var walker = Walker(catalog: catalog, style: style)
        guard case .object(let members) = object else {
            walker.typeError(object, expected: .ref(type), at: FieldPath(), goPath: [], owner: nil)
            return walker.result
        }
        walker.walkObject(members, schema: root, path: FieldPath(), goPath: [], isRoot: true)
        return walker.result
    }

    /// The object without the fields its schema does not declare, as upstream's decoder drops them
    /// for fieldValidation Ignore and Warn. Values of the wrong type are left for validation to report.
    public static func prune(_ object: JSON, type: String, catalog: SchemaCatalog) -> JSON {
        guard let root = catalog[type] else { return object }
        return pruneObject(object, schema: root, catalog: catalog, isRoot: true)
    }

    static func pruneObject(_ value: JSON, schema: TypeSchema, catalog: SchemaCatalog, isRoot: Bool) -> JSON {
        guard case .object(let members) = value, !schema.preservesUnknownFields else { return value }
        var kept: [String: JSON] = [:]
        for (key, member) in members {
            if let field = schema.field(key) {
                kept[key] = pruneValue(member, type: field.type, catalog: catalog)
            } else if isRoot && (key == "apiVersion" || key == "kind") {
                kept[key] = member
            }
        }
        return .object(kept)
    }

    static func pruneValue(_ value: JSON, type: SchemaType, catalog: SchemaCatalog) -> JSON {
        switch (type, value) {
        case (.ref(let name), .object):
            guard let schema = catalog[name] else { return value }
            return pruneObject(value, schema: schema, catalog: catalog, isRoot: false)
        case (.array(let element), .array(let items)):
            return .array(items.map { pruneValue($0, type: element, catalog: catalog) })
        case (.map(let element), .object(let members)):
            return .object(members.mapValues { pruneValue($0, type: element, catalog: catalog) })
        default:
            return value
        }
    }

    /// Depth-first walk collecting findings; object members are visited in sorted key order.
    struct Walker {
        let catalog: SchemaCatalog
        let style: Style
        var unknownFields: [String] = []
        var errors: [FieldError] = []

        var result: SchemaCheck { SchemaCheck(unknownFields: unknownFields, errors: errors) }

        mutating func walkObject(
            _ members: [String: JSON], schema: TypeSchema, path: FieldPath, goPath: [String], isRoot: Bool
        ) {
            if schema.preservesUnknownFields && schema.fields.isEmpty { return }
            for key in members.keys.sorted() {
                let value = members[key]!
                guard let field = schema.field(key) else {
                    let allowed = isRoot && (key == "apiVersion" || key == "kind")
                    if !allowed && !schema.preservesUnknownFields { unknownFields.append(path.child(key).text) }
                    continue
                }
                walkValue(value, type: field.type, path: path.child(key), goPath: goPath + [key], owner: schema)
            }
        }

        mutating func walkValue(_ value: JSON, type: SchemaType, path: FieldPath, goPath: [String], owner: TypeSchema) {
            if value.isNull { return }
            switch type {
            case .any:
                return
            case .ref(let name):
                guard case .object(let members) = value else {
                    return typeError(value, expected: type, at: path, goPath: goPath, owner: owner)
                }
                guard let schema = catalog[name] else { return }
                walkObject(members, schema: schema, path: path, goPath: goPath, isRoot: false)
            case .array(let element):
                guard case .array(let items) = value else {
                    return typeError(value, expected: type, at: path, goPath: goPath, owner: owner)
                }
                for (position, item) in items.enumerated() {
                    walkValue(item, type: element, path: path.index(position), goPath: goPath, owner: owner)
                }
            case .map(let element):
                guard case .object(let members) = value else {
                    return typeError(value, expected: type, at: path, goPath: goPath, owner: owner)
                }
                for key in members.keys.sorted() {
                    walkValue(members[key]!, type: element, path: path.child(key), goPath: goPath, owner: owner)
                }
            default:
                checkScalar(value, type: type, path: path, goPath: goPath, owner: owner)
            }
        }

        mutating func checkScalar(_ value: JSON, type: SchemaType, path: FieldPath, goPath: [String], owner: TypeSchema)
        {
            switch type {
            case .quantity:
                if let problem = Self.quantityProblem(value) {
                    errors.append(FieldError(.typeInvalid, path.text, value, problem))
                }
            case .time, .microTime:
                guard case .string(let text) = value else {
                    return typeError(value, expected: .string, at: path, goPath: goPath, owner: owner)
                }
                if Timestamp.parse(text) == nil {
                    let detail = "parsing time \"\(text)\" as \"2006-01-02T15:04:05Z07:00\": not an RFC 3339 time"
                    errors.append(FieldError(.typeInvalid, path.text, value, detail))
                }
            case .bytes:
                guard case .string(let text) = value else {
                    return typeError(value, expected: type, at: path, goPath: goPath, owner: owner)
                }
                if let position = Base64Check.firstIllegalByte(text) {
                    errors.append(
                        FieldError(.typeInvalid, path.text, value, "illegal base64 data at input byte \(position)"))
                }
            default:
                if !Self.accepts(value, type) {
                    typeError(value, expected: type, at: path, goPath: goPath, owner: owner)
                }
            }
        }

        static func quantityProblem(_ value: JSON) -> String? {
            do {
                _ = try Quantity(json: value)
                return nil
            } catch let error as QuantityError {
                return error.message
            } catch {
                return QuantityError.formatWrong.message
            }
        }

        /// Whether a scalar JSON value decodes into `type` (integers must be whole and in range).
        static func accepts(_ value: JSON, _ type: SchemaType) -> Bool {
            switch (type, value) {
            case (.string, .string), (.boolean, .bool), (.number, .int), (.number, .double): true
            case (.integer(let format), .int(let number)):
                format != "int32" || Int64(Int32.min)...Int64(Int32.max) ~= number
            case (.intOrString, .string): true
            case (.intOrString, .int(let number)): Int64(Int32.min)...Int64(Int32.max) ~= number
            default: false
            }
        }

        mutating func typeError(
            _ value: JSON, expected: SchemaType, at path: FieldPath, goPath: [String], owner: TypeSchema?
        ) {
            switch style {
            case .decoder:
                let target: String
                if let owner {
                    target = "Go struct field \(GoNames.shortName(owner.name)).\(goPath.joined(separator: "."))"
                } else {
                    target = "Go value"
                }
                let detail =
                    "json: cannot unmarshal \(GoNames.valueKind(value, for: expected)) into \(target) of type "
                    + GoNames.typeName(expected)
                errors.append(FieldError(.typeInvalid, path.text, nil, detail))
            case .openAPI:
                let actual = value.typeName
                let detail =
                    "\(path.text.isEmpty ? "body" : path.text) in body must be of type "
                    + "\(GoNames.openAPITypeName(expected)): \"\(actual)\""
                errors.append(FieldError(.typeInvalid, path.text, .string(actual), detail))
            }
        }
    }
}
