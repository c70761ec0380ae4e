/// Where a value sits in the schema, as the patch and apply engines need it: its type and, for a
/// field of an object, the field's list and map annotations. A node without a type stands for
/// data the schema does not describe (custom resources, `.any`): maps there are merged key by key
/// and lists are treated as single values, as upstream does for schemaless data.
struct SchemaNode {
    var type: SchemaType?
    var field: FieldSchema?
    let catalog: SchemaCatalog

    static func root(_ typeName: String?, _ catalog: SchemaCatalog) -> SchemaNode {
        guard let typeName, catalog[typeName] != nil else { return SchemaNode(type: nil, field: nil, catalog: catalog) }
        return SchemaNode(type: .ref(typeName), field: nil, catalog: catalog)
    }

    static func unknown(_ catalog: SchemaCatalog) -> SchemaNode {
        SchemaNode(type: nil, field: nil, catalog: catalog)
    }

    /// The object definition when this node is a known object type.
    var objectSchema: TypeSchema? {
        if case .ref(let name) = type { return catalog[name] }
        return nil
    }

    /// True when the value is described and is neither an object, a map nor a list: a scalar.
    var isScalar: Bool {
        switch type {
        case nil, .any, .ref, .array, .map: return false
        default: return true
        }
    }

    /// Data never looked into: `.any` fields.
    var isOpaque: Bool { type == .any }

    /// The node of member `key` when this node is an object or a map.
    func child(_ key: String) -> SchemaNode {
        switch type {
        case .ref(let name):
            guard let field = catalog[name]?.field(key) else { return .unknown(catalog) }
            return SchemaNode(type: field.type, field: field, catalog: catalog)
        case .map(let element):
            return SchemaNode(type: element, field: nil, catalog: catalog)
        default:
            return .unknown(catalog)
        }
    }

    /// True when `key` is a declared field of this object type (not a free map key).
    func declares(_ key: String) -> Bool {
        objectSchema?.field(key) != nil
    }

    /// The node of the elements when this node is a list.
    var element: SchemaNode {
        if case .array(let element) = type { return SchemaNode(type: element, field: nil, catalog: catalog) }
        return .unknown(catalog)
    }

    // MARK: Strategic merge patch

    /// The patch strategies of the field (`merge`, `replace`, `retainKeys`), split on commas.
    var patchStrategies: [String] {
        (field?.patchStrategy ?? "").split(separator: ",").map { String($0) }
    }

    var patchMergeKey: String? { field?.patchMergeKey }

    // MARK: Server-side apply

    enum ListSemantics: Equatable {
        case atomic
        case set
        /// An associative list identified by these key fields.
        case map([String])
    }

    /// How server-side apply treats the list: from `listType`/`listMapKeys`, falling back to the
    /// patch strategy as upstream's schema conversion does; lists the schema does not describe
    /// are atomic.
    var listSemantics: ListSemantics {
        guard case .array = type else { return .atomic }
        let mergeKey = field?.patchMergeKey
        switch field?.listType {
        case "atomic": return .atomic
        case "set": return .set
        case "map":
            if let keys = field?.listMapKeys, !keys.isEmpty { return .map(keys) }
            if let mergeKey { return .map([mergeKey]) }
            return .atomic
        default:
            guard patchStrategies.contains("merge") else { return .atomic }
            if let mergeKey { return .map([mergeKey]) }
            return element.isScalar ? .set : .atomic
        }
    }

    /// True for maps and objects owned as a whole (`x-kubernetes-map-type: atomic`, `.any`).
    var isAtomicMap: Bool {
        field?.mapType == "atomic" || type == .any
    }

    /// The identity of a `listType: map` element: its key fields as a JSON object. A missing key
    /// falls back to the default upstream declares for it, so `{containerPort: 80}` in an applied
    /// configuration matches the stored `{containerPort: 80, protocol: TCP}`.
    static func elementKey(_ element: JSON, keys: [String]) -> JSON {
        var members: [String: JSON] = [:]
        for key in keys {
            if let value = element[key], value != .null {
                members[key] = value
            } else if let fallback = listKeyDefaults[key] {
                members[key] = fallback
            }
        }
        return .object(members)
    }

    /// Defaults of list-map key fields in built-in types (every `protocol` key defaults to TCP).
    /// The schema DSL has no defaults yet, hence this table.
    static let listKeyDefaults: [String: JSON] = ["protocol": "TCP"]
}
