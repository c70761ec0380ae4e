/// The project's own type definitions for Kubernetes objects, as data. One description of each type
/// drives everything that needs to know its shape: the OpenAPI v3 documents (`kubectl explain`,
/// apply's fieldValidation check), unknown-field detection for fieldValidation Strict/Warn,
/// strategic-merge-patch list keys, and server-side apply's list semantics.
public indirect enum SchemaType: Sendable, Hashable {
    case string
    /// `format` is "int32" or "int64".
    case integer(format: String)
    case number
    case boolean
    /// `intstr.IntOrString`: an integer or a string (ports, maxSurge).
    case intOrString
    /// `resource.Quantity`: "500m", "1Gi", or a number.
    case quantity
    /// `metav1.Time`: an RFC 3339 timestamp string.
    case time
    /// `metav1.MicroTime`: RFC 3339 with microseconds.
    case microTime
    /// Base64 in JSON (`[]byte`, e.g. Secret data values).
    case bytes
    /// A named definition in the catalog, such as `io.k8s.api.core.v1.PodSpec`.
    case ref(String)
    case array(SchemaType)
    /// An object with free keys (`map[string]T`): labels, annotations, resource lists.
    case map(SchemaType)
    /// Anything (`runtime.RawExtension`, `JSON` in CRD schemas): never checked below this point.
    case any

    public static let int32 = SchemaType.integer(format: "int32")
    public static let int64 = SchemaType.integer(format: "int64")
    public static let stringMap = SchemaType.map(.string)
}

/// One field of an object type.
public struct FieldSchema: Sendable, Hashable {
    public var name: String
    public var type: SchemaType
    public var description: String
    public var required: Bool
    /// Strategic merge patch: the key that identifies list elements (`x-kubernetes-patch-merge-key`).
    public var patchMergeKey: String?
    /// Strategic merge patch strategy (`x-kubernetes-patch-strategy`): "merge", "replace",
    /// "retainKeys" or "merge,retainKeys".
    public var patchStrategy: String?
    /// Server-side apply list semantics (`x-kubernetes-list-type`): "atomic", "set" or "map".
    public var listType: String?
    /// Keys of a `listType: map` list (`x-kubernetes-list-map-keys`).
    public var listMapKeys: [String]
    /// Allowed values, when the field is an enumeration.
    public var enumValues: [String]
    /// Server-side apply map semantics (`x-kubernetes-map-type`): "atomic" or "granular".
    public var mapType: String?

    public init(
        _ name: String, _ type: SchemaType, _ description: String, required: Bool = false,
        mergeKey: String? = nil, strategy: String? = nil, listType: String? = nil, mapKeys: [String] = [],
        enumValues: [String] = [], mapType: String? = nil
    ) {
        self.name = name
        self.type = type
        self.description = description
        self.required = required
        self.patchMergeKey = mergeKey
        self.patchStrategy = strategy
        self.listType = listType
        self.listMapKeys = mapKeys
        self.enumValues = enumValues
        self.mapType = mapType
    }
}

/// A named object type (an OpenAPI component schema).
public struct TypeSchema: Sendable, Hashable {
    /// The definition name, as upstream names it (`io.k8s.api.apps.v1.Deployment`).
    public var name: String
    public var description: String
    public var fields: [FieldSchema]
    /// Set on top-level kinds: what `x-kubernetes-group-version-kind` says.
    public var groupVersionKinds: [GroupVersionKind]
    /// True for types that keep fields nobody declared (custom resources without a full schema).
    public var preservesUnknownFields: Bool

    public init(
        _ name: String, _ description: String, _ fields: [FieldSchema], kinds: [GroupVersionKind] = [],
        preservesUnknownFields: Bool = false
    ) {
        self.name = name
        self.description = description
        self.fields = fields
        self.groupVersionKinds = kinds
        self.preservesUnknownFields = preservesUnknownFields
    }

    public func field(_ name: String) -> FieldSchema? {
        fields.first { $0.name == name }
    }
}

/// Group, version and kind of an object (`apps`, `v1`, `Deployment`); the core group is "".
public struct GroupVersionKind: Sendable, Hashable, CustomStringConvertible {
    public var group: String
    public var version: String
    public var kind: String

    public init(_ group: String, _ version: String, _ kind: String) {
        self.group = group
        self.version = version
        self.kind = kind
    }

    /// `v1` for the core group, `apps/v1` otherwise.
    public var apiVersion: String { group.isEmpty ? version : "\(group)/\(version)" }

    public var description: String { "\(apiVersion), Kind=\(kind)" }
}

/// Every type definition the server knows, by name. Built-in kinds come from `builtin`; the API
/// server adds the schemas of custom resources as their definitions arrive.
public struct SchemaCatalog: Sendable {
    public private(set) var types: [String: TypeSchema] = [:]

    public init(_ types: [TypeSchema] = []) {
        for type in types { self.types[type.name] = type }
    }

    public subscript(name: String) -> TypeSchema? { types[name] }

    public mutating func add(_ type: TypeSchema) {
        types[type.name] = type
    }

    public mutating func add(contentsOf types: [TypeSchema]) {
        for type in types { add(type) }
    }

    /// The type a field of `type` holds, following arrays and maps down to the named definition.
    public func elementSchema(of type: SchemaType) -> TypeSchema? {
        switch type {
        case .ref(let name): return types[name]
        case .array(let element), .map(let element): return elementSchema(of: element)
        default: return nil
        }
    }

    /// Walks a field path (`spec.template.spec.containers`) from a root definition.
    public func field(at path: [String], from root: String) -> FieldSchema? {
        var current = types[root]
        var found: FieldSchema?
        for name in path {
            guard let type = current, let field = type.field(name) else { return nil }
            found = field
            current = elementSchema(of: field.type)
        }
        return found
    }
}
