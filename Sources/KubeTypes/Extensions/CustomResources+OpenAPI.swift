/// Custom resource schemas as catalog definitions, so OpenAPI documents and `kubectl explain` cover
/// custom kinds. Nested objects become definitions named after their path (`<root>.spec`).
extension CustomResources {
    public static func schemas(for crd: JSON, version: String) -> [TypeSchema] {
        guard let resource = resourceType(for: crd, version: version) else { return [] }
        let schema = openAPISchema(crd, version: version) ?? ["type": "object"]
        let rootName = resource.schemaName
        var builder = CustomResourceSchemaBuilder()
        var rootFields = [
            FieldSchema("apiVersion", .string, "Versioned schema of this representation: \(resource.apiVersion)."),
            FieldSchema("kind", .string, "Kind of this representation: \(resource.kind)."),
            FieldSchema("metadata", ExtensionSupport.objectMeta, "Standard object metadata."),
        ]
        rootFields += builder.fields(of: schema, definitionName: rootName).filter {
            !["apiVersion", "kind", "metadata"].contains($0.name)
        }
        let root = TypeSchema(
            rootName, ExtensionSupport.string(schema, "description"), rootFields, kinds: [resource.groupVersionKind],
            preservesUnknownFields: schema["x-kubernetes-preserve-unknown-fields"]?.boolValue == true)
        let listKind = crd[path: ["spec", "names", "listKind"]]?.stringValue ?? resource.kind + "List"
        let list = TypeSchema(
            schemaName(group: resource.group, version: version, kind: listKind), "A page of \(resource.kind) objects.",
            [
                FieldSchema("apiVersion", .string, "Versioned schema of this representation: \(resource.apiVersion)."),
                FieldSchema("kind", .string, "Kind of this representation: \(listKind)."),
                FieldSchema("metadata", ExtensionSupport.listMeta, "Standard list metadata."),
                FieldSchema("items", .array(.ref(rootName)), "The objects of the page.", required: true),
            ], kinds: [GroupVersionKind(resource.group, version, listKind)])
        return [root, list] + builder.definitions
    }
}

/// Turns JSONSchemaProps into FieldSchemas, collecting a definition for each nested object.
struct CustomResourceSchemaBuilder {
    private(set) var definitions: [TypeSchema] = []

    mutating func fields(of schema: JSON, definitionName: String) -> [FieldSchema] {
        let required = Set(ExtensionSupport.strings(schema, "required"))
        let properties = schema["properties"]?.objectValue ?? [:]
        return properties.keys.sorted().map { name in
            let property = properties[name]!
            return FieldSchema(
                name, type(of: property, definitionName: definitionName + "." + name),
                ExtensionSupport.string(property, "description"), required: required.contains(name),
                listType: property["x-kubernetes-list-type"]?.stringValue,
                mapKeys: ExtensionSupport.strings(property, "x-kubernetes-list-map-keys"),
                enumValues: ExtensionSupport.array(property, "enum").compactMap(\.stringValue),
                mapType: property["x-kubernetes-map-type"]?.stringValue)
        }
    }

    mutating func type(of schema: JSON, definitionName: String) -> SchemaType {
        if schema["x-kubernetes-int-or-string"]?.boolValue == true { return .intOrString }
        let format = ExtensionSupport.string(schema, "format")
        switch ExtensionSupport.string(schema, "type") {
        case "string":
            switch format {
            case "date-time": return .time
            case "byte": return .bytes
            default: return .string
            }
        case "integer": return .integer(format: format.isEmpty ? "int64" : format)
        case "number": return .number
        case "boolean": return .boolean
        case "array":
            guard let items = schema["items"], items.objectValue != nil else { return .array(.any) }
            return .array(type(of: items, definitionName: definitionName))
        case "object":
            return objectType(schema, definitionName: definitionName)
        default:
            return .any
        }
    }

    private mutating func objectType(_ schema: JSON, definitionName: String) -> SchemaType {
        let preserves = schema["x-kubernetes-preserve-unknown-fields"]?.boolValue == true
        if schema["properties"]?.objectValue?.isEmpty == false {
            let nested = fields(of: schema, definitionName: definitionName)
            definitions.append(
                TypeSchema(
                    definitionName, ExtensionSupport.string(schema, "description"), nested,
                    preservesUnknownFields: preserves))
            return .ref(definitionName)
        }
        if let additional = schema["additionalProperties"], additional.objectValue != nil {
            return .map(type(of: additional, definitionName: definitionName))
        }
        // Free-form objects (preserved, embedded, or with no declared members) hold anything.
        return .any
    }
}
