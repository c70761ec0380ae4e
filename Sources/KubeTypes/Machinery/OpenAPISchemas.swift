/// Renders catalog types as OpenAPI v3 component schemas, in the shape upstream's generated documents
/// have: object fields as `allOf` references with an empty default, named string types (`Quantity`,
/// `Time`) as plain references, and the Kubernetes extensions `kubectl explain` and patching read.
enum OpenAPISchemas {
    static let quantity = "io.k8s.apimachinery.pkg.api.resource.Quantity"
    static let time = "io.k8s.apimachinery.pkg.apis.meta.v1.Time"
    static let microTime = "io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime"
    static let patch = "io.k8s.apimachinery.pkg.apis.meta.v1.Patch"
    static let status = "io.k8s.apimachinery.pkg.apis.meta.v1.Status"
    static let deleteOptions = "io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions"
    static let listMeta = "io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta"

    static func reference(_ name: String) -> JSON { ["$ref": .string("#/components/schemas/" + name)] }

    /// Named types that hold a string rather than an object; references to them get no `{}` default.
    static let stringDefinitions: Set<String> = [quantity, time, microTime]

    /// One component schema for a catalog type.
    static func render(_ type: TypeSchema) -> JSON {
        var schema: JSON = ["type": "object", "description": .string(type.description)]
        var properties: [String: JSON] = [:]
        for field in type.fields { properties[field.name] = property(field) }
        if !properties.isEmpty { schema["properties"] = .object(properties) }
        let required = type.fields.filter(\.required).map { JSON.string($0.name) }
        if !required.isEmpty { schema["required"] = .array(required) }
        if !type.groupVersionKinds.isEmpty {
            schema["x-kubernetes-group-version-kind"] = .array(type.groupVersionKinds.map(gvkObject))
        }
        if type.preservesUnknownFields { schema["x-kubernetes-preserve-unknown-fields"] = true }
        return schema
    }

    static func gvkObject(_ gvk: GroupVersionKind) -> JSON {
        ["group": .string(gvk.group), "version": .string(gvk.version), "kind": .string(gvk.kind)]
    }

    /// A property: its type schema plus description and list, map and patch extensions.
    static func property(_ field: FieldSchema) -> JSON {
        var schema = typeSchema(field.type, topLevel: true)
        schema["description"] = .string(field.description)
        if let key = field.patchMergeKey { schema["x-kubernetes-patch-merge-key"] = .string(key) }
        if let strategy = field.patchStrategy { schema["x-kubernetes-patch-strategy"] = .string(strategy) }
        if let listType = field.listType { schema["x-kubernetes-list-type"] = .string(listType) }
        if !field.listMapKeys.isEmpty {
            schema["x-kubernetes-list-map-keys"] = .array(field.listMapKeys.map(JSON.string))
        }
        if let mapType = field.mapType { schema["x-kubernetes-map-type"] = .string(mapType) }
        if !field.enumValues.isEmpty { schema["enum"] = .array(field.enumValues.map(JSON.string)) }
        return schema
    }

    /// The schema of a type. At the top of a property a reference is wrapped in `allOf`, because
    /// OpenAPI 3.0 ignores siblings of `$ref` and the property carries a description.
    static func typeSchema(_ type: SchemaType, topLevel: Bool) -> JSON {
        switch type {
        case .string: return ["type": "string"]
        case .integer(let format): return ["type": "integer", "format": .string(format)]
        case .number: return ["type": "number", "format": "double"]
        case .boolean: return ["type": "boolean"]
        case .intOrString: return ["x-kubernetes-int-or-string": true]
        case .bytes: return ["type": "string", "format": "byte"]
        case .quantity: return named(quantity, topLevel: topLevel)
        case .time: return named(time, topLevel: topLevel)
        case .microTime: return named(microTime, topLevel: topLevel)
        case .ref(let name): return named(name, topLevel: topLevel)
        case .array(let element): return ["type": "array", "items": typeSchema(element, topLevel: false)]
        case .map(let element):
            return ["type": "object", "additionalProperties": typeSchema(element, topLevel: false)]
        case .any: return ["type": "object", "x-kubernetes-preserve-unknown-fields": true]
        }
    }

    static func named(_ name: String, topLevel: Bool) -> JSON {
        if stringDefinitions.contains(name) {
            return topLevel ? ["allOf": [reference(name)]] : reference(name)
        }
        return ["allOf": [reference(name)], "default": .emptyObject]
    }

    /// Definition names a type mentions, including the implicit string definitions.
    static func mentions(_ type: SchemaType) -> [String] {
        switch type {
        case .quantity: [quantity]
        case .time: [time]
        case .microTime: [microTime]
        case .ref(let name): [name]
        case .array(let element), .map(let element): mentions(element)
        default: []
        }
    }

    /// Every definition reachable from `roots`, rendered. Names the catalog lacks come from the
    /// generator's own fallbacks, or become a bare object so no reference dangles.
    static func closure(from roots: [String], catalog: SchemaCatalog, extra: [String: JSON] = [:]) -> [String: JSON] {
        var rendered: [String: JSON] = [:]
        var pending = roots
        while let name = pending.popLast() {
            if rendered[name] != nil { continue }
            if let type = catalog[name] {
                rendered[name] = render(type)
                pending += type.fields.flatMap { mentions($0.type) }
            } else if let schema = extra[name] ?? fallbacks[name] {
                rendered[name] = schema
                pending += referencedNames(in: schema)
            } else {
                rendered[name] = ["type": "object", "x-kubernetes-preserve-unknown-fields": true]
            }
        }
        return rendered
    }

    /// `$ref` targets anywhere inside a rendered schema.
    static func referencedNames(in schema: JSON) -> [String] {
        switch schema {
        case .object(let members):
            var names: [String] = []
            if let target = members["$ref"]?.stringValue, target.hasPrefix("#/components/schemas/") {
                names.append(String(target.dropFirst("#/components/schemas/".count)))
            }
            for key in members.keys.sorted() where key != "$ref" { names += referencedNames(in: members[key]!) }
            return names
        case .array(let items): return items.flatMap(referencedNames)
        default: return []
        }
    }

    /// A `<Kind>List` schema for resources whose list type the catalog does not define.
    static func listSchema(for resource: ResourceType, itemDefinition: String) -> JSON {
        let kind = resource.kind
        return [
            "type": "object",
            "description": .string("A list of \(kind) objects."),
            "properties": [
                "apiVersion": ["type": "string", "description": "Versioned schema of this representation."],
                "kind": ["type": "string", "description": "Kind of this list."],
                "metadata": [
                    "allOf": [reference(listMeta)], "default": .emptyObject,
                    "description": "List metadata, such as the resource version to watch from.",
                ],
                "items": [
                    "type": "array", "items": named(itemDefinition, topLevel: false),
                    "description": .string("The \(kind) objects."),
                ],
            ],
            "required": ["items"],
            "x-kubernetes-group-version-kind": [
                gvkObject(GroupVersionKind(resource.group, resource.version, kind + "List"))
            ],
        ]
    }

    static let typeMetaProperties: [String: JSON] = [
        "apiVersion": ["type": "string", "description": "Versioned schema of this representation."],
        "kind": ["type": "string", "description": "Kind of this object."],
    ]

    /// Definitions of API machinery types, used when the catalog does not provide them.
    static let fallbacks: [String: JSON] = [
        quantity: [
            "type": "string",
            "description":
                "An exact amount such as `500m`, `2` or `1Gi`: decimal or binary SI suffixes, or an exponent.",
        ],
        time: ["type": "string", "format": "date-time", "description": "An RFC 3339 timestamp with second precision."],
        microTime: [
            "type": "string", "format": "date-time", "description": "An RFC 3339 timestamp with microsecond precision.",
        ],
        patch: ["type": "object", "description": "The body of a PATCH request, interpreted by its content type."],
        listMeta: [
            "type": "object", "description": "Metadata of a list response.",
            "properties": [
                "continue": ["type": "string", "description": "Token for fetching the next page."],
                "remainingItemCount": [
                    "type": "integer", "format": "int64", "description": "Estimated number of items not yet returned.",
                ],
                "resourceVersion": ["type": "string", "description": "Version of the list, for watching from it."],
            ],
        ],
        status: [
            "type": "object", "description": "The outcome of an operation that returns no object.",
            "properties": .object(
                typeMetaProperties.merging(
                    [
                        "code": ["type": "integer", "format": "int32", "description": "HTTP status code."],
                        "details": [
                            "type": "object", "x-kubernetes-preserve-unknown-fields": true,
                            "description": "More about the outcome, such as the causes of a validation failure.",
                        ],
                        "message": ["type": "string", "description": "Human-readable description of the outcome."],
                        "metadata": [
                            "allOf": [reference(listMeta)], "default": .emptyObject, "description": "List metadata.",
                        ],
                        "reason": ["type": "string", "description": "Machine-readable reason for a failure."],
                        "status": ["type": "string", "description": "Success or Failure."],
                    ], uniquingKeysWith: { first, _ in first })),
            "x-kubernetes-group-version-kind": [["group": "", "version": "v1", "kind": "Status"]],
        ],
        deleteOptions: [
            "type": "object", "description": "Options of a DELETE request.",
            "properties": .object(
                typeMetaProperties.merging(
                    [
                        "dryRun": [
                            "type": "array", "items": ["type": "string"], "description": "`All` to persist nothing.",
                        ],
                        "gracePeriodSeconds": [
                            "type": "integer", "format": "int64", "description": "Seconds to wait before deletion.",
                        ],
                        "orphanDependents": ["type": "boolean", "description": "Deprecated: use propagationPolicy."],
                        "preconditions": [
                            "type": "object", "x-kubernetes-preserve-unknown-fields": true,
                            "description": "UID and resourceVersion the object must still have.",
                        ],
                        "propagationPolicy": [
                            "type": "string",
                            "description": "How dependents are deleted: Orphan, Background or Foreground.",
                        ],
                    ], uniquingKeysWith: { first, _ in first })),
        ],
    ]
}
