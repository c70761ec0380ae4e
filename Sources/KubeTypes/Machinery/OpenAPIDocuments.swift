/// The OpenAPI v3 documents served under `/openapi/v3`: an index of group versions and one document
/// per group version with paths and component schemas. kubectl reads them for `apply` (it looks for a
/// PATCH operation of the object's kind that offers `fieldValidation`) and for `explain`.
public enum OpenAPIDocuments {
    public static let kubernetesVersion = "v1.37.0"

    /// The document for one group version (`v1`, `apps/v1`); `resources` may contain resources of
    /// other group versions, which are skipped.
    public static func document(groupVersion: String, resources: [ResourceType], catalog: SchemaCatalog) -> JSON {
        let served = resources.filter { $0.apiVersion == groupVersion }
        var paths: [String: JSON] = [:]
        var roots = [OpenAPISchemas.status, OpenAPISchemas.deleteOptions, OpenAPISchemas.patch]
        var synthesized: [String: JSON] = [:]
        for resource in served {
            let builder = PathBuilder(resource: resource, catalog: catalog)
            paths.merge(builder.paths(), uniquingKeysWith: { first, _ in first })
            roots += builder.definitions
            if catalog[builder.listDefinition] == nil {
                synthesized[builder.listDefinition] = OpenAPISchemas.listSchema(
                    for: resource, itemDefinition: resource.schemaName)
            }
        }
        let schemas = OpenAPISchemas.closure(from: roots.reversed(), catalog: catalog, extra: synthesized)
        return [
            "openapi": "3.0.0",
            "info": ["title": "Kubernetes", "version": .string(kubernetesVersion)],
            "paths": .object(paths),
            "components": ["schemas": .object(schemas)],
        ]
    }

    /// `/openapi/v3`: where each group version's document lives; `hash` receives the group version
    /// and returns the content hash of its document, which clients use to cache it.
    public static func index(groupVersions: [String], hash: (String) -> String) -> JSON {
        var paths: [String: JSON] = [:]
        for groupVersion in groupVersions {
            let key = groupVersion.contains("/") ? "apis/" + groupVersion : "api/" + groupVersion
            paths[key] = ["serverRelativeURL": .string("/openapi/v3/\(key)?hash=\(hash(groupVersion))")]
        }
        return ["paths": .object(paths)]
    }

    /// A stable content hash of a document: FNV-1a 64 of its serialised form (sorted keys), as 16
    /// upper-case hex digits.
    public static func contentHash(_ document: JSON) -> String {
        contentHash(bytes: document.serializedBytes())
    }

    public static func contentHash(bytes: [UInt8]) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        let hex = String(hash, radix: 16, uppercase: true)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// `AppsV1`, `CoreV1`, `RbacAuthorizationV1`: the group version as operation ids spell it.
    static func operationPrefix(group: String, version: String) -> String {
        var name = group.isEmpty ? "core" : group
        if name.hasSuffix(".k8s.io") { name.removeLast(".k8s.io".count) }
        let words = name.split { $0 == "." || $0 == "-" }.map { $0.prefix(1).uppercased() + $0.dropFirst() }
        return words.joined() + version.prefix(1).uppercased() + version.dropFirst()
    }

    /// Built-in groups have no dot or end in `.k8s.io`; only their kinds accept strategic merge patches.
    static func isBuiltinGroup(_ group: String) -> Bool {
        !group.contains(".") || group.hasSuffix(".k8s.io")
    }
}

/// The paths of one resource: collection, item, and subresources.
struct PathBuilder {
    let resource: ResourceType
    let catalog: SchemaCatalog

    var listDefinition: String { resource.schemaName + "List" }

    /// Definitions the operations reference.
    var definitions: [String] {
        [resource.schemaName, listDefinition] + resource.allSubresources.compactMap(definition(of:))
    }

    var prefix: String {
        resource.group.isEmpty ? "/api/\(resource.version)" : "/apis/\(resource.group)/\(resource.version)"
    }

    var collectionPath: String {
        resource.namespaced ? "\(prefix)/namespaces/{namespace}/\(resource.plural)" : "\(prefix)/\(resource.plural)"
    }

    /// `NamespacedDeployment` or `Node`, as operation ids name the target.
    var target: String { (resource.namespaced ? "Namespaced" : "") + resource.kind }

    var operationPrefix: String { OpenAPIDocuments.operationPrefix(group: resource.group, version: resource.version) }

    func paths() -> [String: JSON] {
        var paths: [String: JSON] = [:]
        let gvk = resource.groupVersionKind
        let kindSchema = OpenAPISchemas.reference(resource.schemaName)
        var collection: [String: JSON] = [:]
        if has("list") {
            collection["get"] = operation(
                "list", "list", gvk, parameters: OpenAPIParameters.list,
                responses: ok(OpenAPISchemas.reference(listDefinition)))
        }
        if has("create") {
            collection["post"] = operation(
                "create", "post", gvk, parameters: OpenAPIParameters.write, body: body(kindSchema),
                responses: ok(kindSchema, codes: ["200", "201", "202"]))
        }
        if has("deletecollection") {
            collection["delete"] = operation(
                "delete", "deletecollection", gvk, idInfix: "Collection",
                parameters: OpenAPIParameters.delete + OpenAPIParameters.listForDelete, body: deleteBody,
                responses: ok(OpenAPISchemas.reference(OpenAPISchemas.status)))
        }
        if !collection.isEmpty {
            collection["parameters"] = .array(pathParameters(item: false))
            paths[collectionPath] = .object(collection)
        }
        if resource.namespaced && has("list") {
            var operation = operation(
                "list", "list", gvk, parameters: OpenAPIParameters.list,
                responses: ok(OpenAPISchemas.reference(listDefinition)))
            operation["operationId"] = .string("list\(operationPrefix)\(resource.kind)ForAllNamespaces")
            paths["\(prefix)/\(resource.plural)"] = ["get": operation, "parameters": [OpenAPIParameters.pretty]]
        }
        var item = itemOperations(subresource: nil, gvk: gvk, schema: kindSchema, verbs: Set(resource.verbs))
        if has("delete") {
            item["delete"] = operation(
                "delete", "delete", gvk, parameters: OpenAPIParameters.delete, body: deleteBody,
                responses: ok(OpenAPISchemas.reference(OpenAPISchemas.status), codes: ["200", "202"]))
        }
        if !item.isEmpty {
            item["parameters"] = .array(pathParameters(item: true))
            paths[collectionPath + "/{name}"] = .object(item)
        }
        for subresource in resource.allSubresources {
            if let operations = subresourceOperations(subresource) {
                paths[collectionPath + "/{name}/" + subresource.name] = operations
            }
        }
        return paths
    }

    /// Operations of `/status`, `/scale` and other subresources, by their verbs; nil when none apply.
    func subresourceOperations(_ subresource: Subresource) -> JSON? {
        let schema = definition(of: subresource).map(OpenAPISchemas.reference) ?? ["type": "string"]
        var operations = itemOperations(
            subresource: subresource.name, gvk: subresource.kind, schema: schema, verbs: Set(subresource.verbs))
        if subresource.verbs.contains("create") {
            operations["post"] = operation(
                "create", "post", subresource.kind, subresource: subresource.name,
                parameters: OpenAPIParameters.write, body: body(schema),
                responses: ok(schema, codes: ["200", "201", "202"]))
        }
        guard !operations.isEmpty else { return nil }
        operations["parameters"] = .array(pathParameters(item: true))
        return .object(operations)
    }

    /// GET, PUT and PATCH on an object or one of its subresources.
    func itemOperations(subresource: String?, gvk: GroupVersionKind, schema: JSON, verbs: Set<String>) -> [String: JSON]
    {
        var operations: [String: JSON] = [:]
        if verbs.contains("get") {
            operations["get"] = operation(
                "read", "get", gvk, subresource: subresource, parameters: [], responses: ok(schema))
        }
        if verbs.contains("update") {
            operations["put"] = operation(
                "replace", "put", gvk, subresource: subresource, parameters: OpenAPIParameters.write,
                body: body(schema),
                responses: ok(schema, codes: ["200", "201"]))
        }
        if verbs.contains("patch") {
            operations["patch"] = operation(
                "patch", "patch", gvk, subresource: subresource, parameters: OpenAPIParameters.patch,
                body: patchBody, responses: ok(schema, codes: ["200", "201"]))
        }
        return operations
    }

    func operation(
        _ verb: String, _ action: String, _ gvk: GroupVersionKind, idInfix: String = "", subresource: String? = nil,
        parameters: [JSON], body: JSON? = nil, responses: JSON
    ) -> JSON {
        let suffix = subresource.map { $0.prefix(1).uppercased() + $0.dropFirst() } ?? ""
        var operation: [String: JSON] = [
            "operationId": .string(verb + operationPrefix + idInfix + target + suffix),
            "description": .string(OpenAPIParameters.summary(verb, kind: resource.kind, subresource: subresource)),
            "tags": [.string(operationPrefix.prefix(1).lowercased() + operationPrefix.dropFirst())],
            "x-kubernetes-action": .string(action),
            "x-kubernetes-group-version-kind": OpenAPISchemas.gvkObject(gvk),
            "responses": responses,
        ]
        if !parameters.isEmpty { operation["parameters"] = .array(parameters) }
        if let body { operation["requestBody"] = body }
        return .object(operation)
    }

    func has(_ verb: String) -> Bool { resource.verbs.contains(verb) }

    func definition(of subresource: Subresource) -> String? {
        if subresource.kind == resource.groupVersionKind { return resource.schemaName }
        if let found = catalog.types.values.filter({ $0.groupVersionKinds.contains(subresource.kind) }).map(\.name)
            .min()
        {
            return found
        }
        if subresource.name == "scale" { return "io.k8s.api.autoscaling.v1.Scale" }
        return nil
    }

    func pathParameters(item: Bool) -> [JSON] {
        var parameters: [JSON] = []
        if item { parameters.append(OpenAPIParameters.path("name", "Name of the \(resource.kind).")) }
        if resource.namespaced { parameters.append(OpenAPIParameters.path("namespace", "Namespace of the objects.")) }
        return parameters + [OpenAPIParameters.pretty]
    }

    static let responseTypes = ["application/json", "application/yaml", "application/vnd.kubernetes.protobuf"]

    func ok(_ schema: JSON, codes: [String] = ["200"]) -> JSON {
        let content = JSON.object(Dictionary(uniqueKeysWithValues: Self.responseTypes.map { ($0, ["schema": schema]) }))
        var responses: [String: JSON] = ["401": ["description": "Unauthorized"]]
        let names = ["200": "OK", "201": "Created", "202": "Accepted"]
        for code in codes { responses[code] = ["description": .string(names[code] ?? code), "content": content] }
        return .object(responses)
    }

    func body(_ schema: JSON) -> JSON {
        ["content": ["*/*": ["schema": schema]], "required": true]
    }

    var deleteBody: JSON {
        ["content": ["*/*": ["schema": OpenAPISchemas.reference(OpenAPISchemas.deleteOptions)]]]
    }

    /// The patch formats the resource accepts; strategic merge only for built-in kinds.
    var patchBody: JSON {
        var types = ["application/json-patch+json", "application/merge-patch+json", "application/apply-patch+yaml"]
        if OpenAPIDocuments.isBuiltinGroup(resource.group) { types.append("application/strategic-merge-patch+json") }
        let schema: JSON = ["schema": OpenAPISchemas.reference(OpenAPISchemas.patch)]
        return ["content": .object(Dictionary(uniqueKeysWithValues: types.map { ($0, schema) })), "required": true]
    }
}
