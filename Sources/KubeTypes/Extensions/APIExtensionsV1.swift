/// `apiextensions.k8s.io/v1`: CustomResourceDefinition, through which users add their own kinds.
/// Serving the defined kinds is the job of `CustomResources`.
public enum APIExtensionsV1 {
    static let group = "apiextensions.k8s.io"
    static let prefix = "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1."
    static let crdKind = GroupVersionKind(group, "v1", "CustomResourceDefinition")

    public static let schemas: [TypeSchema] = typeSchemas

    public static let resources: [ResourceType] = [
        ResourceType(
            group: group, version: "v1", kind: "CustomResourceDefinition", plural: "customresourcedefinitions",
            namespaced: false, shortNames: ["crd", "crds"], categories: ["api-extensions"],
            schemaName: prefix + "CustomResourceDefinition",
            strategy: ResourceStrategy(
                applyDefaults: { applyDefaults(&$0) },
                prepareForCreate: { prepareForCreate(&$0) },
                validateCreate: { validate($0) },
                validateUpdate: { new, old in validate(new) + validateUpdate(new, old) },
                hasStatus: true, table: table))
    ]

    static let table = TableDefinition(
        columns: [
            ExtensionSupport.nameColumn,
            TableColumn("Created At", type: "date", description: "When the definition was created."),
        ],
        cells: { object, _ in
            [ExtensionSupport.nameCell(object), object[path: ["metadata", "creationTimestamp"]] ?? .string("")]
        })

    /// Upstream's v1 defaults: singular and listKind from the kind, conversion strategy None,
    /// webhook service port 443, and the storage version recorded as stored.
    static func applyDefaults(_ object: inout JSON) {
        guard object["spec"]?.objectValue != nil else { return }
        let kind = object[path: ["spec", "names", "kind"]]?.stringValue ?? ""
        if (object[path: ["spec", "names", "singular"]]?.stringValue ?? "").isEmpty {
            object[path: ["spec", "names", "singular"]] = .string(kind.lowercased())
        }
        if (object[path: ["spec", "names", "listKind"]]?.stringValue ?? "").isEmpty && !kind.isEmpty {
            object[path: ["spec", "names", "listKind"]] = .string(kind + "List")
        }
        if object[path: ["spec", "conversion"]] == nil {
            object[path: ["spec", "conversion"]] = ["strategy": "None"]
        }
        let servicePort = ["spec", "conversion", "webhook", "clientConfig", "service"]
        if object[path: servicePort] != nil && object[path: servicePort + ["port"]] == nil {
            object[path: servicePort + ["port"]] = 443
        }
        if (object[path: ["status", "storedVersions"]]?.arrayValue ?? []).isEmpty, let storage = storageVersion(object)
        {
            object[path: ["status", "storedVersions"]] = [.string(storage)]
        }
    }

    /// Upstream leaves name acceptance and establishment to controllers; with no conflicting
    /// definitions possible at create time here, the definition is accepted and established at once.
    static func prepareForCreate(_ object: inout JSON) {
        var status: JSON = [:]
        status["acceptedNames"] = object[path: ["spec", "names"]] ?? .emptyObject
        let since = object[path: ["metadata", "creationTimestamp"]]
        func condition(_ type: String, _ reason: String, _ message: String) -> JSON {
            var entry: JSON = ["type": .string(type), "status": "True", "reason": .string(reason)]
            entry["message"] = .string(message)
            if let since { entry["lastTransitionTime"] = since }
            return entry
        }
        status["conditions"] = [
            condition("NamesAccepted", "NoConflicts", "no conflicts found"),
            condition("Established", "InitialNamesAccepted", "the initial names have been accepted"),
        ]
        status["storedVersions"] = .array(storageVersion(object).map { [.string($0)] } ?? [])
        object["status"] = status
    }

    /// Name of the version marked `storage: true`, if exactly one is.
    static func storageVersion(_ crd: JSON) -> String? {
        let storage = (crd[path: ["spec", "versions"]]?.arrayValue ?? []).filter { $0["storage"]?.boolValue == true }
        return storage.count == 1 ? storage[0]["name"]?.stringValue : nil
    }
}
